// SFTConfig, as TRL 1.16's trl.SFTConfig: TrainingArguments with TRL's defaults (learning rate
// 2e-5, logging every 10 steps) and the SFT fields in camelCase (snake_case accepted). One
// difference, stated: TRL defaults gradient_checkpointing to true; finetune's engine cannot
// recompute activations in backward (no custom autograd function in the addon), so it stays
// false here and TrainingArguments refuses true.
import { snakeToCamel } from '../util/case.js';
import { TrainingArguments, type TrainingArgumentsInit } from '../trainer/training_args.js';

export interface SFTFields {
  /** The column holding plain text (TRL's dataset_text_field). */
  datasetTextField: string;
  /** Longest tokenized row; longer ones are truncated (or, with packing, the packed row length). null: no limit. */
  maxLength: number | null;
  truncationMode: 'keep_start' | 'keep_end';
  packing: boolean;
  packingStrategy: 'bfd' | 'bfd_split';
  /** One row per batch, no padding, position_ids per sequence (implied by packing with bfd). */
  paddingFree: boolean;
  padToMultipleOf: number | null;
  evalPacking: boolean | null;
  /** Loss on the completion only (prompt/completion data). null: true when the data has prompts and completions. */
  completionOnlyLoss: boolean | null;
  /** Loss on the assistant's turns only (conversational data, via the chat template's assistant masks). */
  assistantOnlyLoss: boolean;
  /** The EOS token to append (default: the tokenizer's). */
  eosToken: string | null;
  padToken: string | null;
  shuffleDataset: boolean;
  datasetKwargs: Record<string, unknown> | null;
  lossType: 'nll';
}

const SFT_DEFAULTS: SFTFields = {
  datasetTextField: 'text', maxLength: 1024, truncationMode: 'keep_start', packing: false, packingStrategy: 'bfd', paddingFree: false,
  padToMultipleOf: null, evalPacking: null, completionOnlyLoss: null, assistantOnlyLoss: false, eosToken: null, padToken: null,
  shuffleDataset: false, datasetKwargs: null, lossType: 'nll',
};
// TRL's own defaults for fields TrainingArguments has
const TRL_TRAINING_DEFAULTS = { learningRate: 2e-5, loggingSteps: 10 };

export type SFTConfigInit = TrainingArgumentsInit & Partial<SFTFields> & Record<string, unknown>;

export interface SFTConfig extends SFTFields {}

export class SFTConfig extends TrainingArguments {
  constructor(outputDirOrInit: string | SFTConfigInit = {}, init: SFTConfigInit = {}) {
    const given: Record<string, unknown> = typeof outputDirOrInit === 'string' ? { ...init, outputDir: outputDirOrInit } : { ...outputDirOrInit };
    const sft: Partial<SFTFields> = {};
    const rest: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(given)) {
      const name = snakeToCamel(key);
      if (Object.hasOwn(SFT_DEFAULTS, name)) (sft as Record<string, unknown>)[name] = value;
      else rest[key] = value;
    }
    for (const [name, value] of Object.entries(TRL_TRAINING_DEFAULTS)) {
      const snake = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
      if (!(name in rest) && !(snake in rest)) rest[name] = value;
    }
    super(rest as TrainingArgumentsInit);
    Object.assign(this, SFT_DEFAULTS, Object.fromEntries(Object.entries(sft).filter(([, v]) => v !== undefined)));
    if (this.maxLength !== null && (!Number.isSafeInteger(this.maxLength) || this.maxLength <= 0)) throw new RangeError(`SFTConfig: maxLength must be a positive integer or null, got ${this.maxLength}`);
    if (!['keep_start', 'keep_end'].includes(this.truncationMode)) throw new Error(`SFTConfig: truncationMode must be 'keep_start' or 'keep_end', got ${JSON.stringify(this.truncationMode)}`);
    if (!['bfd', 'bfd_split'].includes(this.packingStrategy)) throw new Error(`SFTConfig: packingStrategy must be 'bfd' or 'bfd_split' (TRL's 'wrapped' is not implemented), got ${JSON.stringify(this.packingStrategy)}`);
    if (this.packing && this.maxLength === null) throw new Error('SFTConfig: packing needs maxLength (the length of the packed rows)');
  }
}
