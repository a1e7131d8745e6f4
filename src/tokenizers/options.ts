// The options of a tokenizer call, as Hugging Face spells them (camelCase, snake_case also
// accepted), resolved to what the library needs: a truncation and a padding setting.

export type PaddingStrategy = boolean | 'longest' | 'max_length' | 'do_not_pad';
export type TruncationStrategy = boolean | 'longest_first' | 'only_first' | 'only_second' | 'do_not_truncate';
export type Side = 'left' | 'right';

export interface EncodeOptions {
  addSpecialTokens?: boolean;
  padding?: PaddingStrategy;
  truncation?: TruncationStrategy;
  maxLength?: number;
  stride?: number;
  padToMultipleOf?: number;
  paddingSide?: Side;
  returnTensors?: 'pt' | null;
  returnTokenTypeIds?: boolean;
  returnAttentionMask?: boolean;
  returnOverflowingTokens?: boolean;
  returnSpecialTokensMask?: boolean;
  returnOffsetsMapping?: boolean;
  returnLength?: boolean;
  /** The text is a list of words (or a batch of such lists), as for token classification; wordIds() indexes them. */
  isSplitIntoWords?: boolean;
}

/** The options a tokenizer call takes (camelCase; normalizeOptions also accepts snake_case). */
export const ENCODE_OPTIONS: ReadonlySet<string> = new Set([
  'addSpecialTokens', 'padding', 'truncation', 'maxLength', 'stride', 'padToMultipleOf', 'paddingSide', 'returnTensors',
  'returnTokenTypeIds', 'returnAttentionMask', 'returnOverflowingTokens', 'returnSpecialTokensMask', 'returnOffsetsMapping',
  'returnLength', 'verbose', 'isSplitIntoWords',
]);


/** Hugging Face's stand-in for "no maximum length" (int(1e30)). */
export const VERY_LARGE_INTEGER = 1e30;

export interface ResolvedSettings {
  truncation: null | { maxLength: number; strategy: 'LongestFirst' | 'OnlyFirst' | 'OnlySecond'; stride: number };
  /** maxLength null means "pad to the longest in the batch". */
  padding: null | { maxLength: number | null; padToMultipleOf?: number };
}

const warned = new Set<string>();
function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  console.warn(message);
}

/** Hugging Face's _get_padding_truncation_strategies, reduced to what the library takes. */
export function resolveSettings(o: EncodeOptions, modelMaxLength: number, hasPadToken: boolean): ResolvedSettings {
  let truncation = o.truncation;
  const padding = o.padding ?? false;
  if (o.maxLength !== undefined && (!Number.isInteger(o.maxLength) || o.maxLength <= 0)) {
    throw new RangeError(`tokenizer: maxLength must be a positive integer, got ${o.maxLength}`);
  }
  if (o.maxLength !== undefined && padding === false && truncation === undefined) {
    warnOnce("Truncation was not explicitly activated but `maxLength` is provided; defaulting to 'longest_first' truncation, as Hugging Face does.");
    truncation = 'longest_first';
  }
  const strategies: Record<string, 'LongestFirst' | 'OnlyFirst' | 'OnlySecond' | null> = {
    true: 'LongestFirst', longest_first: 'LongestFirst', only_first: 'OnlyFirst', only_second: 'OnlySecond', false: null, do_not_truncate: null, undefined: null,
  };
  if (!(String(truncation) in strategies)) {
    throw new TypeError(`tokenizer: truncation must be true, false, 'longest_first', 'only_first', 'only_second' or 'do_not_truncate', got ${JSON.stringify(truncation)}`);
  }
  const strategy = strategies[String(truncation)];
  let truncSetting: ResolvedSettings['truncation'] = null;
  if (strategy) {
    let maxLength = o.maxLength ?? modelMaxLength;
    if (maxLength >= VERY_LARGE_INTEGER) {
      warnOnce('Asking to truncate to maxLength but no maximum length is provided and the tokenizer has no modelMaxLength; not truncating.');
      maxLength = 0;
    }
    if (maxLength > 0) truncSetting = { maxLength, strategy, stride: o.stride ?? 0 };
  }
  let padSetting: ResolvedSettings['padding'] = null;
  if (padding === true || padding === 'longest') padSetting = { maxLength: null };
  else if (padding === 'max_length') {
    const maxLength = o.maxLength ?? modelMaxLength;
    if (maxLength >= VERY_LARGE_INTEGER) throw new Error("tokenizer: padding 'max_length' needs maxLength (the tokenizer has no modelMaxLength)");
    padSetting = { maxLength };
  } else if (padding !== false && padding !== 'do_not_pad') {
    throw new TypeError(`tokenizer: padding must be true, false, 'longest', 'max_length' or 'do_not_pad', got ${JSON.stringify(padding)}`);
  }
  if (padSetting && o.padToMultipleOf !== undefined) padSetting.padToMultipleOf = o.padToMultipleOf;
  if (padSetting && !hasPadToken) {
    throw new Error('Asking to pad but the tokenizer does not have a padding token. Set `tokenizer.padToken` (e.g. to tokenizer.eosToken) or add one with addSpecialTokens({ padToken: "[PAD]" }).');
  }
  if (truncSetting && padSetting?.padToMultipleOf && truncSetting.maxLength % padSetting.padToMultipleOf !== 0) {
    throw new Error(`tokenizer: truncation maxLength ${truncSetting.maxLength} is not a multiple of padToMultipleOf ${padSetting.padToMultipleOf}`);
  }
  return { truncation: truncSetting, padding: padSetting };
}
