// Shared paths for the data tests. Real data lives in ../shared next to the repository
// (found from this file's location, not the working directory); tests that need it skip
// with a message when it is absent.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED = resolve(ROOT, '..', 'shared');
export const HAS_SHARED = existsSync(join(SHARED, 'datasets')) && existsSync(join(SHARED, 'tokenizers'));
/** Pass as the `skip` option of tests that read ../shared. */
export const NEEDS_SHARED: string | false = HAS_SHARED ? false : `real data not found at ${SHARED} (../shared); skipping`;

export const shared = (...parts: string[]): string => join(SHARED, ...parts);
export const BERT_UNCASED = shared('tokenizers', 'bert-base-uncased');
export const BERT_MULTI = shared('tokenizers', 'bert-base-multilingual-cased');
export const FIXTURES = shared('tokenizers', 'fixtures');
export const GLUE = shared('datasets', 'glue');

const created: string[] = [];
process.on('exit', () => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temp folder, removed when the test process exits. */
export function tempDir(prefix = 'finetune-data-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** Token → id from a vocab.txt: the id is the 0-based line number. */
export function vocabIds(dir: string): Map<string, number> {
  const lines = readFileSync(join(dir, 'vocab.txt'), 'utf8').split('\n');
  const map = new Map<string, number>();
  lines.forEach((t, i) => { if (t !== '' || i < lines.length - 1) map.set(t, i); });
  return map;
}

/** Data rows of a TSV file as raw lines (header dropped), for checking loaders against the file. */
export function tsvLines(path: string, header = true): string[] {
  const lines = readFileSync(path, 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l !== '');
  return header ? lines.slice(1) : lines;
}
