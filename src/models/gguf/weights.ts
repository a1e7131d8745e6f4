// A GGUF's tensors as a Hugging Face state dict, as transformers' load_gguf_checkpoint makes it:
// every tensor dequantized to float32 (gguf-py's arithmetic, dequantize.ts), renamed from
// llama.cpp's names (token_embd, blk.N.attn_q, …) to transformers', and Q/K un-permuted: llama.cpp's
// converter reorders each head's rows for its interleaved rotary layout, and transformers'
// LlamaTensorProcessor undoes it. Bad input (an unsupported quantisation, truncated data) fails
// naming the file and the tensor.
import * as torch from '../../engine/torch.js';
import type { Tensor } from '../../engine/tensor.js';
import { CheckpointError } from '../../checkpoints/errors.js';
import { dequantize } from '../../checkpoints/gguf/dequantize.js';
import { readTensorBytes, type GgufFile, type GgufTensorInfo } from '../../checkpoints/gguf/reader.js';

/** llama.cpp's per-block tensor names → transformers' (gguf-py's tensor_mapping for LLAMA, reversed). */
const BLOCK_NAMES: Record<string, string> = {
  attn_q: 'self_attn.q_proj',
  attn_k: 'self_attn.k_proj',
  attn_v: 'self_attn.v_proj',
  attn_output: 'self_attn.o_proj',
  ffn_gate: 'mlp.gate_proj',
  ffn_up: 'mlp.up_proj',
  ffn_down: 'mlp.down_proj',
  attn_norm: 'input_layernorm',
  ffn_norm: 'post_attention_layernorm',
};
const TOP_NAMES: Record<string, string> = {
  token_embd: 'model.embed_tokens',
  output_norm: 'model.norm',
  output: 'lm_head',
};
/** Tensors llama.cpp derives from the config and transformers recomputes (and skips when loading). */
const DERIVED = new Set(['rope_freqs.weight']);

/** transformers' name for a GGUF tensor of the Llama family, or null when it has none. */
export function llamaTensorName(ggufName: string, numLayers: number): string | null {
  const block = /^blk\.(\d+)\.([a-z_]+)\.(weight|bias)$/.exec(ggufName);
  if (block) {
    const [, layer, part, suffix] = block;
    const hf = BLOCK_NAMES[part];
    return hf && Number(layer) < numLayers ? `model.layers.${layer}.${hf}.${suffix}` : null;
  }
  const top = /^([a-z_]+)\.(weight|bias)$/.exec(ggufName);
  const hf = top ? TOP_NAMES[top[1]] : undefined;
  return hf ? `${hf}.${top![2]}` : null;
}

/**
 * transformers' LlamaTensorProcessor._reverse_permute_weights, exactly:
 * w.reshape(n_head, dim, 2, *rest).swapaxes(2, 1).reshape(shape), with dim = rows / n_head / 2
 * (llama.cpp interleaves each head's two rotary halves; this puts them back one after the other).
 */
export function reversePermute(weights: Tensor, heads: number): Tensor {
  const shape = weights.shape;
  const dim = shape[0] / heads / 2;
  if (!Number.isInteger(dim)) throw new Error(`reversePermute: ${shape[0]} rows do not split into ${heads} heads of an even size`);
  return weights.reshape([heads, dim, 2, ...shape.slice(1)]).transpose(1, 2).reshape(shape).contiguous();
}

export interface GgufLoadOptions {
  numAttentionHeads: number;
  numKeyValueHeads: number;
  numHiddenLayers: number;
}

/** One tensor dequantized to float32 in PyTorch's shape (ggml lists dims fastest first). */
export function dequantizeTensor(file: GgufFile, info: GgufTensorInfo): Tensor {
  const where = `${file.path}: tensor '${info.name}'`;
  let values: Float32Array;
  try {
    values = dequantize(readTensorBytes(file, info), info.type, info.nElements, where);
  } catch (error) {
    if (error instanceof CheckpointError || (error as Error).message.startsWith(where)) throw error;
    throw new CheckpointError(file.path, `tensor '${info.name}': ${(error as Error).message}`);
  }
  return torch.frombuffer(values, { dtype: 'float32', shape: [...info.dims].reverse() });
}

/**
 * The state dict transformers' from_pretrained(..., gguf_file=...) loads for a Llama-family GGUF,
 * by transformers' names. Tensors without a transformers name are kept under their GGUF name, so
 * that loading reports them as unexpected instead of dropping them silently.
 */
export function loadGgufStateDict(file: GgufFile, options: GgufLoadOptions): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  try {
    for (const info of file.tensors) {
      if (DERIVED.has(info.name)) continue;
      const name = llamaTensorName(info.name, options.numHiddenLayers) ?? info.name;
      let tensor = dequantizeTensor(file, info);
      const heads = info.name.includes('.attn_q.') ? options.numAttentionHeads : info.name.includes('.attn_k.') ? options.numKeyValueHeads : 0;
      if (heads > 0) {
        const permuted = torch.noGrad(() => reversePermute(tensor, heads));
        tensor.dispose();
        tensor = permuted;
      }
      if (Object.hasOwn(out, name)) throw new CheckpointError(file.path, `tensors map twice to '${name}' (the second is '${info.name}')`);
      out[name] = tensor;
    }
  } catch (error) {
    torch.dispose(out);
    throw error;
  }
  return out;
}
