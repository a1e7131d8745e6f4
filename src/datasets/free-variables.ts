// Which names a function's source reads from outside itself. The map cache is keyed on the
// function's source, which does not change when a variable it closes over does (`maxLength:
// 16 * K`); Python's datasets hashes closures with dill, JavaScript cannot reach them. So the
// source is scanned for identifiers that are read but declared nowhere inside it and are not
// globals, and a cache is only reused when there are none (or the caller vouches for them).
// The scan is lexical and scope-blind: a name declared anywhere inside counts as declared.

const KEYWORDS = new Set(('await break case catch class const continue debugger default delete do else export extends ' +
  'false finally for function if import in instanceof let new null of return static super switch this throw true try ' +
  'typeof var void while with yield async get set arguments undefined NaN Infinity __name').split(' '));

/** Identifiers and punctuation, with comments, string contents and regex literals dropped. */
function tokenize(src: string): string[] {
  const tokens: string[] = [];
  const templates: number[] = []; // brace depth at each open `${`
  let depth = 0;
  let i = 0;
  const skipString = (quote: string): void => {
    for (i++; i < src.length && src[i] !== quote; i++) if (src[i] === '\\') i++;
    i++;
  };
  // Inside a template literal: up to its end or the next `${`.
  const skipTemplate = (): void => {
    for (; i < src.length; i++) {
      if (src[i] === '\\') { i++; continue; }
      if (src[i] === '`') { i++; tokens.push('"'); return; }
      if (src[i] === '$' && src[i + 1] === '{') { i += 2; templates.push(depth); depth++; tokens.push('('); return; }
    }
  };
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) { i++; continue; }
    if (src.startsWith('//', i)) { i = src.indexOf('\n', i) < 0 ? src.length : src.indexOf('\n', i); continue; }
    if (src.startsWith('/*', i)) { i = src.indexOf('*/', i) < 0 ? src.length : src.indexOf('*/', i) + 2; continue; }
    if (c === '"' || c === "'") { skipString(c); tokens.push('"'); continue; }
    if (c === '`') { i++; skipTemplate(); continue; }
    const word = /^[A-Za-z_$\u00c0-\uffff][\w$\u00c0-\uffff]*/.exec(src.slice(i, i + 200));
    if (word) { tokens.push(word[0]); i += word[0].length; continue; }
    const num = /^(?:0[xXbBoO][\da-fA-F_]+|\d[\d_]*\.?[\d_]*(?:[eE][+-]?\d+)?|\.\d+)n?/.exec(src.slice(i, i + 100));
    if (num) { tokens.push('0'); i += num[0].length; continue; }
    if (c === '/' && regexAllowed(tokens[tokens.length - 1])) { skipRegex(); tokens.push('"'); continue; }
    const punct = /^(?:\.\.\.|\?\.|=>|===|!==|==|!=|\+\+|--|\*\*=|[-+*/%&|^]=|&&=|\|\|=|\?\?=|<<=|>>>?=|&&|\|\||\?\?|<=|>=|.)/s.exec(src.slice(i, i + 4))![0];
    if (punct === '{') depth++;
    if (punct === '}') {
      depth--;
      if (templates.length && templates[templates.length - 1] === depth) { templates.pop(); i++; tokens.push(')'); skipTemplate(); continue; }
    }
    tokens.push(punct);
    i += punct.length;
  }
  return tokens;

  function skipRegex(): void {
    let inClass = false;
    for (i++; i < src.length; i++) {
      if (src[i] === '\\') { i++; continue; }
      if (src[i] === '[') inClass = true;
      else if (src[i] === ']') inClass = false;
      else if (src[i] === '/' && !inClass) break;
    }
    for (i++; i < src.length && /[a-z]/.test(src[i]); i++);
  }
}

function regexAllowed(prev: string | undefined): boolean {
  return prev === undefined || /^(?:[-+*%&|^!~?:;,=<>({[}]|=>|&&|\|\||\?\?|return|typeof|case|in|of|void|yield|await|delete)$/.test(prev) || /^[-+*/%&|^<>!=]=+$/.test(prev);
}

const isName = (t: string | undefined): t is string => t !== undefined && /^[A-Za-z_$\u00c0-\uffff]/.test(t) && !KEYWORDS.has(t);

/** Index of the bracket matching tokens[at] (searching forward for ( [ {, backward for ) ] }). */
function matching(tokens: string[], at: number): number {
  const pairs: Record<string, [string, number]> = { '(': [')', 1], '[': [']', 1], '{': ['}', 1], ')': ['(', -1], ']': ['[', -1], '}': ['{', -1] };
  const [close, step] = pairs[tokens[at]];
  for (let i = at, level = 0; i >= 0 && i < tokens.length; i += step) {
    if (tokens[i] === tokens[at]) level++;
    else if (tokens[i] === close && --level === 0) return i;
  }
  return step > 0 ? tokens.length - 1 : 0;
}

/** Names bound inside the source: parameters, let/const/var/function/class/catch bindings. */
function declaredNames(tokens: string[]): Set<string> {
  const declared = new Set<string>();
  const bindRange = (from: number, to: number): void => {
    for (let k = from; k <= to; k++) if (isName(tokens[k]) && tokens[k + 1] !== ':') declared.add(tokens[k]);
  };
  tokens.forEach((t, i) => {
    if (t === 'let' || t === 'const' || t === 'var' || t === 'catch') {
      let at = i + 1;
      if (tokens[at] === '(') at++; // catch (e)
      if (tokens[at] === '{' || tokens[at] === '[') bindRange(at, matching(tokens, at));
      else if (isName(tokens[at])) declared.add(tokens[at]);
      // let a = 1, b = 2: names after top-level commas of this declaration are bound too.
      for (let k = at, level = 0; k < tokens.length && tokens[k] !== ';'; k++) {
        if ('([{'.includes(tokens[k])) level++;
        else if (')]}'.includes(tokens[k]) && --level < 0) break;
        else if (tokens[k] === ',' && level === 0 && isName(tokens[k + 1])) declared.add(tokens[k + 1]);
      }
    } else if (t === 'function' || t === 'class') {
      let at = i + 1;
      if (tokens[at] === '*') at++;
      if (isName(tokens[at])) declared.add(tokens[at++]);
      if (t === 'function' && tokens[at] === '(') bindRange(at, matching(tokens, at));
    } else if (t === '=>') {
      if (isName(tokens[i - 1])) declared.add(tokens[i - 1]);
      else if (tokens[i - 1] === ')') bindRange(matching(tokens, i - 1), i - 1);
    } else if (t === '(' && tokens[i - 1] !== undefined && isName(tokens[i - 1]) && tokens[matching(tokens, i) + 1] === '{' &&
      (tokens[i - 2] === '{' || tokens[i - 2] === ',' || tokens[i - 2] === '}' || tokens[i - 2] === ';')) {
      bindRange(i, matching(tokens, i)); // a method shorthand inside an object or class: name(params) { ... }
    }
  });
  return declared;
}

export interface OuterNames {
  /** Every outside name the source reads. */
  read: string[];
  /** Those used as a function or an object (`tokenizer(...)`, `tokenizer.batchEncode(...)`). */
  called: string[];
}

/** The names `fn` reads from outside itself (globals excluded); a native or bound function reads '<native code>'. */
export function outerNames(fn: Function): OuterNames {
  const src = Function.prototype.toString.call(fn);
  if (/\{\s*\[native code\]\s*\}\s*$/.test(src)) return { read: ['<native code>'], called: [] };
  const tokens = tokenize(src);
  const declared = declaredNames(tokens);
  const read = new Set<string>();
  const called = new Set<string>();
  tokens.forEach((t, i) => {
    if (!isName(t) || declared.has(t) || t in globalThis) return;
    const prev = tokens[i - 1];
    const next = tokens[i + 1];
    if (prev === '.' || prev === '?.') return; // a property
    if (next === ':' && (prev === '{' || prev === ',')) return; // an object key
    // Written, not read: a counter or a result collected outside does not shape the output.
    if (next === '++' || next === '--' || prev === '++' || prev === '--' || (next !== undefined && /^(?:[-+*/%&|^]|\*\*|<<|>>>?|&&|\|\||\?\?)?=$/.test(next))) return;
    read.add(t);
    if (next === '(' || next === '.' || next === '?.') called.add(t);
  });
  return { read: [...read], called: [...called] };
}
