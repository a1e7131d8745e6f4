// The examples and the ported tutorials in test/types/ type-check under `strict` and
// `noUncheckedIndexedAccess` (test/types/tsconfig.json): what a TypeScript developer relies on
// (typed BatchEncoding fields and dataset columns, assignable DatasetDict splits, computeLoss
// overridable without casts, custom datasets in the DataLoader) is checked here. One program,
// one check; diagnostics are reported for those files only (src/ has its own, plainer config).
import assert from 'node:assert/strict';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import ts from 'typescript';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');

test('examples and test/types type-check under strict + noUncheckedIndexedAccess', () => {
  const configPath = join(here, 'tsconfig.json');
  const { config, error } = ts.readConfigFile(configPath, ts.sys.readFile);
  assert.equal(error, undefined);
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, here);
  assert.equal(parsed.options.noUncheckedIndexedAccess, true);
  assert.equal(parsed.options.strict, true);
  const checked = parsed.fileNames.filter((f) => !f.endsWith('.test.ts'));
  assert.ok(checked.some((f) => f.includes('/examples/')) && checked.some((f) => f.includes('/test/types/')), `files: ${checked.join(', ')}`);
  const program = ts.createProgram(checked, parsed.options);
  const diagnostics = checked.flatMap((f) => ts.getPreEmitDiagnostics(program, program.getSourceFile(f)));
  const text = ts.formatDiagnostics(diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' });
  assert.equal(diagnostics.length, 0, `${diagnostics.length} type errors:\n${text.replaceAll(root + '/', '')}`);
  assert.ok(checked.length >= 10, `${checked.map((f) => relative(root, f)).join(', ')}`);
});
