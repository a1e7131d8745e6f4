// loadDataset(path, name?, options): Hugging Face's entry point. `path` is a builder
// ('csv', 'json', 'parquet', 'text', 'glue', 'nsmc', 'textfolder'), a local folder of data
// files, or a Hub dataset id (Parquet files through the Hub client).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { listHubFiles, resolveHubFile } from '../hub/resolve.js';
import { normalizeOptions } from '../util/options.js';
import { Dataset } from './dataset.js';
import { DatasetDict } from './dataset-dict.js';
import type { Features } from './features.js';
import { hashParts, stableStringify } from '../util/fingerprint.js';
import { DataFileError } from './io/errors.js';
import { NO_FORMAT } from './format.js';
import { loadNsmcFile, loadTextFolder, NSMC_FILES, type FolderOptions } from './loaders/builtin.js';
import { GLUE_CONFIGS, glueDir, loadGlueSplit } from './loaders/glue.js';
import { loadCsv, loadJson, loadParquet, loadText, type CsvOptions, type JsonOptions, type TextOptions } from './loaders/packaged.js';
import { concatSplitData, type SplitData } from './loaders/table.js';
import { filesUnder, loadCacheKey, readLoadCache, writeLoadCache } from './load-cache.js';

export interface LoadDatasetOptions extends CsvOptions, JsonOptions, TextOptions, FolderOptions {
  dataFiles?: string | string[] | Record<string, string | string[]>;
  dataDir?: string;
  /** Return one split (`'train'`, `'train[:10%]'`, `'train[100:200]'`, `'train+test'`) as a Dataset. */
  split?: string;
  features?: Features;
  revision?: string;
  name?: string;
}

const OPTION_KEYS = new Set([
  'dataFiles', 'dataDir', 'split', 'features', 'revision', 'name', 'delimiter', 'sep', 'quoting', 'quoteChar', 'quotechar',
  'header', 'columnNames', 'field', 'sampleBy', 'keepLinebreaks', 'extensions', 'labels', 'encoding', 'cacheDir',
]);

const EXTENSIONS: Record<string, string[]> = {
  csv: ['.csv', '.tsv'], json: ['.json', '.jsonl'], parquet: ['.parquet'], text: ['.txt'],
};
const SPLIT_WORDS: [RegExp, string][] = [
  [/(^|[-_.\s/])(train|training)([-_.\s/]|$)/i, 'train'],
  [/(^|[-_.\s/])(validation|valid|val|dev|eval)([-_.\s/]|$)/i, 'validation'],
  [/(^|[-_.\s/])(test|testing)([-_.\s/]|$)/i, 'test'],
];

function splitOfFile(name: string): string | null {
  for (const [re, split] of SPLIT_WORDS) if (re.test(name)) return split;
  return null;
}

/** Expands `*` and `?` in the last path component. */
function expand(pattern: string): string[] {
  if (!/[*?]/.test(basename(pattern))) return [pattern];
  const dir = dirname(pattern);
  if (!existsSync(dir)) throw new DataFileError(dir, null, 'no such directory (from a dataFiles pattern)');
  const re = new RegExp(`^${basename(pattern).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  const found = readdirSync(dir).filter((f) => re.test(f)).sort().map((f) => join(dir, f));
  if (found.length === 0) throw new DataFileError(pattern, null, 'no file matches this pattern');
  return found;
}

function resolveDataFiles(o: LoadDatasetOptions, builder: string): Record<string, string[]> {
  const base = o.dataDir;
  const fix = (p: string): string[] => expand(base && !isAbsolute(p) ? join(base, p) : p);
  const df = o.dataFiles;
  let out: Record<string, string[]>;
  if (df === undefined) {
    if (!base) throw new Error(`loadDataset('${builder}'): pass dataFiles (a path, a list, or {train, validation, test}) or dataDir`);
    if (!existsSync(base)) throw new DataFileError(base, null, 'no such directory (dataDir)');
    const files = readdirSync(base).filter((f) => EXTENSIONS[builder]?.includes(extname(f).toLowerCase())).sort();
    if (files.length === 0) throw new DataFileError(base, null, `no ${EXTENSIONS[builder]?.join('/')} files in dataDir`);
    out = {};
    for (const f of files) (out[splitOfFile(f) ?? 'train'] ??= []).push(join(base, f));
  } else if (typeof df === 'string') out = { train: fix(df) };
  else if (Array.isArray(df)) out = { train: df.flatMap(fix) };
  else out = Object.fromEntries(Object.entries(df).map(([k, v]) => [k, (Array.isArray(v) ? v : [v]).flatMap(fix)]));
  for (const files of Object.values(out)) {
    for (const f of files) if (!existsSync(f)) throw new DataFileError(resolve(f), null, 'no such file (dataFiles)');
  }
  return out;
}

function fingerprintOf(data: SplitData, builder: string, config: string | undefined, split: string, options: object): string {
  return hashParts('load', builder, config ?? '', split, stableStringify(options), ...data.hashes);
}

function toDataset(data: SplitData, fingerprint: string, split: string): Dataset {
  return new Dataset({
    columns: data.columns, features: data.features, numRows: data.numRows, indices: null, fingerprint,
    cacheable: true, split, format: NO_FORMAT, cacheFiles: [],
  });
}

async function loadPackaged(builder: string, o: LoadDatasetOptions, files: Record<string, string[]>): Promise<Record<string, SplitData>> {
  const out: Record<string, SplitData> = {};
  for (const [split, list] of Object.entries(files)) {
    const parts: SplitData[] = [];
    for (const file of list) {
      if (builder === 'csv') parts.push(loadCsv(file, o));
      else if (builder === 'json') parts.push(loadJson(file, o));
      else if (builder === 'text') parts.push(loadText(file, o));
      else parts.push(await loadParquet(file, o));
    }
    out[split] = concatSplitData(parts, `${builder} split '${split}'`);
  }
  return out;
}

function builderForFolder(dir: string): string {
  const exts = new Set(readdirSync(dir).map((f) => extname(f).toLowerCase()).filter(Boolean));
  const builders = Object.entries(EXTENSIONS).filter(([, e]) => e.some((x) => exts.has(x))).map(([b]) => b);
  if (builders.length !== 1) {
    throw new DataFileError(dir, null, builders.length ? `mixed data file types (${builders.join(', ')}); pass dataFiles with one builder` : 'no .csv/.tsv/.json/.jsonl/.parquet/.txt files');
  }
  return builders[0];
}

async function loadFromHub(repoId: string, o: LoadDatasetOptions, config?: string): Promise<Record<string, SplitData>> {
  const files = (await listHubFiles(repoId, { repoType: 'dataset', revision: o.revision })).filter((f) => f.endsWith('.parquet'));
  const inConfig = config ? files.filter((f) => f.startsWith(`${config}/`)) : files.filter((f) => !f.includes('/') || /^(data|default)\//.test(f));
  if (inConfig.length === 0) {
    throw new Error(`Hub dataset ${repoId}: no Parquet files${config ? ` for config '${config}'` : ''} (found ${files.length ? files.join(', ') : 'none'})`);
  }
  const bySplit: Record<string, string[]> = {};
  for (const f of inConfig.sort()) (bySplit[splitOfFile(f.slice(f.indexOf('/') + 1)) ?? splitOfFile(f) ?? 'train'] ??= []).push(f);
  const out: Record<string, SplitData> = {};
  for (const [split, list] of Object.entries(bySplit)) {
    const parts: SplitData[] = [];
    for (const f of list) parts.push(await loadParquet(await resolveHubFile(repoId, f, { repoType: 'dataset', revision: o.revision }), o));
    out[split] = concatSplitData(parts, `${repoId} split '${split}'`);
  }
  return out;
}

const SPLIT_ORDER = ['train', 'validation', 'test'];

/** `train[10:20]`, `train[:10%]`, `train+test` → a Dataset. */
function selectSplit(dict: Record<string, Dataset>, spec: string): Dataset {
  const pieces = spec.split('+').map((s) => s.trim()).map((part) => {
    const m = /^([\w.-]+)(?:\[(-?\d*%?)?:(-?\d*%?)?\])?$/.exec(part);
    if (!m) throw new Error(`loadDataset: cannot parse split '${part}'; expected e.g. 'train', 'train[:100]', 'train[10%:20%]'`);
    const ds = dict[m[1]];
    if (!ds) throw new Error(`loadDataset: unknown split '${m[1]}'; the splits are [${Object.keys(dict).join(', ')}]`);
    if (m[2] === undefined && m[3] === undefined && !part.includes('[')) return ds;
    const bound = (b: string | undefined, dflt: number): number => {
      if (b === undefined || b === '') return dflt;
      return b.endsWith('%') ? Math.round((Number(b.slice(0, -1)) * ds.numRows) / 100) : Number(b);
    };
    return ds.slice(bound(m[2], 0), bound(m[3], ds.numRows));
  });
  if (pieces.length === 1) return pieces[0];
  const rows = pieces.flatMap((p) => p.toList());
  return Dataset.fromList(rows, { features: pieces[0].features });
}

/** The GLUE configs whose splits are train, validation and test (MNLI's are named per genre match). */
export type GlueThreeSplitConfig = 'cola' | 'sst2' | 'mrpc' | 'qqp' | 'stsb' | 'qnli' | 'rte' | 'wnli';

export function loadDataset(path: string, name: string | undefined, options: LoadDatasetOptions & { split: string }): Promise<Dataset>;
export function loadDataset(path: string, options: LoadDatasetOptions & { split: string }): Promise<Dataset>;
export function loadDataset(path: 'glue', name: GlueThreeSplitConfig, options?: LoadDatasetOptions & { split?: undefined }): Promise<DatasetDict<'train' | 'validation' | 'test'>>;
export function loadDataset(path: 'nsmc', options: LoadDatasetOptions & { dataDir: string; split?: undefined }): Promise<DatasetDict<'train' | 'test'>>;
export function loadDataset(path: string, name?: string, options?: LoadDatasetOptions): Promise<DatasetDict>;
export function loadDataset(path: string, options?: LoadDatasetOptions): Promise<DatasetDict>;
export async function loadDataset(path: string, nameOrOptions?: string | LoadDatasetOptions, maybeOptions?: LoadDatasetOptions): Promise<unknown> {
  const raw = typeof nameOrOptions === 'object' ? nameOrOptions : maybeOptions;
  const o = normalizeOptions<LoadDatasetOptions>(raw ?? {}, OPTION_KEYS, 'loadDataset');
  if ((o as { quotechar?: string }).quotechar) o.quoteChar = (o as { quotechar?: string }).quotechar;
  const config = typeof nameOrOptions === 'string' ? nameOrOptions : o.name;
  let builder = path;
  let sources: string[] | null = null;
  let run: () => Promise<Record<string, SplitData>>;
  if (path === 'glue') {
    if (!config || !(config in GLUE_CONFIGS)) throw new Error(`glue: unknown config '${config}'; expected one of ${Object.keys(GLUE_CONFIGS).join(', ')}`);
    const dir = glueDir(config, o.dataDir);
    sources = Object.values(GLUE_CONFIGS[config].files).map((f) => join(dir, f));
    run = async () => Object.fromEntries(Object.keys(GLUE_CONFIGS[config].files).map((s) => [s, loadGlueSplit(config, dir, s)]));
  } else if (path === 'nsmc') {
    if (!o.dataDir && !o.dataFiles) throw new Error('nsmc: pass dataDir, the folder with ratings_train.txt and ratings_test.txt');
    const files = o.dataFiles ? resolveDataFiles(o, 'nsmc') : Object.fromEntries(Object.entries(NSMC_FILES).map(([s, f]) => [s, [join(o.dataDir as string, f)]]));
    sources = Object.values(files).flat();
    run = async () => Object.fromEntries(Object.entries(files).map(([s, list]) => [s, concatSplitData(list.map(loadNsmcFile), `nsmc split '${s}'`)]));
  } else if (path === 'textfolder' || path === 'folder') {
    const root = o.dataDir ?? (typeof o.dataFiles === 'string' ? o.dataFiles : undefined);
    if (!root) throw new Error(`${path}: pass dataDir, a folder (or .zip) with one sub-folder per class`);
    if (!existsSync(root)) throw new DataFileError(resolve(root), null, 'no such file or directory (dataDir)');
    sources = filesUnder(root);
    run = async () => loadTextFolder(root, o);
  } else if (path in EXTENSIONS) {
    const files = resolveDataFiles(o, path);
    sources = Object.values(files).flat();
    run = () => loadPackaged(path, o, files);
  } else if (existsSync(path) && statSync(path).isDirectory()) {
    builder = builderForFolder(path);
    const folderOptions = { ...o, dataDir: o.dataFiles ? o.dataDir : path };
    const files = resolveDataFiles(folderOptions, builder);
    sources = Object.values(files).flat();
    run = () => loadPackaged(builder, folderOptions, files);
  } else if (/^[\w.-]+\/[\w.-]+$/.test(path) && !path.startsWith('.')) {
    run = () => loadFromHub(path, o, config);
  } else {
    throw new Error(`loadDataset: '${path}' is not a builder (csv, json, parquet, text, glue, nsmc, textfolder), a local folder or a Hub dataset id`);
  }
  const { dataDir: _d, dataFiles: _f, split: _s, ...rest } = o;
  const key = loadCacheKey([builder, config ?? '', rest, o.dataFiles ?? null], sources);
  let splits = key ? readLoadCache(key) : null;
  if (!splits) {
    const fresh = await run();
    splits = Object.fromEntries(Object.entries(fresh).map(([s, data]) => [s, { data, fingerprint: fingerprintOf(data, builder, config, s, rest) }]));
    if (key) writeLoadCache(key, splits);
  }
  const loaded = splits;
  const ordered = Object.keys(loaded).sort((a, b) => rank(a) - rank(b));
  const datasets = Object.fromEntries(ordered.map((s) => [s, toDataset(loaded[s].data, loaded[s].fingerprint, s)]));
  if (o.split !== undefined) return selectSplit(datasets, o.split);
  return new DatasetDict(datasets);
}

function rank(split: string): number {
  const i = SPLIT_ORDER.findIndex((s) => split.startsWith(s));
  return i < 0 ? SPLIT_ORDER.length : i;
}
