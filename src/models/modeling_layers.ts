// Building blocks the encoder families share: the embedding lookup that names the config field
// an out-of-range id exceeds, the loop over a stack of layers, and the stack itself.
import type { Tensor } from '../engine/tensor.js';
import { Module } from '../nn/module.js';
import { ModuleList } from '../nn/layers.js';
import type { Embedding } from '../nn/layers.js';
import type { BaseModelOutput } from './modeling_outputs.js';

/** An embedding lookup whose out-of-range ids fail with a message naming the config field. */
export function embed(table: Embedding, ids: Tensor, field: string): Tensor {
  try {
    return table.forward(ids);
  } catch (error) {
    const [low, high] = [ids.min().item(), ids.max().item()];
    if (low < 0 || high >= table.numEmbeddings) {
      throw new RangeError(`${field}: ids must lie in [0, ${table.numEmbeddings}) (the embedding's rows, ${field} in config.json), found ${high >= table.numEmbeddings ? high : low}`);
    }
    throw error;
  }
}

/** A layer of an encoder: (hidden, additive mask, output_attentions) → [hidden, attention probabilities or null]. */
export interface EncoderLayer {
  forward(hidden: Tensor, mask: Tensor | null, outputAttentions: boolean): [Tensor, Tensor | null];
}

/** What the caller asked the layer loop to keep (output_hidden_states, output_attentions). */
export interface KeepOutputs {
  hiddenStates: boolean;
  attentions: boolean;
}

/** Runs a stack of layers; shared by every BERT-like family whose layers map (hidden, mask) → [hidden, probs]. */
export function runLayers(layers: Iterable<EncoderLayer>, hidden: Tensor, mask: Tensor | null, want: KeepOutputs): BaseModelOutput {
  const hiddenStates = want.hiddenStates ? [hidden] : undefined;
  const attentions: Tensor[] | undefined = want.attentions ? [] : undefined;
  const input = hidden;
  for (const layer of layers) {
    const [next, probs] = layer.forward(hidden, mask, want.attentions);
    if (attentions && probs) attentions.push(probs);
    // What nobody asked for is released now, not when the caller's tidy() ends: otherwise every
    // layer's output would be held at once (autograd keeps what it needs).
    if (!hiddenStates && hidden !== input) hidden.dispose();
    hidden = next;
    hiddenStates?.push(hidden);
  }
  return { lastHiddenState: hidden, hiddenStates, attentions };
}

/**
 * `count` layers under the attribute `layer`, so that their weights are named `layer.0.…` as
 * in transformers (BertEncoder's encoder.layer.N, DistilBERT's transformer.layer.N).
 */
export class LayerStack<L extends Module & EncoderLayer> extends Module {
  layer: ModuleList<L>;

  constructor(count: number, makeLayer: () => L) {
    super();
    this.layer = new ModuleList(Array.from({ length: count }, makeLayer));
  }

  forward(hidden: Tensor, mask: Tensor | null, want: KeepOutputs): BaseModelOutput {
    return runLayers(this.layer, hidden, mask, want);
  }
}
