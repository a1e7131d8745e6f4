// The tokenizer returns a Promise (it encodes on the tokenizers library's threads), so a
// forgotten `await` hands a Promise to code that expects an encoding. Those places call this
// to say so, instead of failing later on a missing 'input_ids'.

const isPromise = (v: unknown): boolean => v instanceof Promise || (typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function');

/** Throws, naming the fix, when `value` (or an element of it, for an array) is a Promise. */
export function assertNotPromise(value: unknown, where: string): void {
  const found = isPromise(value) ? 'a Promise' : Array.isArray(value) && value.some(isPromise) ? 'Promises' : null;
  if (!found) return;
  throw new TypeError(
    `${where}: got ${found} where an encoding was expected. The tokenizer is async in finetune: write \`await tokenizer(...)\` ` +
    '(or `await Promise.all(texts.map((t) => tokenizer(t)))`), or tokenize inside dataset.map, which awaits it',
  );
}
