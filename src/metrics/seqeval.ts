// seqeval, as the Python package (1.2) and evaluate's 'seqeval' metric: entities read from tag
// sequences (default mode: conlleval's lenient chunking; strict mode: the scheme's rules,
// IOB1 / IOB2 / IOE1 / IOE2 / IOBES / BILOU), then precision, recall and F1 per entity type
// and micro-averaged, plus token accuracy.

type Entity = string; // `${sentence} ${type} ${start} ${end}`: compared as sets

/** seqeval.metrics.sequence_labeling.get_entities over sentences ('O' between them): [type, start, end] with end inclusive. */
export function getEntities(sentences: string[][], suffix = false): [string, number, number][] {
  const seq = [...sentences.flatMap((s) => [...s, 'O']), 'O'];
  let [prevTag, prevType, begin] = ['O', '', 0];
  const chunks: [string, number, number][] = [];
  seq.forEach((chunk, i) => {
    const tag = suffix ? chunk.slice(-1) : chunk[0];
    const type = chunkType(chunk, suffix);
    if (endOfChunk(prevTag, tag, prevType, type)) chunks.push([prevType, begin, i - 1]);
    if (startOfChunk(prevTag, tag, prevType, type)) begin = i;
    [prevTag, prevType] = [tag, type];
  });
  return chunks;
}

/** The entity type of a tag: 'B-PER' → 'PER' ('_' when there is none), as get_entities splits it. */
function chunkType(chunk: string, suffix: boolean): string {
  if (suffix) {
    const s = chunk.slice(0, -1);
    const at = s.lastIndexOf('-');
    return (at < 0 ? s : s.slice(0, at)) || '_';
  }
  const s = chunk.slice(1);
  const at = s.indexOf('-');
  return (at < 0 ? s : s.slice(at + 1)) || '_';
}

function endOfChunk(prev: string, tag: string, prevType: string, type: string): boolean {
  if (prev === 'E' || prev === 'S') return true;
  if ((prev === 'B' || prev === 'I') && (tag === 'B' || tag === 'S' || tag === 'O')) return true;
  return prev !== 'O' && prev !== '.' && prevType !== type;
}

function startOfChunk(prev: string, tag: string, prevType: string, type: string): boolean {
  if (tag === 'B' || tag === 'S') return true;
  if ((prev === 'E' || prev === 'S' || prev === 'O') && (tag === 'E' || tag === 'I')) return true;
  return tag !== 'O' && tag !== '.' && prevType !== type;
}

// ---------------------------------------------------------------- strict mode (seqeval.scheme)
type Prefix = 'I' | 'O' | 'B' | 'E' | 'S' | 'U' | 'L';
type TagCond = 'same' | 'diff' | 'any';
type Pattern = [Prefix[] | '*', Prefix[] | '*', TagCond];
interface Scheme { allowed: Prefix[]; start: Pattern[]; inside: Pattern[]; end: Pattern[] }

export const SCHEMES: Record<string, Scheme> = {
  IOB1: {
    allowed: ['I', 'O', 'B'],
    start: [[['O'], ['I'], 'any'], [['I'], ['I'], 'diff'], [['B'], ['I'], 'any'], [['I'], ['B'], 'same'], [['B'], ['B'], 'same']],
    inside: [[['B'], ['I'], 'same'], [['I'], ['I'], 'same']],
    end: [[['I'], ['I'], 'diff'], [['I'], ['O'], 'any'], [['I'], ['B'], 'any'], [['B'], ['O'], 'any'], [['B'], ['I'], 'diff'], [['B'], ['B'], 'same']],
  },
  IOE1: {
    allowed: ['I', 'O', 'E'],
    start: [[['O'], ['I'], 'any'], [['I'], ['I'], 'diff'], [['E'], ['I'], 'any'], [['E'], ['E'], 'same']],
    inside: [[['I'], ['I'], 'same'], [['I'], ['E'], 'same']],
    end: [[['I'], ['I'], 'diff'], [['I'], ['O'], 'any'], [['I'], ['E'], 'diff'], [['E'], ['I'], 'same'], [['E'], ['E'], 'same']],
  },
  IOB2: {
    allowed: ['I', 'O', 'B'],
    start: [['*', ['B'], 'any']],
    inside: [[['B'], ['I'], 'same'], [['I'], ['I'], 'same']],
    end: [[['I'], ['O'], 'any'], [['I'], ['I'], 'diff'], [['I'], ['B'], 'any'], [['B'], ['O'], 'any'], [['B'], ['I'], 'diff'], [['B'], ['B'], 'any']],
  },
  IOE2: {
    allowed: ['I', 'O', 'E'],
    start: [[['O'], ['I'], 'any'], [['O'], ['E'], 'any'], [['E'], ['I'], 'any'], [['E'], ['E'], 'any'], [['I'], ['I'], 'diff'], [['I'], ['E'], 'diff']],
    inside: [[['I'], ['E'], 'same'], [['I'], ['I'], 'same']],
    end: [[['E'], '*', 'any']],
  },
  IOBES: {
    allowed: ['I', 'O', 'B', 'E', 'S'],
    start: [['*', ['B'], 'any'], ['*', ['S'], 'any']],
    inside: [[['B'], ['I'], 'same'], [['B'], ['E'], 'same'], [['I'], ['I'], 'same'], [['I'], ['E'], 'same']],
    end: [[['S'], '*', 'any'], [['E'], '*', 'any']],
  },
  BILOU: {
    allowed: ['B', 'I', 'L', 'O', 'U'],
    start: [['*', ['B'], 'any'], ['*', ['U'], 'any']],
    inside: [[['B'], ['I'], 'same'], [['B'], ['L'], 'same'], [['I'], ['I'], 'same'], [['I'], ['L'], 'same']],
    end: [[['U'], '*', 'any'], [['L'], '*', 'any']],
  },
};

interface Token { token: string; prefix: Prefix; tag: string }

function token(t: string, suffix: boolean): Token {
  const prefix = (suffix ? t.slice(-1) : t[0]) as Prefix;
  if (!'IOBESUL'.includes(prefix) || prefix === undefined) throw new Error(`seqeval: '${t}' has no scheme prefix (I, O, B, E, S, U, L)`);
  const rest = suffix ? t.slice(0, -1) : t.slice(1);
  return { token: t, prefix, tag: rest.replace(/^-+|-+$/g, '') || '_' };
}

function matches(prev: Token, cur: Token, patterns: Pattern[]): boolean {
  return patterns.some(([p, c, cond]) => (p === '*' || p.includes(prev.prefix)) && (c === '*' || c.includes(cur.prefix)) &&
    (cond === 'any' || (cond === 'same') === (prev.tag === cur.tag)));
}

/** seqeval.scheme.Tokens(...).entities: [type, start, end) of one sentence under a scheme. */
export function strictEntities(sentence: string[], schemeName: string, suffix = false): [string, number, number][] {
  const scheme = SCHEMES[schemeName];
  if (!scheme) throw new Error(`seqeval: unknown scheme '${schemeName}' (${Object.keys(SCHEMES).join(', ')})`);
  const outside = token('O', suffix);
  const tokens = [...sentence.map((t) => token(t, suffix)), outside];
  const out: [string, number, number][] = [];
  let i = 0;
  let prev = outside;
  while (i < tokens.length) {
    const tok = tokens[i];
    if (!scheme.allowed.includes(tok.prefix)) throw new Error(`Invalid token is found: ${tok.token}. Allowed prefixes are: ${scheme.allowed.join('|')}.`);
    if (matches(prev, tok, scheme.start)) {
      let end = tokens.length - 2; // _forward's fall-through: len(tokens) - 1
      let p = tok;
      for (let k = i + 1; k < tokens.length; k++) {
        if (matches(p, tokens[k], scheme.inside)) p = tokens[k];
        else { end = k; break; }
      }
      if (matches(tokens[end - 1], tokens[end], scheme.end)) out.push([tok.tag, i, end]);
      i = end;
    } else i += 1;
    prev = tokens[i - 1];
  }
  return out;
}

export interface SeqevalOptions {
  suffix?: boolean;
  /** 'IOB1' | 'IOB2' | 'IOE1' | 'IOE2' | 'IOBES' | 'BILOU': used in strict mode. */
  scheme?: string | null;
  /** 'strict': entities by the scheme's rules (needs scheme); default: conlleval's lenient chunking. */
  mode?: 'strict' | null;
  zeroDivision?: 0 | 1 | 'warn';
}

export type SeqevalResult = Record<string, number | { precision: number; recall: number; f1: number; number: number }>;

function prf(tp: number, pred: number, truth: number, zero: number): { precision: number; recall: number; f1: number } {
  const precision = pred === 0 ? zero : tp / pred;
  const recall = truth === 0 ? zero : tp / truth;
  const denom = precision + recall;
  return { precision, recall, f1: (2 * precision * recall) / (denom === 0 ? 1 : denom) };
}

/** evaluate's seqeval: per entity type { precision, recall, f1, number }, and overall_precision/recall/f1/accuracy. */
export function seqeval(predictions: string[][], references: string[][], o: SeqevalOptions = {}): SeqevalResult {
  if (predictions.length !== references.length) throw new Error(`seqeval: ${predictions.length} predicted sequences but ${references.length} references`);
  predictions.forEach((p, i) => {
    if (!Array.isArray(p) || !Array.isArray(references[i]) || p.length !== references[i].length) {
      throw new Error(`seqeval: sequence ${i} has ${Array.isArray(p) ? p.length : 'no'} predicted tags but ${Array.isArray(references[i]) ? references[i].length : 'no'} reference tags`);
    }
  });
  const suffix = o.suffix ?? false;
  const strict = o.mode === 'strict' && o.scheme;
  const entities = (seqs: string[][]): Set<Entity> => {
    if (strict) return new Set(seqs.flatMap((s, sent) => strictEntities(s, o.scheme as string, suffix).map(([t, a, b]) => `${sent} ${t} ${a} ${b}`)));
    return new Set(getEntities(seqs, suffix).map(([t, a, b]) => `${t} ${a} ${b}`));
  };
  const [truth, pred] = [entities(references), entities(predictions)];
  const typeOf = (e: Entity) => e.split(' ').at(strict ? 1 : 0) as string;
  const types = [...new Set([...truth, ...pred].map(typeOf))].sort();
  const zero = o.zeroDivision === 1 ? 1 : 0;
  const result: SeqevalResult = {};
  let [tpAll, predAll, trueAll] = [0, 0, 0];
  for (const type of types) {
    const t = [...truth].filter((e) => typeOf(e) === type);
    const p = [...pred].filter((e) => typeOf(e) === type);
    const tp = p.filter((e) => truth.has(e)).length;
    result[type] = { ...prf(tp, p.length, t.length, zero), number: t.length };
    tpAll += tp; predAll += p.length; trueAll += t.length;
  }
  const overall = prf(tpAll, predAll, trueAll, zero);
  const flatP = predictions.flat();
  const flatT = references.flat();
  result.overall_precision = overall.precision;
  result.overall_recall = overall.recall;
  result.overall_f1 = overall.f1;
  result.overall_accuracy = flatT.filter((t, i) => t === flatP[i]).length / flatT.length;
  return result;
}
