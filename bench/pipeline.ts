// Inference through pipeline('text-classification'): finetune against transformers' own
// pipeline on torch 2.x (bench/peers/pipeline.py, the peers' venv). The model is
// all-MiniLM-L6-v2 (HF cache, offline) with a fresh, seeded 2-label head, saved once and loaded
// by both sides; the inputs are the first 128 sentences of data/sentence-polarity/test.jsonl.
// Batch 1 (128 calls of one sentence) and batch 32 (4 calls of 32), sentences/s, median of
// REPEATS passes after a warm-up. Each side is a fresh process (so peak RSS is its own), run one
// after the other, at the machine's thread count and at 1. Both sides' labels and scores must
// agree. ratio = finetune's rate / transformers' (≥ 1: finetune as fast or faster). With
// --rounds N the two sides alternate N times (ours, theirs, ours, …) and each rate is the median
// over the rounds, so a slow minute of the machine weighs on both sides rather than on one.
//   HF_HUB_OFFLINE=1 npx tsx bench/pipeline.ts [--repeats 5] [--rounds 3]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { logging, pipeline, torch } from '../src/index.js';
import { miniLmWithFreshHead } from './minilm.js';
import { cpuSummary, lastJsonLine, median, peerPython, sentencesPerSecond } from './peers/peers.js';

const BATCHES = [1, 32];
const root = fileURLToPath(new URL('..', import.meta.url));

interface SideResult { rates: Record<string, number>; peakRssMiB: number; predictions: { label: string; score: number }[] }

/** One side's run in this process: what bench/peers/pipeline.py does, with finetune. */
async function worker(modelDir: string, sentencesFile: string, threads: number, repeats: number): Promise<void> {
  torch.setNumThreads(threads);
  const sentences = JSON.parse(readFileSync(sentencesFile, 'utf8')) as string[];
  const classify = await pipeline('text-classification', modelDir);
  const rates: Record<string, number> = {};
  for (const batch of BATCHES) rates[batch] = await sentencesPerSecond(sentences, batch, repeats, (chunk) => classify(chunk, { batchSize: batch }));
  const predictions = await classify(sentences, { batchSize: 32 }) as { label: string; score: number }[];
  console.log(JSON.stringify({ rates, peakRssMiB: process.resourceUsage().maxRSS / 1024, predictions }));
}

/** Each batch's median rate and the highest peak RSS over the rounds; the first round's predictions. */
function medianOfRounds(runs: SideResult[]): SideResult {
  const rates = Object.fromEntries(BATCHES.map((b) => [b, median(runs.map((r) => r.rates[b]))]));
  return { rates, peakRssMiB: Math.max(...runs.map((r) => r.peakRssMiB)), predictions: runs[0].predictions };
}

const side = (command: string, args: string[]) => lastJsonLine<SideResult & { torch?: string; transformers?: string }>(command, args,
  { cwd: root, env: { ...process.env, HF_HUB_OFFLINE: '1', TOKENIZERS_PARALLELISM: 'false' } });

async function main(): Promise<void> {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const repeats = arg('repeats', 5);
  const rounds = Math.max(1, arg('rounds', 1));
  console.log(cpuSummary());
  const work = mkdtempSync(join(tmpdir(), 'ft-bench-pipeline-'));
  try {
    const { tokenizer, model } = await miniLmWithFreshHead();
    const modelDir = join(work, 'model');
    await model.savePretrained(modelDir, { tokenizer });
    const lines = readFileSync(join(root, 'data/sentence-polarity/test.jsonl'), 'utf8').split('\n').filter(Boolean).slice(0, 128);
    const sentencesFile = join(work, 'sentences.json');
    writeFileSync(sentencesFile, JSON.stringify(lines.map((line) => (JSON.parse(line) as { sentence: string }).sentence)));

    console.log(`\nsentences/s on 128 sentences of data/sentence-polarity/test.jsonl, median of ${repeats} passes, each side a fresh process, ${rounds} alternating round(s)`);
    console.log('threads batch   finetune   transformers   ratio   peak RSS ours/transformers (MiB)   max |score diff|');
    let versions = '';
    for (const threads of [...new Set([availableParallelism(), 1])]) {
      const oursRuns: SideResult[] = [], theirsRuns: (SideResult & { torch?: string; transformers?: string })[] = [];
      for (let round = 0; round < rounds; round++) {
        oursRuns.push(side(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--worker', modelDir, sentencesFile, String(threads), String(repeats)]));
        theirsRuns.push(side(peerPython(), [join(root, 'bench/peers/pipeline.py'), modelDir, sentencesFile, String(threads), String(repeats)]));
        if (rounds > 1) {
          const rates = (r: SideResult) => BATCHES.map((b) => r.rates[b].toFixed(1)).join(' / ');
          console.log(`  round ${round + 1}, ${threads} thread(s), batch ${BATCHES.join(' / ')}: finetune ${rates(oursRuns[round])}, transformers ${rates(theirsRuns[round])}`);
        }
      }
      const ours = medianOfRounds(oursRuns), theirs = { ...medianOfRounds(theirsRuns), torch: theirsRuns[0].torch, transformers: theirsRuns[0].transformers };
      versions = `transformers ${theirs.transformers} on torch ${theirs.torch}; finetune on libtorch ${torch.libtorchVersion}`;
      ours.predictions.forEach((p, i) => {
        if (p.label !== theirs.predictions[i].label) throw new Error(`sentence ${i}: finetune says ${p.label}, transformers ${theirs.predictions[i].label}`);
      });
      const diff = Math.max(...ours.predictions.map((p, i) => Math.abs(p.score - theirs.predictions[i].score)));
      for (const batch of BATCHES) {
        const f = ours.rates[batch], t = theirs.rates[batch];
        console.log(`${String(threads).padStart(7)} ${String(batch).padStart(5)} ${f.toFixed(1).padStart(10)} ${t.toFixed(1).padStart(14)} ${(f / t).toFixed(2).padStart(6)}x   ${`${ours.peakRssMiB.toFixed(0)}/${theirs.peakRssMiB.toFixed(0)}`.padStart(30)}   ${diff.toExponential(1).padStart(16)}`);
      }
    }
    console.log(`peer: ${versions}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const w = process.argv.indexOf('--worker');
if (w > 0) {
  const [modelDir, sentencesFile, threads, repeats] = process.argv.slice(w + 1);
  logging.setVerbosity('error');
  await worker(modelDir, sentencesFile, Number(threads), Number(repeats));
} else {
  await main();
}
