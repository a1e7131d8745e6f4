// AutoConfig, AutoModel and AutoModelFor{SequenceClassification,MaskedLM,TokenClassification,
// QuestionAnswering}: the class is picked from
// config.json's model_type (or, for configs older than model_type, from the name), as in
// transformers' auto classes.
import type { DType, Device } from '../engine/dtype.js';
import type { Tensor } from '../engine/tensor.js';
import { BertConfig } from './bert/configuration_bert.js';
import { BertForSequenceClassification, BertModel } from './bert/modeling_bert.js';
import { BertForMaskedLM, BertForQuestionAnswering, BertForTokenClassification } from './bert/modeling_bert.js';
import { PretrainedConfig, camelCaseOptions, readConfigDict } from './configuration_utils.js';
import type { ConfigOptions } from './configuration_utils.js';
import { DistilBertConfig } from './distilbert/configuration_distilbert.js';
import { DistilBertForSequenceClassification, DistilBertModel } from './distilbert/modeling_distilbert.js';
import { DistilBertForMaskedLM, DistilBertForQuestionAnswering, DistilBertForTokenClassification } from './distilbert/modeling_distilbert.js';
import type { MaskedLM, QuestionAnswering, TokenClassification } from './modeling_heads.js';
import type { ModelInputs } from './model_inputs.js';
import type { BaseModelOutput, SequenceClassification } from './modeling_outputs.js';
import type { FromPretrainedOptions, PreTrainedModel } from './modeling_utils.js';
import { RobertaConfig, XLMRobertaConfig } from './roberta/configuration_roberta.js';
import { LlamaConfig } from './llama/configuration_llama.js';
import { LlamaForCausalLM, LlamaForSequenceClassification, LlamaModel } from './llama/modeling_llama.js';
import type { CausalLMOutputWithPast } from './modeling_outputs.js';
import { GPT2Config } from './gpt2/configuration_gpt2.js';
import { GPT2ForSequenceClassification, GPT2LMHeadModel, GPT2Model } from './gpt2/modeling_gpt2.js';
import { MistralConfig, MistralForCausalLM, MistralForSequenceClassification, MistralModel } from './mistral/modeling_mistral.js';
import { Qwen2Config, Qwen2ForCausalLM, Qwen2ForSequenceClassification, Qwen2Model } from './qwen2/modeling_qwen2.js';
import { Qwen3Config, Qwen3ForCausalLM, Qwen3ForSequenceClassification, Qwen3Model } from './qwen3/modeling_qwen3.js';
import { GemmaConfig, GemmaForCausalLM, GemmaForSequenceClassification, GemmaModel } from './gemma/modeling_gemma.js';
import { RobertaForSequenceClassification, RobertaModel, XLMRobertaForSequenceClassification, XLMRobertaModel } from './roberta/modeling_roberta.js';
import {
  RobertaForMaskedLM, RobertaForQuestionAnswering, RobertaForTokenClassification,
  XLMRobertaForMaskedLM, XLMRobertaForQuestionAnswering, XLMRobertaForTokenClassification,
} from './roberta/modeling_roberta.js';

type ConfigClass = typeof PretrainedConfig & (new (init?: ConfigOptions) => PretrainedConfig);

export const CONFIG_MAPPING: Record<string, ConfigClass> = {
  bert: BertConfig,
  distilbert: DistilBertConfig,
  roberta: RobertaConfig,
  'xlm-roberta': XLMRobertaConfig,
  llama: LlamaConfig,
  gpt2: GPT2Config,
  mistral: MistralConfig,
  qwen2: Qwen2Config,
  qwen3: Qwen3Config,
  gemma: GemmaConfig,
};

/** What model classes share, with the mode and device methods returning the model itself. */
interface Model extends Omit<PreTrainedModel, 'forward' | 'eval' | 'train' | 'to' | 'requiresGrad_' | 'apply'> {
  eval(): this;
  train(mode?: boolean): this;
  to(target: DType | Device): this;
}
/** A base model: forward gives lastHiddenState (and poolerOutput where the family has a pooler). */
export interface AutoBaseModel extends Model {
  forward(inputs: ModelInputs | Tensor): BaseModelOutput;
}
/** A sequence-classification model: forward gives logits (and the loss when given labels). */
export interface AutoSequenceClassificationModel extends Model, SequenceClassification {}
/** A causal language model: forward gives next-token logits (and the loss with labels, the cache with useCache). */
export interface AutoCausalLMModel extends Model {
  forward(inputs: ModelInputs | Tensor): CausalLMOutputWithPast;
}
/** A masked-LM model: forward gives logits over the vocabulary for every token (and the loss when given labels). */
export interface AutoMaskedLMModel extends Model, MaskedLM {}
/** A token classifier: forward gives logits over the labels for every token. */
export interface AutoTokenClassificationModel extends Model, TokenClassification {}
/** An extractive QA model: forward gives startLogits and endLogits (and the loss when given start/end positions). */
export interface AutoQuestionAnsweringModel extends Model, QuestionAnswering {}

interface Loadable<M> {
  fromPretrained(pathOrId: string, options?: FromPretrainedOptions): Promise<M>;
  fromConfig(config: PretrainedConfig, options?: { dtype?: DType }): M;
}

// (the classes' static methods are generic in `this`, which TypeScript cannot match structurally)
const MODEL_MAPPING = {
  bert: BertModel, distilbert: DistilBertModel, roberta: RobertaModel, 'xlm-roberta': XLMRobertaModel,
  llama: LlamaModel, gpt2: GPT2Model, mistral: MistralModel, qwen2: Qwen2Model, qwen3: Qwen3Model, gemma: GemmaModel,
} as unknown as Record<string, Loadable<AutoBaseModel>>;
const SEQUENCE_CLASSIFICATION_MAPPING = {
  bert: BertForSequenceClassification, distilbert: DistilBertForSequenceClassification,
  roberta: RobertaForSequenceClassification, 'xlm-roberta': XLMRobertaForSequenceClassification,
  llama: LlamaForSequenceClassification, gpt2: GPT2ForSequenceClassification, mistral: MistralForSequenceClassification,
  qwen2: Qwen2ForSequenceClassification, qwen3: Qwen3ForSequenceClassification, gemma: GemmaForSequenceClassification,
} as unknown as Record<string, Loadable<AutoSequenceClassificationModel>>;
const CAUSAL_LM_MAPPING = {
  llama: LlamaForCausalLM, gpt2: GPT2LMHeadModel, mistral: MistralForCausalLM, qwen2: Qwen2ForCausalLM, qwen3: Qwen3ForCausalLM, gemma: GemmaForCausalLM,
} as unknown as Record<string, Loadable<AutoCausalLMModel>>;
const MASKED_LM_MAPPING = {
  bert: BertForMaskedLM, distilbert: DistilBertForMaskedLM, roberta: RobertaForMaskedLM, 'xlm-roberta': XLMRobertaForMaskedLM,
} as unknown as Record<string, Loadable<AutoMaskedLMModel>>;
const TOKEN_CLASSIFICATION_MAPPING = {
  bert: BertForTokenClassification, distilbert: DistilBertForTokenClassification,
  roberta: RobertaForTokenClassification, 'xlm-roberta': XLMRobertaForTokenClassification,
} as unknown as Record<string, Loadable<AutoTokenClassificationModel>>;
const QUESTION_ANSWERING_MAPPING = {
  bert: BertForQuestionAnswering, distilbert: DistilBertForQuestionAnswering,
  roberta: RobertaForQuestionAnswering, 'xlm-roberta': XLMRobertaForQuestionAnswering,
} as unknown as Record<string, Loadable<AutoQuestionAnsweringModel>>;

/** model_type, or for old configs without it the longest known type contained in the path (transformers' fallback). */
function modelTypeOf(dict: Record<string, unknown>, pathOrId: string, file: string): string {
  if (typeof dict.model_type === 'string') {
    if (!(dict.model_type in CONFIG_MAPPING)) {
      throw new Error(`${file}: model_type '${dict.model_type}' is not supported by finetune (supported: ${Object.keys(CONFIG_MAPPING).join(', ')})`);
    }
    return dict.model_type;
  }
  const byName = Object.keys(CONFIG_MAPPING).sort((a, b) => b.length - a.length).find((t) => pathOrId.includes(t));
  if (byName) return byName;
  throw new Error(`Unrecognized model in ${pathOrId}. Should have a \`model_type\` key in its ${file}, or contain one of the following strings in its name: ${Object.keys(CONFIG_MAPPING).join(', ')}`);
}

export const AutoConfig = {
  /** Reads config.json (folder, file or Hub id) into the config class of its model_type; options override fields. */
  async fromPretrained(pathOrId: string, options: ConfigOptions = {}): Promise<PretrainedConfig> {
    const { dict, file } = await readConfigDict(pathOrId, options.revision, options.ggufFile);
    return CONFIG_MAPPING[modelTypeOf(dict, pathOrId, file)].fromFile(dict, file, pathOrId, options);
  },

  /** A new config of a model type: AutoConfig.forModel('bert', { hiddenSize: 128 }). */
  forModel(modelType: string, init: ConfigOptions = {}): PretrainedConfig {
    const cls = CONFIG_MAPPING[modelType];
    if (!cls) throw new Error(`Unrecognized model identifier: ${modelType}. Should contain one of ${Object.keys(CONFIG_MAPPING).join(', ')}`);
    return new cls(init);
  },
};

function autoClass<M>(name: string, mapping: Record<string, Loadable<M>>) {
  const pick = (config: PretrainedConfig): Loadable<M> => {
    const cls = mapping[config.modelType];
    if (!cls) {
      throw new Error(`Unrecognized configuration class ${config.constructor.name} for this kind of AutoModel: ${name}. ` +
        `Model type should be one of ${Object.keys(mapping).join(', ')}.`);
    }
    return cls;
  };
  return {
    /** Reads config.json, picks the class of its model_type, and loads the weights. */
    async fromPretrained(pathOrId: string, options: FromPretrainedOptions = {}): Promise<M> {
      const { config: given, dtype, ignoreMismatchedSizes, stateDict, revision, ggufFile, ...configOptions } = camelCaseOptions(options);
      const config = given ? given.applyOptions(configOptions) : await AutoConfig.fromPretrained(pathOrId, { revision, ggufFile, ...configOptions });
      return pick(config).fromPretrained(pathOrId, { config, dtype, ignoreMismatchedSizes, stateDict, revision, ggufFile });
    },
    /** A new model with freshly initialised weights for a config. */
    fromConfig(config: PretrainedConfig, options: { dtype?: DType } = {}): M {
      return pick(config).fromConfig(config, options);
    },
  };
}

export const AutoModel = autoClass('AutoModel', MODEL_MAPPING);
export const AutoModelForSequenceClassification = autoClass('AutoModelForSequenceClassification', SEQUENCE_CLASSIFICATION_MAPPING);
export const AutoModelForCausalLM = autoClass('AutoModelForCausalLM', CAUSAL_LM_MAPPING);
export const AutoModelForMaskedLM = autoClass('AutoModelForMaskedLM', MASKED_LM_MAPPING);
export const AutoModelForTokenClassification = autoClass('AutoModelForTokenClassification', TOKEN_CLASSIFICATION_MAPPING);
export const AutoModelForQuestionAnswering = autoClass('AutoModelForQuestionAnswering', QUESTION_ANSWERING_MAPPING);
