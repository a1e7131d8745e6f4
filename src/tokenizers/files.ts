// Finding and reading a tokenizer's files: tokenizer.json (Hugging Face's serialized fast
// tokenizer), tokenizer_config.json / special_tokens_map.json, or a bare BERT vocab.txt.
// Every failure names the file and what was expected.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { resolveHubFile } from '../hub/resolve.js';
import { checkTokenizerConfig } from './config-checks.js';
import { parseChatTemplateField, type ChatTemplates } from './chat_template.js';

export interface TokenizerFiles {
  /** The directory (or hub id) the tokenizer came from. */
  nameOrPath: string;
  dir: string;
  /** tokenizer.json text; built from vocab.txt when only that exists. */
  tokenizerJson: string;
  /** The same, parsed (once: for large vocabularies parsing costs more than reading). */
  json: Record<string, unknown>;
  tokenizerJsonPath: string | null;
  vocabPath: string | null;
  config: Record<string, unknown>;
  specialTokensMap: Record<string, unknown>;
  /** chat_template.jinja (and chat_templates/*.jinja), else tokenizer_config.json's chat_template. */
  chatTemplates?: ChatTemplates | null;
}

/** Defaults Hugging Face used to hard-code per Hub id (max length, casing), applied by folder name. */
const KNOWN_MODELS: Record<string, { modelMaxLength: number; doLowerCase?: boolean }> = {
  'bert-base-uncased': { modelMaxLength: 512, doLowerCase: true },
  'bert-large-uncased': { modelMaxLength: 512, doLowerCase: true },
  'bert-base-cased': { modelMaxLength: 512, doLowerCase: false },
  'bert-large-cased': { modelMaxLength: 512, doLowerCase: false },
  'bert-base-multilingual-uncased': { modelMaxLength: 512, doLowerCase: true },
  'bert-base-multilingual-cased': { modelMaxLength: 512, doLowerCase: false },
  'bert-base-chinese': { modelMaxLength: 512, doLowerCase: false },
  'distilbert-base-uncased': { modelMaxLength: 512, doLowerCase: true },
  'distilbert-base-cased': { modelMaxLength: 512, doLowerCase: false },
  'roberta-base': { modelMaxLength: 512 },
  'roberta-large': { modelMaxLength: 512 },
};

export function knownModelDefaults(nameOrPath: string): { modelMaxLength: number; doLowerCase?: boolean } | undefined {
  const name = basename(nameOrPath.replace(/[\\/]+$/, ''));
  return KNOWN_MODELS[name] ?? KNOWN_MODELS[name.replace(/^google-bert-|^distilbert-|^FacebookAI-/, '')];
}

function readJsonFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`Cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('expected a JSON object');
    return value as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${path}: invalid JSON (${(e as Error).message}); expected a JSON object`);
  }
}

const HUB_ID = /^[A-Za-z0-9][\w.-]*(\/[\w.-]+)?$/;

/**
 * Locates the tokenizer files for a directory, a tokenizer.json / vocab.txt file path, or a
 * Hub id (through the Hub client seam).
 */
export async function locateTokenizerFiles(
  nameOrPath: string,
  options: { revision?: string } = {},
): Promise<{ dir: string; tokenizerJsonPath: string | null; vocabPath: string | null; configPath: string | null; specialPath: string | null }> {
  if (typeof nameOrPath !== 'string' || nameOrPath === '') {
    throw new TypeError('fromPretrained: expected a directory, a tokenizer.json or vocab.txt path, or a Hub id');
  }
  const full = resolve(nameOrPath);
  if (existsSync(full)) {
    if (statSync(full).isFile()) {
      const dir = dirname(full);
      const isJson = full.endsWith('.json');
      return {
        dir,
        tokenizerJsonPath: isJson ? full : null,
        vocabPath: isJson ? null : full,
        configPath: optionalFile(join(dir, 'tokenizer_config.json')),
        specialPath: optionalFile(join(dir, 'special_tokens_map.json')),
      };
    }
    const tokenizerJsonPath = optionalFile(join(full, 'tokenizer.json'));
    const vocabPath = optionalFile(join(full, 'vocab.txt'));
    if (!tokenizerJsonPath && !vocabPath) {
      throw new Error(`${full}: no tokenizer found; expected tokenizer.json (a Hugging Face fast tokenizer) or vocab.txt (a BERT WordPiece vocabulary)`);
    }
    return {
      dir: full,
      tokenizerJsonPath,
      vocabPath,
      configPath: optionalFile(join(full, 'tokenizer_config.json')),
      specialPath: optionalFile(join(full, 'special_tokens_map.json')),
    };
  }
  if (nameOrPath.startsWith('.') || nameOrPath.startsWith('/') || !HUB_ID.test(nameOrPath)) {
    throw new Error(`${full}: no such file or directory; expected a tokenizer directory (tokenizer.json or vocab.txt)`);
  }
  // A Hub id: fetch what exists through the Hub client.
  let notCached: unknown = null; // offline and not in the cache: reported as models report it
  const fetchOptional = async (file: string): Promise<string | null> => {
    try {
      return await resolveHubFile(nameOrPath, file, { revision: options.revision });
    } catch (e) {
      if ((e as { code?: string }).code !== 'ENTRY_NOT_FOUND') throw e;
      if ((e as { notCached?: boolean }).notCached) notCached ??= e;
      return null;
    }
  };
  const tokenizerJsonPath = await fetchOptional('tokenizer.json');
  const vocabPath = tokenizerJsonPath ? null : await fetchOptional('vocab.txt');
  if (!tokenizerJsonPath && !vocabPath) {
    if (notCached) throw notCached;
    throw new Error(`Hub repo ${nameOrPath}: has neither tokenizer.json nor vocab.txt`);
  }
  return {
    dir: dirname((tokenizerJsonPath ?? vocabPath) as string),
    tokenizerJsonPath,
    vocabPath,
    configPath: await fetchOptional('tokenizer_config.json'),
    specialPath: await fetchOptional('special_tokens_map.json'),
  };
}

function optionalFile(path: string): string | null {
  return existsSync(path) && statSync(path).isFile() ? path : null;
}

export async function readTokenizerFiles(
  nameOrPath: string,
  options: { revision?: string; overrides?: Record<string, unknown> } = {},
): Promise<TokenizerFiles> {
  const found = await locateTokenizerFiles(nameOrPath, options);
  const configFile = found.configPath ? readJsonFile(found.configPath) : {};
  const specialTokensMap = found.specialPath ? readJsonFile(found.specialPath) : {};
  checkTokenizerConfig(configFile, found.configPath ?? 'tokenizer_config.json');
  checkTokenizerConfig(specialTokensMap, found.specialPath ?? 'special_tokens_map.json');
  checkTokenizerConfig(options.overrides ?? {}, 'fromPretrained options');
  const config = { ...configFile, ...options.overrides };
  let tokenizerJson: string;
  let json: Record<string, unknown>;
  if (found.tokenizerJsonPath) {
    tokenizerJson = readFileSync(found.tokenizerJsonPath, 'utf8');
    json = validateTokenizerJson(tokenizerJson, found.tokenizerJsonPath);
  } else {
    const known = knownModelDefaults(nameOrPath);
    const lower = (config.do_lower_case as boolean | undefined) ?? known?.doLowerCase ?? true;
    json = bertTokenizerJsonFromVocab(found.vocabPath as string, { ...config, ...specialTokensMap, do_lower_case: lower });
    tokenizerJson = JSON.stringify(json);
  }
  const chatTemplates = readChatTemplates(found.dir, configFile, found.configPath ?? 'tokenizer_config.json');
  return { nameOrPath, dir: found.dir, tokenizerJson, json, tokenizerJsonPath: found.tokenizerJsonPath, vocabPath: found.vocabPath, config, specialTokensMap, chatTemplates };
}

/**
 * transformers 5's order: chat_template.jinja beside the config is the default template and
 * chat_templates/NAME.jinja the named ones; otherwise tokenizer_config.json's chat_template.
 */
function readChatTemplates(dir: string, config: Record<string, unknown>, configPath: string): ChatTemplates | null {
  const fromConfig = parseChatTemplateField(config.chat_template, configPath);
  const jinja = optionalFile(join(dir, 'chat_template.jinja'));
  const namedDir = join(dir, 'chat_templates');
  const named: Record<string, string> = {};
  if (existsSync(namedDir) && statSync(namedDir).isDirectory()) {
    for (const f of readdirSync(namedDir).filter((n) => n.endsWith('.jinja')).sort()) named[f.slice(0, -'.jinja'.length)] = readFileSync(join(namedDir, f), 'utf8');
  }
  if (!jinja && Object.keys(named).length === 0) return fromConfig;
  const base = jinja ? readFileSync(jinja, 'utf8') : null;
  if (Object.keys(named).length === 0) return base;
  return base !== null ? { default: base, ...named } : named;
}

// Component type names the library knows; the library accepts some unknown names silently
// (an untagged enum falls back to another variant), so they are checked here.
const KNOWN_TYPES: Record<string, readonly string[]> = {
  normalizer: ['BertNormalizer', 'Strip', 'StripAccents', 'NFC', 'NFD', 'NFKC', 'NFKD', 'Sequence', 'Lowercase', 'Nmt', 'Precompiled', 'Replace', 'Prepend', 'ByteLevel'],
  pre_tokenizer: ['BertPreTokenizer', 'ByteLevel', 'CharDelimiterSplit', 'Metaspace', 'Whitespace', 'Sequence', 'Split', 'Punctuation', 'WhitespaceSplit', 'Digits', 'UnicodeScripts', 'FixedLength'],
  model: ['BPE', 'WordPiece', 'WordLevel', 'Unigram'],
  post_processor: ['RobertaProcessing', 'BertProcessing', 'ByteLevel', 'TemplateProcessing', 'Sequence'],
  decoder: ['BPEDecoder', 'ByteLevel', 'WordPiece', 'Metaspace', 'CTC', 'Sequence', 'Replace', 'Fuse', 'Strip', 'ByteFallback'],
};
const SEQUENCE_KEY: Record<string, string> = {
  normalizer: 'normalizers', pre_tokenizer: 'pretokenizers', post_processor: 'processors', decoder: 'decoders',
};

/** Checks what the library does not: a JSON object with known component types and a model. */
export function validateTokenizerJson(text: string, path: string): Record<string, unknown> {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${path}: invalid JSON (${(e as Error).message}); expected a Hugging Face tokenizer.json`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new Error(`${path}: expected a Hugging Face tokenizer.json (a JSON object with "model"), found ${Array.isArray(json) ? 'an array' : typeof json}`);
  }
  if (json.version !== undefined && json.version !== '1.0') {
    throw new Error(`${path}: unsupported tokenizer.json version ${JSON.stringify(json.version)}; expected "1.0"`);
  }
  if (!json.model || typeof json.model !== 'object') throw new Error(`${path}: missing "model"; expected a Hugging Face tokenizer.json`);
  // The library takes any integer here; -1 turned every word into the unknown token.
  const maxChars = (json.model as Record<string, unknown>).max_input_chars_per_word;
  if (maxChars !== undefined && !(typeof maxChars === 'number' && Number.isInteger(maxChars) && maxChars >= 1)) {
    throw new Error(`${path}: model.max_input_chars_per_word must be a positive integer, got ${JSON.stringify(maxChars)}`);
  }
  const check = (kind: string, node: unknown, where: string): void => {
    if (node === null || node === undefined) return;
    const type = (node as { type?: unknown }).type;
    if (type === undefined && kind === 'model') return; // older files infer the model from its fields
    if (typeof type !== 'string' || !KNOWN_TYPES[kind].includes(type)) {
      throw new Error(`${path}: unknown ${kind.replace('_', '-')} type ${JSON.stringify(type)} at ${where}; expected one of ${KNOWN_TYPES[kind].join(', ')}`);
    }
    const children = (node as Record<string, unknown>)[SEQUENCE_KEY[kind] ?? ''];
    if (type === 'Sequence' && Array.isArray(children)) children.forEach((c, i) => check(kind, c, `${where}.${SEQUENCE_KEY[kind]}[${i}]`));
  };
  for (const kind of Object.keys(KNOWN_TYPES)) check(kind, json[kind], kind);
  // The library only notices a WordPiece unk_token missing from the vocabulary when it encodes.
  const model = json.model as Record<string, unknown>;
  if (modelType(json) === 'WordPiece' && typeof model.unk_token === 'string' && model.vocab && typeof model.vocab === 'object' && !Object.hasOwn(model.vocab, model.unk_token)) {
    throw new Error(`${path}: model.unk_token ${JSON.stringify(model.unk_token)} is not in model.vocab`);
  }
  return json;
}

/** The model type of a tokenizer.json; older files leave `type` out and are told apart by their fields. */
export function modelType(json: Record<string, unknown>): string {
  const model = (json.model ?? {}) as Record<string, unknown>;
  if (typeof model.type === 'string') return model.type;
  if ('merges' in model) return 'BPE';
  if (Array.isArray(model.vocab)) return 'Unigram';
  if ('continuing_subword_prefix' in model || 'max_input_chars_per_word' in model) return 'WordPiece';
  return 'WordLevel';
}

function tokenName(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') return (value as { content: string }).content;
  return undefined;
}

/**
 * The tokenizer.json Hugging Face's BertConverter produces for a vocab.txt: BERT normalizer
 * and pre-tokenizer, WordPiece, `[CLS] A [SEP] (B [SEP])` post-processing.
 */
export function bertTokenizerJsonFromVocab(vocabPath: string, config: Record<string, unknown>): Record<string, unknown> {
  const bytes = readFileSync(vocabPath);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new Error(`${vocabPath}: not valid UTF-8; expected a vocab.txt with one token per line`);
  }
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const vocab: Record<string, number> = {};
  // Line i is token id i; a repeated token keeps its last line, as Hugging Face's load_vocab does.
  lines.forEach((token, i) => {
    vocab[token] = i;
  });
  const unk = tokenName(config.unk_token) ?? '[UNK]';
  const sep = tokenName(config.sep_token) ?? '[SEP]';
  const cls = tokenName(config.cls_token) ?? '[CLS]';
  const pad = tokenName(config.pad_token) ?? '[PAD]';
  const mask = tokenName(config.mask_token) ?? '[MASK]';
  for (const [role, token] of [['unknown', unk], ['separator', sep], ['classifier', cls], ['padding', pad]] as const) {
    if (!(token in vocab)) throw new Error(`${vocabPath}: the ${role} token ${token} is not in the vocabulary; a BERT vocab.txt must contain ${unk}, ${sep}, ${cls} and ${pad}`);
  }
  const specials = [pad, unk, cls, sep, mask].filter((t) => t in vocab);
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials
      .map((t) => ({ id: vocab[t], content: t, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }))
      .sort((a, b) => a.id - b.id),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: config.tokenize_chinese_chars ?? true,
      strip_accents: config.strip_accents ?? null,
      lowercase: config.do_lower_case ?? true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: cls, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: sep, type_id: 0 } }],
      pair: [
        { SpecialToken: { id: cls, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: sep, type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: sep, type_id: 1 } },
      ],
      special_tokens: {
        [cls]: { id: cls, ids: [vocab[cls]], tokens: [cls] },
        [sep]: { id: sep, ids: [vocab[sep]], tokens: [sep] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: unk, continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
}
