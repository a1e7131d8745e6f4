// Adam and AdamW (torch/optim/adam.py, adamw.py). The update runs natively over all of a
// group's parameters in one call; see native/src/ops_optim.cc for the arithmetic.
import { N } from '../engine/native.js';
import * as torch from '../engine/factories.js';
import type { Tensor } from '../engine/tensor.js';
import { Optimizer } from './optimizer.js';
import type { ParamGroup, ParamsInput } from './optimizer.js';

export interface AdamGroup extends ParamGroup {
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
}

export type AdamOptions = Partial<Omit<AdamGroup, 'params'>>;

abstract class AdamBase extends Optimizer<AdamGroup> {
  protected abstract readonly decoupled: boolean;

  constructor(params: ParamsInput<AdamGroup>, options: AdamOptions, defaultWeightDecay: number) {
    const defaults = { lr: 1e-3, betas: [0.9, 0.999] as [number, number], eps: 1e-8, weightDecay: defaultWeightDecay, amsgrad: false, maximize: false, ...options };
    if (!(defaults.lr >= 0)) throw new RangeError(`Invalid learning rate: ${defaults.lr}`);
    if (!(defaults.eps >= 0)) throw new RangeError(`Invalid epsilon value: ${defaults.eps}`);
    for (const [i, b] of defaults.betas.entries()) if (!(b >= 0 && b < 1)) throw new RangeError(`Invalid beta parameter at index ${i}: ${b}`);
    if (!(defaults.weightDecay >= 0)) throw new RangeError(`Invalid weight_decay value: ${defaults.weightDecay}`);
    super(params, defaults);
  }

  step(): void {
    for (const group of this.paramGroups) {
      const params: Tensor[] = [], grads: Tensor[] = [], expAvgs: Tensor[] = [], expAvgSqs: Tensor[] = [], maxSqs: Tensor[] = [];
      const steps: number[] = [];
      for (const p of group.params) {
        const grad = p.grad;
        if (!grad) continue;
        const s = this.stateFor(p, () => ({
          step: 0,
          exp_avg: torch.zerosLike(p),
          exp_avg_sq: torch.zerosLike(p),
          ...(group.amsgrad ? { max_exp_avg_sq: torch.zerosLike(p) } : {}),
        }));
        s.step = (s.step as number) + 1;
        params.push(p);
        grads.push(grad);
        expAvgs.push(s.exp_avg as Tensor);
        expAvgSqs.push(s.exp_avg_sq as Tensor);
        if (group.amsgrad) maxSqs.push(s.max_exp_avg_sq as Tensor);
        steps.push(s.step);
      }
      if (params.length === 0) continue;
      const [beta1, beta2] = group.betas;
      N.adamStep(params, grads, expAvgs, expAvgSqs, group.amsgrad ? maxSqs : null, steps, group.lr, beta1, beta2,
        group.eps, group.weightDecay, group.amsgrad, group.maximize, this.decoupled);
      for (const g of grads) g.dispose();
    }
  }
}

/** Adam with L2 regularisation added to the gradient (weightDecay defaults to 0). */
export class Adam extends AdamBase {
  protected readonly decoupled = false;
  constructor(params: ParamsInput<AdamGroup>, options: AdamOptions = {}) {
    super(params, options, 0);
  }
}

/** AdamW: weight decay applied to the parameters directly, decoupled from the gradient (default 0.01). */
export class AdamW extends AdamBase {
  protected readonly decoupled = true;
  constructor(params: ParamsInput<AdamGroup>, options: AdamOptions = {}) {
    super(params, options, 1e-2);
  }
}
