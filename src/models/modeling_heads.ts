// What the BERT family's token-level heads share, as transformers writes it in each model
// file: the forward() of *ForMaskedLM, *ForTokenClassification and *ForQuestionAnswering
// around the family's own base model and head, with transformers' losses (cross-entropy
// ignoring -100; for QA the mean of the start and end losses, positions outside the
// sequence clamped to it and ignored).
import * as torch from '../engine/torch.js';
import type { Tensor } from '../engine/tensor.js';
import * as F from '../nn/functional.js';
import { readInputs } from './model_inputs.js';
import type { ModelInputs, ReadInputs } from './model_inputs.js';
import type { BaseModelOutput, MaskedLMOutput, QuestionAnsweringModelOutput, TokenClassifierOutput } from './modeling_outputs.js';

export type TokenClassifierOutputFor<I> = I extends { labels: unknown } ? TokenClassifierOutput & { loss: Tensor } : TokenClassifierOutput;
export type MaskedLMOutputFor<I> = I extends { labels: unknown } ? MaskedLMOutput & { loss: Tensor } : MaskedLMOutput;
export type QuestionAnsweringOutputFor<I> = I extends { start_positions: unknown } | { startPositions: unknown }
  ? QuestionAnsweringModelOutput & { loss: Tensor } : QuestionAnsweringModelOutput;

/** forward() with labels returns a loss. */
export interface TokenClassification {
  forward<I extends ModelInputs | Tensor>(inputs: I): TokenClassifierOutputFor<I>;
}
export interface MaskedLM {
  forward<I extends ModelInputs | Tensor>(inputs: I): MaskedLMOutputFor<I>;
}
export interface QuestionAnswering {
  forward<I extends ModelInputs | Tensor>(inputs: I): QuestionAnsweringOutputFor<I>;
}

/** The forward inputs of the BERT-family heads (transformers' forward signatures). */
export const TOKEN_HEAD_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids', 'position_ids', 'labels', 'output_attentions', 'output_hidden_states'] as const;
export const QA_HEAD_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids', 'position_ids', 'start_positions', 'end_positions', 'output_attentions', 'output_hidden_states'] as const;
export const QA_LABEL_NAMES = ['start_positions', 'end_positions'] as const;

function withStates<T extends { hiddenStates?: Tensor[]; attentions?: Tensor[] }>(result: T, out: BaseModelOutput): T {
  if (out.hiddenStates) result.hiddenStates = out.hiddenStates;
  if (out.attentions) result.attentions = out.attentions;
  return result;
}

/** Cross-entropy of [batch, seq, classes] logits against [batch, seq] labels, -100 ignored (MLM and token classification). */
export function tokenLoss(logits: Tensor, labels: Tensor): Tensor {
  return torch.tidy(() => F.crossEntropy(logits.view(-1, logits.size(-1)), labels.to('int64').view(-1)));
}

/** forward() of *ForMaskedLM and *ForTokenClassification: logits over the vocabulary or the labels for every token. */
export function classifyTokens<I extends ModelInputs | Tensor, R extends MaskedLMOutput | TokenClassifierOutput>(model: object, inputs: I,
  head: (x: ReadInputs) => [logits: Tensor, out: BaseModelOutput]): R {
  return torch.tidy(() => {
    const x = readInputs(inputs, model);
    const [logits, out] = head(x);
    const result: TokenClassifierOutput = { logits };
    if (x.labels) result.loss = tokenLoss(logits, x.labels);
    return withStates(result, out);
  }) as R;
}

/**
 * forward() of *ForQuestionAnswering: the head's [batch, seq, 2] logits split into start and
 * end logits; with start_positions and end_positions, transformers' loss.
 */
export function answerSpans<I extends ModelInputs | Tensor>(model: object, inputs: I,
  head: (x: ReadInputs) => [logits: Tensor, out: BaseModelOutput]): QuestionAnsweringOutputFor<I> {
  return torch.tidy(() => {
    const x = readInputs(inputs, model);
    const [logits, out] = head(x);
    const [start, end] = logits.split(1, -1);
    const result: QuestionAnsweringModelOutput = { startLogits: start.squeeze(-1).contiguous(), endLogits: end.squeeze(-1).contiguous() };
    if (x.startPositions && x.endPositions) result.loss = spanLoss(result.startLogits, result.endLogits, x.startPositions, x.endPositions);
    else if (x.startPositions || x.endPositions) throw new TypeError(`${model.constructor.name}.forward: give both start_positions and end_positions (or neither)`);
    return withStates(result, out);
  }) as QuestionAnsweringOutputFor<I>;
}

/** (CE(start) + CE(end)) / 2; positions outside the sequence (a truncated answer) are clamped to its length and ignored. */
export function spanLoss(startLogits: Tensor, endLogits: Tensor, startPositions: Tensor, endPositions: Tensor): Tensor {
  return torch.tidy(() => {
    const ignored = startLogits.size(1);
    const target = (t: Tensor) => (t.dim() > 1 ? t.squeeze(-1) : t).to('int64').clamp(0, ignored);
    const start = F.crossEntropy(startLogits, target(startPositions), { ignoreIndex: ignored });
    const end = F.crossEntropy(endLogits, target(endPositions), { ignoreIndex: ignored });
    return start.add(end).div(2);
  });
}
