// Language-modelling data, as transformers' data_collator.py and run_mlm.py:
// DataCollatorForLanguageModeling (masked LM with the 80/10/10 replacement, or causal-LM
// labels with mlm: false), DataCollatorForWholeWordMask, and groupTexts, run_mlm.py's
// concatenate-and-chunk. The masking draws are torch's own (torch.bernoulli is rand < p on
// the CPU generator), in transformers' order, so a seed gives transformers' masks.
import type { Tensor } from '../engine/tensor.js';
import { Callable } from '../tokenizers/callable.js';
import type { PadOptions } from '../tokenizers/pad.js';
import { getTorch } from '../tokenizers/tensors.js';
import { assertNotPromise } from '../tokenizers/not-awaited.js';
import { withAliases, type Batch, type CollatorTokenizer } from './collators.js';

type Features = (Record<string, unknown> | ArrayLike<number>)[];

export interface DataCollatorForLanguageModelingOptions {
  tokenizer: CollatorTokenizer;
  /** Masked LM (true, the default) or causal LM labels (false: labels are the inputs, padding -100). */
  mlm?: boolean;
  /** Of the non-special tokens, the share chosen for prediction (0.15). */
  mlmProbability?: number;
  /** Of the chosen tokens, the share replaced by the mask token (0.8). */
  maskReplaceProb?: number;
  /** Of the chosen tokens, the share replaced by a random token (0.1); the rest stay as they are. */
  randomReplaceProb?: number;
  /** Masks whole words: every sub-token of a chosen word (needs offset_mapping in the features, as transformers 5). */
  wholeWordMask?: boolean;
  padToMultipleOf?: number;
  /** A generator of its own, seeded (transformers' seed); otherwise torch's global generator (torch.manualSeed). */
  seed?: number;
  returnTensors?: 'pt';
}

export interface DataCollatorForLanguageModeling {
  (features: Features): Batch;
}

/** A torch generator of the collator's own: the global generator's state swapped in and out around each draw. */
class OwnGenerator {
  private state: Tensor | null = null;

  constructor(private readonly seed: number) {}

  run<T>(draw: () => T): T {
    const torch = getTorch();
    const global = torch.getRngState();
    try {
      if (this.state) torch.setRngState(this.state);
      else torch.manualSeed(this.seed);
      const out = draw();
      this.state?.dispose();
      this.state = torch.getRngState();
      return out;
    } finally {
      torch.setRngState(global);
      global.dispose();
    }
  }
}

/** `count` draws of torch.bernoulli(p) (rand < p in float32, as libtorch's CPU kernel), p given per position. */
function bernoulli(shape: number[], p: (i: number) => number): Uint8Array {
  const torch = getTorch();
  const u = torch.rand(shape);
  const values = u.data() as Float32Array;
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] < Math.fround(p(i)) ? 1 : 0;
  u.dispose();
  return out;
}

function rowsOf(t: Tensor): number[] {
  return Array.from(t.data() as BigInt64Array, Number);
}

/**
 * Masked language modelling batches: of the non-special tokens, `mlmProbability` are chosen
 * (labels hold them, -100 elsewhere); of those, `maskReplaceProb` become the mask token,
 * `randomReplaceProb` a random token, the rest stay. With `mlm: false`, labels are the inputs
 * with padding -100 (causal LM; the model shifts them).
 */
export class DataCollatorForLanguageModeling extends Callable<[Features], Batch> {
  tokenizer!: CollatorTokenizer;
  mlm!: boolean;
  mlmProbability!: number;
  maskReplaceProb!: number;
  randomReplaceProb!: number;
  wholeWordMask!: boolean;
  padToMultipleOf?: number;
  seed?: number;
  private generator!: OwnGenerator | null;

  constructor(options: DataCollatorForLanguageModelingOptions) {
    super();
    if (!options?.tokenizer) throw new TypeError(`${new.target.name}: a tokenizer is required`);
    this.tokenizer = options.tokenizer;
    this.mlm = options.mlm ?? true;
    this.mlmProbability = options.mlmProbability ?? 0.15;
    this.maskReplaceProb = options.maskReplaceProb ?? 0.8;
    this.randomReplaceProb = options.randomReplaceProb ?? 0.1;
    this.wholeWordMask = options.wholeWordMask ?? false;
    if (this.wholeWordMask && !this.mlm) throw new Error('Whole word masking can only be used with mlm: true');
    this.padToMultipleOf = options.padToMultipleOf;
    this.seed = options.seed;
    this.generator = options.seed === undefined ? null : new OwnGenerator(options.seed);
    if (options.returnTensors !== undefined && options.returnTensors !== 'pt') throw new TypeError(`${new.target.name}: returnTensors must be 'pt'`);
    if (this.mlm && this.tokenizer.maskTokenId === null) {
      throw new Error('This tokenizer does not have a mask token which is necessary for masked language modeling. You should pass `mlm: false` to train on causal language modeling instead.');
    }
    for (const [name, v] of [['mlmProbability', this.mlmProbability], ['maskReplaceProb', this.maskReplaceProb], ['randomReplaceProb', this.randomReplaceProb]] as const) {
      if (!(v >= 0 && v <= 1)) throw new RangeError(`${new.target.name}: ${name} should be between 0 and 1, got ${v}`);
    }
    if (this.maskReplaceProb + this.randomReplaceProb > 1) throw new RangeError(`${new.target.name}: the sum of maskReplaceProb and randomReplaceProb should not exceed 1`);
    if (this.wholeWordMask && this.maskReplaceProb < 1) {
      console.warn('Random token replacement is not supported with whole word masking. Setting maskReplaceProb to 1.');
      this.maskReplaceProb = 1;
      this.randomReplaceProb = 0;
    }
  }

  protected _call(features: Features): Batch {
    assertNotPromise(features, this.constructor.name);
    if (!Array.isArray(features) || features.length === 0) throw new Error(`${this.constructor.name}: expected a non-empty list of examples`);
    const rows = features.map((f) => (Array.isArray(f) || ArrayBuffer.isView(f) ? { input_ids: f } : f)) as Record<string, unknown>[];
    const offsets = rows.map((r) => r.offset_mapping as [number, number][] | undefined);
    if (this.mlm && this.wholeWordMask && offsets.some((o) => !o)) {
      throw new Error(`${this.constructor.name}: whole word masking needs offset_mapping in the features (tokenize with returnOffsetsMapping: true)`);
    }
    const padded = rows.map((r) => { const { offset_mapping: _o, ...rest } = r; return rest; });
    const batch = this.tokenizer.pad(padded, { padding: true, padToMultipleOf: this.padToMultipleOf, returnTensors: 'pt' } as PadOptions).toObject() as Record<string, Tensor>;
    const special = batch.special_tokens_mask ? rowsOf(batch.special_tokens_mask) : null;
    batch.special_tokens_mask?.dispose();
    delete batch.special_tokens_mask;
    renameLabel(batch);
    const torch = getTorch();
    const inputIds = batch.input_ids;
    const shape = inputIds.shape;
    const ids = rowsOf(inputIds);
    let labels: number[];
    if (!this.mlm) {
      const pad = this.tokenizer.padTokenId;
      labels = ids.map((id) => (pad !== null && id === pad ? -100 : id));
    } else {
      const specialMask = special ?? this.specialTokensMask(ids);
      const draw = () => this.maskTokens(ids, specialMask, shape, offsets);
      labels = this.generator ? this.generator.run(draw) : draw();
      inputIds.dispose();
      batch.input_ids = torch.tensor(BigInt64Array.from(ids, BigInt), { shape });
    }
    batch.labels = torch.tensor(BigInt64Array.from(labels, BigInt), { shape });
    return withAliases(batch) as Batch;
  }

  /** get_special_tokens_mask(already_has_special_tokens=True): the tokenizer's special ids (padding among them). */
  private specialTokensMask(ids: number[]): Uint8Array {
    const specials = new Set(this.tokenizer.allSpecialIds);
    if (this.tokenizer.padTokenId !== null) specials.add(this.tokenizer.padTokenId);
    return Uint8Array.from(ids, (id) => (specials.has(id) ? 1 : 0));
  }

  /** torch_mask_tokens, in place on `ids`; returns the labels. */
  private maskTokens(ids: number[], special: ArrayLike<number>, shape: number[], offsets: ([number, number][] | undefined)[]): number[] {
    const torch = getTorch();
    const p = this.mlmProbability;
    const words = this.wholeWordMask ? wordIdsFromOffsets(offsets, special, shape) : null;
    // whole words: only a word's first token is drawn, and the draw then covers the word
    const noMask = words ? words.map((w, i) => (w === -1 || (i % shape[1] > 0 && words[i - 1] === w) ? 1 : 0)) : special;
    let chosen = bernoulli(shape, (i) => (noMask[i] ? 0 : p));
    if (words) chosen = spreadToWords(chosen, words);
    const labels = ids.map((id, i) => (chosen[i] ? id : -100));
    const replaced = bernoulli(shape, () => this.maskReplaceProb);
    for (let i = 0; i < ids.length; i++) if (replaced[i] && chosen[i]) ids[i] = this.tokenizer.maskTokenId as number;
    if (this.maskReplaceProb === 1 || this.randomReplaceProb === 0) return labels;
    const random = bernoulli(shape, () => this.randomReplaceProb / (1 - this.maskReplaceProb));
    const drawn = torch.randint(this.tokenizer.numTokens, shape);
    const values = rowsOf(drawn);
    drawn.dispose();
    for (let i = 0; i < ids.length; i++) if (random[i] && chosen[i] && !replaced[i]) ids[i] = values[i];
    return labels;
  }
}

/**
 * _calc_word_ids_and_prob_mask: a non-special token starts a new word when its start differs
 * from the previous token's end or the previous token is special; word ids count words, -1
 * for special tokens (and padding).
 */
function wordIdsFromOffsets(offsets: ([number, number][] | undefined)[], special: ArrayLike<number>, shape: number[]): Int32Array {
  const [n, len] = shape;
  const out = new Int32Array(n * len);
  for (let b = 0; b < n; b++) {
    const o = offsets[b] ?? [];
    let word = 0;
    for (let j = 0; j < len; j++) {
      const i = b * len + j;
      const start = (o[j] ?? [0, 0])[0];
      const prevEnd = j === 0 ? -1 : (o[j - 1] ?? [0, 0])[1];
      const isNew = !special[i] && (start !== prevEnd || (j > 0 && special[i - 1] === 1));
      if (isNew) word++;
      out[i] = special[i] ? -1 : word;
    }
  }
  return out;
}

/** _whole_word_mask: a token is chosen when any token of its word (same row, same word id) is. */
function spreadToWords(chosen: Uint8Array, words: Int32Array): Uint8Array {
  const out = new Uint8Array(chosen.length);
  let start = 0;
  for (let i = 1; i <= words.length; i++) {
    if (i < words.length && words[i] === words[start] && words[i] !== -1) continue;
    // a run of one word (word ids rise along a row, so a word's tokens are contiguous)
    if (words[start] !== -1) {
      let any = 0;
      for (let k = start; k < i; k++) any |= chosen[k];
      for (let k = start; k < i; k++) out[k] = any;
    }
    start = i;
  }
  return out;
}

function renameLabel(batch: Record<string, unknown>): void {
  for (const key of ['label', 'label_ids']) {
    if (key in batch) {
      batch.labels = batch[key];
      delete batch[key];
    }
  }
}

/** transformers' DataCollatorForWholeWordMask: DataCollatorForLanguageModeling with wholeWordMask on. */
export class DataCollatorForWholeWordMask extends DataCollatorForLanguageModeling {
  constructor(options: Omit<DataCollatorForLanguageModelingOptions, 'wholeWordMask'>) {
    super({ ...options, wholeWordMask: true, mlm: true });
  }
}

/**
 * run_mlm.py's group_texts, for `dataset.map(groupTexts(blockSize), { batched: true })`: every
 * list column of the batch concatenated, the remainder past a multiple of blockSize dropped,
 * then cut into blocks of blockSize.
 */
export function groupTexts(blockSize: number): (batch: Record<string, unknown[]>) => Record<string, number[][]> {
  if (!Number.isInteger(blockSize) || blockSize < 1) throw new RangeError(`groupTexts: blockSize must be a positive integer, got ${blockSize}`);
  return (batch) => {
    const out: Record<string, number[][]> = {};
    const keys = Object.keys(batch);
    const other = keys.find((k) => !Array.isArray(batch[k]) || batch[k].some((r) => !isRow(r)));
    if (other !== undefined) throw new Error(`groupTexts: column '${other}' is not lists of token ids; tokenize first and remove the other columns (map's removeColumns), as run_mlm.py does`);
    const concatenated = Object.fromEntries(keys.map((k) => [k, (batch[k] as ArrayLike<number>[]).flatMap((r) => Array.from(r))]));
    const total = Math.floor(concatenated[keys[0]].length / blockSize) * blockSize;
    for (const k of keys) {
      const all = concatenated[k];
      out[k] = [];
      for (let i = 0; i < total; i += blockSize) out[k].push(all.slice(i, i + blockSize));
    }
    return out;
  };
}

function isRow(v: unknown): boolean {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}
