// The weight initialisation BERT, RoBERTa and DistilBERT share (each family's _init_weights in
// transformers is this same arithmetic, written out per file there): normal(0, std) for Linear
// and Embedding weights, zero biases and padding rows, LayerNorm weight 1 and bias 0.
import * as torch from '../engine/torch.js';
import type { Module } from '../nn/module.js';
import { Embedding, LayerNorm, Linear } from '../nn/layers.js';
import * as init from '../nn/init.js';

export function initNormalWeights(module: Module, std: number): void {
  if (module instanceof Linear) {
    init.normal_(module.weight, 0, std);
    if (module.bias) init.zeros_(module.bias);
  } else if (module instanceof Embedding) {
    init.normal_(module.weight, 0, std);
    if (module.paddingIdx !== null) torch.tidy(() => torch.noGrad(() => module.weight.select(0, module.paddingIdx!).zero_()));
  } else if (module instanceof LayerNorm) {
    if (module.bias) init.zeros_(module.bias);
    if (module.weight) init.ones_(module.weight);
  }
}
