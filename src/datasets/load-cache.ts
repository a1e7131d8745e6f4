// The cache of loaded datasets (as Hugging Face keeps its Arrow conversion of raw files):
// each split's table in an Arrow file keyed by the builder, its options and the source files'
// paths, sizes and modification times, so a re-run skips parsing.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { cachePath, isCachingEnabled, readArrowCache, writeArrowFile } from './cache.js';
import { hashParts, stableStringify } from '../util/fingerprint.js';
import type { SplitData } from './loaders/table.js';

export interface CachedSplit {
  data: SplitData;
  fingerprint: string;
}

const FORMAT = 'finetune-load-v1';

/** Every file under a folder (for folder-based builders). */
export function filesUnder(root: string): string[] {
  if (!statSync(root).isDirectory()) return [root];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
    .sort();
}

/** The cache key, or null when caching is off or a source is missing (the loader then reports it). */
export function loadCacheKey(parts: unknown[], sources: string[] | null): string | null {
  if (!sources || !isCachingEnabled()) return null;
  const stamps: string[] = [];
  for (const f of sources) {
    if (!existsSync(f)) return null;
    const st = statSync(f);
    stamps.push(`${resolve(f)}:${st.size}:${st.mtimeMs}`);
  }
  return hashParts(FORMAT, stableStringify(parts), ...stamps);
}

export function readLoadCache(key: string): Record<string, CachedSplit> | null {
  const index = cachePath(`finetune-load-${key}.json`);
  if (!existsSync(index)) return null;
  try {
    const entries = JSON.parse(readFileSync(index, 'utf8')) as Record<string, { file: string; fingerprint: string }>;
    const out: Record<string, CachedSplit> = {};
    for (const [split, { file, fingerprint }] of Object.entries(entries)) {
      const table = readArrowCache(file);
      if (!table) return null; // rebuilt from the source files (readArrowCache warned)
      out[split] = { data: { ...table, hashes: [] }, fingerprint };
    }
    return out;
  } catch (error) {
    process.emitWarning(`${index}: the cache index is damaged (${(error as Error).message}); the dataset is rebuilt from its files`, 'CacheWarning');
    return null;
  }
}

export function writeLoadCache(key: string, splits: Record<string, CachedSplit>): void {
  const entries: Record<string, { file: string; fingerprint: string }> = {};
  for (const [split, { data, fingerprint }] of Object.entries(splits)) {
    const file = cachePath(`finetune-load-${key}-${split.replace(/[^\w.-]/g, '_')}.arrow`);
    writeArrowFile(file, data.columns, data.features, data.numRows);
    entries[split] = { file, fingerprint };
  }
  writeFileAtomic(cachePath(`finetune-load-${key}.json`), JSON.stringify(entries));
}
