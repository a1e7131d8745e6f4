// The models half of finetune: configs, BERT-family models, and the auto classes.
export { PretrainedConfig, CONFIG_NAME, TRANSFORMERS_VERSION, type ConfigOptions, type ProblemType } from './configuration_utils.js';
export { PreTrainedModel, type FromPretrainedOptions as ModelFromPretrainedOptions, type SavePretrainedOptions, type LoadingInfo } from './modeling_utils.js';
export type { ModelInputs } from './model_inputs.js';
export type {
  BaseModelOutput, SequenceClassifierOutput, SequenceClassification, TokenClassifierOutput, QuestionAnsweringModelOutput, MaskedLMOutput,
  CausalLMOutputWithPast,
} from './modeling_outputs.js';
export { BertConfig } from './bert/configuration_bert.js';
export {
  BertModel, BertForSequenceClassification, BertPreTrainedModel, BertEmbeddings, BertSelfAttention, BertSelfOutput, BertAttention,
  BertIntermediate, BertOutput, BertLayer, BertEncoder, BertPooler,
} from './bert/modeling_bert.js';
export {
  BertForMaskedLM, BertForTokenClassification, BertForQuestionAnswering, BertOnlyMLMHead, BertLMPredictionHead, BertPredictionHeadTransform,
} from './bert/modeling_bert.js';
export { RobertaConfig, XLMRobertaConfig } from './roberta/configuration_roberta.js';
export {
  RobertaModel, RobertaForSequenceClassification, RobertaPreTrainedModel, RobertaEmbeddings, RobertaClassificationHead,
  XLMRobertaModel, XLMRobertaForSequenceClassification,
} from './roberta/modeling_roberta.js';
export {
  RobertaForMaskedLM, RobertaForTokenClassification, RobertaForQuestionAnswering, RobertaLMHead,
  XLMRobertaForMaskedLM, XLMRobertaForTokenClassification, XLMRobertaForQuestionAnswering,
} from './roberta/modeling_roberta.js';
export { DistilBertConfig } from './distilbert/configuration_distilbert.js';
export { DistilBertModel, DistilBertForSequenceClassification, DistilBertPreTrainedModel } from './distilbert/modeling_distilbert.js';
export { DistilBertForMaskedLM, DistilBertForTokenClassification, DistilBertForQuestionAnswering } from './distilbert/modeling_distilbert.js';
export type { MaskedLM, TokenClassification, QuestionAnswering, MaskedLMOutputFor, TokenClassifierOutputFor, QuestionAnsweringOutputFor } from './modeling_heads.js';
export {
  AutoModelForMaskedLM, AutoModelForTokenClassification, AutoModelForQuestionAnswering,
  type AutoMaskedLMModel, type AutoTokenClassificationModel, type AutoQuestionAnsweringModel,
} from './auto.js';
export { AutoConfig, AutoModel, AutoModelForSequenceClassification, type AutoBaseModel, type AutoSequenceClassificationModel } from './auto.js';
export { AutoModelForCausalLM, type AutoCausalLMModel } from './auto.js';
export { DynamicCache } from './cache_utils.js';
export { LlamaConfig } from './llama/configuration_llama.js';
export { LlamaModel, LlamaForCausalLM, LlamaForSequenceClassification, LlamaPreTrainedModel, LlamaRMSNorm, LlamaAttention, LlamaMLP, LlamaDecoderLayer } from './llama/modeling_llama.js';
export * as logging from './logging.js';
export { GPT2Config } from './gpt2/configuration_gpt2.js';
export { GPT2Model, GPT2LMHeadModel, GPT2ForSequenceClassification, GPT2PreTrainedModel } from './gpt2/modeling_gpt2.js';
export { MistralConfig, MistralModel, MistralForCausalLM, MistralForSequenceClassification } from './mistral/modeling_mistral.js';
export { Qwen2Config, Qwen2Model, Qwen2ForCausalLM, Qwen2ForSequenceClassification } from './qwen2/modeling_qwen2.js';
export { Qwen3Config, Qwen3Model, Qwen3ForCausalLM, Qwen3ForSequenceClassification } from './qwen3/modeling_qwen3.js';
export { GemmaConfig, GemmaModel, GemmaForCausalLM, GemmaForSequenceClassification } from './gemma/modeling_gemma.js';
