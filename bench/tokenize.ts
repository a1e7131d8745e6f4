// Tokenization throughput: our pipeline (loadDataset + Dataset.map(batched) with the
// tokenizer) against the `tokenizers` binding called directly on the same strings, plus the
// cached re-run and each phase's peak RSS. Every phase runs in its own process so timings and
// peak memory are not shared.
//
//   npx tsx bench/tokenize.ts [--repeat N] [--only nsmc|mrpc]
//
// Needs ../shared (NSMC, GLUE MRPC, bert tokenizers).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dataset } from '../src/data-index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SHARED = resolve(ROOT, '..', 'shared');

interface Case {
  name: string;
  tokenizer: string;
  load: () => Promise<Dataset>;
  /** The same strings, read without our loader, for the raw baseline. */
  strings: () => [string[], string[] | null];
}

const CASES: Record<string, Case> = {
  nsmc: {
    name: 'NSMC train (Korean, mBERT)',
    tokenizer: join(SHARED, 'tokenizers', 'bert-base-multilingual-cased'),
    load: async () => {
      const { loadDataset } = await import('../src/data-index.js');
      return loadDataset('nsmc', { dataDir: join(SHARED, 'datasets', 'nsmc'), split: 'train' });
    },
    strings: () => [tsvColumn(join(SHARED, 'datasets', 'nsmc', 'ratings_train.txt'), 1), null],
  },
  mrpc: {
    name: 'MRPC train (pairs, bert-base-uncased)',
    tokenizer: join(SHARED, 'tokenizers', 'bert-base-uncased'),
    load: async () => {
      const { loadDataset } = await import('../src/data-index.js');
      return loadDataset('glue', 'mrpc', { dataDir: join(SHARED, 'datasets', 'glue', 'MRPC'), split: 'train' });
    },
    strings: () => {
      const file = join(SHARED, 'datasets', 'glue', 'MRPC', 'train.tsv');
      return [tsvColumn(file, 3), tsvColumn(file, 4)];
    },
  },
};

function tsvColumn(file: string, index: number): string[] {
  const lines = readFileSync(file, 'utf8').replace(/^\uFEFF/, '').split('\n').slice(1);
  return lines.filter((l) => l.replace(/\r$/, '') !== '').map((l) => l.replace(/\r$/, '').split('\t')[index]);
}

const BATCH = 1000;

/** One phase in this (child) process; prints a JSON result line. */
async function child(phase: string, key: string): Promise<void> {
  const c = CASES[key];
  const result: Record<string, number> = {};
  if (phase === 'raw' || phase === 'raw-ids') {
    const { Tokenizer } = await import('tokenizers');
    const [a, b] = c.strings();
    const tok = Tokenizer.fromFile(join(c.tokenizer, 'tokenizer.json'));
    tok.setTruncation(512);
    const start = performance.now();
    for (let i = 0; i < a.length; i += BATCH) {
      const chunk = a.slice(i, i + BATCH);
      // The binding batches single texts; pairs go through its per-pair encode, all at once.
      const encs = b ? await Promise.all(chunk.map((t, k) => tok.encode(t, b[i + k]))) : await tok.encodeBatch(chunk);
      // 'raw' reads what a model needs (ids, type ids, mask); 'raw-ids' only the ids.
      if (phase === 'raw') {
        for (const e of encs) {
          e.getIds();
          e.getTypeIds();
          e.getAttentionMask();
        }
      } else for (const e of encs) e.getIds();
    }
    result.seconds = (performance.now() - start) / 1000;
    result.rows = a.length;
  } else {
    const { AutoTokenizer } = await import('../src/data-index.js');
    const t0 = performance.now();
    const tokenizer = await AutoTokenizer.fromPretrained(c.tokenizer);
    result.tokenizerLoad = (performance.now() - t0) / 1000;
    const start = performance.now();
    const ds = await c.load();
    result.load = (performance.now() - start) / 1000;
    const fn = key === 'mrpc'
      ? (batch: Record<string, string[]>) => tokenizer(batch.sentence1, batch.sentence2, { truncation: true })
      : (batch: Record<string, string[]>) => tokenizer(batch.document, { truncation: true });
    const m0 = performance.now();
    const out = await ds.map(fn, { batched: true, batchSize: BATCH });
    result.map = (performance.now() - m0) / 1000;
    result.seconds = (performance.now() - start) / 1000;
    result.rows = out.numRows;
    result.cached = out.cacheFiles.length;
  }
  result.peakRssMB = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify(result));
}

function runChild(phase: string, key: string, cache: string): Record<string, number> {
  const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', phase, key], {
    cwd: ROOT, env: { ...process.env, HF_DATASETS_CACHE: cache }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.trim().split('\n').pop() as string) as Record<string, number>;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return child(args[1], args[2]);
  if (!existsSync(SHARED)) {
    console.error(`bench/tokenize: ../shared not found at ${SHARED}`);
    process.exit(1);
  }
  const repeat = Number(args[args.indexOf('--repeat') + 1] ?? 0) || 2;
  const only = args.includes('--only') ? [args[args.indexOf('--only') + 1]] : Object.keys(CASES);
  const fmt = (x: number, d = 0): string => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  for (const key of only) {
    const c = CASES[key];
    const best = { raw: Infinity, rawIds: Infinity, ours: Infinity, map: Infinity, load: 0, cached: Infinity, rssRaw: 0, rssOurs: 0, rssCached: 0, tokLoad: 0, rows: 0 };
    for (let r = 0; r < repeat; r++) {
      // Alternate the two sides so background load hits both alike; each cold run gets a fresh cache.
      const raw = runChild('raw', key, tmpdir());
      best.rawIds = Math.min(best.rawIds, runChild('raw-ids', key, tmpdir()).seconds);
      const cache = mkdtempSync(join(tmpdir(), 'finetune-bench-cache-'));
      const cold = runChild('ours', key, cache);
      const warm = runChild('ours', key, cache);
      rmSync(cache, { recursive: true, force: true });
      if (cold.rows !== raw.rows || warm.rows !== raw.rows) throw new Error(`row counts differ: raw ${raw.rows}, ours ${cold.rows}, cached ${warm.rows}`);
      best.rows = raw.rows;
      best.raw = Math.min(best.raw, raw.seconds);
      if (cold.seconds < best.ours) Object.assign(best, { ours: cold.seconds, map: cold.map, load: cold.load, tokLoad: cold.tokenizerLoad });
      best.cached = Math.min(best.cached, warm.seconds);
      best.rssRaw = Math.max(best.rssRaw, raw.peakRssMB);
      best.rssOurs = Math.max(best.rssOurs, cold.peakRssMB);
      best.rssCached = Math.max(best.rssCached, warm.peakRssMB);
    }
    const rawRate = best.rows / best.raw;
    const idsRate = best.rows / best.rawIds;
    const oursRate = best.rows / best.ours;
    console.log(`\n${c.name}: ${fmt(best.rows)} rows, batches of ${BATCH}, best of ${repeat}`);
    console.log(`  tokenizers binding, direct   ${fmt(rawRate).padStart(8)} rows/s  (${fmt(best.raw, 2)} s; reading ids, type ids and mask)`);
    console.log(`  ... reading only the ids     ${fmt(idsRate).padStart(8)} rows/s  (${fmt(best.rawIds, 2)} s)`);
    console.log(`  loadDataset + map(batched)   ${fmt(oursRate).padStart(8)} rows/s  (${fmt(best.ours, 2)} s = load ${fmt(best.load, 2)} + map ${fmt(best.map, 2)})`);
    console.log(`  ratio ours/raw               ${fmt(oursRate / rawRate, 3)}  (overhead ${fmt((best.ours / best.raw - 1) * 100, 1)}%; map alone ${fmt((best.map / best.raw - 1) * 100, 1)}%)`);
    console.log(`  ratio ours/raw ids-only      ${fmt(oursRate / idsRate, 3)}  (overhead ${fmt((best.ours / best.rawIds - 1) * 100, 1)}%; map alone ${fmt((best.map / best.rawIds - 1) * 100, 1)}%)`);
    console.log(`  cached re-run (load + map)   ${fmt(best.cached, 3)} s`);
    console.log(`  tokenizer load               ${fmt(best.tokLoad, 3)} s (not in either timing)`);
    console.log(`  peak RSS                     raw ${fmt(best.rssRaw)} MB, ours ${fmt(best.rssOurs)} MB, cached re-run ${fmt(best.rssCached)} MB`);
  }
}

await main();
