// Tied weights, as transformers: one Parameter reachable under two names (the input word
// embedding and the output projection of an LM head). The state dict lists it under both;
// a checkpoint holds it once (save_pretrained drops the copies its model declares in
// _tied_weights_keys), and loading fills both names from that one tensor.
import type { Tensor } from '../engine/tensor.js';
import type { Module, Parameter } from '../nn/module.js';
import type { Embedding, Linear } from '../nn/layers.js';
import { logger } from './logging.js';

/** The names under which the same Parameter is reached, for each parameter reached under more than one (state dict order). */
export function sharedParameterGroups(model: Module): string[][] {
  const byParameter = new Map<Parameter, string[]>();
  for (const [name, p] of model.namedParameters('', { removeDuplicate: false })) byParameter.set(p, [...(byParameter.get(p) ?? []), name]);
  return [...byParameter.values()].filter((names) => names.length > 1);
}

/** transformers' _tie_or_clone_weights: the output layer's weight becomes the input embedding's (one Parameter). */
export function tieOrCloneWeights(output: Linear, input: Embedding, owner: string): void {
  if (output.weight === input.weight) return;
  const [a, b] = [output.weight.shape, input.weight.shape];
  if (a.length !== b.length || a.some((d, i) => d !== b[i])) {
    throw new Error(`${owner}.tieWeights: the output embeddings' weight [${a.join(', ')}] cannot be tied to the input embeddings' [${b.join(', ')}]`);
  }
  const replaced = output.weight;
  output.weight = input.weight;
  replaced.dispose();
}

/**
 * What save_pretrained does with shared tensors: of each group of names for one tensor, the
 * names matching the model's tiedWeightsKeys (regular expressions, as _tied_weights_keys) are
 * dropped, one name always kept; a sharing the model does not declare keeps its first name,
 * with transformers' warning. Removes (and disposes) the dropped entries of `state`.
 */
export function dropTiedCopies(state: Record<string, Tensor>, groups: string[][], tiedWeightsKeys: readonly string[]): void {
  const patterns = tiedWeightsKeys.map((k) => new RegExp(k));
  for (const names of groups) {
    const present = names.filter((n) => n in state);
    let keep = present.filter((n) => !patterns.some((p) => p.test(n)));
    if (keep.length === 0) keep = present.slice(0, 1);
    if (keep.length > 1) {
      logger.warning(`Removed shared tensor ${JSON.stringify(keep.slice(1))} while saving. This should be OK, but check by verifying that you don't receive any warning while reloading`);
      keep = keep.slice(0, 1);
    }
    for (const n of present) {
      if (keep.includes(n)) continue;
      state[n].dispose();
      delete state[n];
    }
  }
}
