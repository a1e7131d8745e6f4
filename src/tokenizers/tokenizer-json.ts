// Reading a tokenizer.json beyond what the library checks: the model type of older files,
// the class it implies, and whether its special-token ids agree with the vocabulary.
import type { Tokenizer as NativeTokenizer } from 'tokenizers';
import { modelType } from './files.js';
import type { AddedTokenInfo } from './special-tokens.js';

/**
 * The ids a tokenizer.json gives its added and post-processing tokens must be the ids the
 * library resolves them to; otherwise (a special token missing from the model's vocab, say)
 * encodings would carry ids the vocabulary does not have.
 */
export function checkSpecialIds(json: Record<string, unknown>, backend: NativeTokenizer, source: string): void {
  for (const t of (json.added_tokens as AddedTokenInfo[] | undefined) ?? []) {
    const actual = backend.tokenToId(t.content);
    if (actual !== t.id) {
      throw new Error(`${source}: added token ${JSON.stringify(t.content)} has id ${t.id} in the file, but the vocabulary gives ${actual}; ` +
        'expected each added token to be in model.vocab with the same id');
    }
  }
  const post = json.post_processor as { type?: string; special_tokens?: Record<string, { ids: number[]; tokens: string[] }>; sep?: [string, number]; cls?: [string, number] } | null;
  const pairs: [string, number][] = [];
  if (post?.type === 'TemplateProcessing') for (const s of Object.values(post.special_tokens ?? {})) s.tokens.forEach((t, i) => pairs.push([t, s.ids[i]]));
  if (post?.sep) pairs.push(post.sep);
  if (post?.cls) pairs.push(post.cls);
  for (const [token, id] of pairs) {
    const actual = backend.tokenToId(token);
    if (actual !== id) throw new Error(`${source}: the post-processor inserts ${token} as id ${id}, but the vocabulary gives ${actual === null ? 'no id' : actual}`);
  }
}

export function inferTokenizerClass(json: Record<string, unknown>): string {
  const model = modelType(json);
  const post = (json.post_processor as { type?: string } | null)?.type;
  if (model === 'WordPiece') return 'BertTokenizer';
  if (post === 'RobertaProcessing') return 'RobertaTokenizer';
  if (model === 'BPE' && (json.pre_tokenizer as { type?: string } | null)?.type === 'ByteLevel') return 'GPT2Tokenizer';
  return 'PreTrainedTokenizer';
}

export function singleSequenceTypeIdsAreZero(post: unknown): boolean {
  if (post === null || post === undefined) return true;
  const p = post as { type?: string; single?: { Sequence?: { type_id: number }; SpecialToken?: { type_id: number } }[]; processors?: unknown[] };
  if (p.type === 'BertProcessing' || p.type === 'RobertaProcessing' || p.type === 'ByteLevel') return true;
  if (p.type === 'TemplateProcessing') return (p.single ?? []).every((piece) => (piece.Sequence ?? piece.SpecialToken)?.type_id === 0);
  if (p.type === 'Sequence') return (p.processors ?? []).every(singleSequenceTypeIdsAreZero);
  return false;
}
