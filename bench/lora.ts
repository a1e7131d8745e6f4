// LoRA vs full fine-tuning: peak RSS and step time of one training step (forward, backward,
// AdamW) of a BERT-base-sized classifier built from a config (12 layers, hidden 768, vocab
// 30522; random weights, random ids), each mode in its own process so that peak RSS is its own.
// LoRA: r=8, alpha 16 on query/value (PEFT's defaults for BERT), the classifier in
// modulesToSave; the optimizer gets only the trainable parameters. Median of the steps after
// the first (warm-up). CPU flags and threads printed.
//   npx tsx bench/lora.ts [--steps 4] [--batch 8] [--seq 128] [--threads 1]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { BertConfig, BertForSequenceClassification, LoraConfig, getPeftModel, optim, torch } from '../src/index.js';
import type { Module } from '../src/nn/module.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const steps = option('--steps', 4);
const batch = option('--batch', 8);
const seq = option('--seq', 128);
const threads = option('--threads', 1);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function child(mode: 'full' | 'lora'): void {
  torch.manualSeed(0);
  const config = new BertConfig({ vocabSize: 30522, hiddenSize: 768, numHiddenLayers: 12, numAttentionHeads: 12, intermediateSize: 3072 });
  let model: Module = BertForSequenceClassification.fromConfig(config);
  if (mode === 'lora') model = getPeftModel(model, new LoraConfig({ r: 8, loraAlpha: 16, taskType: 'SEQ_CLS' }));
  model.train();
  const params = model.parameters().filter((p) => p.requiresGrad);
  const opt = new optim.AdamW(params, { lr: 1e-4 });
  const inputs = { input_ids: torch.randint(0, 30522, [batch, seq]), attention_mask: torch.ones([batch, seq], { dtype: 'int64' }), labels: torch.randint(0, 2, [batch]) };
  const times: number[] = [];
  for (let s = 0; s < steps; s++) {
    const t0 = performance.now();
    torch.tidy(() => {
      const out = model.forward(inputs) as { loss: torch.Tensor };
      out.loss.backward();
      opt.step();
      opt.zeroGrad();
    });
    times.push(performance.now() - t0);
  }
  const trainable = params.reduce((n, p) => n + p.numel(), 0);
  process.stdout.write(`${JSON.stringify({ mode, msPerStep: median(times.slice(1)), peakRssMiB: process.resourceUsage().maxRSS / 1024, trainable })}\n`);
}

if (args[0] === '--child') {
  child(args[1] as 'full' | 'lora');
} else {
  const caps = torch.cpuCapabilities();
  console.log(`CPU: ${JSON.stringify(caps)}; threads ${threads}; BERT-base-sized, batch ${batch} x seq ${seq}, ${steps} steps (median of the last ${steps - 1})`);
  const results: Record<string, { msPerStep: number; peakRssMiB: number; trainable: number }> = {};
  for (const mode of ['full', 'lora']) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', mode, '--steps', String(steps), '--batch', String(batch), '--seq', String(seq)],
      { env: { ...process.env, OMP_NUM_THREADS: String(threads) }, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${mode} run failed: ${r.stderr}`);
    results[mode] = JSON.parse(r.stdout.trim().split('\n').pop()!);
  }
  for (const [mode, r] of Object.entries(results)) console.log(`${mode.padEnd(5)} ${r.msPerStep.toFixed(1)} ms/step  peak RSS ${r.peakRssMiB.toFixed(0)} MiB  trainable ${r.trainable.toLocaleString('en-US')}`);
  console.log(`LoRA/full: step time ${(results.lora.msPerStep / results.full.msPerStep).toFixed(2)}x, peak RSS ${(results.lora.peakRssMiB / results.full.peakRssMiB).toFixed(2)}x`);
}
