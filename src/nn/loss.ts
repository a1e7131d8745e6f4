// torch.nn's loss modules: the options of the functional losses fixed at construction, with
// PyTorch's defaults, and `forward(input, target)` (PyTorch's `loss_fn(input, target)`).
// Class weights are buffers, as in PyTorch, so `lossFn.to('cuda')` moves them with the model.
import type { Tensor } from '../engine/tensor.js';
import * as F from './functional.js';
import { Module } from './module.js';

type Reduction = F.Reduction;

abstract class Loss extends Module {
  readonly reduction: Reduction;

  constructor(reduction: Reduction = 'mean') {
    super();
    if (!['none', 'mean', 'sum'].includes(reduction)) throw new TypeError(`${this.constructor.name}: reduction must be 'none', 'mean' or 'sum', got ${JSON.stringify(reduction)}`);
    this.reduction = reduction;
  }

  abstract override forward(input: Tensor, target: Tensor): Tensor;

  override extraRepr(): string {
    return '';
  }
}

/** As nn.CrossEntropyLoss: `new nn.CrossEntropyLoss({ weight: torch.tensor([1, 3], { dtype: 'float32' }) })`. */
export class CrossEntropyLoss extends Loss {
  declare readonly weight: Tensor | null;
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;

  constructor(options: { weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction; labelSmoothing?: number } = {}) {
    super(options.reduction);
    this.registerBuffer('weight', options.weight ?? null);
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.labelSmoothing = options.labelSmoothing ?? 0;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return F.crossEntropy(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction, labelSmoothing: this.labelSmoothing });
  }
}

/** As nn.NLLLoss: the input holds log-probabilities (logSoftmax's output). */
export class NLLLoss extends Loss {
  declare readonly weight: Tensor | null;
  readonly ignoreIndex: number;

  constructor(options: { weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction } = {}) {
    super(options.reduction);
    this.registerBuffer('weight', options.weight ?? null);
    this.ignoreIndex = options.ignoreIndex ?? -100;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return F.nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}

/** As nn.BCEWithLogitsLoss: targets are 0/1 floats of the input's shape (multi-label). */
export class BCEWithLogitsLoss extends Loss {
  declare readonly weight: Tensor | null;
  declare readonly posWeight: Tensor | null;

  constructor(options: { weight?: Tensor | null; posWeight?: Tensor | null; reduction?: Reduction } = {}) {
    super(options.reduction);
    this.registerBuffer('weight', options.weight ?? null);
    this.registerBuffer('posWeight', options.posWeight ?? null);
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropyWithLogits(input, target, { weight: this.weight, posWeight: this.posWeight, reduction: this.reduction });
  }
}

/** As nn.MSELoss. */
export class MSELoss extends Loss {
  constructor(options: { reduction?: Reduction } = {}) {
    super(options.reduction);
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return F.mseLoss(input, target, { reduction: this.reduction });
  }
}

/** As nn.L1Loss. */
export class L1Loss extends Loss {
  constructor(options: { reduction?: Reduction } = {}) {
    super(options.reduction);
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return F.l1Loss(input, target, { reduction: this.reduction });
  }
}
