// Extractive question answering data, as run_qa.py and utils_qa.py: the SQuAD preprocessing
// (question and context tokenized together, truncation of the context only, long contexts
// split into overlapping windows with a stride, answer characters mapped to start/end token
// positions through the offsets), the evaluation features (offsets outside the context
// dropped, each window's example id kept), and postprocessQaPredictions (n-best spans over
// every window of an example, maxAnswerLength, the null answer of SQuAD v2).

/** SQuAD's answers field: the answer texts and their character starts in the context (empty lists: no answer, SQuAD v2). */
export interface SquadAnswers {
  text: string[];
  answer_start: number[];
}

/** What run_qa.py needs from a tokenizer. */
export interface QaTokenizer {
  (text: string[], textPair: string[], options: Record<string, unknown>): Promise<QaEncoding>;
  paddingSide: 'left' | 'right';
  clsTokenId: number | null;
  bosTokenId: number | null;
}

interface QaEncoding {
  [key: string]: unknown;
  input_ids: unknown;
  sequenceIds(i: number): (number | null)[];
}

export interface QaPreprocessOptions {
  /** max_seq_length (384 in run_qa.py). */
  maxLength?: number;
  /** doc_stride: the tokens shared by consecutive windows of a long context (128). */
  stride?: number;
  /** pad_to_max_length (true in run_qa.py); false leaves the padding to a collator. */
  padToMaxLength?: boolean;
  questionColumn?: string;
  contextColumn?: string;
  answerColumn?: string;
}

/** A batch of SQuAD-style rows, as Dataset.map(…, { batched: true }) gives them. */
export type QaExamples = Record<string, unknown[]>;

async function tokenizeQa(tokenizer: QaTokenizer, examples: QaExamples, o: QaPreprocessOptions): Promise<{ enc: QaEncoding; padOnRight: boolean; sampleMapping: number[]; offsets: [number, number][][] }> {
  const q = o.questionColumn ?? 'question';
  const c = o.contextColumn ?? 'context';
  for (const col of [q, c]) if (!Array.isArray(examples[col])) throw new Error(`question answering preprocessing: the batch has no column '${col}' (columns: ${Object.keys(examples).join(', ')})`);
  // some questions have lots of whitespace on the left, which only wastes the window (run_qa.py)
  const questions = (examples[q] as string[]).map((s) => s.trimStart());
  const contexts = examples[c] as string[];
  const padOnRight = tokenizer.paddingSide === 'right';
  const enc = await tokenizer(padOnRight ? questions : contexts, padOnRight ? contexts : questions, {
    truncation: padOnRight ? 'only_second' : 'only_first', maxLength: o.maxLength ?? 384, stride: o.stride ?? 128,
    returnOverflowingTokens: true, returnOffsetsMapping: true, padding: (o.padToMaxLength ?? true) ? 'max_length' : false,
  });
  const sampleMapping = enc.overflow_to_sample_mapping as number[];
  const offsets = enc.offset_mapping as [number, number][][];
  delete enc.overflow_to_sample_mapping;
  delete enc.offset_mapping;
  return { enc, padOnRight, sampleMapping, offsets };
}

function modelInputs(enc: QaEncoding): Record<string, unknown[]> {
  return Object.fromEntries(Object.keys(enc).map((k) => [k, enc[k] as unknown[]]));
}

/**
 * run_qa.py's prepare_train_features: the model inputs of every window, with start_positions
 * and end_positions of the answer's tokens, or the [CLS] index when the window does not hold
 * the whole answer (or the example has none).
 */
export async function prepareTrainFeatures(tokenizer: QaTokenizer, examples: QaExamples, options: QaPreprocessOptions = {}): Promise<Record<string, unknown[]>> {
  const { enc, padOnRight, sampleMapping, offsets } = await tokenizeQa(tokenizer, examples, options);
  const a = options.answerColumn ?? 'answers';
  if (!Array.isArray(examples[a])) throw new Error(`prepareTrainFeatures: the batch has no column '${a}'`);
  const answersOf = examples[a] as SquadAnswers[];
  const ids = enc.input_ids as number[][];
  const contextSeq = padOnRight ? 1 : 0;
  const starts: number[] = [];
  const ends: number[] = [];
  offsets.forEach((offs, i) => {
    const inputIds = ids[i];
    const clsIndex = [tokenizer.clsTokenId, tokenizer.bosTokenId].map((t) => (t === null ? -1 : inputIds.indexOf(t))).find((k) => k >= 0) ?? 0;
    const seq = enc.sequenceIds(i);
    const answers = answersOf[sampleMapping[i]];
    if (!answers || answers.answer_start.length === 0) {
      starts.push(clsIndex);
      ends.push(clsIndex);
      return;
    }
    const startChar = answers.answer_start[0];
    const endChar = startChar + answers.text[0].length;
    let tokenStart = 0;
    while (seq[tokenStart] !== contextSeq) tokenStart++;
    let tokenEnd = inputIds.length - 1;
    while (seq[tokenEnd] !== contextSeq) tokenEnd--;
    if (!(offs[tokenStart][0] <= startChar && offs[tokenEnd][1] >= endChar)) {
      starts.push(clsIndex);
      ends.push(clsIndex);
      return;
    }
    while (tokenStart < offs.length && offs[tokenStart][0] <= startChar) tokenStart++;
    starts.push(tokenStart - 1);
    while (offs[tokenEnd][1] >= endChar) tokenEnd--;
    ends.push(tokenEnd + 1);
  });
  return { ...modelInputs(enc), start_positions: starts, end_positions: ends };
}

/**
 * run_qa.py's prepare_validation_features: the model inputs of every window, its example's id
 * (example_id) and the offsets with every token outside the context set to null, so that
 * postprocessing only picks spans of the context.
 */
export async function prepareValidationFeatures(tokenizer: QaTokenizer, examples: QaExamples, options: QaPreprocessOptions & { idColumn?: string } = {}): Promise<Record<string, unknown[]>> {
  const { enc, padOnRight, sampleMapping, offsets } = await tokenizeQa(tokenizer, examples, options);
  const idColumn = options.idColumn ?? 'id';
  if (!Array.isArray(examples[idColumn])) throw new Error(`prepareValidationFeatures: the batch has no column '${idColumn}'`);
  const contextSeq = padOnRight ? 1 : 0;
  const exampleIds = sampleMapping.map((s) => examples[idColumn][s]);
  const offsetMapping = offsets.map((offs, i) => {
    const seq = enc.sequenceIds(i);
    return offs.map((o, k) => (seq[k] === contextSeq ? o : null));
  });
  return { ...modelInputs(enc), example_id: exampleIds, offset_mapping: offsetMapping };
}

export interface QaPrediction {
  text: string;
  startLogit: number;
  endLogit: number;
  probability: number;
}

export interface PostprocessOptions {
  /** SQuAD v2: the null answer (start = end = [CLS]) competes with the spans. */
  version2WithNegative?: boolean;
  /** How many start and end logits are combined (20). */
  nBestSize?: number;
  /** The longest answer, in tokens (30). */
  maxAnswerLength?: number;
  /** SQuAD v2: predict no answer when the null score beats the best span by more than this (0). */
  nullScoreDiffThreshold?: number;
}

export interface PostprocessResult {
  /** example id → predicted text ('' for no answer). */
  predictions: Map<string, string>;
  /** example id → its n best answers, best first. */
  nbest: Map<string, QaPrediction[]>;
  /** SQuAD v2: example id → null score minus the best span's score. */
  scoresDiff: Map<string, number>;
}

/** The n best indices of a row, best first, as numpy's argsort(row)[-1:-n-1:-1] (ties: the later index first). */
function topIndices(row: ArrayLike<number>, n: number): number[] {
  const order = Array.from({ length: row.length }, (_, i) => i).sort((x, y) => row[x] - row[y] || x - y);
  return order.reverse().slice(0, n);
}

interface Candidate { offsets: [number, number]; score: number; startLogit: number; endLogit: number }

/**
 * utils_qa.py's postprocess_qa_predictions: for every example, the spans over all its windows
 * whose start and end are among the nBestSize best logits, inside the context, in order and
 * at most maxAnswerLength tokens long, scored start + end logit; with version2WithNegative the
 * null answer's score (the lowest over the windows) competes through nullScoreDiffThreshold.
 */
export function postprocessQaPredictions(
  examples: { id: string[]; context: string[] },
  features: { example_id: unknown[]; offset_mapping: (([number, number] | null)[])[] },
  predictions: [startLogits: ArrayLike<number>[], endLogits: ArrayLike<number>[]],
  options: PostprocessOptions = {},
): PostprocessResult {
  const nBest = options.nBestSize ?? 20;
  const maxAnswer = options.maxAnswerLength ?? 30;
  const v2 = options.version2WithNegative ?? false;
  const threshold = options.nullScoreDiffThreshold ?? 0;
  const [allStart, allEnd] = predictions;
  if (allStart.length !== features.example_id.length) {
    throw new Error(`postprocessQaPredictions: got ${allStart.length} predictions but ${features.example_id.length} features`);
  }
  const indexOfExample = new Map(examples.id.map((id, i) => [String(id), i]));
  const featuresOf = examples.id.map(() => [] as number[]);
  features.example_id.forEach((id, i) => {
    const e = indexOfExample.get(String(id));
    if (e === undefined) throw new Error(`postprocessQaPredictions: feature ${i} belongs to example ${String(id)}, which is not among the examples`);
    featuresOf[e].push(i);
  });
  const result: PostprocessResult = { predictions: new Map(), nbest: new Map(), scoresDiff: new Map() };
  examples.id.forEach((rawId, e) => {
    const id = String(rawId);
    let minNull: Candidate | null = null;
    const prelim: Candidate[] = [];
    for (const f of featuresOf[e]) {
      const [start, end, offs] = [allStart[f], allEnd[f], features.offset_mapping[f]];
      const nullScore = start[0] + end[0];
      if (minNull === null || minNull.score > nullScore) minNull = { offsets: [0, 0], score: nullScore, startLogit: start[0], endLogit: end[0] };
      for (const s of topIndices(start, nBest)) {
        for (const t of topIndices(end, nBest)) {
          if (s >= offs.length || t >= offs.length || !offs[s] || offs[s]!.length < 2 || !offs[t] || offs[t]!.length < 2) continue;
          if (t < s || t - s + 1 > maxAnswer) continue;
          prelim.push({ offsets: [offs[s]![0], offs[t]![1]], score: start[s] + end[t], startLogit: start[s], endLogit: end[t] });
        }
      }
    }
    if (v2 && minNull) prelim.push(minNull);
    const best = prelim.sort((x, y) => y.score - x.score).slice(0, nBest);
    if (v2 && minNull && !best.some((p) => p.offsets[0] === 0 && p.offsets[1] === 0)) best.push(minNull);
    const context = examples.context[e];
    let answers = best.map((p) => ({ text: context.slice(p.offsets[0], p.offsets[1]), startLogit: p.startLogit, endLogit: p.endLogit, score: p.score }));
    if (answers.length === 0 || (answers.length === 1 && answers[0].text === '')) answers = [{ text: 'empty', startLogit: 0, endLogit: 0, score: 0 }, ...answers];
    const max = Math.max(...answers.map((a) => a.score));
    const exps = answers.map((a) => Math.exp(a.score - max));
    const sum = exps.reduce((x, y) => x + y, 0);
    const nbest = answers.map((a, i) => ({ text: a.text, startLogit: a.startLogit, endLogit: a.endLogit, probability: exps[i] / sum }));
    result.nbest.set(id, nbest);
    if (!v2) {
      result.predictions.set(id, nbest[0].text);
      return;
    }
    const bestNonNull = nbest.find((p) => p.text !== '') ?? nbest[0];
    const diff = (minNull as Candidate | null)!.score - bestNonNull.startLogit - bestNonNull.endLogit;
    result.scoresDiff.set(id, diff);
    result.predictions.set(id, diff > threshold ? '' : bestNonNull.text);
  });
  return result;
}
