// pipeline(task, model): transformers' one-call inference: text-classification (alias
// 'sentiment-analysis'), fill-mask, token-classification (alias 'ner') and question-answering.
import type { Device } from '../engine/dtype.js';
import { AutoModelForSequenceClassification, type AutoSequenceClassificationModel } from '../models/auto.js';
import { AutoModelForMaskedLM, AutoModelForQuestionAnswering, AutoModelForTokenClassification } from '../models/auto.js';
import { FillMaskPipeline, type FillMaskOptions, type FillMaskResult } from './fill_mask.js';
import { QuestionAnsweringPipeline, type QaAnswer, type QaInputs, type QuestionAnsweringOptions } from './question_answering.js';
import { TokenClassificationPipeline, type GroupedEntity, type TokenClassificationOptions, type TokenEntity } from './token_classification.js';
import { AutoTokenizer } from '../tokenizers/auto.js';
import type { PreTrainedTokenizerFast } from '../tokenizers/tokenizer.js';
import { AutoModelForCausalLM, type AutoCausalLMModel } from '../models/auto.js';
import { TextGenerationPipeline, type ChatMessage, type GeneratedText, type TextGenerationOptions } from './text_generation.js';
import {
  TextClassificationPipeline,
  type ClassificationInput, type LabelScore, type TextClassificationOptions,
} from './text_classification.js';

export { TextClassificationPipeline, applyFunction } from './text_classification.js';
export type { ClassificationFunction, ClassificationInput, LabelScore, TextClassificationOptions, TextPair } from './text_classification.js';

export { TextGenerationPipeline } from './text_generation.js';
export type { ChatMessage, GeneratedText, TextGenerationOptions } from './text_generation.js';

export { FillMaskPipeline, type FillMaskOptions, type FillMaskResult } from './fill_mask.js';
export { QuestionAnsweringPipeline, normalizeQaInputs, type QaAnswer, type QaInput, type QaInputs, type QuestionAnsweringOptions } from './question_answering.js';
export { TokenClassificationPipeline, type AggregationStrategy, type GroupedEntity, type TokenClassificationOptions, type TokenEntity } from './token_classification.js';

export const SUPPORTED_TASKS = {
  'text-classification': 'text-classification', 'sentiment-analysis': 'text-classification',
  'fill-mask': 'fill-mask', 'token-classification': 'token-classification', ner: 'token-classification',
  'question-answering': 'question-answering', 'text-generation': 'text-generation',
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

/** The text-generation pipeline as a function (`await generator('Once upon a time', { maxNewTokens: 20 })`). */
export interface TextGenerator {
  (inputs: string | ChatMessage[], options?: TextGenerationOptions): Promise<GeneratedText[]>;
  (inputs: (string | ChatMessage[])[], options?: TextGenerationOptions): Promise<GeneratedText[][]>;
  readonly pipeline: TextGenerationPipeline;
  readonly task: string;
  readonly model: AutoCausalLMModel;
  readonly tokenizer: PreTrainedTokenizerFast;
}

/** The question-answering pipeline as a function (`await qa({ question, context }, { topK: 3 })`). */
export interface QuestionAnswerer {
  (inputs: QaInputs, options?: QuestionAnsweringOptions): Promise<QaAnswer | QaAnswer[] | (QaAnswer | QaAnswer[])[]>;
  readonly pipeline: QuestionAnsweringPipeline;
  readonly task: string;
}

/** pipeline(task, model, options): as transformers' pipeline. */
export async function pipeline(task: 'text-generation', model: string | AutoCausalLMModel, options?: { tokenizer?: string | PreTrainedTokenizerFast; revision?: string; ggufFile?: string } & TextGenerationOptions): Promise<TextGenerator>;
export async function pipeline(task: 'fill-mask', model: string, options?: FillMaskOptions & { tokenizer?: string | PreTrainedTokenizerFast; revision?: string }): Promise<(text: string, options?: FillMaskOptions) => Promise<FillMaskResult[] | FillMaskResult[][]>>;
export async function pipeline(task: 'token-classification' | 'ner', model: string, options?: TokenClassificationOptions & { tokenizer?: string | PreTrainedTokenizerFast; revision?: string }): Promise<(text: string, options?: TokenClassificationOptions) => Promise<(TokenEntity | GroupedEntity)[]>>;
export async function pipeline(task: 'question-answering', model: string, options?: QuestionAnsweringOptions & { tokenizer?: string | PreTrainedTokenizerFast; revision?: string }): Promise<QuestionAnswerer>;
export async function pipeline(task: 'text-classification' | 'sentiment-analysis', model: string | AutoSequenceClassificationModel, options?: PipelineOptions): Promise<TextClassifier>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function pipeline(task: string, model: unknown, options: any = {}): Promise<any> {
  if (!(task in SUPPORTED_TASKS)) {
    throw new Error(`Unknown task ${JSON.stringify(task)}, available tasks are ${Object.keys(SUPPORTED_TASKS).map((t) => JSON.stringify(t)).join(', ')}`);
  }
  const kind = SUPPORTED_TASKS[task as PipelineTask];
  if (kind === 'text-generation') return textGenerationPipeline(model as string | AutoCausalLMModel, options as Record<string, unknown>);
  if (kind === 'fill-mask' || kind === 'token-classification' || kind === 'question-answering') return tokenLevelPipeline(task, kind, model, options);
  return textClassificationPipeline(task as PipelineTask, model as string | AutoSequenceClassificationModel, options as PipelineOptions);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function tokenLevelPipeline(task: string, kind: 'fill-mask' | 'token-classification' | 'question-answering', model: unknown, options: any): Promise<unknown> {
  if (typeof model !== 'string') throw new TypeError(`pipeline('${task}'): pass the model's folder or Hub id`);
  const { tokenizer: tokOption, revision, device: _device, ...defaults } = options;
  const opts = revision ? { revision } : {};
  const tokenizer = tokOption !== undefined && typeof tokOption !== 'string' ? tokOption : await AutoTokenizer.fromPretrained(tokOption ?? model, opts);
  if (kind === 'fill-mask') {
    const pipe = new FillMaskPipeline(await AutoModelForMaskedLM.fromPretrained(model, opts), tokenizer, defaults as FillMaskOptions);
    return Object.assign((text: string, o?: FillMaskOptions) => pipe.run(text, o), { pipeline: pipe, task });
  }
  if (kind === 'question-answering') {
    const pipe = new QuestionAnsweringPipeline(await AutoModelForQuestionAnswering.fromPretrained(model, opts), tokenizer, defaults as QuestionAnsweringOptions);
    return Object.assign((inputs: QaInputs, o?: QuestionAnsweringOptions) => pipe.run(inputs, o), { pipeline: pipe, task });
  }
  const pipe = new TokenClassificationPipeline(await AutoModelForTokenClassification.fromPretrained(model, opts), tokenizer, defaults as TokenClassificationOptions);
  return Object.assign((text: string, o?: TokenClassificationOptions) => pipe.run(text, o), { pipeline: pipe, task });
}

async function loadTokenizer(task: string, model: unknown, option: unknown, revision?: string): Promise<PreTrainedTokenizerFast> {
  if (option !== undefined && typeof option !== 'string') return option as PreTrainedTokenizerFast;
  const from = (option as string | undefined) ?? (typeof model === 'string' ? model : null);
  if (from === null) throw new Error(`pipeline('${task}'): a model object needs a tokenizer (pass { tokenizer: 'path' } or a tokenizer object)`);
  return AutoTokenizer.fromPretrained(from, revision ? { revision } : {});
}

async function textGenerationPipeline(model: string | AutoCausalLMModel, options: Record<string, unknown>): Promise<TextGenerator> {
  const { tokenizer: tokenizerOption, revision, ggufFile, ...defaults } = options as { tokenizer?: unknown; revision?: string; ggufFile?: string } & TextGenerationOptions;
  const where = { ...(revision ? { revision } : {}), ...(ggufFile !== undefined ? { ggufFile } : {}) };
  const loaded = typeof model === 'string' ? await AutoModelForCausalLM.fromPretrained(model, where) : model;
  // with a GGUF (transformers' gguf_file) the tokenizer comes from the same file unless given
  const tokenizer = ggufFile !== undefined && tokenizerOption === undefined && typeof model === 'string'
    ? await AutoTokenizer.fromPretrained(model, where)
    : await loadTokenizer('text-generation', model, tokenizerOption, revision);
  const pipe = new TextGenerationPipeline(loaded, tokenizer, defaults);
  const call = ((inputs: string | ChatMessage[] | (string | ChatMessage[])[], opts?: TextGenerationOptions) => pipe.run(inputs, opts)) as TextGenerator;
  for (const [key, value] of Object.entries({ pipeline: pipe, task: 'text-generation', model: loaded, tokenizer })) Object.defineProperty(call, key, { value, enumerable: true });
  return call;
}

/**
 * pipeline('text-classification', 'path/or/hub-id', { topK, functionToApply, tokenizer, device }).
 * `model` may also be a model object, in which case a tokenizer (object or location) is required.
 */
async function textClassificationPipeline(task: PipelineTask, model: string | AutoSequenceClassificationModel, options: PipelineOptions = {}): Promise<TextClassifier> {
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
