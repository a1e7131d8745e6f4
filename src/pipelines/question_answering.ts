// transformers' QuestionAnsweringPipeline (4.x; 5.x dropped it): question and context tokenized
// together, a long context split into windows of maxSeqLen tokens sharing docStride tokens,
// per window a softmax over the start and end logits of the context tokens (and [CLS]), the
// outer product of the two, the best spans that end after they start and are at most
// maxAnswerLen tokens long, mapped back to characters of the context (whole words by default).
// The same answer found in several windows adds up its scores; handleImpossibleAnswer adds the
// empty answer scored by the lowest [CLS]×[CLS] probability over the windows.
import * as torch from '../engine/torch.js';
import type { AutoQuestionAnsweringModel } from '../models/auto.js';
import type { PreTrainedTokenizerFast } from '../tokenizers/tokenizer.js';
import { decodeSpans } from './qa_spans.js';

export interface QuestionAnsweringOptions {
  /** How many answers (1); fewer come back when the context has fewer candidates. */
  topK?: number;
  /** Let the empty answer compete, scored from [CLS] (false). */
  handleImpossibleAnswer?: boolean;
  /** The longest answer, in tokens (15). */
  maxAnswerLen?: number;
  /** Tokens per window, question included (min(model_max_length, 384)). */
  maxSeqLen?: number;
  /** Tokens shared by consecutive windows (min(maxSeqLen / 2, 128)). */
  docStride?: number;
  /** Accepted as in transformers, whose fast-tokenizer path does not use it either. */
  maxQuestionLen?: number;
  /** Widen a span to the whole words it touches (true). */
  alignToWords?: boolean;
}

export interface QaInput { question: string; context: string }
export interface QaAnswer { score: number; start: number; end: number; answer: string }
/** One example, several questions for one context, or parallel lists (transformers' argument handler). */
export type QaInputs = QaInput | QaInput[] | { question: string[]; context: string | string[] };

interface Window { ids: number[]; attention: number[]; typeIds: number[] | null; sequenceIds: (number | null)[]; wordIds: (number | null)[]; offsets: [number, number][] }

/** QuestionAnsweringArgumentHandler: the inputs as a list of {question, context}. */
export function normalizeQaInputs(inputs: QaInputs): QaInput[] {
  let items: unknown[];
  if (Array.isArray(inputs)) items = inputs;
  else if (inputs && typeof inputs === 'object' && Array.isArray((inputs as { question: unknown }).question)) {
    const { question, context } = inputs as { question: string[]; context: string | string[] };
    if (Array.isArray(context) && context.length !== question.length) throw new Error("question-answering: questions and contexts don't have the same lengths");
    items = question.map((q, i) => ({ question: q, context: Array.isArray(context) ? context[i] : context }));
  } else items = [inputs];
  return items.map((item) => {
    if (!item || typeof item !== 'object') throw new TypeError(`question-answering: ${JSON.stringify(item)} argument needs to be a {question, context} object`);
    for (const k of ['question', 'context'] as const) {
      const v = (item as Record<string, unknown>)[k];
      if (v === undefined) throw new Error('question-answering: you need to provide an object with keys {question, context}');
      if (v === null) throw new Error(`question-answering: \`${k}\` cannot be null`);
      if (typeof v !== 'string') throw new TypeError(`question-answering: \`${k}\` must be a string (got ${typeof v})`);
      if (v.length === 0) throw new Error(`question-answering: \`${k}\` cannot be empty`);
    }
    return item as QaInput;
  });
}

export class QuestionAnsweringPipeline {
  constructor(readonly model: AutoQuestionAnsweringModel, readonly tokenizer: PreTrainedTokenizerFast, readonly defaults: QuestionAnsweringOptions = {}) {
    this.model.eval();
  }

  /** Answers for each input: one answer when topK is 1 (or only one was found), else a list; a list per example for several inputs. */
  async run(inputs: QaInputs, options: QuestionAnsweringOptions = {}): Promise<QaAnswer | QaAnswer[] | (QaAnswer | QaAnswer[])[]> {
    const o = { ...this.defaults, ...options };
    if (o.topK !== undefined && o.topK < 1) throw new RangeError(`question-answering: topK should be >= 1 (got ${o.topK})`);
    if (o.maxAnswerLen !== undefined && o.maxAnswerLen < 1) throw new RangeError(`question-answering: maxAnswerLen should be >= 1 (got ${o.maxAnswerLen})`);
    const examples = normalizeQaInputs(inputs);
    const out: (QaAnswer | QaAnswer[])[] = [];
    for (const ex of examples) {
      const answers = await this.answer(ex, o);
      out.push(answers.length === 1 ? answers[0] : answers);
    }
    return examples.length === 1 ? out[0] : out;
  }

  private async windows(ex: QaInput, o: QuestionAnsweringOptions): Promise<{ windows: Window[]; questionFirst: boolean }> {
    const maxSeqLen = o.maxSeqLen ?? Math.min(this.tokenizer.modelMaxLength, 384);
    const docStride = o.docStride ?? Math.min(Math.floor(maxSeqLen / 2), 128);
    if (docStride > maxSeqLen) throw new RangeError(`question-answering: docStride (${docStride}) is larger than maxSeqLen (${maxSeqLen})`);
    const questionFirst = this.tokenizer.paddingSide === 'right';
    const enc = await this.tokenizer([questionFirst ? ex.question : ex.context], [questionFirst ? ex.context : ex.question], {
      truncation: questionFirst ? 'only_second' : 'only_first', maxLength: maxSeqLen, stride: docStride,
      returnTokenTypeIds: true, returnOverflowingTokens: true, returnOffsetsMapping: true,
    });
    const ids = enc.input_ids as number[][];
    const windows = ids.map((row, i) => ({
      ids: row,
      attention: (enc.attention_mask as number[][] | undefined)?.[i] ?? row.map(() => 1),
      typeIds: (enc.token_type_ids as number[][] | undefined)?.[i] ?? null,
      sequenceIds: enc.sequenceIds(i), wordIds: enc.wordIds(i), offsets: (enc.offset_mapping as [number, number][][])[i],
    }));
    return { windows, questionFirst };
  }

  private logits(w: Window): [number[], number[]] {
    return torch.inferenceMode(() => torch.tidy(() => {
      const inputs: Record<string, unknown> = { input_ids: torch.tensor([w.ids]), attention_mask: torch.tensor([w.attention]) };
      if (w.typeIds && this.tokenizer.modelInputNames.includes('token_type_ids')) inputs.token_type_ids = torch.tensor([w.typeIds]);
      const out = this.model.forward(inputs);
      return [out.startLogits.select(0, 0).to('float64').toArray() as number[], out.endLogits.select(0, 0).to('float64').toArray() as number[]];
    }));
  }

  private async answer(ex: QaInput, o: QuestionAnsweringOptions): Promise<QaAnswer[]> {
    const topK = o.topK ?? 1;
    const alignToWords = o.alignToWords ?? true;
    const handleImpossible = o.handleImpossibleAnswer ?? false;
    const { windows, questionFirst } = await this.windows(ex, o);
    const sequenceIndex = questionFirst ? 1 : 0;
    const cls = this.tokenizer.clsTokenId;
    let minNullScore = 1000000;
    const answers: QaAnswer[] = [];
    for (const w of windows) {
      // p_mask: 1 where no answer can be; transformers only masks when the question comes first
      const allowed = w.sequenceIds.map((s, k) => ((questionFirst ? s === 1 : true) || (cls !== null && w.ids[k] === cls)) && w.attention[k] === 1);
      const [startLogits, endLogits] = this.logits(w);
      const start = softmaxMasked(startLogits, allowed);
      const end = softmaxMasked(endLogits, allowed);
      if (handleImpossible) minNullScore = Math.min(minNullScore, start[0] * end[0]);
      start[0] = end[0] = 0;
      // some candidates are dropped when aligned to words, so more are asked for (transformers)
      const spans = decodeSpans(start, end, alignToWords ? topK * 2 + 10 : topK, o.maxAnswerLen ?? 15, allowed);
      const shift = this.tokenizer.paddingSide === 'left' ? w.ids.filter((id) => id === this.tokenizer.padTokenId).length : 0;
      for (const { s, e, score } of spans) {
        const [startIndex, endIndex] = charSpan(w, s - shift, e - shift, sequenceIndex, alignToWords);
        const text = ex.context.slice(startIndex, endIndex);
        const same = answers.find((a) => a.answer.toLowerCase() === text.toLowerCase());
        if (same) same.score += score;
        else answers.push({ score, start: startIndex, end: endIndex, answer: text });
      }
    }
    if (handleImpossible) answers.push({ score: minNullScore, start: 0, end: 0, answer: '' });
    return answers.sort((a, b) => b.score - a.score).slice(0, topK);
  }
}

/** The masked tokens get a logit of -10000 before the softmax (transformers' select_starts_ends). */
function softmaxMasked(logits: number[], allowed: boolean[]): number[] {
  const x = logits.map((v, k) => (allowed[k] ? v : -10000));
  const max = Math.max(...x);
  const exps = x.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((v) => v / sum);
}

/** get_indices: the characters of the words under tokens s..e, or of the tokens themselves. */
function charSpan(w: Window, s: number, e: number, sequenceIndex: number, alignToWords: boolean): [number, number] {
  if (alignToWords) {
    const [ws, we] = [w.wordIds[s], w.wordIds[e]];
    const tokensOf = (word: number | null | undefined) => (word === null || word === undefined ? [] : w.wordIds.flatMap((x, t) => (x === word && w.sequenceIds[t] === sequenceIndex ? [t] : [])));
    const [a, b] = [tokensOf(ws), tokensOf(we)];
    // transformers falls back to the token offsets when a token has no word in the context
    if (a.length > 0 && b.length > 0) return [w.offsets[a[0]][0], w.offsets[b[b.length - 1]][1]];
  }
  return [w.offsets[s][0], w.offsets[e][1]];
}
