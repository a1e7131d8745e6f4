// A tokenizer from a GGUF file's metadata, as transformers' from_pretrained(..., gguf_file=...)
// builds it (integrations/gguf/gguf_tokenizer_mapping.py): a GGUF has no tokenizer.json; the
// vocabulary, merges, token types, special-token ids and chat template are metadata under
// llama.cpp's names. Here they become the tokenizer.json (and tokenizer_config) that transformers'
// converted tokenizer serialises to, loaded by the same `tokenizers` library.
import { dirname } from 'node:path';

import { ggufHeader } from '../checkpoints/gguf/locate.js';
import type { GgufFile } from '../checkpoints/gguf/reader.js';
import type { TokenizerFiles } from './files.js';
import { GGUF_PRE_TOKENIZER_SPLITS } from './gguf-splits.js';

const CONTROL = 3; // llama.cpp's token types
const USER_DEFINED = 4;

/** GPT-2's byte → printable character table (bytes_to_unicode). */
function bytesToUnicode(): string[] {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const out: string[] = new Array(256);
  let n = 0;
  for (let b = 0; b < 256; b++) out[b] = String.fromCodePoint(printable(b) ? b : 256 + n++);
  return out;
}

function array<T>(file: GgufFile, key: string, check: (v: unknown) => v is T, what: string, required: boolean): T[] | undefined {
  const v = file.metadata.get(key);
  if (v === undefined && !required) return undefined;
  if (!Array.isArray(v) || !v.every(check)) throw new Error(`${file.path}: metadata '${key}' must be an array of ${what}`);
  return v as T[];
}
const isString = (v: unknown): v is string => typeof v === 'string';
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** The tokenizer.json transformers' byte_level_tokenizer + add_gguf_special_tokens + set_split_regex produce. */
function byteLevelTokenizerJson(file: GgufFile, tokens: string[], types: number[] | undefined): Record<string, unknown> {
  const spelling = bytesToUnicode();
  const alphabet = new Set(spelling);
  const inAlphabet = (t: string) => [...t].every((c) => alphabet.has(c));
  const vocab: Record<string, number> = {};
  const encoder = new TextEncoder();
  // tokens the file spells as raw text are respelled in the byte alphabet (a later duplicate wins, as in a dict)
  tokens.forEach((t, i) => { vocab[inAlphabet(t) ? t : Array.from(encoder.encode(t), (b) => spelling[b]).join('')] = i; });
  const merges = (array(file, 'tokenizer.ggml.merges', isString, 'strings', true) as string[]).map((m, i) => {
    const parts = m.split(' ');
    if (parts.length !== 2) throw new Error(`${file.path}: metadata 'tokenizer.ggml.merges'[${i}] is ${JSON.stringify(m)}; expected two tokens separated by one space`);
    return parts;
  });
  const added: Record<string, unknown>[] = [];
  const addToken = (content: string, special: boolean) => added.push({ id: vocab[content], content, single_word: false, lstrip: false, rstrip: false, normalized: false, special });
  // control tokens outside the byte alphabet are llama.cpp mislabels; transformers skips them
  tokens.forEach((t, i) => { if (types?.[i] === CONTROL && inAlphabet(t) && vocab[t] !== undefined) addToken(t, true); });
  tokens.forEach((t, i) => { if (types?.[i] === USER_DEFINED && Object.hasOwn(vocab, t)) addToken(t, false); });
  added.sort((a, b) => (a.id as number) - (b.id as number));
  const pre = file.metadata.get('tokenizer.ggml.pre');
  const split = typeof pre === 'string' ? GGUF_PRE_TOKENIZER_SPLITS[pre] : undefined;
  const byteLevel = (useRegex: boolean) => ({ type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: useRegex });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: split === undefined ? byteLevel(true)
      : { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: split }, behavior: 'Isolated', invert: false }, byteLevel(false)] },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '',
      fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges,
    },
  };
}

/** tokenizer_config.json as transformers' get_gguf_tokenizer reads it: flags, template, special tokens by content. */
function tokenizerConfig(file: GgufFile, tokens: string[]): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const [key, name] of [['tokenizer.ggml.add_bos_token', 'add_bos_token'], ['tokenizer.ggml.add_eos_token', 'add_eos_token']] as const) {
    const v = file.metadata.get(key);
    if (v === undefined) continue;
    if (typeof v !== 'boolean') throw new Error(`${file.path}: metadata '${key}' must be a bool, got ${String(v)}`);
    config[name] = v;
  }
  const template = file.metadata.get('tokenizer.chat_template');
  if (template !== undefined) {
    if (typeof template !== 'string') throw new Error(`${file.path}: metadata 'tokenizer.chat_template' must be a string`);
    config.chat_template = template;
  }
  for (const [name, key] of [['bos_token', 'bos_token_id'], ['eos_token', 'eos_token_id'], ['unk_token', 'unknown_token_id'], ['pad_token', 'padding_token_id']] as const) {
    const id = file.metadata.get(`tokenizer.ggml.${key}`);
    if (id === undefined) continue;
    if (!isInt(id) || id < 0 || id >= tokens.length) throw new Error(`${file.path}: metadata 'tokenizer.ggml.${key}' is ${String(id)}, not a token id (the vocabulary has ${tokens.length} tokens)`);
    config[name] = tokens[id];
  }
  return config;
}

/** The tokenizer files a GGUF describes (for PreTrainedTokenizerFast), refused by name when finetune cannot build them. */
export function ggufTokenizerFiles(path: string, nameOrPath: string, overrides: Record<string, unknown> = {}): TokenizerFiles {
  const file = ggufHeader(path);
  const model = file.metadata.get('tokenizer.ggml.model');
  if (model !== 'gpt2') {
    throw new Error(`${path}: cannot build a tokenizer from GGUF metadata 'tokenizer.ggml.model' = ${JSON.stringify(model ?? null)}; finetune supports gpt2 (byte-level BPE)`);
  }
  const tokens = array(file, 'tokenizer.ggml.tokens', isString, 'strings', true) as string[];
  const types = array(file, 'tokenizer.ggml.token_type', isInt, 'integers', false);
  if (types && types.length !== tokens.length) throw new Error(`${path}: metadata 'tokenizer.ggml.token_type' has ${types.length} entries for ${tokens.length} tokens`);
  const json = byteLevelTokenizerJson(file, tokens, types);
  const fileConfig = tokenizerConfig(file, tokens);
  const { chat_template: template, ...config } = { ...fileConfig, ...overrides };
  return {
    nameOrPath, dir: dirname(path), tokenizerJson: JSON.stringify(json), json, tokenizerJsonPath: path, vocabPath: null,
    config, specialTokensMap: {}, chatTemplates: typeof template === 'string' ? template : null,
  };
}
