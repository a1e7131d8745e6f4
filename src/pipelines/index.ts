// pipeline(task, model): transformers' one-call inference: text-classification (alias
// 'sentiment-analysis'), fill-mask, and token-classification (alias 'ner').
import type { Device } from '../engine/dtype.js';
import { AutoModelForSequenceClassification, type AutoSequenceClassificationModel } from '../models/auto.js';
import { AutoModelForMaskedLM, AutoModelForTokenClassification } from '../models/auto.js';
import { FillMaskPipeline, type FillMaskOptions, type FillMaskResult } from './fill_mask.js';
import { TokenClassificationPipeline, type GroupedEntity, type TokenClassificationOptions, type TokenEntity } from './token_classification.js';
import { AutoTokenizer } from '../tokenizers/auto.js';
import type { PreTrainedTokenizerFast } from '../tokenizers/tokenizer.js';
import {
  TextClassificationPipeline,
  type ClassificationInput, type LabelScore, type TextClassificationOptions,
} from './text_classification.js';

export { TextClassificationPipeline, applyFunction } from './text_classification.js';
export type { ClassificationFunction, ClassificationInput, LabelScore, TextClassificationOptions, TextPair } from './text_classification.js';

export { FillMaskPipeline, type FillMaskOptions, type FillMaskResult } from './fill_mask.js';
export { TokenClassificationPipeline, type AggregationStrategy, type GroupedEntity, type TokenClassificationOptions, type TokenEntity } from './token_classification.js';

export const SUPPORTED_TASKS = {
  'text-classification': 'text-classification', 'sentiment-analysis': 'text-classification',
  'fill-mask': 'fill-mask', 'token-classification': 'token-classification', ner: 'token-classification',
} as const;
export type PipelineTask = keyof typeof SUPPORTED_TASKS;

export interface PipelineOptions extends TextClassificationOptions {
  /** A tokenizer, or where to load one from; by default the model's own folder or Hub id. */
  tokenizer?: string | PreTrainedTokenizerFast;
  device?: Device;
  revision?: string;
}

/** The pipeline as a function (`await clf('text')`) that also exposes the pipeline's parts. */
export interface TextClassifier {
  (inputs: ClassificationInput, options?: TextClassificationOptions): Promise<LabelScore[]>;
  (inputs: ClassificationInput[], options?: TextClassificationOptions): Promise<LabelScore[] | LabelScore[][]>;
  readonly pipeline: TextClassificationPipeline;
  readonly task: string;
  readonly model: AutoSequenceClassificationModel;
  readonly tokenizer: PreTrainedTokenizerFast;
}

/**
 * pipeline('text-classification', 'path/or/hub-id', { topK, functionToApply, tokenizer, device }).
 * `model` may also be a model object, in which case a tokenizer (object or location) is required.
 */
export async function pipeline(task: 'fill-mask', model: string, options?: FillMaskOptions & { tokenizer?: string | PreTrainedTokenizerFast; revision?: string }): Promise<(text: string, options?: FillMaskOptions) => Promise<FillMaskResult[] | FillMaskResult[][]>>;
export async function pipeline(task: 'token-classification' | 'ner', model: string, options?: TokenClassificationOptions & { tokenizer?: string | PreTrainedTokenizerFast; revision?: string }): Promise<(text: string, options?: TokenClassificationOptions) => Promise<(TokenEntity | GroupedEntity)[]>>;
export async function pipeline(task: 'text-classification' | 'sentiment-analysis', model: string | AutoSequenceClassificationModel, options?: PipelineOptions): Promise<TextClassifier>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function pipeline(task: string, model: string | AutoSequenceClassificationModel, options: any = {}): Promise<any> {
  if (!(task in SUPPORTED_TASKS)) {
    throw new Error(`Unknown task ${JSON.stringify(task)}, available tasks are ${Object.keys(SUPPORTED_TASKS).map((t) => JSON.stringify(t)).join(', ')}`);
  }
  const kind = SUPPORTED_TASKS[task as PipelineTask];
  if (kind === 'fill-mask' || kind === 'token-classification') {
    if (typeof model !== 'string') throw new TypeError(`pipeline('${task}'): pass the model's folder or Hub id`);
    const { tokenizer: tokOption, revision, device: _device, ...defaults } = options;
    const opts = revision ? { revision } : {};
    const tokenizer = tokOption !== undefined && typeof tokOption !== 'string' ? tokOption : await AutoTokenizer.fromPretrained(tokOption ?? model, opts);
    if (kind === 'fill-mask') {
      const pipe = new FillMaskPipeline(await AutoModelForMaskedLM.fromPretrained(model, opts), tokenizer, defaults as FillMaskOptions);
      return Object.assign((text: string, o?: FillMaskOptions) => pipe.run(text, o), { pipeline: pipe, task });
    }
    const pipe = new TokenClassificationPipeline(await AutoModelForTokenClassification.fromPretrained(model, opts), tokenizer, defaults as TokenClassificationOptions);
    return Object.assign((text: string, o?: TokenClassificationOptions) => pipe.run(text, o), { pipeline: pipe, task });
  }
  const { tokenizer: tokenizerOption, device, revision, ...defaults } = options;
  const loaded = typeof model === 'string' ? await AutoModelForSequenceClassification.fromPretrained(model, revision ? { revision } : {}) : model;
  let tokenizer: PreTrainedTokenizerFast;
  if (tokenizerOption !== undefined && typeof tokenizerOption !== 'string') tokenizer = tokenizerOption;
  else {
    const from = tokenizerOption ?? (typeof model === 'string' ? model : null);
    if (from === null) throw new Error(`pipeline('${task}'): a model object needs a tokenizer (pass { tokenizer: 'path' } or a tokenizer object)`);
    tokenizer = await AutoTokenizer.fromPretrained(from, revision ? { revision } : {});
  }
  const pipe = new TextClassificationPipeline({ task, model: loaded, tokenizer, device: device ?? null, defaults });
  const call = ((inputs: ClassificationInput | ClassificationInput[], opts?: TextClassificationOptions) =>
    pipe.run(inputs as ClassificationInput[], opts)) as TextClassifier;
  for (const [key, value] of Object.entries({ pipeline: pipe, task, model: loaded, tokenizer })) {
    Object.defineProperty(call, key, { value, enumerable: true });
  }
  return call;
}
