// What models return, as transformers' modeling_outputs.py (camelCase fields): one interface
// per kind of head, shared by every family, and classifierOutput, which assembles the
// sequence-classification one with its loss, and the forward() that every
// *ForSequenceClassification is around its own head.
import * as torch from '../engine/torch.js';
import type { Tensor } from '../engine/tensor.js';
import type { PretrainedConfig } from './configuration_utils.js';
import { readInputs, sequenceClassificationLoss } from './model_inputs.js';
import type { ModelInputs, ReadInputs } from './model_inputs.js';

/** What base models return (transformers' BaseModelOutputWithPooling; poolerOutput only where the family has a pooler). */
export interface BaseModelOutput {
  lastHiddenState: Tensor;
  /** tanh(dense(hidden[:, 0])) for models with a pooler. */
  poolerOutput?: Tensor;
  /** The embeddings' output and each layer's, when asked for (outputHiddenStates). */
  hiddenStates?: Tensor[];
  /** Each layer's attention probabilities [batch, heads, seq, seq], when asked for (outputAttentions). */
  attentions?: Tensor[];
}

/** What *ForSequenceClassification return (transformers' SequenceClassifierOutput). */
export interface SequenceClassifierOutput {
  loss?: Tensor;
  /** [batch, num_labels]. */
  logits: Tensor;
  hiddenStates?: Tensor[];
  attentions?: Tensor[];
}

/** What *ForTokenClassification return (transformers' TokenClassifierOutput). */
export interface TokenClassifierOutput {
  loss?: Tensor;
  /** [batch, sequence, num_labels]. */
  logits: Tensor;
  hiddenStates?: Tensor[];
  attentions?: Tensor[];
}

/** What *ForQuestionAnswering return (transformers' QuestionAnsweringModelOutput). */
export interface QuestionAnsweringModelOutput {
  /** The mean of the start and end cross-entropies, when start_positions and end_positions are given. */
  loss?: Tensor;
  /** [batch, sequence]. */
  startLogits: Tensor;
  endLogits: Tensor;
  hiddenStates?: Tensor[];
  attentions?: Tensor[];
}

/** What *ForMaskedLM return (transformers' MaskedLMOutput). */
export interface MaskedLMOutput {
  loss?: Tensor;
  /** [batch, sequence, vocab_size]. */
  logits: Tensor;
  hiddenStates?: Tensor[];
  attentions?: Tensor[];
}

/** What *ForCausalLM return (transformers' CausalLMOutputWithPast). */
export interface CausalLMOutputWithPast {
  loss?: Tensor;
  /** [batch, sequence, vocab_size]. */
  logits: Tensor;
  /** The attention keys and values so far, to pass back as past_key_values for the next tokens (with use_cache). */
  pastKeyValues?: unknown;
  hiddenStates?: Tensor[];
  attentions?: Tensor[];
}

/** What a sequence classifier's forward(inputs) returns: with labels among the inputs, a loss too. */
export type SequenceClassifierOutputFor<I> = I extends { labels: unknown } ? SequenceClassifierOutput & { loss: Tensor } : SequenceClassifierOutput;

/** forward() with labels returns a loss. */
export interface SequenceClassification {
  forward<I extends ModelInputs | Tensor>(inputs: I): SequenceClassifierOutputFor<I>;
}

/** { loss?, logits, hiddenStates?, attentions? } with the loss for the config's problem type. */
export function classifierOutput(config: PretrainedConfig, logits: Tensor, labels: Tensor | null, out: BaseModelOutput): SequenceClassifierOutput {
  const result: SequenceClassifierOutput = { logits };
  if (labels) result.loss = sequenceClassificationLoss(config, logits, labels);
  if (out.hiddenStates) result.hiddenStates = out.hiddenStates;
  if (out.attentions) result.attentions = out.attentions;
  return result;
}

/**
 * forward() of a *ForSequenceClassification: reads the inputs the model declares, runs the
 * family's base model and head (`head`, giving the logits and the base model's output), and
 * adds the loss when labels are given.
 */
export function classifySequences<I extends ModelInputs | Tensor>(model: { config: PretrainedConfig }, inputs: I,
  head: (x: ReadInputs) => [logits: Tensor, out: BaseModelOutput]): SequenceClassifierOutputFor<I> {
  return torch.tidy(() => {
    const x = readInputs(inputs, model);
    const [logits, out] = head(x);
    return classifierOutput(model.config, logits, x.labels, out);
  }) as SequenceClassifierOutputFor<I>;
}
