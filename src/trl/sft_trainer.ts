// SFTTrainer, as TRL 1.16's trl.SFTTrainer: the Trainer with the dataset prepared for
// supervised fine-tuning of a causal LM. Rows come in TRL's four shapes (text, messages,
// prompt/completion, conversational prompt/completion) or through formattingFunc; the EOS token
// is appended to text and completions, labels are the ids with the prompt (completionOnlyLoss)
// or the non-assistant turns (assistantOnlyLoss) set to -100, rows are truncated to maxLength or
// packed into maxLength rows (best-fit decreasing, padding-free), and a peftConfig wraps the
// model with LoRA first.
import type { Tensor } from '../engine/tensor.js';
import { Module } from '../nn/module.js';
import { LoraConfig, type LoraConfigOptions } from '../peft/config.js';
import { getPeftModel } from '../peft/peft_model.js';
import { Dataset } from '../datasets/dataset.js';
import { Trainer } from '../trainer/trainer.js';
import type { Collator, TrainerDataset } from '../trainer/trainer_setup.js';
import type { TrainerOptions } from '../trainer/trainer_options.js';
import type { Metrics, TrainOutput } from '../trainer/trainer_utils.js';
import { DataCollatorForLanguageModeling } from './collators.js';
import { commonPrefixLength, datasetShape, packBfd, truncateRow } from './data_utils.js';
import { SFTConfig } from './sft_config.js';

/** What SFTTrainer needs of a tokenizer; applyChatTemplate only for conversational data. */
export interface SFTTokenizer {
  encode(text: string, pair?: string | null, options?: { addSpecialTokens?: boolean }): Promise<number[]>;
  eosToken: string | null;
  eosTokenId: number | null;
  padToken: string | null;
  padTokenId: number | null;
  applyChatTemplate?: (messages: unknown[], options: Record<string, unknown>) => Promise<unknown> | unknown;
}

type Row = Record<string, unknown>;

export interface SFTTrainerOptions extends Omit<TrainerOptions, 'model' | 'args'> {
  args?: SFTConfig;
  processingClass?: SFTTokenizer;
  peftConfig?: LoraConfig | LoraConfigOptions | null;
  /** Row → the text to train on (TRL's formatting_func). */
  formattingFunc?: ((row: Row) => string) | null;
}

function rowsOf(ds: TrainerDataset): Row[] {
  if (ds instanceof Dataset) return ds.toList() as Row[];
  const n = (ds as { length: number }).length;
  const get = (i: number) => (typeof (ds as { getItem?: unknown }).getItem === 'function' ? (ds as { getItem(i: number): Row }).getItem(i) : (ds as Record<number, Row>)[i]);
  return Array.from({ length: n }, (_, i) => get(i));
}

export class SFTTrainer extends Trainer {
  declare args: SFTConfig;
  readonly peftConfig: LoraConfig | null;
  formattingFunc: ((row: Row) => string) | null;
  #prepared = false;

  /** `new SFTTrainer({ model, args, trainDataset, peftConfig })` (TRL's keyword call), or `new SFTTrainer(model, options)`. */
  constructor(modelOrOptions: Module | (SFTTrainerOptions & { model: Module }), options: SFTTrainerOptions = {}) {
    const objectForm = !(modelOrOptions instanceof Module);
    const model = objectForm ? (modelOrOptions as { model?: Module }).model : modelOrOptions as Module;
    if (!model) throw new TypeError('SFTTrainer: pass the model, as new SFTTrainer({ model, args, trainDataset, peftConfig }) or new SFTTrainer(model, options)');
    const { peftConfig, formattingFunc, args, ...rest } = objectForm ? (({ model: _m, ...o }) => o)(modelOrOptions as SFTTrainerOptions & { model: Module }) : options;
    const config = args ?? new SFTConfig({ outputDir: 'tmp_trainer' });
    if (!(config instanceof SFTConfig)) throw new TypeError('SFTTrainer: args must be an SFTConfig (TRL\'s SFTConfig carries the SFT fields and defaults)');
    const lora = peftConfig ? (peftConfig instanceof LoraConfig ? peftConfig : new LoraConfig(peftConfig)) : null;
    const wrapped = lora ? getPeftModel(model, lora) : model;
    const tokenizer = rest.processingClass;
    if (!tokenizer) throw new Error('SFTTrainer: a processingClass (the tokenizer) is required');
    // as TRL: a tokenizer without a pad token pads with EOS (the collator never masks by id, so EOS stays in the labels)
    const padId = tokenizer.padTokenId ?? tokenizer.eosTokenId;
    if (padId === null) throw new Error('SFTTrainer: the tokenizer has neither a pad token nor an EOS token; set tokenizer.padToken');
    const paddingFree = config.paddingFree || config.packing;
    const collator: Collator = rest.dataCollator ?? new DataCollatorForLanguageModeling({ padTokenId: padId, paddingFree, padToMultipleOf: config.padToMultipleOf });
    super({ ...rest, model: wrapped, args: config, dataCollator: collator } as TrainerOptions);
    this.peftConfig = lora;
    this.formattingFunc = formattingFunc ?? null;
  }

  get sftTokenizer(): SFTTokenizer {
    return this.processingClass as SFTTokenizer;
  }

  /** TRL's _prepare_dataset, for the train and eval datasets; run once, before training or evaluating. */
  async prepareDatasets(): Promise<void> {
    if (this.#prepared) return;
    if (this.trainDataset) this.trainDataset = await this.prepareDataset(this.trainDataset, this.args.packing);
    if (this.evalDataset) this.evalDataset = await this.prepareDataset(this.evalDataset, this.args.evalPacking ?? this.args.packing);
    this.#prepared = true;
  }

  /** Tokenized rows ({ input_ids, labels } and seq_lengths when packed) from a dataset of any of TRL's shapes. */
  async prepareDataset(dataset: TrainerDataset, packing: boolean): Promise<Row[]> {
    const rows = rowsOf(dataset);
    if (rows.length > 0 && Array.isArray(rows[0].input_ids)) return this.finishRows(rows.map((r) => ({ input_ids: r.input_ids, labels: r.labels ?? r.input_ids })) as Record<string, number[]>[], packing);
    const tokenized: Record<string, number[]>[] = [];
    for (const row of rows) tokenized.push(await this.tokenizeRow(this.formattingFunc ? { [this.args.datasetTextField]: this.formattingFunc(row) } : row));
    return this.finishRows(tokenized, packing);
  }

  private finishRows(rows: Record<string, number[]>[], packing: boolean): Row[] {
    const { maxLength } = this.args;
    if (packing) return packBfd(rows, maxLength!, this.args.packingStrategy === 'bfd_split' ? 'split' : 'truncate');
    return maxLength === null ? rows : rows.map((r) => truncateRow(r, maxLength, this.args.truncationMode));
  }

  /** One row → input_ids and labels, as TRL's add_eos, tokenize_fn and build_labels. */
  async tokenizeRow(row: Row): Promise<Record<string, number[]>> {
    const tok = this.sftTokenizer;
    const eos = this.args.eosToken ?? tok.eosToken;
    const field = this.args.datasetTextField;
    const shape = datasetShape(row, field);
    const withEos = (text: unknown, what: string) => {
      if (typeof text !== 'string') throw new TypeError(`SFTTrainer: '${what}' must be a string, got ${typeof text}`);
      if (eos === null) throw new Error('SFTTrainer: the tokenizer has no EOS token; set tokenizer.eosToken or SFTConfig.eosToken');
      return text.endsWith(eos) ? text : text + eos;
    };
    if (shape === 'text') {
      const ids = await tok.encode(withEos(row[field], field));
      return { input_ids: ids, labels: [...ids] };
    }
    if (shape === 'prompt-completion') {
      const prompt = row.prompt as string;
      const promptIds = await tok.encode(prompt);
      const ids = await tok.encode(prompt + withEos(row.completion, 'completion'));
      const start = commonPrefixLength(promptIds, ids);
      const completionOnly = this.args.completionOnlyLoss ?? true;
      return { input_ids: ids, labels: ids.map((id, i) => (completionOnly && i < start ? -100 : id)) };
    }
    if (typeof tok.applyChatTemplate !== 'function') {
      throw new Error(`SFTTrainer: conversational rows ('${shape}') need the tokenizer's chat template (tokenizer.applyChatTemplate), which this tokenizer lacks`);
    }
    const chat = async (messages: unknown, options: Record<string, unknown>) => {
      const out = await tok.applyChatTemplate!(messages as unknown[], { tokenize: true, returnDict: true, ...options }) as { input_ids?: number[]; inputIds?: number[]; assistant_masks?: number[]; assistantMasks?: number[] };
      return { ids: out.input_ids ?? out.inputIds ?? [], masks: out.assistant_masks ?? out.assistantMasks ?? null };
    };
    const assistantOnly = this.args.assistantOnlyLoss;
    const withMasks = (ids: number[], masks: number[] | null, completion: ((i: number) => boolean) | null) => {
      if (assistantOnly && masks && !masks.includes(1)) {
        throw new Error("You're using `assistantOnlyLoss: true`, but at least one example has no assistant tokens: the chat template gives no assistant masks");
      }
      return { input_ids: ids, labels: ids.map((id, i) => ((assistantOnly && masks && !masks[i]) || (completion && !completion(i)) ? -100 : id)) };
    };
    if (shape === 'messages') {
      const { ids, masks } = await chat(row.messages, { returnAssistantTokensMask: assistantOnly });
      return withMasks(ids, masks, null);
    }
    const prompt = await chat(row.prompt, { addGenerationPrompt: true });
    const full = await chat([...(row.prompt as unknown[]), ...(row.completion as unknown[])], { returnAssistantTokensMask: assistantOnly });
    const start = commonPrefixLength(prompt.ids, full.ids);
    const completionOnly = this.args.completionOnlyLoss ?? true;
    return withMasks(full.ids, full.masks, completionOnly ? (i) => i >= start : null);
  }

  /** The model's loss on the inputs it takes: the varlen kwargs of a padding-free batch go only to models that declare them. */
  override computeLoss(model: unknown, inputs: Record<string, unknown>, returnOutputs = false, numItemsInBatch: number | null = null): Tensor | [Tensor, unknown] {
    const declared = (model as { forwardInputNames?: readonly string[] }).forwardInputNames
      ?? (model as { constructor: { forwardInputNames?: readonly string[] } }).constructor.forwardInputNames;
    const kept = declared ? Object.fromEntries(Object.entries(inputs).filter(([k]) => declared.includes(k))) : inputs;
    // numItemsInBatch passes on: with gradient accumulation the loss is normalised by the label tokens of the whole batch
    return super.computeLoss(model as never, kept, returnOutputs, numItemsInBatch);
  }

  override async train(options: { resumeFromCheckpoint?: string | boolean | null } = {}): Promise<TrainOutput> {
    await this.prepareDatasets();
    return super.train(options);
  }

  override async evaluate(evalDataset?: TrainerDataset | null, ignoreKeys?: string[], metricKeyPrefix = 'eval'): Promise<Metrics> {
    await this.prepareDatasets();
    const ds = evalDataset ? await this.prepareDataset(evalDataset, this.args.evalPacking ?? this.args.packing) : evalDataset;
    return super.evaluate(ds, ignoreKeys, metricKeyPrefix);
  }
}
