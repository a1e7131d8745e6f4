// SQuAD's exact match and F1, as the official evaluation scripts (v1.1, and v2.0 with its
// HasAns/NoAns split and best no-answer thresholds) that evaluate's 'squad' and 'squad_v2'
// metrics wrap.

const PUNCTUATION = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');

/** Lower case, no punctuation, no articles, single spaces (normalize_answer). */
export function normalizeAnswer(s: string): string {
  const lower = s.toLowerCase();
  const noPunc = [...lower].filter((c) => !PUNCTUATION.has(c)).join('');
  // Python's \b is Unicode-aware: a word boundary between word and non-word characters
  const noArticles = noPunc.replace(/(?<![\p{L}\p{N}_])(a|an|the)(?![\p{L}\p{N}_])/gu, ' ');
  return noArticles.split(/\s+/u).filter((w) => w !== '').join(' ');
}

function tokens(s: string): string[] {
  return s ? normalizeAnswer(s).split(' ').filter((w) => w !== '') : [];
}

function commonCount(a: string[], b: string[]): number {
  const counts = new Map<string, number>();
  for (const t of a) counts.set(t, (counts.get(t) ?? 0) + 1);
  let same = 0;
  for (const t of b) {
    const c = counts.get(t) ?? 0;
    if (c > 0) { same++; counts.set(t, c - 1); }
  }
  return same;
}

/** v1.1's f1_score: token overlap of the normalised answers. */
export function squadF1(prediction: string, truth: string): number {
  const p = normalizeAnswer(prediction).split(' ').filter((w) => w !== '');
  const t = normalizeAnswer(truth).split(' ').filter((w) => w !== '');
  const same = commonCount(p, t);
  if (same === 0) return 0;
  const precision = same / p.length;
  const recall = same / t.length;
  return (2 * precision * recall) / (precision + recall);
}

/** v2.0's compute_f1: as v1.1, but an empty answer matches only an empty answer. */
function f1V2(gold: string, pred: string): number {
  const [g, p] = [tokens(gold), tokens(pred)];
  if (g.length === 0 || p.length === 0) return g.length === p.length ? 1 : 0;
  const same = commonCount(g, p);
  if (same === 0) return 0;
  const precision = same / p.length;
  const recall = same / g.length;
  return (2 * precision * recall) / (precision + recall);
}

export interface SquadPrediction { id: string; prediction_text: string; no_answer_probability?: number }
export interface SquadReference { id: string; answers: { text: string[]; answer_start?: number[] } }

function byId<T extends { id: string }>(list: T[], what: string): Map<string, T> {
  const m = new Map<string, T>();
  list.forEach((x, i) => {
    if (!x || typeof x.id !== 'string') throw new TypeError(`squad: ${what}[${i}] must be an object with a string id`);
    m.set(x.id, x);
  });
  return m;
}

/** evaluate.load('squad'): { exact_match, f1 } in percent, each the best over the reference answers. */
export function squad(predictions: SquadPrediction[], references: SquadReference[]): { exact_match: number; f1: number } {
  const preds = byId(predictions, 'predictions');
  let [em, f1] = [0, 0];
  for (const ref of references) {
    const pred = preds.get(ref.id);
    if (!pred) throw new Error(`squad: unanswered question ${ref.id} (every reference needs a prediction with its id)`);
    const truths = ref.answers.text;
    em += Math.max(...truths.map((t) => (normalizeAnswer(pred.prediction_text) === normalizeAnswer(t) ? 1 : 0)));
    f1 += Math.max(...truths.map((t) => squadF1(pred.prediction_text, t)));
  }
  return { exact_match: (100 * em) / references.length, f1: (100 * f1) / references.length };
}

/** find_best_thresh: the best score over no-answer probability thresholds, and that threshold. */
function bestThreshold(preds: Map<string, string>, scores: Map<string, number>, naProbs: Map<string, number>, hasAns: Map<string, boolean>): [number, number] {
  let current = [...hasAns.values()].filter((v) => !v).length;
  let best = current;
  let threshold = 0;
  const order = [...naProbs.keys()].sort((a, b) => naProbs.get(a)! - naProbs.get(b)!);
  for (const qid of order) {
    if (!scores.has(qid)) continue;
    current += hasAns.get(qid) ? scores.get(qid)! : preds.get(qid) ? -1 : 0;
    if (current > best) { best = current; threshold = naProbs.get(qid)!; }
  }
  return [(100 * best) / scores.size, threshold];
}

/** evaluate.load('squad_v2'): exact, f1, total, HasAns_* and NoAns_*, best_exact(_thresh), best_f1(_thresh). */
export function squadV2(predictions: SquadPrediction[], references: SquadReference[], noAnswerThreshold = 1.0): Record<string, number> {
  const naProbs = new Map(predictions.map((p) => [p.id, p.no_answer_probability ?? 0]));
  const preds = new Map(predictions.map((p) => [p.id, p.prediction_text]));
  const hasAns = new Map(references.map((r) => [r.id, r.answers.text.length > 0]));
  const exactRaw = new Map<string, number>();
  const f1Raw = new Map<string, number>();
  for (const ref of references) {
    let gold = ref.answers.text.filter((t) => normalizeAnswer(t));
    if (gold.length === 0) gold = [''];
    const pred = preds.get(ref.id);
    if (pred === undefined) throw new Error(`squad_v2: missing prediction for ${ref.id}`);
    exactRaw.set(ref.id, Math.max(...gold.map((g) => (normalizeAnswer(g) === normalizeAnswer(pred) ? 1 : 0))));
    f1Raw.set(ref.id, Math.max(...gold.map((g) => f1V2(g, pred))));
  }
  const thresholded = (raw: Map<string, number>) => new Map([...raw].map(([qid, s]) => [qid, naProbs.get(qid)! > noAnswerThreshold ? (hasAns.get(qid) ? 0 : 1) : s]));
  const [exactT, f1T] = [thresholded(exactRaw), thresholded(f1Raw)];
  const evalDict = (ids: string[]) => ({
    exact: (100 * ids.reduce((s, k) => s + exactT.get(k)!, 0)) / ids.length,
    f1: (100 * ids.reduce((s, k) => s + f1T.get(k)!, 0)) / ids.length,
    total: ids.length,
  });
  const out: Record<string, number> = { ...evalDict([...exactT.keys()]) };
  const has = [...hasAns].filter(([, v]) => v).map(([k]) => k);
  const no = [...hasAns].filter(([, v]) => !v).map(([k]) => k);
  if (has.length) for (const [k, v] of Object.entries(evalDict(has))) out[`HasAns_${k}`] = v;
  if (no.length) for (const [k, v] of Object.entries(evalDict(no))) out[`NoAns_${k}`] = v;
  [out.best_exact, out.best_exact_thresh] = bestThreshold(preds, exactRaw, naProbs, hasAns);
  [out.best_f1, out.best_f1_thresh] = bestThreshold(preds, f1Raw, naProbs, hasAns);
  return out;
}
