// The pipelines transformers 5's tokenizer classes build for themselves. A tokenizer.json whose
// tokenizer_config.json names LlamaTokenizer, GemmaTokenizer, GPT2Tokenizer or Qwen2Tokenizer keeps
// only its vocabulary, merges and post-processor there: the class's __init__ sets the normalizer,
// pre-tokenizer, decoder and BPE options (convert_to_native_format + the class's __init__). Reproducing
// that is what makes ids equal transformers' for such files (a Llama-2 file with a Prepend normalizer
// is encoded with Metaspace(prepend_scheme="first") instead, for instance).

type Json = Record<string, unknown>;

const QWEN2_SPLIT = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

const spDecoders = (strip: boolean): Json => ({
  type: 'Sequence',
  decoders: [
    { type: 'Replace', pattern: { String: '▁' }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' },
    ...(strip ? [{ type: 'Strip', content: ' ', start: 1, stop: 0 }] : []),
  ],
});
const byteLevel = (addPrefixSpace: boolean, useRegex: boolean): Json => ({ type: 'ByteLevel', add_prefix_space: addPrefixSpace, trim_offsets: true, use_regex: useRegex });
const BYTE_LEVEL_DECODER = { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true };

interface ClassPipeline {
  normalizer: Json | null;
  pre_tokenizer: Json | null;
  decoder: Json;
  /** BPE options the class passes (vocab and merges stay the file's). */
  model: Json;
  /** The class attribute `padding_side`, used when the configuration sets none. */
  paddingSide: 'left' | 'right';
  /** The __init__ defaults of the special tokens, for roles the configuration leaves out. */
  specials: Record<string, string>;
}

const BYTE_LEVEL_BPE = { dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, ignore_merges: false };

function pipelineFor(cls: string, config: Json): ClassPipeline | null {
  switch (cls) {
    case 'LlamaTokenizer': {
      const prefix = config.add_prefix_space === undefined || config.add_prefix_space === null ? true : Boolean(config.add_prefix_space);
      // _get_prepend_scheme: legacy (the default for a missing key is False in the class) → "always"
      const scheme = !prefix ? 'never' : config.legacy === true ? 'always' : 'first';
      return {
        normalizer: null,
        pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: scheme, split: false },
        decoder: spDecoders(prefix),
        model: { dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: true, byte_fallback: true, ignore_merges: false },
        paddingSide: 'left', specials: { unk_token: '<unk>', bos_token: '<s>', eos_token: '</s>' },
      };
    }
    case 'GemmaTokenizer':
      return {
        normalizer: { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
        pre_tokenizer: { type: 'Split', pattern: { String: ' ' }, behavior: 'MergedWithPrevious', invert: false },
        decoder: spDecoders(false),
        model: { dropout: null, unk_token: String(config.unk_token ?? '<unk>'), continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: true, byte_fallback: true, ignore_merges: false },
        paddingSide: 'left', specials: { unk_token: '<unk>', bos_token: '<bos>', eos_token: '<eos>', pad_token: '<pad>', mask_token: '<mask>' },
      };
    case 'GPT2Tokenizer':
      return { normalizer: null, pre_tokenizer: byteLevel(Boolean(config.add_prefix_space ?? false), true), decoder: BYTE_LEVEL_DECODER, model: BYTE_LEVEL_BPE, paddingSide: 'right',
        specials: { unk_token: '<|endoftext|>', bos_token: '<|endoftext|>', eos_token: '<|endoftext|>' } };
    case 'Qwen2Tokenizer':
      return {
        normalizer: { type: 'NFC' },
        pre_tokenizer: { type: 'Sequence', pretokenizers: [
          { type: 'Split', pattern: { Regex: QWEN2_SPLIT }, behavior: 'Isolated', invert: false },
          byteLevel(Boolean(config.add_prefix_space ?? false), false)] },
        decoder: BYTE_LEVEL_DECODER, model: BYTE_LEVEL_BPE, paddingSide: 'right',
        specials: { unk_token: '<|endoftext|>', eos_token: '<|endoftext|>', pad_token: '<|endoftext|>' },
      };
    default:
      return null;
  }
}

/**
 * A default special token the vocabulary lacks is added after it, as transformers adds the special
 * tokens it is given (GemmaTokenizer's default `<mask>`, for one).
 */
function withDefaultSpecials(json: Json, model: Json, defaults: Record<string, string>): Json[] {
  const added = [...((json.added_tokens as Json[] | undefined) ?? [])];
  const vocab = (model.vocab ?? {}) as Record<string, number>;
  const known = new Set([...Object.keys(vocab), ...added.map((t) => String(t.content))]);
  let next = Math.max(-1, ...Object.values(vocab), ...added.map((t) => Number(t.id))) + 1;
  for (const token of Object.values(defaults)) {
    if (known.has(token)) continue;
    added.push({ id: next++, content: token, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
    known.add(token);
  }
  return added;
}

/**
 * The tokenizer.json as transformers' class would rebuild it, with the class's special-token defaults
 * for roles the configuration leaves out; null when the class keeps the file as it is
 * (PreTrainedTokenizerFast, BERT, ...) or the file is not BPE (the classes here build BPE).
 */
export function applyClassPipeline(json: Json, config: Json): { json: Json; paddingSide: 'left' | 'right'; specials: Record<string, string> } | null {
  const cls = String(config.tokenizer_class ?? '').replace(/Fast$/, '');
  const p = pipelineFor(cls, config);
  const model = json.model as Json | undefined;
  if (!p || model?.type !== 'BPE') return null;
  const specials = Object.fromEntries(Object.entries(p.specials).filter(([key]) => !Object.hasOwn(config, key)));
  return {
    json: {
      ...json, added_tokens: withDefaultSpecials(json, model, specials),
      normalizer: p.normalizer, pre_tokenizer: p.pre_tokenizer, decoder: p.decoder, model: { ...model, ...p.model },
    },
    paddingSide: p.paddingSide,
    specials,
  };
}
