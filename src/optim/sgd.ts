// SGD with momentum, dampening, Nesterov and weight decay (torch/optim/sgd.py).
import { noGrad } from '../engine/autograd.js';
import { tidy } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';
import { Optimizer } from './optimizer.js';
import type { ParamGroup, ParamsInput } from './optimizer.js';

export interface SGDGroup extends ParamGroup {
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

export class SGD extends Optimizer<SGDGroup> {
  constructor(params: ParamsInput<SGDGroup>, options: Partial<Omit<SGDGroup, 'params'>> & { lr: number }) {
    const defaults = { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, ...options };
    if (!(defaults.lr >= 0)) throw new RangeError(`Invalid learning rate: ${defaults.lr}`);
    if (!(defaults.momentum >= 0)) throw new RangeError(`Invalid momentum value: ${defaults.momentum}`);
    if (defaults.nesterov && (defaults.momentum <= 0 || defaults.dampening !== 0)) {
      throw new Error('Nesterov momentum requires a momentum and zero dampening');
    }
    super(params, defaults);
  }

  step(): void {
    noGrad(() => tidy(() => {
      for (const g of this.paramGroups) {
        for (const p of g.params) {
          let d = p.grad;
          if (!d) continue;
          if (g.maximize) d = d.neg();
          if (g.weightDecay !== 0) d = d.add(p, g.weightDecay);
          if (g.momentum !== 0) {
            const s = this.state.get(p);
            let buf = s?.momentum_buffer as Tensor | undefined;
            if (!buf) {
              buf = this.stateFor(p, () => ({ momentum_buffer: d!.clone() })).momentum_buffer as Tensor;
            } else {
              buf.mul_(g.momentum).add_(d, 1 - g.dampening);
            }
            d = g.nesterov ? d.add(buf, g.momentum) : buf;
          }
          p.add_(d, -g.lr);
        }
      }
    }));
  }
}
