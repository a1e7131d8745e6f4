// The native boundary: the ops the C++ tables register (native/src/*.cc, OpTable entries with
// their macros expanded, plus what binding.cc exports itself), the TypeScript signatures in
// src/engine/native-ops.ts, and what the loaded addon exports must be the same names, so a
// missing or misspelt op fails here rather than in a user's run.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

import { N } from '../../src/engine/native.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NATIVE = join(ROOT, 'native', 'src');

/** Index of the bracket closing the one at `open`, skipping string and character literals. */
function closing(src: string, open: number): number {
  const pairs: Record<string, string> = { '{': '}', '(': ')' };
  const stack: string[] = [];
  for (let i = open; i < src.length; i++) {
    const c = src[i];
    if (c === '"' || c === "'") {
      for (i++; src[i] !== c; i++) if (src[i] === '\\') i++;
    } else if (c in pairs) stack.push(pairs[c]);
    else if (c === '}' || c === ')') {
      if (stack.pop() !== c) throw new Error(`unbalanced '${c}' at ${i}`);
      if (stack.length === 0) return i;
    }
  }
  throw new Error(`no closing bracket for ${open}`);
}

const withoutComments = (src: string) => src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');

/** Op names a macro body defines: `{#name, ...}` and `{#name "_", ...}` per entry. */
function macroNames(params: string[], body: string, args: string[]): string[] {
  return [...body.matchAll(/\{\s*#(\w+)\s*("(\w*)")?\s*,/g)].map((m) => {
    const at = params.indexOf(m[1]);
    if (at < 0) throw new Error(`macro entry #${m[1]} is not a parameter (${params.join(', ')})`);
    return args[at] + (m[3] ?? '');
  });
}

/** The names of every OpTable entry in one C++ file. */
function tableNames(file: string): string[] {
  const src = withoutComments(readFileSync(file, 'utf8'));
  const macros = new Map<string, { params: string[]; body: string }>();
  for (const m of src.replace(/\\\n/g, ' ').matchAll(/#define (\w+)\(([^)]*)\)(.*)/g)) {
    macros.set(m[1], { params: m[2].split(',').map((p) => p.trim()), body: m[3] });
  }
  const names: string[] = [];
  for (const table of src.matchAll(/OpTable\s+\w+\s*\(?\s*\{/g)) { // `table({...})` or `table{...}`
    const open = table.index! + table[0].length - 1;
    const end = closing(src, open);
    for (let i = open + 1; i < end; i++) {
      if (src[i] === '{') {
        const close = closing(src, i);
        const literal = /^\{\s*"(\w+)"\s*,/.exec(src.slice(i, close));
        if (!literal) throw new Error(`${file}: a table entry that does not start with a name: ${src.slice(i, i + 60)}`);
        names.push(literal[1]);
        i = close;
        continue;
      }
      const call = /^(\w+)\s*\(/.exec(src.slice(i, i + 80));
      if (call && macros.has(call[1]) && !/\w/.test(src[i - 1])) {
        const open2 = i + call[0].length - 1;
        const close = closing(src, open2);
        const macro = macros.get(call[1])!;
        names.push(...macroNames(macro.params, macro.body, src.slice(open2 + 1, close).split(',').map((a) => a.trim())));
        i = close;
      }
    }
  }
  return names;
}

function cppNames(): { tables: string[]; binding: string[] } {
  const files = readdirSync(NATIVE).filter((f) => f.endsWith('.cc')).map((f) => join(NATIVE, f));
  const tables = files.flatMap(tableNames);
  const binding = [...withoutComments(readFileSync(join(NATIVE, 'binding.cc'), 'utf8')).matchAll(/exports\.Set\("(\w+)"/g)].map((m) => m[1]);
  return { tables, binding };
}

/** Member names of the named interfaces in src/engine/native-ops.ts. */
function tsNames(...interfaces: string[]): string[] {
  const file = join(ROOT, 'src', 'engine', 'native-ops.ts');
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const names: string[] = [];
  for (const statement of source.statements) {
    if (ts.isInterfaceDeclaration(statement) && interfaces.includes(statement.name.text)) {
      for (const member of statement.members) names.push((member.name as ts.Identifier).text);
    }
  }
  return names;
}

const duplicates = (names: string[]) => names.filter((n, i) => names.indexOf(n) !== i);
const missingFrom = (have: string[], want: string[]) => want.filter((n) => !have.includes(n)).sort();

describe('native boundary', () => {
  const cpp = cppNames();
  const ops = tsNames('NativeOps');
  const bindingFns = tsNames('NativeBindingFunctions');

  it('the C++ parser reads the tables (macros expanded)', () => {
    // a few names from each kind of entry, so a parser that reads nothing cannot pass
    for (const name of ['neg', 'neg_', 'pow_', 'isnan', 'add', 'zeros', 'layerNorm', 'adamStep', 'memoryStats', 'distAllReduce']) {
      assert.ok(cpp.tables.includes(name), `${name} not found in the C++ tables`);
    }
    assert.deepEqual(duplicates(cpp.tables), [], 'an op registered twice');
    assert.deepEqual(cpp.binding.filter((n) => n !== 'TensorBase' && !cpp.tables.includes(n)).length, 4);
  });

  it('every C++ op has a TypeScript signature, and every signature a C++ op', () => {
    assert.deepEqual(duplicates(ops), []);
    assert.deepEqual(missingFrom(ops, cpp.tables), [], 'in the C++ tables but not in NativeOps');
    assert.deepEqual(missingFrom(cpp.tables, ops), [], 'in NativeOps but in no C++ table');
    assert.deepEqual(missingFrom(bindingFns, cpp.binding), [], 'exported by binding.cc but not in NativeBindingFunctions');
    assert.deepEqual(missingFrom(cpp.binding, bindingFns), [], 'in NativeBindingFunctions but not exported by binding.cc');
  });

  it('the loaded addon exports exactly those names, each a function', () => {
    const addon: Record<string, unknown> = Object.fromEntries(Object.entries(N));
    const exported = Object.keys(addon);
    const declared = [...ops, ...bindingFns];
    assert.deepEqual(missingFrom(exported, declared), [], 'declared but not exported by the built addon (rebuild it?)');
    assert.deepEqual(missingFrom(declared, exported), [], 'exported by the addon but not declared');
    for (const name of declared) assert.equal(typeof addon[name], 'function', name);
  });
});
