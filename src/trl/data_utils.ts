// TRL's dataset preparation pieces (trl/data_utils.py): which of TRL's four shapes a row has,
// truncation, and packing by best-fit decreasing (pack_dataset(…, strategy='bfd')): sequences
// sorted longest first, each put into the fullest row it still fits in, `seq_lengths` kept so
// that the collator can restart position_ids at every sequence inside a row.

/** TRL's is_conversational: the row's messages/prompt/completion are lists of { role, content }. */
export function isConversational(row: Record<string, unknown>): boolean {
  for (const key of ['messages', 'prompt', 'completion', 'chosen', 'rejected', 'conversations']) {
    const v = row[key];
    if (Array.isArray(v) && v.length > 0 && typeof v[0] === 'object' && v[0] !== null && 'role' in v[0] && 'content' in v[0]) return true;
  }
  return false;
}

/** TRL's four dataset shapes. */
export type DatasetShape = 'text' | 'messages' | 'prompt-completion' | 'conversational-prompt-completion';

export function datasetShape(row: Record<string, unknown>, textField = 'text'): DatasetShape {
  if ('prompt' in row && 'completion' in row) return isConversational(row) ? 'conversational-prompt-completion' : 'prompt-completion';
  if ('messages' in row) return 'messages';
  if (textField in row) return 'text';
  throw new Error(`SFTTrainer: a row has none of TRL's shapes: '${textField}' (datasetTextField), 'messages', or 'prompt' and 'completion'; its columns are ${Object.keys(row).join(', ')}`);
}

/** TRL's common_prefix_length: where two token lists first differ. */
export function commonPrefixLength(a: readonly number[], b: readonly number[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** Keeps the first (keep_start) or last (keep_end) maxLength entries of every list column. */
export function truncateRow<R extends Record<string, unknown>>(row: R, maxLength: number, mode: 'keep_start' | 'keep_end' = 'keep_start'): R {
  const out: Record<string, unknown> = { ...row };
  for (const [k, v] of Object.entries(row)) {
    if (Array.isArray(v) && v.length > maxLength) out[k] = mode === 'keep_start' ? v.slice(0, maxLength) : v.slice(v.length - maxLength);
  }
  return out as R;
}

type Rows = Record<string, number[]>[];

/**
 * TRL's _pack_bfd: rows of list columns packed into rows of at most seqLength tokens. Longer
 * sequences are truncated first ('truncate') or split into seqLength pieces ('split'); empty
 * ones are dropped. Each packed row gets `seq_lengths`, the lengths of the sequences in it.
 * Ties go as in TRL: equal lengths in dataset order, equal free space first come first served.
 */
export function packBfd(rows: Rows, seqLength: number, onOverflow: 'truncate' | 'split' = 'truncate'): Record<string, number[]>[] {
  if (!Number.isSafeInteger(seqLength) || seqLength <= 0) throw new RangeError(`packing: maxLength must be a positive integer, got ${seqLength}`);
  if (rows.length === 0) return [];
  const columns = Object.keys(rows[0]).filter((k) => k !== 'seq_lengths');
  const main = columns[0];
  for (const [i, r] of rows.entries()) {
    for (const c of columns) {
      if (!Array.isArray(r[c])) throw new TypeError(`packing: column '${c}' of row ${i} is not a list; only list columns (input_ids, labels, …) can be packed`);
      if (r[c].length !== r[main].length) throw new Error(`packing: row ${i}'s '${c}' has ${r[c].length} entries but '${main}' has ${r[main].length}`);
    }
  }
  let pieces = rows.filter((r) => r[main].length > 0);
  if (onOverflow === 'truncate') pieces = pieces.map((r) => truncateRow(r, seqLength));
  else {
    pieces = pieces.flatMap((r) => Array.from({ length: Math.ceil(r[main].length / seqLength) }, (_, k) =>
      Object.fromEntries(columns.map((c) => [c, r[c].slice(k * seqLength, (k + 1) * seqLength)]))));
  }
  const order = pieces.map((r, i) => [r[main].length, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  interface Bin { ids: number[]; length: number }
  const bins: Bin[] = [];
  const bySpace = new Map<number, Bin[]>();
  const spaces: number[] = []; // free spaces with a waiting bin, ascending, unique
  const addSpace = (s: number) => {
    let lo = 0, hi = spaces.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (spaces[mid] < s) lo = mid + 1; else hi = mid; }
    if (spaces[lo] !== s) spaces.splice(lo, 0, s);
  };
  for (const [length, id] of order) {
    let lo = 0, hi = spaces.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (spaces[mid] < length) lo = mid + 1; else hi = mid; }
    let bin: Bin;
    if (lo < spaces.length) {
      const space = spaces[lo];
      const queue = bySpace.get(space)!;
      bin = queue.shift()!;
      if (queue.length === 0) { bySpace.delete(space); spaces.splice(lo, 1); }
    } else {
      bin = { ids: [], length: 0 };
      bins.push(bin);
    }
    bin.ids.push(id);
    bin.length += length;
    const left = seqLength - bin.length;
    if (left > 0) {
      if (!bySpace.has(left)) bySpace.set(left, []);
      bySpace.get(left)!.push(bin);
      addSpace(left);
    }
  }
  return bins.map((bin) => {
    const packed: Record<string, number[]> = Object.fromEntries(columns.map((c) => [c, bin.ids.flatMap((i) => pieces[i][c])]));
    packed.seq_lengths = bin.ids.map((i) => pieces[i][main].length);
    return packed;
  });
}
