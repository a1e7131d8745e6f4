// TRL's collators for causal language modelling. DataCollatorForLanguageModeling (trl's, not
// transformers'): pads input_ids with the pad token and labels with -100 on the right, never
// masking by token id, so an EOS that equals the pad token stays in the labels; with
// paddingFree, one row of every sequence with position_ids restarting per sequence (and the
// packed rows' seq_lengths honoured). DataCollatorForCompletionOnlyLM is the older TRL
// collator the tutorials use: loss only after the response template (and, with an instruction
// template, only on the responses of a multi-turn conversation).
import * as torch from '../engine/torch.js';
import type { Tensor } from '../engine/tensor.js';
import { padRows } from '../data/seq2seq_collators.js';
import type { CollatorTokenizer } from '../data/collators.js';
import { Callable } from '../tokenizers/callable.js';

type Features = Record<string, unknown>[];

const list = (v: unknown, what: string, i: number): number[] => {
  if (!Array.isArray(v) && !ArrayBuffer.isView(v)) throw new TypeError(`DataCollatorForLanguageModeling: example ${i} has no list '${what}'`);
  return Array.from(v as ArrayLike<number>, Number);
};

export interface TrlLanguageModelingOptions {
  padTokenId: number;
  paddingFree?: boolean;
  returnPositionIds?: boolean;
  padToMultipleOf?: number | null;
}

export interface DataCollatorForLanguageModeling {
  (examples: Features): Record<string, Tensor | number>;
}

export class DataCollatorForLanguageModeling extends Callable<[Features], Record<string, Tensor | number>> {
  padTokenId!: number;
  paddingFree!: boolean;
  returnPositionIds!: boolean;
  padToMultipleOf!: number | null;

  constructor(options: TrlLanguageModelingOptions) {
    super();
    if (!Number.isInteger(options?.padTokenId)) throw new TypeError('DataCollatorForLanguageModeling (TRL): padTokenId is required (the tokenizer\'s pad token id; set tokenizer.padToken first)');
    this.padTokenId = options.padTokenId;
    this.paddingFree = options.paddingFree ?? false;
    this.returnPositionIds = options.returnPositionIds ?? false;
    this.padToMultipleOf = options.padToMultipleOf ?? null;
  }

  protected _call(examples: Features): Record<string, Tensor | number> {
    let ids = examples.map((e, i) => list(e.input_ids, 'input_ids', i));
    let labels = examples.map((e, i) => list(e.labels ?? e.input_ids, 'labels', i));
    let positions: number[][] | null = null;
    if (this.paddingFree || this.returnPositionIds) {
      positions = examples.map((e, i) => {
        const lengths = e.seq_lengths ? list(e.seq_lengths, 'seq_lengths', i) : [ids[i].length];
        return lengths.flatMap((n) => Array.from({ length: n }, (_, j) => j));
      });
    }
    const multiple = { padToMultipleOf: this.padToMultipleOf };
    const out: Record<string, Tensor | number> = {};
    if (this.paddingFree) {
      ids = [ids.flat()];
      labels = [labels.flat()];
      positions = [positions!.flat()];
      const posRow = padRows(positions, 0, multiple).flatten().toArray() as number[];
      const labelRow = (padRows(labels, -100, multiple).flatten().toArray() as number[]).map((l, j) => (posRow[j] === 0 ? -100 : l));
      out.input_ids = padRows(ids, this.padTokenId, multiple);
      out.labels = padRows([labelRow], -100);
      out.position_ids = padRows([posRow], 0);
      const starts = posRow.flatMap((p, j) => (p === 0 ? [j] : []));
      const cu = [...starts, posRow.length];
      out.cu_seq_lens_q = out.cu_seq_lens_k = torch.tensor(cu, { dtype: 'int32' });
      out.max_length_q = out.max_length_k = Math.max(...cu.slice(1).map((c, k) => c - cu[k]));
      out.seq_idx = torch.tensor([cu.slice(1).flatMap((c, k) => Array(c - cu[k]).fill(k))], { dtype: 'int32' });
      return out;
    }
    out.input_ids = padRows(ids, this.padTokenId, multiple);
    out.labels = padRows(labels, -100, multiple);
    if (positions) out.position_ids = padRows(positions, 0, multiple);
    out.attention_mask = padRows(ids.map((r) => r.map(() => 1)), 0, multiple);
    return out;
  }
}

export interface CompletionOnlyOptions {
  /** The token ids that start a response (e.g. of '### Answer:' encoded without special tokens). */
  responseTemplate: number[];
  /** The token ids that start a user turn, for multi-turn conversations. */
  instructionTemplate?: number[] | null;
  tokenizer: CollatorTokenizer;
  ignoreIndex?: number;
}

export interface DataCollatorForCompletionOnlyLM {
  (examples: Features): Record<string, Tensor>;
}

/** Where `template` occurs in `row`: the index of each occurrence's first token. */
function occurrences(row: number[], template: number[]): number[] {
  const found: number[] = [];
  for (let i = 0; i + template.length <= row.length; i++) if (template.every((t, k) => row[i + k] === t)) found.push(i);
  return found;
}

/**
 * TRL 0.x's DataCollatorForCompletionOnlyLM (removed from TRL 1.x, so not checked against it):
 * pads, labels = input_ids with padding -100, then masks everything up to the end of the last response
 * template, or with an instruction template everything but the responses. An example without
 * the template is not trained on (all labels -100), with a warning, as TRL does. One deliberate
 * difference: TRL 0.x masked every token equal to the pad token, so with pad == eos the EOS was
 * never learned; here only padding is masked.
 */
export class DataCollatorForCompletionOnlyLM extends Callable<[Features], Record<string, Tensor>> {
  responseTemplate!: number[];
  instructionTemplate!: number[] | null;
  tokenizer!: CollatorTokenizer;
  ignoreIndex!: number;

  constructor(options: CompletionOnlyOptions) {
    super();
    for (const key of ['responseTemplate', 'instructionTemplate'] as const) {
      const t = options?.[key];
      if (typeof t === 'string') {
        throw new TypeError(`DataCollatorForCompletionOnlyLM: ${key} must be token ids; encode it first: await tokenizer.encode(${JSON.stringify(t)}, null, { addSpecialTokens: false })`);
      }
    }
    if (!Array.isArray(options.responseTemplate) || options.responseTemplate.length === 0) throw new TypeError('DataCollatorForCompletionOnlyLM: responseTemplate (token ids) is required');
    this.responseTemplate = options.responseTemplate;
    this.instructionTemplate = options.instructionTemplate ?? null;
    this.tokenizer = options.tokenizer;
    this.ignoreIndex = options.ignoreIndex ?? -100;
  }

  protected _call(examples: Features): Record<string, Tensor> {
    const rows = examples.map((e, i) => list(e.input_ids, 'input_ids', i));
    const padId = this.tokenizer.padTokenId;
    if (padId === null) throw new Error('DataCollatorForCompletionOnlyLM: the tokenizer has no pad token; set tokenizer.padToken first');
    const labels = rows.map((r) => [...r]);
    for (const [i, row] of rows.entries()) this.maskRow(row, labels[i], i);
    return { input_ids: padRows(rows, padId), attention_mask: padRows(rows.map((r) => r.map(() => 1)), 0), labels: padRows(labels, this.ignoreIndex) };
  }

  private maskRow(row: number[], labels: number[], i: number): void {
    const ignore = (from: number, to: number) => { for (let k = from; k < Math.min(to, labels.length); k++) labels[k] = this.ignoreIndex; };
    const responses = occurrences(row, this.responseTemplate).map((s) => s + this.responseTemplate.length);
    if (responses.length === 0) {
      process.emitWarning(`DataCollatorForCompletionOnlyLM: could not find the response template ${JSON.stringify(this.responseTemplate)} in example ${i}; it is ignored in the loss (all labels -100).`);
      ignore(0, labels.length);
      return;
    }
    if (!this.instructionTemplate) {
      ignore(0, responses[responses.length - 1]);
      return;
    }
    let humans = occurrences(row, this.instructionTemplate);
    if (humans.length === 0) {
      process.emitWarning(`DataCollatorForCompletionOnlyLM: could not find the instruction template ${JSON.stringify(this.instructionTemplate)} in example ${i}; it is ignored in the loss (all labels -100).`);
      ignore(0, labels.length);
      return;
    }
    if (humans[0] > responses[0]) humans = [0, ...humans];
    for (let k = 0; k < Math.min(humans.length, responses.length); k++) ignore(k === 0 ? 0 : humans[k], responses[k]);
    if (responses.length < humans.length) ignore(humans[humans.length - 1], labels.length);
  }
}
