// The pre-tokenizer split regexes transformers gives a byte-level GGUF vocabulary by its
// `tokenizer.ggml.pre` (integrations/gguf/gguf_tokenizer_mapping.py's GGUF_PRE_TOKENIZER_SPLITS,
// copied verbatim): the text is split the way the vocabulary's merges were learned. Any other
// value keeps the GPT-2 byte-level regex, as there.
const LLAMA3 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const TEKKEN = '[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+'
  + '|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*'
  + '|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+';
const GPT4O = "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
  + "|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
  + '|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+';
const QWEN2 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const QWEN35 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

export const GGUF_PRE_TOKENIZER_SPLITS: Readonly<Record<string, string>> = {
  llama3: LLAMA3, 'llama-v3': LLAMA3, 'llama-bpe': LLAMA3, falcon3: LLAMA3, 'falcon-h1': LLAMA3, pixtral: LLAMA3,
  'midm-2.0': LLAMA3, lfm2: LLAMA3, 'jina-v5-nano': LLAMA3, dbrx: LLAMA3, 'smaug-bpe': LLAMA3,
  tekken: TEKKEN,
  qwen2: QWEN2, 'deepseek-r1-qwen': QWEN2, kormo: QWEN2, f2llmv2: QWEN2, megrez: QWEN2,
  qwen35: QWEN35,
  'gpt-4o': GPT4O, llama4: GPT4O, kanana2: GPT4O, talkie: GPT4O, 'minimax-m2': GPT4O,
};
