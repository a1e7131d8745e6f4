// Rotary position embeddings, as transformers' modeling_rope_utils.py and LlamaRotaryEmbedding:
// the inverse frequencies of each rope type ('default', 'linear', 'dynamic', 'llama3'), computed
// in float32 with the same tensor arithmetic (so the rounding is transformers'), and the cos/sin
// tables for given position ids.
import * as torch from '../engine/torch.js';
import type { Tensor } from '../engine/tensor.js';
import { Module } from '../nn/module.js';

/** The rope settings a config resolves to (rope_parameters in transformers 5, rope_theta + rope_scaling before). */
export interface RopeParameters {
  ropeType: 'default' | 'linear' | 'dynamic' | 'llama3';
  ropeTheta: number;
  factor?: number;
  lowFreqFactor?: number;
  highFreqFactor?: number;
  originalMaxPositionEmbeddings?: number;
}

export const ROPE_TYPES = ['default', 'linear', 'dynamic', 'llama3'] as const;

const f32 = (v: number) => torch.scalarTensor(v, { dtype: 'float32' });

/** 1 / base^(2i/dim) for i < dim/2, base a number or a float32 scalar tensor. */
function defaultInvFreq(base: number | Tensor, dim: number): Tensor {
  return torch.tidy(() => {
    const exponents = torch.arange(0, dim, 2, { dtype: 'int64' }).to('float32').div(dim);
    const b = typeof base === 'number' ? f32(base) : base;
    return b.pow(exponents).reciprocal();
  });
}

/** Llama 3.1's smooth interpolation between scaled low frequencies and unscaled high ones. */
function llama3InvFreq(invFreq: Tensor, p: RopeParameters): Tensor {
  return torch.tidy(() => {
    const factor = p.factor!;
    const low = p.lowFreqFactor!;
    const high = p.highFreqFactor!;
    const oldContext = p.originalMaxPositionEmbeddings!;
    const lowFreqWavelen = oldContext / low;
    const highFreqWavelen = oldContext / high;
    const wavelen = invFreq.reciprocal().mul(2 * Math.PI);
    const scaled = torch.where(wavelen.gt(lowFreqWavelen), invFreq.div(factor), invFreq);
    const smooth = wavelen.reciprocal().mul(oldContext).sub(low).div(high - low);
    const smoothed = smooth.neg().add(1).mul(scaled).div(factor).add(smooth.mul(scaled));
    const medium = wavelen.lt(highFreqWavelen).logicalNot().logicalAnd(wavelen.gt(lowFreqWavelen).logicalNot());
    return torch.where(medium, smoothed, scaled);
  });
}

/** The inverse frequencies of a rope type (for 'dynamic', at a sequence length). */
export function computeInvFreq(p: RopeParameters, dim: number, maxPositionEmbeddings: number, seqLen?: number): Tensor {
  switch (p.ropeType) {
    case 'default':
      return defaultInvFreq(p.ropeTheta, dim);
    case 'linear':
      return torch.tidy(() => defaultInvFreq(p.ropeTheta, dim).div(p.factor!));
    case 'llama3':
      return torch.tidy(() => llama3InvFreq(defaultInvFreq(p.ropeTheta, dim), p));
    case 'dynamic':
      return torch.tidy(() => {
        // base · ((factor · seq / max) − (factor − 1))^(dim / (dim − 2)), in float32 as transformers' tensors
        const seq = Math.max(seqLen ?? maxPositionEmbeddings, maxPositionEmbeddings);
        const factor = p.factor!;
        const grow = torch.scalarTensor(seq, { dtype: 'int64' }).mul(factor).div(maxPositionEmbeddings).sub(factor - 1).pow(dim / (dim - 2));
        return defaultInvFreq(grow.mul(p.ropeTheta), dim);
      });
  }
}

/** LlamaRotaryEmbedding: cos and sin [batch, seq, head_dim] for position ids [batch, seq]. */
export class RotaryEmbedding extends Module {
  declare inv_freq: Tensor;
  private readonly originalInvFreq: Tensor;
  private maxSeqLenCached: number;

  constructor(readonly rope: RopeParameters, readonly dim: number, readonly maxPositionEmbeddings: number) {
    super();
    // non-persistent, as in transformers: never saved, and ignored in checkpoints that have it
    this.registerBuffer('inv_freq', computeInvFreq(rope, dim, maxPositionEmbeddings), false);
    this.originalInvFreq = torch.keep(this.inv_freq.clone());
    this.maxSeqLenCached = maxPositionEmbeddings;
  }

  /** transformers' dynamic_rope_update: recompute past the trained length, restore below it. */
  private dynamicUpdate(positionIds: Tensor): void {
    const seqLen = (positionIds.max().item() as number) + 1;
    const replace = (next: Tensor) => {
      const old = this.inv_freq;
      this.inv_freq = next;
      old.dispose();
    };
    if (seqLen > this.maxSeqLenCached) {
      replace(computeInvFreq(this.rope, this.dim, this.maxPositionEmbeddings, seqLen));
      this.maxSeqLenCached = seqLen;
    }
    if (seqLen < this.maxPositionEmbeddings && this.maxSeqLenCached > this.maxPositionEmbeddings) {
      replace(this.originalInvFreq.clone());
      this.maxSeqLenCached = this.maxPositionEmbeddings;
    }
  }

  forward(like: Tensor, positionIds: Tensor): [Tensor, Tensor] {
    if (this.rope.ropeType === 'dynamic') this.dynamicUpdate(positionIds);
    return torch.tidy(() => {
      const invFreq = this.inv_freq.to('float32').view(1, -1, 1).expand(positionIds.size(0), -1, 1);
      const freqs = invFreq.matmul(positionIds.to('float32').unsqueeze(1)).transpose(1, 2);
      const emb = torch.cat([freqs, freqs], -1);
      return [emb.cos().to(like.dtype), emb.sin().to(like.dtype)];
    });
  }
}

/** rotate_half: (x1, x2) → (−x2, x1) over the last dimension's halves. */
export function rotateHalf(x: Tensor): Tensor {
  const half = x.size(-1) / 2;
  return torch.cat([x.narrow(-1, half, half).neg(), x.narrow(-1, 0, half)], -1);
}

/** apply_rotary_pos_emb on [batch, heads, seq, head_dim] queries and keys with [batch, seq, head_dim] cos/sin. */
export function applyRotaryPosEmb(q: Tensor, k: Tensor, cos: Tensor, sin: Tensor): [Tensor, Tensor] {
  const c = cos.unsqueeze(1);
  const s = sin.unsqueeze(1);
  return [q.mul(c).add(rotateHalf(q).mul(s)), k.mul(c).add(rotateHalf(k).mul(s))];
}
