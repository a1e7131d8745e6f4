// A model's config from a GGUF file's metadata, as transformers' load_gguf_checkpoint builds it
// (integrations/ggml.py's GGUF_CONFIG_MAPPING): a GGUF carries no config.json, its metadata under
// llama.cpp's key names is the config. Only the architectures whose tensors finetune can also map
// (weights.ts) are accepted, so that a file either loads whole or fails here by name.
import { CheckpointError } from '../../checkpoints/errors.js';
import type { GgufFile, GgufValue } from '../../checkpoints/gguf/reader.js';

export { ggufHeader, resolveGgufFile } from '../../checkpoints/gguf/locate.js';

/** llama.cpp's `<arch>.<key>` → the config.json field, for the Llama family (transformers' mapping). */
const LLAMA_KEYS: Record<string, string | null> = {
  context_length: 'max_position_embeddings',
  block_count: 'num_hidden_layers',
  feed_forward_length: 'intermediate_size',
  embedding_length: 'hidden_size',
  // transformers' note: rope.dimension_count is head_dim only for llama/mistral
  'rope.dimension_count': 'head_dim',
  'rope.freq_base': 'rope_theta',
  'attention.head_count': 'num_attention_heads',
  'attention.head_count_kv': 'num_key_value_heads',
  'attention.layer_norm_rms_epsilon': 'rms_norm_eps',
  vocab_size: 'vocab_size',
};

/** The special-token ids transformers copies from the tokenizer metadata into the config. */
const TOKEN_ID_KEYS: Record<string, string> = {
  'tokenizer.ggml.bos_token_id': 'bos_token_id',
  'tokenizer.ggml.eos_token_id': 'eos_token_id',
  'tokenizer.ggml.unknown_token_id': 'unk_token_id',
  'tokenizer.ggml.padding_token_id': 'pad_token_id',
};

/** GGUF architectures finetune loads, with the config.json model_type each becomes. */
export const GGUF_ARCHITECTURES: Record<string, string> = { llama: 'llama' };

function scalar(file: GgufFile, key: string): GgufValue | undefined {
  const v = file.metadata.get(key);
  return Array.isArray(v) && v.length === 1 ? v[0] : v;
}

/** The GGUF's architecture, refused by name when finetune cannot load it. */
export function ggufArchitecture(file: GgufFile): string {
  const arch = file.metadata.get('general.architecture');
  if (typeof arch !== 'string') throw new CheckpointError(file.path, "metadata 'general.architecture' is missing or not a string");
  if (!(arch in GGUF_ARCHITECTURES)) {
    throw new CheckpointError(file.path, `GGUF architecture '${arch}' is not supported by finetune (supported: ${Object.keys(GGUF_ARCHITECTURES).join(', ')})`);
  }
  return arch;
}

/** The config.json dictionary (snake_case) transformers builds from the file's metadata. */
export function ggufConfigDict(file: GgufFile): Record<string, unknown> {
  const arch = ggufArchitecture(file);
  const dict: Record<string, unknown> = { model_type: GGUF_ARCHITECTURES[arch] };
  for (const [key, field] of Object.entries(LLAMA_KEYS)) {
    const v = scalar(file, `${arch}.${key}`);
    if (v === undefined || field === null) continue;
    if (typeof v !== 'number') throw new CheckpointError(file.path, `metadata '${arch}.${key}' must be a number, got ${JSON.stringify(String(v))}`);
    dict[field] = v;
  }
  for (const [key, field] of Object.entries(TOKEN_ID_KEYS)) {
    const v = scalar(file, key);
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new CheckpointError(file.path, `metadata '${key}' must be an integer, got ${String(v)}`);
    dict[field] = v;
  }
  for (const field of ['max_position_embeddings', 'num_hidden_layers', 'hidden_size', 'num_attention_heads']) {
    if (dict[field] === undefined) throw new CheckpointError(file.path, `metadata '${arch}.${Object.keys(LLAMA_KEYS).find((k) => LLAMA_KEYS[k] === field)}' is missing`);
  }
  // llama.cpp writes the output projection only when it is not the embedding matrix
  dict.tie_word_embeddings = !file.tensors.some((t) => t.name === 'output.weight');
  if (dict.vocab_size === undefined) {
    const tokens = file.metadata.get('tokenizer.ggml.tokens');
    if (Array.isArray(tokens)) dict.vocab_size = tokens.length;
  }
  return dict;
}
