// The layers of torch.nn used by transformer models, with PyTorch's initialisation.
import * as torch from '../engine/factories.js';
import type { Tensor } from '../engine/tensor.js';
import { noGrad } from '../engine/autograd.js';
import * as F from './functional.js';
import * as init from './init.js';
import { Module, Parameter } from './module.js';

function checkSize(layer: string, name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${layer}: ${name} must be a non-negative integer, got ${value}`);
}

export class Linear extends Module {
  weight: Parameter;
  bias: Parameter | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, options: { bias?: boolean } = {}) {
    super();
    checkSize('Linear', 'inFeatures', inFeatures);
    checkSize('Linear', 'outFeatures', outFeatures);
    this.weight = new Parameter(torch.empty([outFeatures, inFeatures]));
    this.bias = options.bias === false ? null : new Parameter(torch.empty([outFeatures]));
    if (init.initEnabled()) this.resetParameters();
  }

  /** As nn.Linear: kaiming_uniform_(a=√5) for the weight, U(±1/√fan_in) for the bias (at construction unless inside init.noInitWeights). */
  resetParameters(): void {
    init.kaimingUniform_(this.weight, Math.sqrt(5));
    if (this.bias) {
      const bound = this.inFeatures > 0 ? 1 / Math.sqrt(this.inFeatures) : 0;
      init.uniform_(this.bias, -bound, bound);
    }
  }

  forward(input: Tensor): Tensor {
    return F.linear(input, this.weight, this.bias);
  }

  extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias !== null ? "True" : "False"}`;
  }
}

export class Embedding extends Module {
  weight: Parameter;
  readonly paddingIdx: number | null;

  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, options: { paddingIdx?: number | null } = {}) {
    super();
    checkSize('Embedding', 'numEmbeddings', numEmbeddings);
    checkSize('Embedding', 'embeddingDim', embeddingDim);
    let paddingIdx = options.paddingIdx ?? null;
    if (paddingIdx !== null) {
      if (paddingIdx >= numEmbeddings || paddingIdx < -numEmbeddings) throw new RangeError('Embedding: paddingIdx must be within numEmbeddings');
      if (paddingIdx < 0) paddingIdx += numEmbeddings;
    }
    this.paddingIdx = paddingIdx;
    this.weight = new Parameter(torch.empty([numEmbeddings, embeddingDim]));
    if (init.initEnabled()) this.resetParameters();
  }

  /** N(0, 1), and the padding row zero (it also receives no gradient); at construction unless inside init.noInitWeights. */
  resetParameters(): void {
    init.normal_(this.weight);
    if (this.paddingIdx !== null) noGrad(() => this.weight.select(0, this.paddingIdx!).fill_(0));
  }

  forward(input: Tensor): Tensor {
    return F.embedding(input, this.weight, this.paddingIdx);
  }

  extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== null ? `, padding_idx=${this.paddingIdx}` : ''}`;
  }
}

export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(normalizedShape: number | readonly number[], readonly options: { eps?: number; elementwiseAffine?: boolean; bias?: boolean } = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    const affine = options.elementwiseAffine ?? true;
    this.weight = affine ? new Parameter(torch.ones(this.normalizedShape)) : null;
    this.bias = affine && options.bias !== false ? new Parameter(torch.zeros(this.normalizedShape)) : null;
  }

  get eps(): number {
    return this.options.eps ?? 1e-5;
  }

  forward(input: Tensor): Tensor {
    return F.layerNorm(input, this.normalizedShape, this.weight, this.bias, this.eps);
  }

  extraRepr(): string {
    return `(${this.normalizedShape.join(', ')},), eps=${this.eps}, elementwise_affine=${this.weight !== null ? "True" : "False"}`;
  }
}

export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1)) throw new RangeError(`Dropout: dropout probability has to be between 0 and 1, but got ${p}`);
  }
  forward(input: Tensor): Tensor {
    return F.dropout(input, this.p, this.training);
  }
  /**
   * forward() of a tensor drawnSize long along dim, narrowed to input, which is its leading
   * slice; with no drawnSize, input is the whole tensor (forward()).
   */
  forwardLeadingSlice(input: Tensor, dim: number, drawnSize: number | undefined): Tensor {
    if (drawnSize === undefined) return this.forward(input);
    return F.dropoutOfLeadingSlice(input, this.p, this.training, dim, drawnSize);
  }
  extraRepr(): string {
    return `p=${this.p}, inplace=False`;
  }
}

export class GELU extends Module {
  constructor(readonly approximate: 'none' | 'tanh' = 'none') {
    super();
  }
  forward(input: Tensor): Tensor {
    return F.gelu(input, this.approximate);
  }
  extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

export class Tanh extends Module {
  forward(input: Tensor): Tensor {
    return F.tanh(input);
  }
}

export class ReLU extends Module {
  forward(input: Tensor): Tensor {
    return F.relu(input);
  }
}

export class Identity extends Module {
  forward(input: Tensor): Tensor {
    return input;
  }
}

/** Modules held by position, named '0', '1', … as in PyTorch. */
export class ModuleList<M extends Module = Module> extends Module implements Iterable<M> {
  readonly #items: M[] = [];

  constructor(modules: Iterable<M> = []) {
    super();
    for (const m of modules) this.append(m);
  }

  append(module: M): this {
    this.#items.push(module);
    return this;
  }

  get length(): number {
    return this.#items.length;
  }

  get(index: number): M {
    const m = this.#items.at(index);
    if (!m) throw new RangeError(`ModuleList: index ${index} out of range for ${this.#items.length} modules`);
    return m;
  }

  /** Replaces the module at `index` (what PyTorch's `module_list[i] = m` does). */
  set(index: number, module: M): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.#items.length) throw new RangeError(`ModuleList: index ${index} out of range for ${this.#items.length} modules`);
    this.#items[index] = module;
  }

  [Symbol.iterator](): Iterator<M> {
    return this.#items[Symbol.iterator]();
  }

  override *namedChildren(): Generator<[string, Module]> {
    yield* super.namedChildren();
    for (const [i, m] of this.#items.entries()) yield [String(i), m];
  }

  forward(..._args: unknown[]): unknown {
    throw new Error('ModuleList has no forward(); iterate over its modules');
  }
}

/** Runs its modules in order, each on the previous one's output. */
export class Sequential extends ModuleList {
  constructor(...modules: Module[]) {
    super(modules);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override forward(input: unknown): any {
    let x = input;
    for (const m of this) x = m.forward(x);
    return x;
  }
}
