// The Trainer end to end on a tiny BERT: outputs and files, Hugging Face's decay grouping and
// gradient accumulation, determinism, computeLoss overrides, NaN detection, best-model
// bookkeeping with saveTotalLimit, and evaluate/predict.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { EarlyStoppingCallback, Trainer, TrainerState, lossOf, readJsonl, torch } from '../../src/index.js';
import type { TrainerModel } from '../../src/index.js';

type Tensor = torch.Tensor;
import { args, stepLosses, syntheticDataset, tinyModel, tmp } from './trainer_helpers.js';

const accuracy = ({ predictions, labelIds }: { predictions: torch.Tensor; labelIds: torch.Tensor | null }) => ({
  accuracy: predictions.argmax(-1).eq(labelIds!).float().mean().item(),
});

describe('Trainer', () => {
  it('trains, logs Hugging Face keys, writes trainer_state.json and the curve file', async () => {
    const out = tmp('basic');
    const trainer = new Trainer({
      model: tinyModel(),
      args: args(out, { numTrainEpochs: 3, learningRate: 1e-2, loggingSteps: 2, evalStrategy: 'epoch', saveStrategy: 'no' }),
      trainDataset: syntheticDataset(64, 1, true), evalDataset: syntheticDataset(32, 2, true), computeMetrics: accuracy,
    });
    const result = await trainer.train();
    assert.equal(result.globalStep, 24);
    for (const k of ['train_runtime', 'train_samples_per_second', 'train_steps_per_second', 'total_flos', 'train_loss', 'epoch']) assert.ok(k in result.metrics, k);
    assert.ok(result.metrics.total_flos > 0);
    const logs = trainer.state.logHistory.filter((e) => 'loss' in e);
    assert.equal(logs.length, 12);
    for (const e of logs) for (const k of ['loss', 'learning_rate', 'grad_norm', 'epoch', 'step']) assert.equal(typeof e[k], 'number', k);
    // linear decay to 0 without warmup: the last logged rate is the one after the final step
    assert.equal(logs.at(-1)!.learning_rate, 0);
    const evals = trainer.state.logHistory.filter((e) => 'eval_loss' in e);
    assert.deepEqual(evals.map((e) => e.epoch), [1, 2, 3]);
    assert.ok(logs[0].loss > logs.at(-1)!.loss, `loss should fall: ${logs[0].loss} → ${logs.at(-1)!.loss}`);
    assert.ok(evals.at(-1)!.eval_accuracy > 0.8, `the planted token is learnable: accuracy ${evals.at(-1)!.eval_accuracy}`);
    const state = TrainerState.loadFromJson(join(out, 'trainer_state.json'));
    assert.equal(state.globalStep, 24);
    assert.equal(state.logHistory.length, trainer.state.logHistory.length);
    assert.match(readFileSync(join(out, 'training_curves.svg'), 'utf8'), /<svg[^>]*>[\s\S]*eval loss/);
  });

  it('evaluate() and predict() return Hugging Face metric names, logits and labels', async () => {
    const trainer = new Trainer({ model: tinyModel(), args: args(tmp('eval'), { perDeviceEvalBatchSize: 5 }), evalDataset: syntheticDataset(12), computeMetrics: accuracy });
    const m = await trainer.evaluate();
    assert.deepEqual(Object.keys(m), ['eval_loss', 'eval_accuracy', 'eval_runtime', 'eval_samples_per_second', 'eval_steps_per_second']);
    const p = await trainer.predict(syntheticDataset(12));
    assert.deepEqual(p.predictions.shape, [12, 2]);
    assert.deepEqual(p.labelIds!.toArray(), Array.from({ length: 12 }, (_, i) => i % 2));
    assert.ok('test_loss' in p.metrics && 'test_accuracy' in p.metrics);
    // the eval loss is the mean over examples (batches of 5, 5, 2), as the loss of all logits at once
    const direct = torch.tidy(() => torch.noGrad(() => (trainer.model as ReturnType<typeof tinyModel>).forward({ input_ids: torch.tensor(syntheticDataset(12).column('input_ids') as number[][]), labels: torch.tensor(Array.from({ length: 12 }, (_, i) => i % 2)) }).loss.item()));
    assert.ok(Math.abs(direct - m.eval_loss) < 1e-5, `${direct} vs ${m.eval_loss}`);
  });

  it('gives no weight decay to biases and LayerNorm weights', () => {
    const trainer = new Trainer({ model: tinyModel(), args: args(tmp('decay'), { weightDecay: 0.1 }) });
    const opt = trainer.createOptimizer();
    const names = new Map([...trainer.model.namedParameters()].map(([n, p]) => [p, n]));
    const [decay, noDecay] = opt.paramGroups.map((g) => g.params.map((p) => names.get(p as never)!));
    assert.equal((opt.paramGroups[0] as unknown as { weightDecay: number }).weightDecay, 0.1);
    assert.equal((opt.paramGroups[1] as unknown as { weightDecay: number }).weightDecay, 0);
    assert.ok(noDecay.includes('bert.embeddings.LayerNorm.weight') && noDecay.includes('classifier.bias'));
    assert.ok(decay.includes('classifier.weight') && decay.includes('bert.encoder.layer.0.attention.self.query.weight'));
    assert.ok(!decay.some((n) => n.endsWith('bias') || n.includes('LayerNorm')));
  });

  it('the same seed gives the same run; gradient accumulation matches the larger batch', async () => {
    const run = async (init: Record<string, unknown>, dropout = 0.1) => {
      const t = new Trainer({ model: tinyModel(0, { dropout }), args: args(tmp('seed'), { maxSteps: 6, loggingSteps: 1, saveStrategy: 'no', ...init }), trainDataset: syntheticDataset(48) });
      await t.train();
      return stepLosses(t.state.logHistory);
    };
    const a = await run({});
    assert.deepEqual(await run({}), a);
    assert.notDeepEqual(await run({ seed: 7 }), a);
    // without dropout, 2 × 4 accumulated is one batch of 8: same examples (the sampler's order), same mean loss
    const big = await run({ perDeviceTrainBatchSize: 8 }, 0);
    const acc = await run({ perDeviceTrainBatchSize: 4, gradientAccumulationSteps: 2 }, 0);
    assert.equal(acc.length, big.length);
    acc.forEach(([, l], i) => assert.ok(Math.abs(l - big[i][1]) <= 2e-4, `step ${i + 1}: ${l} vs ${big[i][1]}`));
  });

  it('uses an overridden computeLoss and stops on a NaN loss naming the step', async () => {
    class Weighted extends Trainer {
      calls = 0;
      override computeLoss(model: TrainerModel, inputs: Record<string, unknown>, returnOutputs = false): Tensor | [Tensor, unknown] {
        this.calls++;
        const loss = lossOf(super.computeLoss(model, inputs), 'computeLoss');
        const scaled = loss.mul(0).add(3); // a constant with a graph, so backward still runs
        return returnOutputs ? [scaled, null] : scaled;
      }
    }
    const t = new Weighted({ model: tinyModel(), args: args(tmp('loss'), { maxSteps: 2, loggingSteps: 1, saveStrategy: 'no' }), trainDataset: syntheticDataset(16) });
    await t.train();
    assert.equal(t.calls, 2);
    assert.deepEqual(stepLosses(t.state.logHistory).map(([, l]) => l), [3, 3]);

    let n = 0;
    class Exploding extends Trainer {
      override computeLoss(model: TrainerModel, inputs: Record<string, unknown>): Tensor {
        const loss = lossOf(super.computeLoss(model, inputs), 'computeLoss');
        return ++n === 3 ? loss.mul(Number.NaN) : loss;
      }
    }
    const e = new Exploding({ model: tinyModel(), args: args(tmp('nan'), { maxSteps: 5, saveStrategy: 'no' }), trainDataset: syntheticDataset(48) });
    await assert.rejects(e.train(), /loss is NaN at step 3/);
  });

  it('applies labelSmoothingFactor as Hugging Face\'s LabelSmoother', async () => {
    const t = new Trainer({ model: tinyModel(0, { dropout: 0 }), args: args(tmp('smooth'), { labelSmoothingFactor: 0.2 }) });
    const batch = { input_ids: torch.tensor([[2, 7, 5, 3], [2, 9, 8, 3]]), labels: torch.tensor([1, 1]) };
    // confident logits, so that smoothing visibly changes the loss
    torch.noGrad(() => (t.model as ReturnType<typeof tinyModel>).classifier.weight.mul_(200));
    const plain = torch.noGrad(() => (t.model as ReturnType<typeof tinyModel>).forward(batch));
    const logp = plain.logits.logSoftmax(-1).toArray() as number[][];
    // (1 - eps)·NLL + eps·mean over classes of -log p, averaged over the batch
    const expected = [1, 1].reduce((s, y, i) => s + 0.8 * -logp[i][y] + 0.2 * -(logp[i][0] + logp[i][1]) / 2, 0) / 2;
    const got = torch.noGrad(() => lossOf(t.computeLoss(t.model, batch), 'computeLoss').item());
    assert.ok(Math.abs(got - expected) < 1e-5, `${got} vs ${expected}`);
    assert.ok(Math.abs(got - plain.loss!.item()) > 1e-3, 'smoothing changes the loss');
  });

  it('refuses fp16 on CPU with a clear message', () => {
    if (torch.cuda.isAvailable()) return;
    assert.throws(() => new Trainer({ model: tinyModel(), args: args(tmp('fp16'), { fp16: true }) }), /fp16 .* needs a CUDA device; on this CPU (use bf16 \(--bf16\) instead|it has no fast bfloat16 either, so train in float32)/);
  });

  it('trains under bf16 autocast', async () => {
    // CPUs without native bf16 refuse it unless forced (test/accelerate covers the refusal); this test is about training under autocast
    const saved = process.env.FINETUNE_ALLOW_SLOW_BF16;
    process.env.FINETUNE_ALLOW_SLOW_BF16 = '1';
    let t: Trainer;
    try {
      t = new Trainer({ model: tinyModel(), args: args(tmp('bf16'), { bf16: true, maxSteps: 3, loggingSteps: 1, saveStrategy: 'no' }), trainDataset: syntheticDataset(24) });
    } finally {
      if (saved === undefined) delete process.env.FINETUNE_ALLOW_SLOW_BF16; else process.env.FINETUNE_ALLOW_SLOW_BF16 = saved;
    }
    await t.train();
    const losses = stepLosses(t.state.logHistory);
    assert.equal(losses.length, 3);
    assert.ok(losses.every(([, l]) => Number.isFinite(l) && l > 0));
  });

  it('keeps the best checkpoint under saveTotalLimit and restores it at the end', async () => {
    const out = tmp('best');
    const scores = [0.9, 0.1, 0.2, 0.3]; // the first evaluation is the best
    let call = 0;
    const trainer = new Trainer({
      model: tinyModel(),
      args: args(out, { numTrainEpochs: 4, evalStrategy: 'epoch', saveStrategy: 'epoch', saveTotalLimit: 1, loadBestModelAtEnd: true, metricForBestModel: 'score' }),
      trainDataset: syntheticDataset(16), evalDataset: syntheticDataset(8), computeMetrics: () => ({ score: scores[call++] }),
    });
    await trainer.train();
    assert.equal(trainer.state.bestMetric, 0.9);
    assert.equal(trainer.state.bestModelCheckpoint, join(out, 'checkpoint-2'));
    // limit 1 with a best that is not the last keeps two: the best and the last (to resume from)
    assert.deepEqual(readdirSync(out).filter((n) => n.startsWith('checkpoint-')).sort(), ['checkpoint-2', 'checkpoint-8']);
    for (const f of ['model.safetensors', 'config.json', 'optimizer.safetensors', 'optimizer.json', 'scheduler.json', 'rng_state.safetensors', 'trainer_state.json', 'training_args.json']) {
      assert.ok(existsSync(join(out, 'checkpoint-8', f)), f);
    }
    assert.ok(!readdirSync(out).some((n) => n.startsWith('tmp-')), 'no temporary checkpoint left behind');
    const best = torch.loadSafetensors(join(out, 'checkpoint-2', 'model.safetensors'));
    const last = torch.loadSafetensors(join(out, 'checkpoint-8', 'model.safetensors'));
    const w = trainer.model.stateDict()['classifier.weight'];
    assert.ok(torch.allclose(w, best['classifier.weight']), 'the model holds the best checkpoint\'s weights');
    assert.ok(!torch.allclose(w, last['classifier.weight']));
  });
  it('reports to TensorBoard and JSON lines when reportTo says so', async () => {
    const out = tmp('report');
    const t = new Trainer({ model: tinyModel(), args: args(out, { maxSteps: 4, loggingSteps: 2, saveStrategy: 'no', reportTo: ['tensorboard', 'jsonl'], loggingDir: join(out, 'runs') }), trainDataset: syntheticDataset(32) });
    await t.train();
    const files = readdirSync(join(out, 'runs'));
    assert.ok(files.some((f) => f.startsWith('events.out.tfevents.')), files.join(','));
    const lines = readJsonl(join(out, 'runs', 'log_history.jsonl'));
    assert.deepEqual(lines.filter((l) => 'loss' in l).map((l) => l.step), [2, 4]);
    assert.ok(lines.some((l) => 'train_runtime' in l));
  });

  it('stops early when the metric stops improving (EarlyStoppingCallback)', async () => {
    let call = 0;
    const t = new Trainer({
      model: tinyModel(),
      args: args(tmp('early'), { numTrainEpochs: 10, evalStrategy: 'epoch', saveStrategy: 'epoch', loadBestModelAtEnd: true, metricForBestModel: 'score' }),
      trainDataset: syntheticDataset(16), evalDataset: syntheticDataset(8), computeMetrics: () => ({ score: [0.5, 0.6, 0.6, 0.55, 0.9][call++] }),
      callbacks: [new EarlyStoppingCallback({ earlyStoppingPatience: 2 })],
    });
    await t.train();
    // best at evaluation 2, no improvement at 3 and 4: stop after epoch 4 of 10
    assert.equal(call, 4);
    assert.equal(t.state.globalStep, 8);
  });
});
