// The evaluation/prediction loop: the model in eval mode without gradients, one batch at a
// time; the loss averaged over examples, the logits and labels of all batches concatenated,
// then computeMetrics on the whole set, every key prefixed ("eval_f1"), as Hugging Face does.
import type { Accelerator } from '../accelerate/accelerator.js';
import * as torch from '../engine/torch.js';
import type { Tensor } from '../engine/tensor.js';
import type { DataLoader } from '../data/dataloader.js';
import type { EvalLoopOutput, Metrics } from './trainer_utils.js';
import { batchSize, EvalPrediction, toDevice } from './trainer_utils.js';

/** The part of the Trainer the loop uses (keeps this file free of the Trainer's class). */
export interface EvalHost {
  model: { train(mode?: boolean): unknown; eval(): unknown };
  labelNames: string[];
  device: string;
  computeMetrics?: ((p: EvalPrediction) => Metrics | Record<string, unknown> | Promise<Metrics | Record<string, unknown>>) | null;
  args: { predictionLossOnly: boolean; includeForMetrics: string[] };
  computeLoss(model: unknown, inputs: Record<string, unknown>, returnOutputs: boolean): Tensor | [Tensor, unknown];
  accelerator: Pick<Accelerator, 'autocast' | 'gatherForMetrics' | 'reduceNumbers' | 'numProcesses'>;
  onPredictionStep(): Promise<void>;
  /** The Trainer's overridable predictionStep; without one, the module function below. */
  predictionStep?(model: EvalHost['model'], inputs: Record<string, unknown>, predictionLossOnly: boolean): [number | null, Tensor | null, Tensor | null];
}

/** Logits from a model's output: `.logits`, or the output itself when the model returns a tensor. */
export function logitsOf(outputs: unknown): Tensor | null {
  if (outputs instanceof torch.Tensor) return outputs;
  const o = outputs as { logits?: Tensor } | null;
  return o && o.logits instanceof torch.Tensor ? o.logits : null;
}

/** One batch: [loss or null, logits or null, labels or null], all outside any tidy scope. */
export function predictionStep(host: EvalHost, inputs: Record<string, unknown>, predictionLossOnly: boolean, model: EvalHost['model'] = host.model): [number | null, Tensor | null, Tensor | null] {
  const labelKey = host.labelNames.find((k) => inputs[k] instanceof torch.Tensor);
  const hasLabels = host.labelNames.length > 0 && host.labelNames.every((k) => inputs[k] !== undefined && inputs[k] !== null);
  return torch.tidy(() =>
    torch.noGrad(() =>
      host.accelerator.autocast(() => {
        let loss: number | null = null;
        let outputs: unknown;
        if (hasLabels) {
          const result = host.computeLoss(model, inputs, true);
          const [l, out] = Array.isArray(result) ? result : [result, null];
          loss = l.item() as number;
          outputs = out;
        } else {
          outputs = (model as unknown as { forward(x: unknown): unknown }).forward(inputs);
        }
        if (predictionLossOnly) return [loss, null, null] as [number | null, Tensor | null, Tensor | null];
        const logits = logitsOf(outputs);
        // copies survive the tidy scope; float32 so bf16 runs give ordinary logits
        const keptLogits = logits ? torch.keep(logits.detach().to('float32').to('cpu')) : null;
        const labels = labelKey ? torch.keep((inputs[labelKey] as Tensor).to('cpu').clone()) : null;
        return [loss, keptLogits, labels] as [number | null, Tensor | null, Tensor | null];
      }),
    ),
  );
}

/** Hugging Face's evaluation_loop, for one process. */
export async function evaluationLoop(host: EvalHost, loader: DataLoader<Record<string, unknown>>, metricKeyPrefix: string, predictionLossOnly?: boolean): Promise<EvalLoopOutput> {
  const lossOnly = predictionLossOnly ?? host.args.predictionLossOnly;
  host.model.eval();
  const logits: Tensor[] = [];
  const labels: Tensor[] = [];
  const batchLosses: number[] = [];
  let lossSum = 0;
  let lossCount = 0;
  let numSamples = 0;
  // left in eval mode afterwards, as Hugging Face does; trainingStep switches back to train()
  {
    for await (const raw of loader) {
      const inputs = toDevice(raw as Record<string, unknown>, host.device);
      const n = batchSize(inputs);
      numSamples += n;
      const [loss, l, y] = host.predictionStep ? host.predictionStep(host.model, inputs, lossOnly) : predictionStep(host, inputs, lossOnly);
      torch.dispose(raw);
      if (inputs !== raw) torch.dispose(inputs);
      // Hugging Face repeats each batch's mean loss once per example, so this is the mean over examples
      if (loss !== null) {
        lossSum += loss * n;
        lossCount += n;
        batchLosses.push(loss);
      }
      if (l) logits.push(l);
      if (y) labels.push(y);
      await host.onPredictionStep();
    }
  }
  // each process evaluated its own block of the set: gathered in process order, the whole set once
  const predictions = gatheredOnce(host, catOrEmpty(logits));
  const labelIds = labels.length ? gatheredOnce(host, catOrEmpty(labels)) : null;
  [lossSum, lossCount, numSamples] = host.accelerator.reduceNumbers([lossSum, lossCount, numSamples], 'sum') as [number, number, number];
  let metrics: Metrics = {};
  if (host.computeMetrics && labelIds && logits.length) {
    const p = new EvalPrediction(predictions, labelIds, { losses: host.args.includeForMetrics.includes('loss') ? torch.tensor(batchLosses) : null });
    metrics = numericMetrics(await host.computeMetrics(p));
    if (p.losses) p.losses.dispose();
  }
  // eval_loss first, then the metrics: the order Hugging Face's prefixing loop leaves them in
  const prefixed: Metrics = {};
  if (lossCount > 0) prefixed[`${metricKeyPrefix}_loss`] = lossSum / lossCount;
  for (const [k, v] of Object.entries(metrics)) prefixed[k.startsWith(`${metricKeyPrefix}_`) ? k : `${metricKeyPrefix}_${k}`] = v;
  return { predictions, labelIds, metrics: prefixed, numSamples };
}

function gatheredOnce(host: EvalHost, local: Tensor): Tensor {
  if (host.accelerator.numProcesses === 1) return local;
  const all = torch.keep(host.accelerator.gatherForMetrics(local));
  local.dispose();
  return all;
}

function catOrEmpty(parts: Tensor[]): Tensor {
  if (parts.length === 0) return torch.keep(torch.zeros([0]));
  if (parts.length === 1) return parts[0];
  // the last batch is shorter only in the batch dimension, so cat along dim 0 is always possible
  const out = torch.keep(torch.cat(parts, 0));
  torch.dispose(parts);
  return out;
}

/** computeMetrics may return arrays (per-class scores) or tensors; logs keep the numbers. */
function numericMetrics(result: Metrics | Record<string, unknown>): Metrics {
  const out: Metrics = {};
  for (const [k, v] of Object.entries(result ?? {})) {
    if (typeof v === 'number') out[k] = v;
    else if (v instanceof torch.Tensor && v.numel() === 1) out[k] = v.item() as number;
  }
  return out;
}
