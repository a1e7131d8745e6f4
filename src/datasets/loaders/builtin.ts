// Dataset-specific builders: NSMC (Naver movie reviews, Korean) and a labeled-folder loader
// (one folder per class, on disk or inside a .zip) for corpora like movie_reviews.
import { readdirSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { extname, join, relative, sep } from 'node:path';
import { buildColumn, type Column } from '../columns.js';
import { ClassLabel, Value, type Features } from '../features.js';
import { DataFileError } from '../io/errors.js';
import { decodeUtf8, readBytes, readTextFile } from '../io/text.js';
import { readZip } from '../io/zip.js';
import { parseDelimited } from './delimited.js';
import { castStrings, type SplitData } from './table.js';

export const NSMC_FILES: Record<string, string> = { train: 'ratings_train.txt', test: 'ratings_test.txt' };

export function nsmcFeatures(): Features {
  return { id: new Value('string'), document: new Value('string'), label: new ClassLabel({ names: ['negative', 'positive'] }) };
}

/** One NSMC file: `id\tdocument\tlabel`, quoting off (reviews contain quotes). */
export function loadNsmcFile(file: string): SplitData {
  const { text, hash } = readTextFile(file);
  const table = parseDelimited(text, file, { delimiter: '\t', quoting: false, header: true });
  const expected = ['id', 'document', 'label'];
  if (table.columnNames.join() !== expected.join()) {
    throw new DataFileError(file, 1, `expected the NSMC header ${expected.join('\\t')}, found ${table.columnNames.join('\\t')}`);
  }
  const features = nsmcFeatures();
  const [ids, docs, labels] = table.columns;
  const columns = new Map<string, Column>([
    ['id', buildColumn(ids, features.id)],
    ['document', buildColumn(docs, features.document)],
    ['label', buildColumn(castStrings(labels, features.label, file, table.lines, 'label', false), features.label)],
  ]);
  return { columns, features, numRows: table.lines.length, hashes: [hash] };
}

interface FolderFile {
  /** Path parts below the root: [...split?, class, file]. */
  parts: string[];
  where: string;
  read(): Buffer;
}

const SPLIT_NAMES: Record<string, string> = { train: 'train', training: 'train', test: 'test', testing: 'test', validation: 'validation', valid: 'validation', dev: 'validation', eval: 'validation' };

function listFolder(root: string): FolderFile[] {
  const out: FolderFile[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else out.push({ parts: relative(root, full).split(sep), where: full, read: () => readBytes(full) });
    }
  };
  walk(root);
  return out;
}

function listZip(file: string): FolderFile[] {
  const entries = readZip(readBytes(file), file).filter((e) => !e.isDirectory && !e.name.startsWith('__MACOSX/'));
  // A single top folder (movie_reviews/) wraps the classes: strip it.
  const tops = new Set(entries.map((e) => e.name.split('/')[0]));
  const strip = tops.size === 1 && entries.every((e) => e.name.includes('/'));
  return entries
    .map((e) => ({ parts: e.name.split('/').slice(strip ? 1 : 0), where: `${file}!${e.name}`, read: () => e.read() }))
    .sort((a, b) => a.parts.join('/').localeCompare(b.parts.join('/')));
}

export interface FolderOptions {
  /** File extensions that hold examples (default ['.txt']); other files (README, ...) are not data. */
  extensions?: string[];
  /** Class names in id order (default: the folder names, sorted). */
  labels?: string[];
}

/**
 * Splits of a labeled-folder dataset: root/<class>/<file> (one 'train' split) or
 * root/<split>/<class>/<file>. Columns: text, label (ClassLabel of the folder names).
 */
export function loadTextFolder(root: string, o: FolderOptions = {}): Record<string, SplitData> {
  const isZip = extname(root).toLowerCase() === '.zip';
  let files: FolderFile[];
  try {
    files = isZip ? listZip(root) : listFolder(root);
  } catch (e) {
    if (e instanceof DataFileError) throw e;
    throw new DataFileError(root, null, `cannot read the folder: ${(e as Error).message}`);
  }
  const exts = (o.extensions ?? ['.txt']).map((x) => x.toLowerCase());
  const data = files.filter((f) => exts.includes(extname(f.parts[f.parts.length - 1]).toLowerCase()) && f.parts.length >= 2);
  if (data.length === 0) throw new DataFileError(root, null, `no ${exts.join('/')} files in class folders (expected <class>/<file> or <split>/<class>/<file>)`);
  const withSplits = data.every((f) => f.parts.length === 3 && f.parts[0].toLowerCase() in SPLIT_NAMES);
  for (const f of data) {
    if (f.parts.length !== (withSplits ? 3 : 2)) {
      throw new DataFileError(f.where, null, `unexpected depth; expected ${withSplits ? '<split>/<class>/<file>' : '<class>/<file>'} under ${root}`);
    }
  }
  const classOf = (f: FolderFile): string => f.parts[f.parts.length - 2];
  const names = o.labels ?? [...new Set(data.map(classOf))].sort();
  const label = new ClassLabel({ names });
  const features: Features = { text: new Value('string'), label };
  const bySplit = new Map<string, FolderFile[]>();
  for (const f of data) {
    const split = withSplits ? SPLIT_NAMES[f.parts[0].toLowerCase()] : 'train';
    bySplit.set(split, [...(bySplit.get(split) ?? []), f]);
  }
  const result: Record<string, SplitData> = {};
  for (const [split, list] of bySplit) {
    const hash = createHash('sha1');
    const texts = list.map((f) => {
      const bytes = f.read();
      hash.update(f.parts.join('/')).update(bytes);
      return decodeUtf8(bytes, f.where);
    });
    const labels = list.map((f) => {
      try {
        return label.str2int(classOf(f));
      } catch (e) {
        throw new DataFileError(f.where, null, (e as Error).message);
      }
    });
    const columns = new Map<string, Column>([['text', buildColumn(texts, features.text)], ['label', buildColumn(labels, label)]]);
    result[split] = { columns, features, numRows: list.length, hashes: [hash.digest('hex')] };
  }
  return result;
}

