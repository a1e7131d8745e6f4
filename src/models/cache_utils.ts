// transformers' DynamicCache: the keys and values of every attention layer for the tokens seen
// so far, so that each new token attends to them without recomputing them. Unlike
// transformers' torch.cat per step (a copy of the whole prefix for every token), keys and
// values are written into a buffer that grows by doubling: a decoding step copies only its own
// token, and attention reads a view of the buffer. Under autograd (training with useCache) the
// functional torch.cat is used instead, since in-place writes would break the saved graph.
import * as torch from '../engine/torch.js';
import type { Tensor } from '../engine/tensor.js';
import type { Device } from '../engine/dtype.js';

interface LayerCache {
  keys: Tensor;
  values: Tensor;
  /** Tokens written; the buffers may hold more rows (capacity). */
  length: number;
}

export class DynamicCache {
  readonly layers: (LayerCache | null)[] = [];
  /** Rows to reserve per layer on the first write (generate knows prompt + new tokens). */
  readonly initialCapacity: number;

  constructor(options: { capacity?: number } = {}) {
    this.initialCapacity = options.capacity ?? 0;
  }

  /** get_seq_length: the number of cached tokens (of layer 0). */
  getSeqLength(layerIdx = 0): number {
    return this.layers[layerIdx]?.length ?? 0;
  }

  /**
   * Appends one layer's new keys and values [batch, kv_heads, new, head_dim] and returns all of
   * them so far (views of the buffer, [batch, kv_heads, past + new, head_dim]).
   */
  update(keys: Tensor, values: Tensor, layerIdx: number): [Tensor, Tensor] {
    const layer = this.layers[layerIdx] ?? null;
    const n = keys.size(2);
    const functional = torch.isGradEnabled() && (keys.requiresGrad || values.requiresGrad);
    if (functional) {
      // kept: the layer's tidy() must not free what the cache holds
      const next = layer
        ? { keys: torch.keep(torch.cat([layer.keys.narrow(2, 0, layer.length), keys], 2)), values: torch.keep(torch.cat([layer.values.narrow(2, 0, layer.length), values], 2)), length: layer.length + n }
        : { keys: torch.keep(keys), values: torch.keep(values), length: n };
      if (layer) this.release(layer);
      this.layers[layerIdx] = next;
      return [next.keys, next.values];
    }
    const cache = this.reserve(layer, keys, values, layerIdx, n);
    torch.noGrad(() => {
      cache.keys.narrow(2, cache.length, n).copy_(keys);
      cache.values.narrow(2, cache.length, n).copy_(values);
    });
    cache.length += n;
    return [cache.keys.narrow(2, 0, cache.length), cache.values.narrow(2, 0, cache.length)];
  }

  /** The layer's buffers with room for n more rows (allocated, or doubled and copied). */
  private reserve(layer: LayerCache | null, keys: Tensor, values: Tensor, layerIdx: number, n: number): LayerCache {
    const needed = (layer?.length ?? 0) + n;
    const capacity = layer ? layer.keys.size(2) : 0;
    if (layer && needed <= capacity) return layer;
    const rows = Math.max(needed, capacity * 2, this.initialCapacity);
    const alloc = (like: Tensor) => torch.keep(torch.empty([like.size(0), like.size(1), rows, like.size(3)], { dtype: like.dtype, device: like.device as Device }));
    const grown: LayerCache = { keys: alloc(keys), values: alloc(values), length: layer?.length ?? 0 };
    if (layer) {
      torch.noGrad(() => {
        grown.keys.narrow(2, 0, layer.length).copy_(layer.keys.narrow(2, 0, layer.length));
        grown.values.narrow(2, 0, layer.length).copy_(layer.values.narrow(2, 0, layer.length));
      });
      this.release(layer);
    }
    this.layers[layerIdx] = grown;
    return grown;
  }

  private release(layer: LayerCache): void {
    layer.keys.dispose();
    layer.values.dispose();
  }

  /** Keeps only the batch rows `index` (int64) selects, e.g. to drop finished sequences. */
  selectBatch(index: Tensor): void {
    for (const [i, layer] of this.layers.entries()) {
      if (!layer) continue;
      const next = { keys: torch.keep(layer.keys.indexSelect(0, index)), values: torch.keep(layer.values.indexSelect(0, index)), length: layer.length };
      this.release(layer);
      this.layers[i] = next;
    }
  }

  /** Frees every buffer (the cache is empty afterwards). */
  dispose(): void {
    for (const layer of this.layers) if (layer) this.release(layer);
    this.layers.length = 0;
  }
}
