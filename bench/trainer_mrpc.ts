// End-to-end benchmark: MRPC with the Trainer (tokenize, train at BERT-mini size, evaluate)
// against an equivalent PyTorch loop (bench/peers/trainer_mrpc.py, Debian's python3-torch) on
// the same token ids, the same batch order and dynamic padding, run one after the other.
// Prints wall time and samples/s for both, the ratio (PyTorch time / ours: ≥ 1 means we are
// at least as fast), and the Trainer's own overhead per step (time outside forward, backward
// and the optimizer: batching, collation, callbacks, logging).
// Run: npx tsx bench/trainer_mrpc.ts [--max-steps 30 | --epoch] [--size mini|tiny] [--threads N]   (needs ../shared)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

import { AutoTokenizer, BertConfig, BertForSequenceClassification, PrinterCallback, Trainer, TrainingArguments, disableCaching, loadDataset, torch } from '../src/index.js';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? def : process.argv[i + 1];
};
const SHAPES: Record<string, [number, number, number, number]> = { tiny: [128, 2, 2, 512], mini: [256, 4, 4, 1024], small: [512, 4, 8, 2048] };
const size = arg('size', 'mini');
const shape = SHAPES[size];
const threads = Number(arg('threads', String(availableParallelism())));
torch.setNumThreads(threads);
const batchSize = 32;
const evalBatchSize = 64;
const lr = 5e-5;

// ---- tokenize (ours only: the PyTorch side reads these ids); no dataset cache, so this is real work
disableCaching();
let t = performance.now();
const tokenizer = await AutoTokenizer.fromPretrained('../shared/tokenizers/bert-base-uncased');
const raw = await loadDataset('glue', 'mrpc', { dataDir: '../shared/datasets/glue/MRPC' });
const data = await raw.map((b) => tokenizer(b.sentence1, b.sentence2, { truncation: true }), { batched: true });
const tokenizeS = (performance.now() - t) / 1000;

const stepsPerEpoch = Math.ceil(data.train.numRows / batchSize);
const maxSteps = process.argv.includes('--epoch') ? stepsPerEpoch : Number(arg('max-steps', '30'));
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
// the exact batches the Trainer will draw (its sampler: seed 42, epoch 0), for the PyTorch side
const loader = trainer.getTrainDataloader();
loader.setEpoch(0);
const order = [...loader.batchSampler].slice(0, maxSteps);
const rows = (ds: typeof data.train) => ds.toList().map((r) => ({ input_ids: r.input_ids, token_type_ids: r.token_type_ids, label: r.label }));
const file = join(mkdtempSync(join(tmpdir(), 'finetune-bench-data-')), 'mrpc.json');
writeFileSync(file, JSON.stringify({ shape, lr, order, eval_batch_size: evalBatchSize, train: rows(data.train), validation: rows(data.validation) }));

// ---- ours: train + evaluate (PrinterCallback off: it would time console output)
trainer.popCallback(PrinterCallback);
t = performance.now();
const result = await trainer.train();
const trainS = (performance.now() - t) / 1000;
t = performance.now();
const metrics = await trainer.evaluate();
const evalS = (performance.now() - t) / 1000;
const ours = { train_s: trainS, eval_s: evalS, samples: maxSteps * batchSize, evalSamples: data.validation.numRows };
const overheadMs = ((result.metrics.train_runtime - trainer.computeSeconds) / maxSteps) * 1000;

// ---- PyTorch, after ours has finished (never at the same time)
const py = spawnSync('/usr/bin/python3', [new URL('./peers/trainer_mrpc.py', import.meta.url).pathname, file, String(threads)], {
  encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: String(threads) },
});
if (py.status !== 0) throw new Error(`PyTorch peer failed: ${py.stderr || py.error}`);
const peer = JSON.parse(py.stdout.trim().split('\n').at(-1)!);

const fmt = (s: number) => `${s.toFixed(2)} s`;
console.log(`MRPC, BERT-${size} (hidden ${hiddenSize}, ${numHiddenLayers} layers), batch ${batchSize}, ${maxSteps} steps, dynamic padding, ${threads} threads; torch ${peer.torch}`);
console.log(`tokenize (ours, ${raw.train.numRows + raw.validation.numRows + raw.test.numRows} rows): ${fmt(tokenizeS)}`);
console.log('side        train        samples/s   eval (408)   total');
const line = (name: string, tr: number, ev: number, samples: number) =>
  console.log(`${name.padEnd(11)} ${fmt(tr).padEnd(12)} ${(samples / tr).toFixed(1).padEnd(11)} ${fmt(ev).padEnd(12)} ${fmt(tr + ev)}`);
line('finetune', ours.train_s, ours.eval_s, ours.samples);
line('pytorch', peer.train_s, peer.eval_s, peer.train_samples);
console.log(`ratio (pytorch time / finetune time): train ${(peer.train_s / ours.train_s).toFixed(2)}, eval ${(peer.eval_s / ours.eval_s).toFixed(2)}, total ${((peer.train_s + peer.eval_s) / (ours.train_s + ours.eval_s)).toFixed(2)}`);
console.log(`Trainer overhead: ${overheadMs.toFixed(1)} ms/step outside forward/backward/optimizer (${((overheadMs * maxSteps) / 10 / result.metrics.train_runtime).toFixed(1)}% of train_runtime)`);
console.log(`accuracy: finetune ${metrics.eval_accuracy.toFixed(4)} (eval_loss ${metrics.eval_loss.toFixed(4)}); pytorch ${peer.accuracy.toFixed(4)}`);
