// PreTrainedTokenizerFast: Hugging Face's fast tokenizer around the `tokenizers` library
// (the same Rust code Python uses). Calls go through the library's batch encoding, which
// runs on its own threads; results come back as a BatchEncoding.
import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { AddedToken, Tokenizer as NativeTokenizer, templateProcessing, type Encoding } from 'tokenizers';
import type { Tensor } from '../engine/tensor.js';
import { camelToSnake } from '../util/case.js';
import { recordFingerprintDependency } from '../util/fingerprint.js';
import type { BatchEncoding } from './batch-encoding.js';
import { checkTexts, encodingsToBatch } from './outputs.js';
import { checkSpecialIds, inferTokenizerClass, singleSequenceTypeIdsAreZero } from './tokenizer-json.js';
import { Callable } from './callable.js';
import { applyClassPipeline } from './class-pipelines.js';
import type { TokenizerFiles } from './files.js';
import { knownModelDefaults, modelType } from './files.js';
import { SettingsGate } from './gate.js';
import { normalizeOptions } from '../util/options.js';
import { ENCODE_OPTIONS, resolveSettings, VERY_LARGE_INTEGER, type EncodeOptions, type ResolvedSettings, type Side } from './options.js';
import { padEncodings, type PadOptions } from './pad.js';
import { resolveSpecialTokens, SPECIAL_ROLES, tokenContent, type AddedTokenInfo, type SpecialRole } from './special-tokens.js';
import { toIdList } from './tensors.js';
import { saveTokenizer } from './save.js';
import { applyChatTemplate, type ApplyChatTemplateOptions, type ChatTemplateResult } from './chat-apply.js';
import type { ChatTemplates, Conversation } from './chat_template.js';
import { pairWindows } from './pair-overflow.js';
import { attachWordIds, isBatchOfWords, joinWords, type JoinedWords } from './split-words.js';

type Text = string;
type PairArg = string | string[] | null | undefined;

export interface DecodeOptions {
  skipSpecialTokens?: boolean;
  cleanUpTokenizationSpaces?: boolean;
}

export interface PreTrainedTokenizerFast {
  (words: string[][], options: EncodeOptions & { isSplitIntoWords: true }): Promise<BatchEncoding<number[][]>>;
  (text: Text | Text[], textPair: PairArg, options: EncodeOptions & { returnTensors: 'pt' }): Promise<BatchEncoding<Tensor>>;
  (text: Text | Text[], options: EncodeOptions & { returnTensors: 'pt' }): Promise<BatchEncoding<Tensor>>;
  (text: Text, textPair?: string | null, options?: EncodeOptions): Promise<BatchEncoding<number[]>>;
  (text: Text, options?: EncodeOptions): Promise<BatchEncoding<number[]>>;
  (text: Text[], textPair?: string[] | null, options?: EncodeOptions): Promise<BatchEncoding<number[][]>>;
  (text: Text[], options?: EncodeOptions): Promise<BatchEncoding<number[][]>>;
}

const DEFAULT_INPUT_NAMES = ['input_ids', 'token_type_ids', 'attention_mask'];
const NO_TOKEN_TYPES = /^(Roberta|DistilBert|GPT2|Bart|XLMRoberta|Camembert|Longformer|MPNet|Bloom|Llama|T5|Deberta)/;

export class PreTrainedTokenizerFast extends Callable<[Text | Text[], unknown?, EncodeOptions?], Promise<BatchEncoding>> {
  /** The library's tokenizer object (Hugging Face's `backend_tokenizer`). */
  declare readonly backendTokenizer: NativeTokenizer;
  nameOrPath!: string;
  modelMaxLength!: number;
  paddingSide!: Side;
  truncationSide!: Side;
  modelInputNames!: string[];
  cleanUpTokenizationSpaces!: boolean;
  tokenizerClass!: string;
  readonly isFast = true;
  additionalSpecialTokens: string[] = [];
  /** tokenizer_config.json's chat_template (or chat_template.jinja): one template, or several by name. */
  chatTemplate: ChatTemplates | null = null;
  /** Whether decode may clean up spaces: not for a BPE model (unless forced), as transformers 5 does. */
  declare private cleanUpAllowed: boolean;
  declare private bosEos: { bos: boolean; eos: boolean };
  declare private gate: SettingsGate;
  declare private tokenizerJson: Record<string, unknown>;
  declare private roles: Partial<Record<SpecialRole, string>>;
  declare private addedTokens: AddedTokenInfo[];
  declare readonly singleTypeIdsZero: boolean;
  declare private fingerprintParts: string[];

  constructor(files: TokenizerFiles, overrides: Record<string, unknown> = {}) {
    super();
    const rebuilt = applyClassPipeline(files.json, { ...files.config, ...files.specialTokensMap, ...overrides });
    const config = { ...rebuilt?.specials, ...files.config, ...files.specialTokensMap, ...overrides };
    let backend: NativeTokenizer;
    try {
      backend = NativeTokenizer.fromString(rebuilt ? JSON.stringify(rebuilt.json) : files.tokenizerJson);
    } catch (e) {
      const source = files.tokenizerJsonPath ?? files.vocabPath ?? files.nameOrPath;
      throw new Error(`${source}: cannot load tokenizer: ${(e as Error).message.replace(/^Error loading from file/, '')}`);
    }
    const hide = (key: string, value: unknown): void => {
      Object.defineProperty(this, key, { value, enumerable: false, writable: true, configurable: true });
    };
    const json = rebuilt?.json ?? files.json;
    hide('backendTokenizer', backend);
    hide('gate', new SettingsGate());
    // Keep the pipeline description, not the (possibly huge) vocabulary.
    hide('tokenizerJson', { normalizer: json.normalizer, pre_tokenizer: json.pre_tokenizer, post_processor: json.post_processor, model: { type: modelType(json) } });
    hide('addedTokens', ((json.added_tokens as AddedTokenInfo[] | undefined) ?? []).map(({ id, content, special }) => ({ id, content, special })));
    hide('fingerprintParts', [createHash('sha256').update(files.tokenizerJson).digest('hex'), JSON.stringify(config)]);
    this.nameOrPath = files.nameOrPath;
    const known = knownModelDefaults(files.nameOrPath);
    const truncationMax = (json.truncation as { max_length?: number } | null)?.max_length;
    this.modelMaxLength = Number(config.model_max_length ?? known?.modelMaxLength ?? truncationMax ?? VERY_LARGE_INTEGER);
    this.paddingSide = (config.padding_side as Side | undefined) ?? rebuilt?.paddingSide ?? 'right';
    this.truncationSide = (config.truncation_side as Side | undefined) ?? 'right';
    this.cleanUpTokenizationSpaces = Boolean(config.clean_up_tokenization_spaces ?? false);
    // transformers 5 ignores the clean-up for BPE models (it would strip spaces BPE encoded) unless forced
    hide('cleanUpAllowed', modelType(json) !== 'BPE' || Boolean(config.clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output));
    this.tokenizerClass = String(config.tokenizer_class ?? inferTokenizerClass(json)).replace(/(?<!Fast)$/, 'Fast');
    this.modelInputNames = Array.isArray(config.model_input_names)
      ? (config.model_input_names as string[])
      : NO_TOKEN_TYPES.test(this.tokenizerClass) ? ['input_ids', 'attention_mask'] : DEFAULT_INPUT_NAMES;
    const { roles, additional } = resolveSpecialTokens(config, this.addedTokens, (t) => backend.tokenToId(t) !== null);
    hide('roles', roles);
    this.additionalSpecialTokens = additional;
    hide('singleTypeIdsZero', singleSequenceTypeIdsAreZero(json.post_processor));
    checkSpecialIds(json, backend, files.tokenizerJsonPath ?? files.vocabPath ?? files.nameOrPath);
    this.chatTemplate = files.chatTemplates ?? null;
    hide('bosEos', { bos: Boolean(config.add_bos_token ?? false), eos: Boolean(config.add_eos_token ?? false) });
    for (const [role, token] of Object.entries(roles)) {
      if (backend.tokenToId(token) === null) {
        throw new Error(`${files.tokenizerJsonPath ?? files.vocabPath}: the ${role} token ${JSON.stringify(token)} from the tokenizer configuration is not in the vocabulary`);
      }
    }
    // transformers 5 rebuilds the post-processor from add_bos_token/add_eos_token when the
    // configuration sets either (or the tokenizer.json has none).
    if ('add_bos_token' in config || 'add_eos_token' in config || json.post_processor === null || json.post_processor === undefined) this.updatePostProcessor();
  }

  // ----- bos/eos around each sequence (transformers' update_post_processor) -----------------
  get addBosToken(): boolean { return this.bosEos.bos; }
  set addBosToken(value: boolean) { this.bosEos.bos = value; this.updatePostProcessor(); }
  get addEosToken(): boolean { return this.bosEos.eos; }
  set addEosToken(value: boolean) { this.bosEos.eos = value; this.updatePostProcessor(); }

  /** `bos $A eos` / `bos $A eos bos $B eos` as configured, like transformers' TemplateProcessing. */
  updatePostProcessor(): void {
    const bos = this.bosEos.bos ? this.bosToken : null;
    const eos = this.bosEos.eos ? this.eosToken : null;
    if (this.bosEos.bos && bos === null) this.bosEos.bos = false;
    if (this.bosEos.eos && eos === null) this.bosEos.eos = false;
    const single = `${bos !== null ? `${bos}:0 ` : ''}$A:0${eos !== null ? ` ${eos}:0` : ''}`;
    const pair = `${single}${bos !== null ? ` ${bos}:1` : ''} $B:1${eos !== null ? ` ${eos}:1` : ''}`;
    const specials: [string, number][] = [];
    if (bos !== null) specials.push([bos, this.bosTokenId as number]);
    if (eos !== null) specials.push([eos, this.eosTokenId as number]);
    this.backendTokenizer.setPostProcessor(templateProcessing(single, pair, specials));
    const piece = (id: string, typeId: number) => (id.startsWith('$') ? { Sequence: { id: id.slice(1, 2), type_id: typeId } } : { SpecialToken: { id, type_id: typeId } });
    const parse = (t: string) => t.split(' ').map((p) => { const [id, type] = p.split(/:(?=\d+$)/); return piece(id, Number(type)); });
    this.tokenizerJson.post_processor = { type: 'TemplateProcessing', single: parse(single), pair: parse(pair) };
    hideValue(this, 'singleTypeIdsZero', true);
    this.fingerprintParts.push(`post:${single}|${pair}`);
    this.gate.invalidate();
  }

  /**
   * Renders a conversation with the chat template, as transformers' apply_chat_template: the
   * text (`tokenize: false`), or its encoding (a BatchEncoding by default, the ids with
   * `returnDict: false`), with `assistant_masks` when asked.
   */
  applyChatTemplate(conversation: Conversation | Conversation[], options: ApplyChatTemplateOptions & { tokenize: false }): string | string[];
  applyChatTemplate(conversation: Conversation | Conversation[], options?: ApplyChatTemplateOptions): Promise<ChatTemplateResult>;
  applyChatTemplate(conversation: Conversation | Conversation[], options: ApplyChatTemplateOptions = {}): string | string[] | Promise<ChatTemplateResult> {
    return applyChatTemplate(this, conversation, options);
  }

  // ----- special tokens -------------------------------------------------------------------
  private roleId(role: SpecialRole): number | null {
    const t = this.roles[role];
    return t === undefined ? null : this.backendTokenizer.tokenToId(t);
  }
  get unkToken(): string | null { return this.roles.unk ?? null; }
  get sepToken(): string | null { return this.roles.sep ?? null; }
  get padToken(): string | null { return this.roles.pad ?? null; }
  get clsToken(): string | null { return this.roles.cls ?? null; }
  get maskToken(): string | null { return this.roles.mask ?? null; }
  get bosToken(): string | null { return this.roles.bos ?? null; }
  get eosToken(): string | null { return this.roles.eos ?? null; }
  set padToken(token: string | null) { this.setRole('pad', token); }
  set unkToken(token: string | null) { this.setRole('unk', token); }
  set eosToken(token: string | null) { this.setRole('eos', token); }
  set bosToken(token: string | null) { this.setRole('bos', token); }
  get unkTokenId(): number | null { return this.roleId('unk'); }
  get sepTokenId(): number | null { return this.roleId('sep'); }
  get padTokenId(): number | null { return this.roleId('pad'); }
  get clsTokenId(): number | null { return this.roleId('cls'); }
  get maskTokenId(): number | null { return this.roleId('mask'); }
  get bosTokenId(): number | null { return this.roleId('bos'); }
  get eosTokenId(): number | null { return this.roleId('eos'); }
  get padTokenTypeId(): number { return 0; }

  private setRole(role: SpecialRole, token: string | null): void {
    if (token === null) delete this.roles[role];
    else {
      if (this.backendTokenizer.tokenToId(token) === null) throw new Error(`${role} token ${JSON.stringify(token)} is not in the vocabulary; add it with addSpecialTokens`);
      this.roles[role] = token;
    }
    this.fingerprintParts.push(`role:${role}=${token}`);
    this.gate.invalidate();
  }

  /** Role → token, as Hugging Face's `special_tokens_map`. */
  get specialTokensMap(): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {};
    for (const role of SPECIAL_ROLES) if (this.roles[role] !== undefined) out[`${role}_token`] = this.roles[role] as string;
    if (this.additionalSpecialTokens.length) out.additional_special_tokens = [...this.additionalSpecialTokens];
    return out;
  }

  get allSpecialTokens(): string[] {
    const set = new Set<string>([...Object.values(this.roles) as string[], ...this.additionalSpecialTokens]);
    return [...set];
  }

  get allSpecialIds(): number[] {
    return this.allSpecialTokens.map((t) => this.backendTokenizer.tokenToId(t)).filter((id): id is number => id !== null);
  }

  /** Size of the base vocabulary, without added tokens (Hugging Face's `vocab_size`). */
  get vocabSize(): number { return this.backendTokenizer.getVocabSize(false); }
  /** Vocabulary size including added tokens (Hugging Face's `len(tokenizer)`). */
  get numTokens(): number { return this.backendTokenizer.getVocabSize(true); }
  getVocab(): Record<string, number> { return this.backendTokenizer.getVocab(true); }
  get doLowerCase(): boolean {
    const n = this.tokenizerJson.normalizer as { lowercase?: boolean; type?: string } | null;
    return Boolean(n && (n.lowercase || n.type === 'Lowercase'));
  }

  /** Identifies the tokenizer's behaviour, for `Dataset.map` cache keys. */
  get fingerprint(): string {
    return createHash('sha256').update(this.fingerprintParts.join('\n')).update(JSON.stringify(this.roles)).digest('hex').slice(0, 16);
  }

  // ----- adding tokens --------------------------------------------------------------------
  addTokens(tokens: string | string[], options: { special?: boolean } = {}): number {
    const list = (Array.isArray(tokens) ? tokens : [tokens]).filter((t) => this.backendTokenizer.tokenToId(t) === null);
    if (list.length === 0) return 0;
    const n = this.backendTokenizer.addAddedTokens(list.map((t) => new AddedToken(t, options.special ?? false, { normalized: !options.special })));
    for (const t of list) this.addedTokens.push({ id: this.backendTokenizer.tokenToId(t) as number, content: t, special: options.special ?? false });
    this.fingerprintParts.push(`added:${options.special ? 's' : 'n'}:${JSON.stringify(list)}`);
    this.gate.invalidate();
    return n;
  }

  /** `addSpecialTokens({ padToken: '[PAD]', additionalSpecialTokens: [...] })`; snake_case keys also work. */
  addSpecialTokens(map: Record<string, string | string[]>): number {
    let added = 0;
    for (const [rawKey, value] of Object.entries(map)) {
      const key = camelToSnake(rawKey);
      if (key === 'additional_special_tokens') {
        const tokens = (Array.isArray(value) ? value : [value]).map((t) => tokenContent(t) as string);
        added += this.addTokens(tokens, { special: true });
        for (const t of tokens) if (!this.additionalSpecialTokens.includes(t)) this.additionalSpecialTokens.push(t);
        continue;
      }
      const role = key.replace(/_token$/, '') as SpecialRole;
      if (!SPECIAL_ROLES.includes(role) || typeof value !== 'string') throw new TypeError(`addSpecialTokens: unknown key '${rawKey}'`);
      added += this.addTokens(value, { special: true });
      this.setRole(role, value);
    }
    return added;
  }

  // ----- encoding -------------------------------------------------------------------------
  protected async _call(text: Text | Text[], pairOrOptions?: unknown, maybeOptions?: EncodeOptions): Promise<BatchEncoding> {
    const pairGiven = typeof pairOrOptions === 'string' || Array.isArray(pairOrOptions) || pairOrOptions === null;
    const options = normalizeOptions<EncodeOptions>((pairGiven ? maybeOptions : pairOrOptions ?? maybeOptions) as object | undefined, ENCODE_OPTIONS, 'tokenizer');
    let pair = pairGiven ? (pairOrOptions as PairArg) : undefined;
    let batched = Array.isArray(text);
    let words: [JoinedWords, JoinedWords | null] | null = null;
    if (options.isSplitIntoWords) {
      batched = isBatchOfWords(text);
      words = [joinWords(text, 'text'), pair === null || pair === undefined ? null : joinWords(pair, 'textPair')];
      text = batched ? words[0].texts : words[0].texts[0];
      if (words[1]) pair = batched ? words[1].texts : words[1].texts[0];
    }
    const texts = checkTexts(text, 'text');
    const pairs = pair === null || pair === undefined ? null : checkTexts(pair, 'textPair');
    if (pairs && (Array.isArray(pair) !== batched || pairs.length !== texts.length)) {
      throw new Error(`tokenizer: text and textPair must both be strings or both be lists of the same length (got ${texts.length} and ${pairs.length})`);
    }
    recordFingerprintDependency(this.fingerprint);
    const settings = resolveSettings(options, this.modelMaxLength, this.padTokenId !== null);
    const addSpecialTokens = options.addSpecialTokens ?? true;
    const backend = this.backendTokenizer;
    let encodings: Encoding[];
    if (!pairs) {
      encodings = await this.runEncode(settings, () => backend.encodeBatch(texts, { addSpecialTokens }));
    } else {
      // The Node binding's encodeBatch takes single texts only; pairs go through the
      // library's pair encode, all submitted at once (they run on the addon's thread pool),
      // then are padded to a common length by the library's Encoding.pad.
      const truncOnly = { truncation: settings.truncation, padding: null };
      const windowed = options.returnOverflowingTokens && settings.truncation && settings.truncation.strategy !== 'LongestFirst' ? settings.truncation : null;
      if (windowed) {
        // the binding's pair overflow differs from the library's (see pair-overflow.ts): windows are made here
        const full = await this.runEncode({ truncation: null, padding: null }, () => Promise.all(texts.map((t, i) => backend.encode(t, pairs[i], { addSpecialTokens }))));
        const which = windowed.strategy === 'OnlySecond' ? 1 : 0;
        encodings = full.map((e) => pairWindows(e, windowed.maxLength, windowed.stride, which, this.truncationSide) as unknown as Encoding);
      } else encodings = await this.runEncode(truncOnly, () => Promise.all(texts.map((t, i) => backend.encode(t, pairs[i], { addSpecialTokens }))));
      if (settings.padding) this.padNative(encodings, settings.padding);
    }
    const out = encodingsToBatch(encodings, options, settings, batched, pairs !== null, this);
    if (words) {
      const mapping = out.overflow_to_sample_mapping as number[] | undefined;
      attachWordIds(out, out.encodings ?? [], (r) => (Array.isArray(mapping) ? mapping[r] : r), words[0], words[1]);
    }
    return out;
  }

  private padNative(encodings: Encoding[], p: NonNullable<ResolvedSettings['padding']>): void {
    let target = p.maxLength ?? Math.max(0, ...encodings.map((e) => e.getLength()));
    if (p.padToMultipleOf && target % p.padToMultipleOf !== 0) target += p.padToMultipleOf - (target % p.padToMultipleOf);
    const options = { direction: this.paddingSide, padId: this.padTokenId as number, padTypeId: this.padTokenTypeId, padToken: this.padToken as string };
    for (const e of encodings) e.pad(target, options);
  }

  private settingsKey(s: ResolvedSettings): string {
    return JSON.stringify([s, this.paddingSide, this.truncationSide, this.padTokenId]);
  }

  private runEncode<T>(settings: ResolvedSettings, task: () => Promise<T>): Promise<T> {
    const backend = this.backendTokenizer;
    return this.gate.run(this.settingsKey(settings), () => {
      if (settings.truncation) {
        backend.setTruncation(settings.truncation.maxLength, {
          strategy: settings.truncation.strategy as never, stride: settings.truncation.stride,
          direction: this.truncationSide,
        });
      } else backend.disableTruncation();
      if (settings.padding) {
        backend.setPadding({
          ...(settings.padding.maxLength !== null ? { maxLength: settings.padding.maxLength } : {}),
          ...(settings.padding.padToMultipleOf ? { padToMultipleOf: settings.padding.padToMultipleOf } : {}),
          direction: this.paddingSide,
          padId: this.padTokenId as number, padTypeId: this.padTokenTypeId, padToken: this.padToken as string,
        });
      } else backend.disablePadding();
    }, task);
  }

  /** Token strings, without special tokens unless asked (Hugging Face's `tokenize`). */
  async tokenize(text: string, pair?: string | null, options: { addSpecialTokens?: boolean } = {}): Promise<string[]> {
    checkTexts(text, 'text');
    const enc = await this.runEncode({ truncation: null, padding: null }, () =>
      this.backendTokenizer.encode(text, pair ?? null, { addSpecialTokens: options.addSpecialTokens ?? false }));
    return enc.getTokens();
  }

  /** Token ids of one text (or pair), with special tokens (Hugging Face's `encode`). */
  async encode(text: string, pair?: string | null, options: EncodeOptions = {}): Promise<number[]> {
    const enc = await this(text, pair ?? null, { ...options, returnTensors: null });
    return enc.inputIds;
  }

  convertTokensToIds(tokens: string): number;
  convertTokensToIds(tokens: string[]): number[];
  convertTokensToIds(tokens: string | string[]): number | number[] {
    const one = (t: string): number => {
      const id = this.backendTokenizer.tokenToId(t) ?? this.unkTokenId;
      if (id === null) throw new Error(`convertTokensToIds: ${JSON.stringify(t)} is not in the vocabulary and the tokenizer has no unknown token`);
      return id;
    };
    return typeof tokens === 'string' ? one(tokens) : tokens.map(one);
  }

  convertIdsToTokens(ids: number, options?: { skipSpecialTokens?: boolean }): string;
  convertIdsToTokens(ids: number[] | ArrayLike<number> | Tensor, options?: { skipSpecialTokens?: boolean }): string[];
  convertIdsToTokens(ids: unknown, options: { skipSpecialTokens?: boolean } = {}): string | string[] {
    const list = toIdList(ids, 'convertIdsToTokens');
    const special = options.skipSpecialTokens ? new Set(this.specialAddedIds()) : null;
    const tokens = list.filter((id) => !special?.has(id)).map((id) => {
      const t = this.backendTokenizer.idToToken(id);
      if (t === null) throw new RangeError(`convertIdsToTokens: id ${id} is outside the vocabulary (size ${this.numTokens})`);
      return t;
    });
    return typeof ids === 'number' ? tokens[0] : tokens;
  }

  private specialAddedIds(): number[] {
    return [...this.addedTokens.filter((t) => t.special).map((t) => t.id), ...this.allSpecialIds];
  }

  /**
   * Ids → text. Synchronous: the same steps as the library's decode (id → token, special
   * tokens dropped if asked, then the tokenizer's decoder), using its synchronous decoder.
   */
  decode(ids: number[] | ArrayLike<number> | Tensor, options: DecodeOptions = {}): string {
    const o = normalizeOptions<DecodeOptions>(options, new Set(['skipSpecialTokens', 'cleanUpTokenizationSpaces']), 'decode');
    const tokens = this.convertIdsToTokens(ids as number[], { skipSpecialTokens: o.skipSpecialTokens ?? false });
    const decoder = this.backendTokenizer.getDecoder();
    let text = decoder ? decoder.decode(tokens) : tokens.join(' ');
    if ((o.cleanUpTokenizationSpaces ?? this.cleanUpTokenizationSpaces) && this.cleanUpAllowed) text = cleanUpTokenization(text);
    return text;
  }

  batchDecode(sequences: ArrayLike<number>[] | Tensor, options: DecodeOptions = {}): string[] {
    const rows = Array.isArray(sequences) ? sequences : (sequences as Tensor).toArray() as number[][];
    if (!Array.isArray(rows)) throw new TypeError('batchDecode: expected a list of id sequences or a 2-D tensor');
    return rows.map((r) => this.decode(r as number[], options));
  }

  /** Pads already-encoded inputs (a list of rows or a dict of lists), as Hugging Face's `pad`. */
  pad(encodedInputs: Record<string, unknown>[] | Record<string, unknown>, options: PadOptions = {}): BatchEncoding {
    return padEncodings(this, encodedInputs, options);
  }

  async savePretrained(dir: string): Promise<string[]> {
    return this.runEncode({ truncation: null, padding: null }, async () => saveTokenizer(this, dir));
  }

  [inspect.custom](): string {
    const specials = JSON.stringify(this.specialTokensMap).replace(/"(\w+)":/g, '$1: ');
    const max = this.modelMaxLength >= VERY_LARGE_INTEGER ? 'VERY_LARGE' : this.modelMaxLength;
    return `${this.tokenizerClass}(nameOrPath='${this.nameOrPath}', vocabSize=${this.vocabSize}, modelMaxLength=${max}, isFast=true, ` +
      `paddingSide='${this.paddingSide}', truncationSide='${this.truncationSide}', specialTokens=${specials})`;
  }
}

function hideValue(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: false, writable: true, configurable: true });
}

/** Hugging Face's clean_up_tokenization: removes spaces before punctuation and contractions. */
export function cleanUpTokenization(text: string): string {
  return text
    .replaceAll(' .', '.').replaceAll(' ?', '?').replaceAll(' !', '!').replaceAll(' ,', ',')
    .replaceAll(" ' ", "'").replaceAll(" n't", "n't").replaceAll(" 'm", "'m").replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve").replaceAll(" 're", "'re");
}
