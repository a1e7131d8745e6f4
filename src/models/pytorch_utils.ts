// transformers' pytorch_utils.Conv1D: GPT-2's linear layer with the weight stored transposed,
// [in_features, out_features] (y = x W + b), as OpenAI's checkpoints hold it.
import * as torch from '../engine/torch.js';
import type { Tensor } from '../engine/tensor.js';
import * as F from '../nn/functional.js';
import { Module, Parameter } from '../nn/module.js';
import * as init from '../nn/init.js';

export class Conv1D extends Module {
  weight: Parameter;
  bias: Parameter;

  /** Conv1D(nf, nx): nx inputs, nf outputs (transformers' argument order). */
  constructor(readonly nf: number, readonly nx: number) {
    super();
    this.weight = new Parameter(torch.empty([nx, nf]));
    this.bias = new Parameter(torch.zeros([nf]));
    if (init.initEnabled()) init.normal_(this.weight, 0, 0.02);
  }

  forward(x: Tensor): Tensor {
    return torch.tidy(() => F.linear(x, this.weight.t(), this.bias));
  }

  extraRepr(): string {
    return `nf=${this.nf}, nx=${this.nx}`;
  }
}
