// Which tokens play which role ([CLS], [PAD], ...): from tokenizer_config.json /
// special_tokens_map.json when present, else recognised among the tokenizer's special tokens.

export const SPECIAL_ROLES = ['bos', 'eos', 'unk', 'sep', 'pad', 'cls', 'mask'] as const;
export type SpecialRole = (typeof SPECIAL_ROLES)[number];

const CONVENTIONAL: Record<SpecialRole, string[]> = {
  bos: ['<s>', '[BOS]', '<|startoftext|>'],
  eos: ['</s>', '[EOS]', '<|endoftext|>'],
  unk: ['[UNK]', '<unk>', '<|unk|>'],
  sep: ['[SEP]', '</s>'],
  pad: ['[PAD]', '<pad>', '<|pad|>'],
  cls: ['[CLS]', '<s>'],
  mask: ['[MASK]', '<mask>'],
};

export function tokenContent(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') {
    return (value as { content: string }).content;
  }
  return null;
}

export interface AddedTokenInfo {
  id: number;
  content: string;
  special: boolean;
}

/**
 * Role → token, role by role as transformers merges them: a configured value wins (null means
 * "no such token"); an unconfigured role falls back to its conventional spelling among the
 * special added tokens (BERT's [CLS]/[SEP]/..., RoBERTa's <s>/</s>/...), as the tokenizer
 * class's defaults would give it. Types were checked when the files were read (config-checks.ts).
 */
export function resolveSpecialTokens(
  config: Record<string, unknown>,
  added: AddedTokenInfo[],
  exists: (token: string) => boolean,
): { roles: Partial<Record<SpecialRole, string>>; additional: string[] } {
  const roles: Partial<Record<SpecialRole, string>> = {};
  const specials = new Set(added.filter((t) => t.special).map((t) => t.content));
  const isBertLike = specials.has('[CLS]');
  for (const role of SPECIAL_ROLES) {
    const key = `${role}_token`;
    if (Object.hasOwn(config, key)) {
      const token = tokenContent(config[key]);
      if (token !== null) roles[role] = token;
      continue;
    }
    // BERT-style vocabularies have no bos/eos; do not map them to [CLS]/[SEP].
    if (isBertLike && (role === 'bos' || role === 'eos')) continue;
    const token = CONVENTIONAL[role].find((t) => specials.has(t) && exists(t));
    if (token) roles[role] = token;
  }
  const extra = config.additional_special_tokens;
  const additional = Array.isArray(extra) ? extra.map(tokenContent).filter((t): t is string => t !== null) : [];
  return { roles, additional };
}
