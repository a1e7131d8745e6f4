// torch.optim.Optimizer: parameter groups with their own hyper-parameters, per-parameter
// state, zeroGrad, and state dicts laid out as PyTorch's (indices for parameters).
import { recordFunction } from '../engine/profiler.js';
import { keep } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';

export interface ParamGroup {
  params: Tensor[];
  lr: number;
  [option: string]: unknown;
}

export type ParamsInput<G> = Iterable<Tensor> | (Partial<Omit<G, 'params'>> & { params: Iterable<Tensor> })[];

export type ParamState = Record<string, Tensor | number>;

export interface OptimizerStateDict {
  state: Record<number, ParamState>;
  param_groups: Record<string, unknown>[];
}

export abstract class Optimizer<G extends ParamGroup = ParamGroup> {
  readonly paramGroups: G[] = [];
  readonly state = new Map<Tensor, ParamState>();

  constructor(params: ParamsInput<G>, readonly defaults: Omit<G, 'params'>) {
    const list = [...(params as Iterable<unknown>)];
    if (list.length === 0) throw new Error('optimizer got an empty parameter list');
    const isGroups = list.every((x) => typeof x === 'object' && x !== null && 'params' in x && !('shape' in x));
    const groups = isGroups ? (list as { params: Iterable<Tensor> }[]) : [{ params: list as Tensor[] }];
    for (const g of groups) this.addParamGroup(g as Partial<G> & { params: Iterable<Tensor> });
    // As PyTorch's Optimizer._patch_step_function: every step is a profiler range of its own, so
    // that a fused native update (which dispatches no ATen op) still shows in keyAverages().
    const step = this.step.bind(this);
    const rangeName = `Optimizer.step#${new.target.name}.step`;
    this.step = () => recordFunction(rangeName, step);
  }

  addParamGroup(group: Partial<Omit<G, 'params'>> & { params: Iterable<Tensor> }): void {
    const params = [...group.params];
    const seen = new Set(this.paramGroups.flatMap((g) => g.params));
    for (const p of params) {
      if (seen.has(p)) throw new Error('some parameters appear in more than one parameter group');
      if (!p.isLeaf) throw new Error("can't optimize a non-leaf Tensor");
    }
    this.paramGroups.push({ ...this.defaults, ...group, params } as G);
  }

  /** Clears gradients: to null by default (as PyTorch 2.x), or to zeros. */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    const setToNone = options.setToNone ?? true;
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (setToNone) {
          p.grad = null;
        } else {
          const grad = p.grad;
          grad?.zero_();
          grad?.dispose();
        }
      }
    }
  }

  abstract step(): void;

  /** State tensors live as long as the optimizer, whatever tidy() scope creates them. */
  protected stateFor(p: Tensor, init: () => ParamState): ParamState {
    let s = this.state.get(p);
    if (!s) {
      s = init();
      for (const v of Object.values(s)) if (typeof v !== 'number') keep(v);
      this.state.set(p, s);
    }
    return s;
  }

  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((g) => {
      const { params, ...options } = g;
      return { ...options, params: params.map((p) => (index.has(p) ? index.get(p)! : (index.set(p, index.size), index.size - 1))) };
    });
    const state: Record<number, ParamState> = {};
    for (const [p, s] of this.state) if (index.has(p)) state[index.get(p)!] = { ...s };
    return { state, param_groups: paramGroups };
  }

  loadStateDict(stateDict: OptimizerStateDict): void {
    const groups = stateDict.param_groups;
    if (groups.length !== this.paramGroups.length) {
      throw new Error(`loaded state dict has ${groups.length} parameter groups, the optimizer has ${this.paramGroups.length}`);
    }
    groups.forEach((saved, i) => {
      const ids = saved.params as number[];
      if (ids.length !== this.paramGroups[i].params.length) {
        throw new Error(`loaded state dict group ${i} has ${ids.length} parameters, the optimizer's has ${this.paramGroups[i].params.length}`);
      }
    });
    this.state.clear();
    groups.forEach((saved, i) => {
      const group = this.paramGroups[i];
      const { params: ids, ...options } = saved as { params: number[] };
      Object.assign(group, options);
      ids.forEach((id, k) => {
        const s = stateDict.state[id];
        if (!s) return;
        const p = group.params[k];
        const copy: ParamState = {};
        for (const [key, v] of Object.entries(s)) {
          if (typeof v === 'number') copy[key] = v;
          else {
            if (v.shape.join() !== p.shape.join() && v.numel() > 1) {
              throw new Error(`optimizer state '${key}' has shape [${v.shape}] but its parameter has [${p.shape}]`);
            }
            // As torch.optim.Optimizer.load_state_dict: state moves to its parameter's device and,
            // for floating-point parameters, takes their dtype.
            const moved = v.to(p.device as never);
            copy[key] = keep(moved.to(p.isFloatingPoint() ? p.dtype : moved.dtype, { copy: true }));
            moved.dispose();
          }
        }
        this.state.set(p, copy);
      });
    });
  }
}
