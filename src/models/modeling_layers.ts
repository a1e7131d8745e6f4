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

/**
 * A layer of an encoder: (hidden, additive mask, output_attentions) → [hidden, attention
 * probabilities or null]. firstTokenOnly: return only the first position's state [batch, 1,
 * hidden], as the full layer computes it, drawing the full layer's dropout masks (so the random
 * stream is the same); only a layer that can do so is asked (see firstTokenLastLayer).
 */
export interface EncoderLayer {
  forward(hidden: Tensor, mask: Tensor | null, outputAttentions: boolean, firstTokenOnly?: boolean): [Tensor, Tensor | null];
}

/** What the caller asked the layer loop to keep (output_hidden_states, output_attentions). */
export interface KeepOutputs {
  hiddenStates: boolean;
  attentions: boolean;
}

/**
 * Runs a stack of layers; shared by every BERT-like family whose layers map (hidden, mask) →
 * [hidden, probs]. lastFirstTokenOnly: the last layer computes only the first position (the
 * caller reads nothing else), so lastHiddenState is [batch, 1, hidden].
 */
export function runLayers(layers: Iterable<EncoderLayer>, hidden: Tensor, mask: Tensor | null, want: KeepOutputs,
  lastFirstTokenOnly = false): BaseModelOutput {
  const hiddenStates = want.hiddenStates ? [hidden] : undefined;
  const attentions: Tensor[] | undefined = want.attentions ? [] : undefined;
  const input = hidden;
  const stack = [...layers];
  for (const [i, layer] of stack.entries()) {
    const [next, probs] = layer.forward(hidden, mask, want.attentions, lastFirstTokenOnly && i === stack.length - 1);
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

  forward(hidden: Tensor, mask: Tensor | null, want: KeepOutputs, lastFirstTokenOnly = false): BaseModelOutput {
    return runLayers(this.layer, hidden, mask, want, lastFirstTokenOnly);
  }
}

/**
 * The first position of [batch, seq, hidden] as [batch, 1, hidden], the queries of a layer run
 * for it alone. Contiguous: on a view whose rows lie seq·hidden apart, MKL's small products gave
 * results that moved in the last bit with where the tensor was allocated.
 */
export function firstPosition(hidden: Tensor): Tensor {
  return hidden.narrow(1, 0, 1).contiguous();
}

/** `FINETUNE_FIRST_TOKEN_LAST_LAYER=0` turns the pruned last layer off (to compare against the full one). */
function firstTokenLastLayerAllowed(): boolean {
  return process.env.FINETUNE_FIRST_TOKEN_LAST_LAYER !== '0';
}

/**
 * A module outside a family's own classes may declare that in its current mode its forward
 * treats each position on its own and draws no random numbers (LoRA's Linear with no dropout
 * active), so that a layer holding it may still run for the first token alone.
 */
export interface PositionwiseModule {
  isPositionwise(): boolean;
}

/**
 * Whether the last layer may compute the first position only, for a head that reads only the
 * first token (sequence classification's pooler): nothing else of the layers is returned, and
 * the last layer is made of exactly the classes listed (`stock`), whose arithmetic is per
 * position outside attention and whose dropout draws the full layer's masks, or of modules that
 * declare themselves positionwise. Anything else keeps the full layer: a LoRA Linear whose
 * dropout is active draws over every position.
 */
export function firstTokenLastLayer(layers: ModuleList<Module>, want: KeepOutputs, stock: ReadonlySet<Function>): boolean {
  if (want.hiddenStates || want.attentions || layers.length === 0 || !firstTokenLastLayerAllowed()) return false;
  return positionwise(layers.get(layers.length - 1), stock);
}

function positionwise(m: Module, stock: ReadonlySet<Function>): boolean {
  const declared = (m as Partial<PositionwiseModule>).isPositionwise;
  if (typeof declared === 'function') return declared.call(m);
  return stock.has(m.constructor) && [...m.children()].every((child) => positionwise(child, stock));
}
