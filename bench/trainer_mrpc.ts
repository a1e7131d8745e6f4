// End-to-end benchmark: MRPC with finetune's Trainer (tokenize, train at BERT-mini size,
// evaluate) against the real transformers.Trainer on torch 2.x (bench/peers/trainer_mrpc.py, in
// the peers' venv): the same config, the same token ids (checked), the same batch size, learning
// rate and steps, dynamic padding. Measured at the machine's default thread count and at 1
// thread; the sides run one after the other, never together, and each figure is the median of
// --repeats runs. Prints tokenize, train and evaluate times for both sides and the ratios
// (transformers time / finetune time: ≥ 1 means finetune is at least as fast), and each side's
// peak RSS: every run of either side is a fresh process, so each peak is one run's.
// --profile adds one more (untimed) finetune run per thread count under torch.profiler and prints
// its top operators.
// Run: npx tsx bench/trainer_mrpc.ts [--max-steps 30 | --epoch] [--size mini|tiny] [--repeats 3] [--threads N] [--profile]
//   (needs ../shared and FINETUNE_WITH_PYTHON=1 bash scripts/install.sh)
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { AutoTokenizer, BertConfig, BertForSequenceClassification, PrinterCallback, Trainer, TrainingArguments, disableCaching, loadDataset, torch } from '../src/index.js';
import { cpuSummary, lastJsonLine, median, peerPython } from './peers/peers.js';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? def : process.argv[i + 1];
};
const SHAPES: Record<string, [number, number, number, number]> = { tiny: [128, 2, 2, 512], mini: [256, 4, 4, 1024], small: [512, 4, 8, 2048] };
const size = arg('size', 'mini');
const shape = SHAPES[size];
const defaultThreads = Number(arg('threads', String(availableParallelism())));
const repeats = Number(arg('repeats', '3'));
const batchSize = 32;
const evalBatchSize = 64;
const lr = 5e-5;
const python = peerPython();

interface Run { tokenize_s: number; train_s: number; eval_s: number; accuracy: number; peak_rss_mib: number }

/** One finetune run: tokenize (no dataset cache, so this is real work), train, evaluate. */
async function ours(threads: number, maxStepsArg: string | null): Promise<Omit<Run, 'peak_rss_mib'> & { maxSteps: number; ids: Record<string, number[][]> }> {
  torch.setNumThreads(threads);
  disableCaching();
  let t = performance.now();
  const tokenizer = await AutoTokenizer.fromPretrained('../shared/tokenizers/bert-base-uncased');
  const raw = await loadDataset('glue', 'mrpc', { dataDir: '../shared/datasets/glue/MRPC' });
  const data = await raw.map((b) => tokenizer(b.sentence1, b.sentence2, { truncation: true }), { batched: true });
  const tokenizeS = (performance.now() - t) / 1000;
  const maxSteps = maxStepsArg === null ? Math.ceil(data.train.numRows / batchSize) : Number(maxStepsArg);
  const [hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize] = shape;
  torch.manualSeed(42);
  const model = BertForSequenceClassification.fromConfig(new BertConfig({ hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize, numLabels: 2 }));
  const trainer = new Trainer({
    model, tokenizer, trainDataset: data.train, evalDataset: data.validation,
    args: new TrainingArguments({
      outputDir: mkdtempSync(join(tmpdir(), 'finetune-bench-')), maxSteps, perDeviceTrainBatchSize: batchSize, perDeviceEvalBatchSize: evalBatchSize,
      learningRate: lr, saveStrategy: 'no', evalStrategy: 'no', loggingSteps: 10, reportTo: 'none', disableTqdm: true, logLevel: 'warning',
    }),
    computeMetrics: ({ predictions, labelIds }) => ({ accuracy: predictions.argmax(-1).eq(labelIds!).float().mean().item() }),
  });
  trainer.popCallback(PrinterCallback); // it would time console output
  t = performance.now();
  await trainer.train();
  const trainS = (performance.now() - t) / 1000;
  t = performance.now();
  const metrics = await trainer.evaluate();
  const evalS = (performance.now() - t) / 1000;
  const ids = { train: data.train.column('input_ids') as number[][], validation: data.validation.column('input_ids') as number[][] };
  return { tokenize_s: tokenizeS, train_s: trainS, eval_s: evalS, accuracy: metrics.eval_accuracy, maxSteps, ids };
}

/** One finetune run in a fresh process (`--worker`); the first writes the peer's setup file (the token ids). */
function oursInFreshProcess(threads: number, maxStepsArg: string | null, setupFile: string): Run & { maxSteps: number } {
  return lastJsonLine(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--worker', String(threads), maxStepsArg ?? 'epoch', setupFile, ...process.argv.slice(2)],
    { cwd: process.cwd(), env: process.env });
}

type PeerRun = Run & { torch: string; transformers: string };

function peer(setupFile: string, threads: number): PeerRun {
  return lastJsonLine(python, [fileURLToPath(new URL('./peers/trainer_mrpc.py', import.meta.url)), setupFile, String(threads)],
    { cwd: process.cwd(), env: { ...process.env, OMP_NUM_THREADS: String(threads), TOKENIZERS_PARALLELISM: 'false' } });
}

async function worker(threads: number, maxStepsArg: string | null, setupFile: string): Promise<void> {
  const o = await ours(threads, maxStepsArg);
  if (!existsSync(setupFile)) {
    writeFileSync(setupFile, JSON.stringify({ shape, lr, max_steps: o.maxSteps, batch_size: batchSize, eval_batch_size: evalBatchSize, train_ids: o.ids.train, validation_ids: o.ids.validation }));
  }
  const { ids: _ids, ...run } = o;
  console.log(JSON.stringify({ ...run, peak_rss_mib: process.resourceUsage().maxRSS / 1024 }));
}

async function main(): Promise<void> {
  const maxStepsArg = process.argv.includes('--epoch') ? null : arg('max-steps', '30');
  console.log(cpuSummary());
  const fmt = (s: number) => `${s.toFixed(2)} s`;
  for (const threads of [...new Set([defaultThreads, 1])]) {
    const runs: { ours: Run[]; peer: PeerRun[] } = { ours: [], peer: [] };
    const setupFile = join(mkdtempSync(join(tmpdir(), 'finetune-bench-data-')), 'mrpc.json');
    let steps = 0;
    for (let r = 0; r < repeats; r++) {
      const o = oursInFreshProcess(threads, maxStepsArg, setupFile);
      steps = o.maxSteps;
      runs.ours.push(o);
      runs.peer.push(peer(setupFile, threads)); // after ours has finished: never at the same time
    }
    const m = (side: Run[], key: keyof Run) => median(side.map((x) => x[key]));
    const p = runs.peer[0];
    console.log(`\nMRPC, BERT-${size} (hidden ${shape[0]}, ${shape[1]} layers), batch ${batchSize}, ${steps} steps, dynamic padding, ${threads} thread(s); ` +
      `median of ${repeats}; transformers ${p.transformers} on torch ${p.torch}`);
    console.log('side          tokenize     train        eval (408)   accuracy');
    for (const [name, side] of [['finetune', runs.ours], ['transformers', runs.peer]] as const) {
      console.log(`${name.padEnd(13)} ${fmt(m(side, 'tokenize_s')).padEnd(12)} ${fmt(m(side, 'train_s')).padEnd(12)} ${fmt(m(side, 'eval_s')).padEnd(12)} ${m(side, 'accuracy').toFixed(4)}`);
    }
    const ratio = (key: keyof Run) => (m(runs.peer, key) / m(runs.ours, key)).toFixed(2);
    const total = (side: Run[]) => m(side, 'tokenize_s') + m(side, 'train_s') + m(side, 'eval_s');
    console.log(`ratio (transformers time / finetune time): tokenize ${ratio('tokenize_s')}, train ${ratio('train_s')}, eval ${ratio('eval_s')}, total ${(total(runs.peer) / total(runs.ours)).toFixed(2)}`);
    const peakRss = (side: Run[]) => `${Math.max(...side.map((x) => x.peak_rss_mib)).toFixed(0)} MiB`;
    console.log(`peak RSS, the largest of the runs: finetune ${peakRss(runs.ours)}, transformers ${peakRss(runs.peer)}`);
    if (process.argv.includes('--profile')) {
      await torch.profiler.profileTopOperators(() => ours(threads, maxStepsArg),
        (table) => console.log(`finetune, tokenize + train + evaluate, ${threads} thread(s): top operators by self CPU time (an extra, untimed run)\n${table}`));
    }
  }
}

const w = process.argv.indexOf('--worker');
if (w > 0) {
  const [threads, steps, setupFile] = process.argv.slice(w + 1);
  await worker(Number(threads), steps === 'epoch' ? null : steps, setupFile);
} else {
  await main();
}
