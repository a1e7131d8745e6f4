// The data half of finetune: tokenizers, datasets and batching, with Hugging Face names.
export { AutoTokenizer, BertTokenizerFast, BertTokenizer, type FromPretrainedOptions as TokenizerFromPretrainedOptions } from './tokenizers/auto.js';
export { PreTrainedTokenizerFast, type DecodeOptions } from './tokenizers/tokenizer.js';
export { BatchEncoding, type EncodedValue } from './tokenizers/batch-encoding.js';
export type { EncodeOptions, PaddingStrategy, TruncationStrategy } from './tokenizers/options.js';
export type { PadOptions } from './tokenizers/pad.js';

export { loadDataset, type LoadDatasetOptions, type GlueThreeSplitConfig } from './datasets/load.js';
export { Dataset, type Row, type Batch as DatasetBatch } from './datasets/dataset.js';
export { DatasetDict } from './datasets/dataset-dict.js';
export { Value, ClassLabel, Sequence, type Feature, type Features } from './datasets/features.js';
export { disableCaching, enableCaching, isCachingEnabled, cacheDir } from './datasets/cache.js';
export { DataFileError } from './datasets/io/errors.js';
export { Generator } from './datasets/random.js';
export type { MapOptions, FilterOptions } from './datasets/map.js';
export type { TrainTestSplitOptions } from './datasets/split.js';
export { trainTestSplit, type SklearnSplitOptions } from './datasets/model-selection.js';
export { RandomState } from './datasets/random-state.js';

export { DataLoader, type DataLoaderOptions, type LoaderDataset, type IndexedData } from './data/dataloader.js';
export { SequentialSampler, RandomSampler, LengthGroupedSampler, DistributedSampler, BatchSampler, type Sampler } from './data/samplers.js';
export { DataCollatorWithPadding, DefaultDataCollator, defaultDataCollator, type Batch, type PaddedBatch } from './data/collators.js';
export { DataCollatorForLanguageModeling, DataCollatorForWholeWordMask, groupTexts, type DataCollatorForLanguageModelingOptions } from './data/language_modeling.js';
export { DataCollatorForTokenClassification, alignLabelsWithTokens, alignBatchLabels, bToILabels, type AlignLabelsOptions } from './data/token_classification.js';
export {
  prepareTrainFeatures, prepareValidationFeatures, postprocessQaPredictions,
  type SquadAnswers, type QaPreprocessOptions, type PostprocessOptions, type PostprocessResult, type QaPrediction,
} from './data/question_answering.js';
export * as data from './data/torch-data-index.js';
export { range } from './datasets/range.js';

export { setHubClient, HubError, type HubClient, type HubFileOptions } from './hub/resolve.js';
