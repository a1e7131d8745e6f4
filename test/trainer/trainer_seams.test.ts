// The Trainer is model-agnostic: a custom nn.Module with its own input names, label name and
// loss trains, evaluates and checkpoints with no change to the Trainer; the label names,
// FLOPs and weight-decay groups come from what the model declares; the loop is a method a
// subclass can override; and library code never ends the process.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { Dataset, Trainer, nn, torch } from '../../src/index.js';
type Tensor = torch.Tensor;
import { decayParameterNames } from '../../src/trainer/trainer_utils.js';
import { args, syntheticDataset, tinyModel, tmp } from './trainer_helpers.js';

/** A user's own model: reads `features`, predicts `target`, computes its own loss (MSE plus a little L1). */
class TinyRegressor extends nn.Module {
  static forwardInputNames = ['features', 'target'];
  static labelNames = ['target'];
  static mainInputName = 'features';
  hidden: nn.Linear;
  head: nn.Linear;
  seen = new Set<string>();

  constructor(inFeatures: number) {
    super();
    this.hidden = new nn.Linear(inFeatures, 16);
    this.head = new nn.Linear(16, 1);
  }

  forward(batch: { features: Tensor; target?: Tensor }): { loss?: Tensor; logits: Tensor } {
    for (const k of Object.keys(batch)) this.seen.add(k);
    const logits = this.head.forward(nn.functional.gelu(this.hidden.forward(batch.features))).squeeze(-1);
    if (!batch.target) return { logits };
    return { loss: nn.functional.mseLoss(logits, batch.target).add(nn.functional.l1Loss(logits, batch.target).mul(0.1)), logits };
  }
}

/** y = sum of the features / 4, plus a string column the model never sees. */
function regressionData(n: number, dim: number): Dataset {
  torch.manualSeed(7);
  const x = torch.randn([n, dim]);
  const features = x.toArray() as number[][];
  x.dispose();
  return Dataset.fromDict({
    features,
    target: features.map((r) => r.reduce((a, b) => a + b, 0) / 4 + 0.125),
    note: features.map((_, i) => `row ${i}`),
  });
}

describe('Trainer seams', () => {
  it('trains a custom nn.Module with its own input names, label name and loss', async () => {
    const dim = 6;
    torch.manualSeed(0);
    const model = new TinyRegressor(dim);
    const out = tmp('custom-module');
    const seenLabels: number[] = [];
    const trainer = new Trainer({
      model,
      args: args(out, { numTrainEpochs: 4, perDeviceTrainBatchSize: 8, learningRate: 1e-2, loggingSteps: 4, evalStrategy: 'epoch', saveStrategy: 'epoch', saveTotalLimit: 1 }),
      trainDataset: regressionData(64, dim),
      evalDataset: regressionData(24, dim),
      computeMetrics: ({ predictions, labelIds }) => {
        seenLabels.push(labelIds!.numel());
        return { mae: predictions.sub(labelIds!).abs().mean().item() as number };
      },
    });
    assert.deepEqual(trainer.labelNames, ['target'], 'label names come from the model');
    const before = await trainer.evaluate();
    const result = await trainer.train();
    const after = await trainer.evaluate();
    assert.equal(result.globalStep, 32);
    assert.equal(result.interrupted, false);
    assert.ok(after.eval_loss < before.eval_loss / 2, `eval loss ${before.eval_loss} → ${after.eval_loss}`);
    assert.ok(after.eval_mae < before.eval_mae, 'computeMetrics got predictions and the `target` labels');
    assert.deepEqual(seenLabels, [24, 24, 24, 24, 24, 24], 'labels gathered from the `target` column at every evaluation');
    assert.deepEqual([...model.seen].filter((k) => !['features', 'target'].includes(k)), [], 'the string column was removed before the model');
    // transformers' floating_point_ops: 6 × elements of the main input × non-embedding parameters, per batch
    const params = dim * 16 + 16 + 16 + 1;
    assert.equal(trainer.state.totalFlos, 6 * 64 * dim * params * 4);
    const ckpts = readdirSync(out).filter((n) => n.startsWith('checkpoint-'));
    assert.deepEqual(ckpts, ['checkpoint-32']);
    assert.ok(existsSync(join(out, 'checkpoint-32', 'model.safetensors')) && existsSync(join(out, 'checkpoint-32', 'optimizer.safetensors')));
  });

  it('takes label names from the model, and TrainingArguments.labelNames over them', () => {
    class QA extends TinyRegressor {
      static override forwardInputNames = ['features', 'start_positions', 'end_positions'];
      static override labelNames = undefined as unknown as string[];
    }
    const qa = new Trainer({ model: new QA(3), args: args(tmp('qa-labels')) });
    assert.deepEqual(qa.labelNames, ['start_positions', 'end_positions'], 'find_labels: the declared inputs that are labels');
    const bert = new Trainer({ model: tinyModel(), args: args(tmp('bert-labels')) });
    assert.deepEqual(bert.labelNames, ['labels']);
    const overridden = new Trainer({ model: new TinyRegressor(3), args: args(tmp('labels-arg'), { labelNames: ['y'] }) });
    assert.deepEqual(overridden.labelNames, ['y']);
  });

  it('gives no weight decay to biases and any normalisation layer, as get_decay_parameter_names', () => {
    class ScaleNorm extends nn.Module {
      static isNormalization = true;
      gain = new nn.Parameter(torch.ones([4]));
      forward(x: Tensor): Tensor {
        return x.mul(this.gain);
      }
    }
    class Block extends nn.Module {
      proj = new nn.Linear(4, 4);
      ln = new nn.LayerNorm(4);
      scale = new ScaleNorm();
      norm = new nn.Linear(4, 4, { bias: false }); // named like a norm: transformers' name patterns exclude it
      q_norm = new nn.Linear(4, 4, { bias: false });
      forward(x: Tensor): Tensor {
        return this.q_norm.forward(this.norm.forward(this.scale.forward(this.ln.forward(this.proj.forward(x)))));
      }
    }
    const names = [...decayParameterNames(new Block())].sort();
    assert.deepEqual(names, ['proj.weight']);
  });

  it('runs the loop as a method a subclass can override', async () => {
    const calls: string[] = [];
    class Recording extends Trainer {
      protected override async innerTrainingLoop(resume: string | null) {
        calls.push(`inner(${resume})`);
        return super.innerTrainingLoop(resume);
      }
      protected override async optimizerStep(tracker: Parameters<Trainer['maybeLogSaveEvaluate']>[0]) {
        calls.push(`step ${this.state.globalStep + 1}`);
        return super.optimizerStep(tracker);
      }
    }
    const trainer = new Recording({ model: tinyModel(), args: args(tmp('override'), { maxSteps: 2, saveStrategy: 'no' }), trainDataset: syntheticDataset(16) });
    await trainer.train();
    assert.deepEqual(calls, ['inner(null)', 'step 1', 'step 2']);
  });

  it('library code never ends the process, and the loop helpers do not import the Trainer', () => {
    const src = fileURLToPath(new URL('../../src/', import.meta.url));
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (path.endsWith('.ts') && /process\.(exit|kill|abort)\s*\(/.test(readFileSync(path, 'utf8'))) offenders.push(path.slice(src.length));
      }
    };
    walk(src);
    assert.deepEqual(offenders, []);
    assert.doesNotMatch(readFileSync(join(src, 'trainer/trainer_loop.ts'), 'utf8'), /from '\.\/trainer\.js'/);
  });
});
