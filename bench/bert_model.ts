// The BERT shapes of the training-step benchmark (bench/bert.ts) and the matrix-product FLOPs
// of one step, for the GEMM efficiency it prints. Both sides build BertForSequenceClassification
// from a fresh config of these shapes: finetune's and transformers'.
import { BertConfig } from '../src/index.js';

export const SHAPES = {
  tiny: { hidden: 128, layers: 2, heads: 2, intermediate: 512 },
  mini: { hidden: 256, layers: 4, heads: 4, intermediate: 1024 },
  small: { hidden: 512, layers: 4, heads: 8, intermediate: 2048 },
  base: { hidden: 768, layers: 12, heads: 12, intermediate: 3072 },
} as const;
export type ShapeName = keyof typeof SHAPES;

/** The config both sides build (transformers' BertConfig defaults otherwise: vocab 30522, 512 positions, dropout 0.1). */
export function shapeConfig(shape: ShapeName): BertConfig {
  const { hidden, layers, heads, intermediate } = SHAPES[shape];
  return new BertConfig({ hiddenSize: hidden, numHiddenLayers: layers, numAttentionHeads: heads, intermediateSize: intermediate, numLabels: 2 });
}

/**
 * Multiply-adds ×2 of one training step (forward + backward ≈ 3 × forward) in the matrix
 * products. firstTokenLastLayer: the last layer computes only the first position (its key and
 * value still cover every token), as finetune's sequence classifier does by default.
 */
export function trainingFlops(shape: ShapeName, batch: number, seq: number, firstTokenLastLayer = false): number {
  const { hidden: H, layers: L, intermediate: I } = SHAPES[shape];
  const layer = (queries: number) => 2 * batch * seq * 2 * H * H + 2 * batch * queries * (2 * H * H + 2 * H * I) + 2 * 2 * batch * queries * seq * H;
  const layers = firstTokenLastLayer ? (L - 1) * layer(seq) + layer(1) : L * layer(seq);
  return 3 * (layers + 2 * batch * H * H);
}
