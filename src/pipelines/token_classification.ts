// transformers' TokenClassificationPipeline ('ner'): softmax per token, then, by
// aggregationStrategy, tokens as they are ('none'), entities grouped from B-/I- tags
// ('simple'), or words first ('first' / 'average' / 'max' over a word's sub-tokens) and then
// entities; 'O' dropped, character offsets into the input kept.
import * as torch from '../engine/torch.js';
import type { AutoTokenClassificationModel } from '../models/auto.js';
import type { PreTrainedTokenizerFast } from '../tokenizers/tokenizer.js';

export type AggregationStrategy = 'none' | 'simple' | 'first' | 'average' | 'max';

export interface TokenClassificationOptions {
  aggregationStrategy?: AggregationStrategy;
  /** Labels left out of the results (['O']). */
  ignoreLabels?: string[];
}

export interface TokenEntity { entity: string; score: number; index: number; word: string; start: number; end: number }
export interface GroupedEntity { entity_group: string; score: number; word: string; start: number; end: number }

interface PreEntity { word: string; scores: number[]; start: number; end: number; index: number; isSubword: boolean }
interface WordEntity { entity: string; score: number; word: string; start: number; end: number; index?: number }

const argmax = (xs: number[]) => xs.reduce((best, x, i) => (x > xs[best] ? i : best), 0);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export class TokenClassificationPipeline {
  constructor(readonly model: AutoTokenClassificationModel, readonly tokenizer: PreTrainedTokenizerFast, readonly defaults: TokenClassificationOptions = {}) {
    this.model.eval();
  }

  private label(i: number): string {
    return this.model.config.id2label[i] ?? `LABEL_${i}`;
  }

  private tokensToString(tokens: string[]): string {
    const decoder = this.tokenizer.backendTokenizer.getDecoder();
    return decoder ? decoder.decode(tokens) : tokens.join(' ');
  }

  async run(sentence: string, options: TokenClassificationOptions = {}): Promise<(TokenEntity | GroupedEntity)[]> {
    const o = { ...this.defaults, ...options };
    const strategy = o.aggregationStrategy ?? 'none';
    if (!['none', 'simple', 'first', 'average', 'max'].includes(strategy)) throw new TypeError(`token-classification: unknown aggregationStrategy '${strategy}'`);
    const enc = await this.tokenizer(sentence, { truncation: true, returnOffsetsMapping: true, returnSpecialTokensMask: true });
    const ids = enc.input_ids as number[];
    const scores = torch.inferenceMode(() => torch.tidy(() => {
      const inputs: Record<string, unknown> = { input_ids: torch.tensor([ids]) };
      if (enc.token_type_ids && this.tokenizer.modelInputNames.includes('token_type_ids')) inputs.token_type_ids = torch.tensor([enc.token_type_ids as number[]]);
      inputs.attention_mask = torch.ones([1, ids.length], { dtype: 'int64' });
      return this.model.forward(inputs).logits.select(0, 0).to('float64').toArray() as number[][];
    })).map((row) => {
      const max = Math.max(...row);
      const exps = row.map((x) => Math.exp(x - max));
      const sum = exps.reduce((a, b) => a + b, 0);
      return exps.map((e) => e / sum);
    });
    const pre = this.preEntities(sentence, ids, scores, enc.offset_mapping as [number, number][], enc.special_tokens_mask as number[]);
    const ignore = new Set(o.ignoreLabels ?? ['O']);
    let out: (WordEntity | GroupedEntity)[];
    if (strategy === 'none' || strategy === 'simple') {
      const tokens = pre.map((p) => { const k = argmax(p.scores); return { entity: this.label(k), score: p.scores[k], index: p.index, word: p.word, start: p.start, end: p.end }; });
      out = strategy === 'none' ? tokens : this.groupEntities(tokens);
    } else out = this.groupEntities(this.aggregateWords(pre, strategy));
    return out.filter((e) => !ignore.has((e as WordEntity).entity ?? '') && !ignore.has((e as GroupedEntity).entity_group ?? '')) as (TokenEntity | GroupedEntity)[];
  }

  /** gather_pre_entities: non-special tokens with their scores, offsets and whether they continue a word. */
  private preEntities(sentence: string, ids: number[], scores: number[][], offsets: [number, number][], special: number[]): PreEntity[] {
    // transformers asks the model for a continuing_subword_prefix: WordPiece's '##'
    const wordPiece = (this.tokenizer as unknown as { tokenizerJson: { model: { type: string } } }).tokenizerJson.model.type === 'WordPiece';
    const out: PreEntity[] = [];
    scores.forEach((row, idx) => {
      if (special[idx]) return;
      let word = this.tokenizer.convertIdsToTokens(ids[idx]);
      const [start, end] = offsets[idx];
      const ref = sentence.slice(start, end);
      let isSubword = wordPiece ? word.length !== ref.length : start > 0 && !sentence.slice(start - 1, start + 1).includes(' ');
      if (ids[idx] === this.tokenizer.unkTokenId) { word = ref; isSubword = false; }
      out.push({ word, scores: row, start, end, index: idx, isSubword });
    });
    return out;
  }

  /** aggregate_words: a word's sub-tokens become one entity, scored by the first, the average or the max. */
  private aggregateWords(pre: PreEntity[], strategy: 'first' | 'average' | 'max'): WordEntity[] {
    const groups: PreEntity[][] = [];
    for (const p of pre) {
      if (groups.length === 0 || !p.isSubword) groups.push([p]);
      else groups[groups.length - 1].push(p);
    }
    return groups.map((g) => {
      let scores: number[];
      if (strategy === 'first') scores = g[0].scores;
      else if (strategy === 'max') scores = g.reduce((best, p) => (Math.max(...p.scores) > Math.max(...best.scores) ? p : best)).scores;
      else scores = g[0].scores.map((_, k) => mean(g.map((p) => p.scores[k])));
      const k = argmax(scores);
      return { entity: this.label(k), score: scores[k], word: this.tokensToString(g.map((p) => p.word)), start: g[0].start, end: g[g.length - 1].end };
    });
  }

  /** group_entities: consecutive entities of one type join unless a B- starts a new one. */
  private groupEntities(entities: WordEntity[]): GroupedEntity[] {
    const tagOf = (name: string): [string, string] => (name.startsWith('B-') ? ['B', name.slice(2)] : name.startsWith('I-') ? ['I', name.slice(2)] : ['I', name]);
    const groups: WordEntity[][] = [];
    for (const e of entities) {
      const last = groups.at(-1);
      const [bi, tag] = tagOf(e.entity);
      if (last && tag === tagOf(last[last.length - 1].entity)[1] && bi !== 'B') last.push(e);
      else groups.push([e]);
    }
    return groups.map((g) => ({
      entity_group: g[0].entity.includes('-') ? g[0].entity.slice(g[0].entity.indexOf('-') + 1) : g[0].entity,
      score: mean(g.map((e) => e.score)), word: this.tokensToString(g.map((e) => e.word)), start: g[0].start, end: g[g.length - 1].end,
    }));
  }
}
