// transformers' logits processors and warpers, in the order generate() applies them: the
// repetition penalty, the minimum length (end-of-sequence forbidden before it), then, when
// sampling, temperature, top-k and top-p. Each maps scores [batch, vocab] (float32) to new ones.
import * as torch from '../engine/torch.js';
import type { Tensor } from '../engine/tensor.js';
import type { GenerationConfig } from './configuration_utils.js';

export type LogitsProcessor = (inputIds: Tensor, scores: Tensor) => Tensor;

/** Tokens already present: a positive score divided by the penalty, a negative one multiplied. */
export const repetitionPenalty = (penalty: number): LogitsProcessor => (ids, scores) => {
  const seen = scores.gather(1, ids);
  const penalised = torch.where(seen.lt(0), seen.mul(penalty), seen.div(penalty));
  return scores.scatter(1, ids, penalised);
};

/** Until `minNewTokens` tokens are generated, end-of-sequence ids get -inf. */
export const minNewTokens = (promptLength: number, min: number, eos: number[]): LogitsProcessor => (ids, scores) => {
  if (ids.size(1) - promptLength >= min || eos.length === 0) return scores;
  const out = scores.clone();
  for (const id of eos) out.select(1, id).fill_(-Infinity);
  return out;
};

export const temperature = (t: number): LogitsProcessor => (_ids, scores) => scores.div(t);

/** Everything below the k-th largest score gets -inf. */
export const topK = (k: number): LogitsProcessor => (_ids, scores) => {
  const kth = scores.topk(Math.min(k, scores.size(-1)), -1).values.narrow(-1, Math.min(k, scores.size(-1)) - 1, 1);
  return scores.maskedFill(scores.lt(kth), -Infinity);
};

/** Nucleus: the smallest set of top tokens whose probability reaches p is kept (at least one). */
export const topP = (p: number): LogitsProcessor => (_ids, scores) => {
  const [sorted, indices] = scores.sort(-1, false);
  const cumulative = sorted.softmax(-1).cumsum(-1);
  const remove = cumulative.le(1 - p);
  remove.narrow(-1, remove.size(-1) - 1, 1).fill_(false);
  return scores.maskedFill(remove.scatter(1, indices, remove), -Infinity);
};

/** The processors a generation config asks for, in transformers' order. */
export function logitsProcessors(config: GenerationConfig, promptLength: number): LogitsProcessor[] {
  const out: LogitsProcessor[] = [];
  if (config.repetitionPenalty !== 1.0) {
    if (!(config.repetitionPenalty > 0)) throw new RangeError(`generate: repetitionPenalty must be > 0, got ${config.repetitionPenalty}`);
    out.push(repetitionPenalty(config.repetitionPenalty));
  }
  const minNew = config.minNewTokens ?? Math.max(config.minLength - promptLength, 0);
  if (minNew > 0) out.push(minNewTokens(promptLength, minNew, config.eosIds()));
  if (config.doSample) {
    if (config.temperature !== 1.0) {
      if (!(config.temperature > 0)) throw new RangeError(`generate: temperature must be > 0 when sampling, got ${config.temperature}`);
      out.push(temperature(config.temperature));
    }
    if (config.topK !== null && config.topK !== 0) out.push(topK(config.topK));
    if (config.topP < 1.0) {
      if (!(config.topP > 0)) throw new RangeError(`generate: topP must be in (0, 1], got ${config.topP}`);
      out.push(topP(config.topP));
    }
  }
  return out;
}
