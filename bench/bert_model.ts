// A BERT-shaped encoder built from finetune's public API, the same network as the PyTorch
// peer ../shared/peers/torch_bert_step.py: embeddings, L post-LN layers of multi-head
// self-attention with a padding mask and a GELU feed-forward, pooler, 2-way classifier.
import { nn, torch } from '../src/index.js';
import type { Tensor } from '../src/engine/tensor.js';

const F = nn.functional;

export const SHAPES = {
  tiny: { hidden: 128, layers: 2, heads: 2, intermediate: 512 },
  mini: { hidden: 256, layers: 4, heads: 4, intermediate: 1024 },
  small: { hidden: 512, layers: 4, heads: 8, intermediate: 2048 },
  base: { hidden: 768, layers: 12, heads: 12, intermediate: 3072 },
} as const;
export type ShapeName = keyof typeof SHAPES;

class Layer extends nn.Module {
  q: nn.Linear; k: nn.Linear; v: nn.Linear; o: nn.Linear;
  ln1: nn.LayerNorm; ln2: nn.LayerNorm; f1: nn.Linear; f2: nn.Linear; drop: nn.Dropout;

  constructor(hidden: number, readonly heads: number, intermediate: number) {
    super();
    [this.q, this.k, this.v, this.o] = [0, 1, 2, 3].map(() => new nn.Linear(hidden, hidden));
    this.ln1 = new nn.LayerNorm(hidden, { eps: 1e-12 });
    this.ln2 = new nn.LayerNorm(hidden, { eps: 1e-12 });
    this.f1 = new nn.Linear(hidden, intermediate);
    this.f2 = new nn.Linear(intermediate, hidden);
    this.drop = new nn.Dropout(0.1);
  }

  forward(x: Tensor, bias: Tensor): Tensor {
    const [B, T, H] = x.shape;
    const split = (t: Tensor) => t.view(B, T, this.heads, H / this.heads).transpose(1, 2);
    const [context] = F.scaledDotProductAttention(split(this.q.forward(x)), split(this.k.forward(x)), split(this.v.forward(x)), {
      attnMask: bias, dropoutP: this.drop.p, training: this.training,
    });
    const c = context.transpose(1, 2).reshape(B, T, H);
    const h = this.ln1.forward(x.add(this.drop.forward(this.o.forward(c))));
    return this.ln2.forward(h.add(this.drop.forward(this.f2.forward(F.gelu(this.f1.forward(h))))));
  }
}

export class BertLike extends nn.Module {
  we: nn.Embedding; pe: nn.Embedding; te: nn.Embedding; ln: nn.LayerNorm;
  layers: nn.ModuleList<Layer>; pool: nn.Linear; cls: nn.Linear; drop: nn.Dropout;

  constructor(shape: ShapeName, vocab = 30522, labels = 2) {
    super();
    const { hidden, layers, heads, intermediate } = SHAPES[shape];
    this.we = new nn.Embedding(vocab, hidden);
    this.pe = new nn.Embedding(512, hidden);
    this.te = new nn.Embedding(2, hidden);
    this.ln = new nn.LayerNorm(hidden, { eps: 1e-12 });
    this.layers = new nn.ModuleList(Array.from({ length: layers }, () => new Layer(hidden, heads, intermediate)));
    this.pool = new nn.Linear(hidden, hidden);
    this.cls = new nn.Linear(hidden, labels);
    this.drop = new nn.Dropout(0.1);
  }

  forward(ids: Tensor, tokenTypes: Tensor, mask: Tensor, labels: Tensor): Tensor {
    const T = ids.shape[1];
    let x = this.drop.forward(this.ln.forward(this.we.forward(ids).add(this.pe.forward(torch.arange(T)).unsqueeze(0)).add(this.te.forward(tokenTypes))));
    const bias = mask.unsqueeze(1).unsqueeze(1).float().neg().add(1).mul(-1e4);
    for (const layer of this.layers) x = layer.forward(x, bias);
    const pooled = this.pool.forward(x.select(1, 0)).tanh();
    return F.crossEntropy(this.cls.forward(this.drop.forward(pooled)), labels);
  }
}

/** Multiply-adds ×2 of one training step (forward + backward ≈ 3 × forward) in the matrix products. */
export function trainingFlops(shape: ShapeName, batch: number, seq: number): number {
  const { hidden: H, layers: L, intermediate: I } = SHAPES[shape];
  const tokens = batch * seq;
  const perLayer = 2 * tokens * (4 * H * H + 2 * H * I) + 2 * 2 * batch * seq * seq * H;
  return 3 * (L * perLayer + 2 * batch * H * H);
}
