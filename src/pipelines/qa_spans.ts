// transformers' decode_spans: the span scores start[i] * end[j] for j >= i and j - i <
// maxAnswerLen (every other pair scores 0), the topK of them, then only those whose start and
// end are both allowed tokens (so fewer than topK may come back, as in transformers).

export interface Span { s: number; e: number; score: number }

export function decodeSpans(start: number[], end: number[], topK: number, maxAnswerLen: number, allowed: boolean[]): Span[] {
  const n = start.length;
  const band: Span[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i; j < Math.min(n, i + maxAnswerLen); j++) band.push({ s: i, e: j, score: start[i] * end[j] });
  }
  // best first; among equal scores the earlier pair (numpy's order among ties is unspecified)
  const order = (a: Span, b: Span) => b.score - a.score || a.s * n + a.e - (b.s * n + b.e);
  band.sort(order);
  let top = band.slice(0, topK);
  if (top.length < topK || top[top.length - 1].score === 0) {
    // the zero-score pairs outside the band compete too (only for tiny contexts)
    const inBand = new Set(band.map((p) => p.s * n + p.e));
    const all = [...band];
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (!inBand.has(i * n + j)) all.push({ s: i, e: j, score: 0 });
    top = all.sort(order).slice(0, topK);
  }
  return top.filter((p) => allowed[p.s] && allowed[p.e]);
}
