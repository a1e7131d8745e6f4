// nn.Module as in torch/nn/modules/module.py. Parameters and submodules register by
// assignment: they are found among the module's own properties, in assignment order, so
// `this.query = new Linear(…)` yields `query.weight` exactly as in PyTorch. Buffers
// (non-trainable state such as position ids) are declared with registerBuffer.
import { inspect } from 'node:util';

import { Tensor } from '../engine/tensor.js';
import { N } from '../engine/native.js';
import { keep } from '../engine/scope.js';
import { noGrad } from '../engine/autograd.js';
import { isDType, isDevice, isFloatingPoint } from '../engine/dtype.js';
import type { DType, Device } from '../engine/dtype.js';

const PARAMETER = Symbol('finetune.parameter');

export type Parameter = Tensor & { readonly [PARAMETER]: true };

/**
 * nn.Parameter(data, requiresGrad = true): a leaf tensor sharing data's memory, marked as a
 * parameter so that modules register it. Kept out of tidy() scopes: it lives with its module.
 */
export const Parameter = function Parameter(data: Tensor, requiresGrad = true): Parameter {
  const p = keep(data.detach().requiresGrad_(requiresGrad)) as Tensor & { [PARAMETER]?: true };
  Object.defineProperty(p, PARAMETER, { value: true });
  return p as Parameter;
} as unknown as {
  new (data: Tensor, requiresGrad?: boolean): Parameter;
  (data: Tensor, requiresGrad?: boolean): Parameter;
};
Object.defineProperty(Parameter, Symbol.hasInstance, { value: (x: unknown) => x instanceof Tensor && PARAMETER in x });

export interface LoadResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

export abstract class Module {
  training = true;
  readonly #buffers = new Map<string, { tensor: Tensor | null; persistent: boolean }>();

  abstract forward(...args: unknown[]): unknown;

  // ---------------------------------------------------------------- registration
  registerBuffer(name: string, tensor: Tensor | null, persistent = true): void {
    if (tensor) keep(tensor);
    this.#buffers.set(name, { tensor, persistent });
    Object.defineProperty(this, name, {
      get: () => this.#buffers.get(name)!.tensor,
      set: (t: Tensor | null) => {
        if (t) keep(t);
        this.#buffers.get(name)!.tensor = t;
      },
      enumerable: false,
      configurable: true,
    });
  }

  /** Registers under an explicit name (for names that are not valid identifiers). */
  registerModule(name: string, module: Module | null): void {
    (this as Record<string, unknown>)[name] = module;
  }

  registerParameter(name: string, parameter: Parameter | null): void {
    (this as Record<string, unknown>)[name] = parameter;
  }

  // ---------------------------------------------------------------- traversal
  /** Direct children in registration order (ModuleList overrides this with '0', '1', …). */
  *namedChildren(): Generator<[string, Module]> {
    for (const [name, value] of Object.entries(this)) if (value instanceof Module) yield [name, value];
  }

  *children(): Generator<Module> {
    for (const [, m] of this.namedChildren()) yield m;
  }

  /** This module and its descendants, pre-order; a module reachable twice is listed once, as in PyTorch. */
  *namedModules(prefix = '', memo: Set<Module> = new Set()): Generator<[string, Module]> {
    if (memo.has(this)) return;
    memo.add(this);
    yield [prefix, this];
    for (const [name, child] of this.namedChildren()) yield* child.namedModules(prefix ? `${prefix}.${name}` : name, memo);
  }

  /** Every path to every module, shared ones included (state dicts list tied weights under each name). */
  *#allPaths(prefix = ''): Generator<[string, Module]> {
    yield [prefix, this];
    for (const [name, child] of this.namedChildren()) yield* child.#allPaths(prefix ? `${prefix}.${name}` : name);
  }

  *modules(): Generator<Module> {
    for (const [, m] of this.namedModules()) yield m;
  }

  /** This module's own parameters (not its children's). */
  *directParameters(): Generator<[string, Parameter]> {
    for (const [name, value] of Object.entries(this)) if (value instanceof Parameter) yield [name, value as Parameter];
  }

  /**
   * Dotted names as in PyTorch; a parameter shared by two modules (tied weights) is listed
   * once, unless `removeDuplicate: false` (PyTorch's remove_duplicate): then under every name
   * the state dict gives it, in the state dict's order.
   */
  *namedParameters(prefix = '', options: { removeDuplicate?: boolean } = {}): Generator<[string, Parameter]> {
    const seen = new Set<Tensor>();
    const removeDuplicate = options.removeDuplicate ?? true;
    for (const [modName, m] of removeDuplicate ? this.namedModules(prefix) : this.#allPaths(prefix)) {
      for (const [name, p] of m.directParameters()) {
        if (removeDuplicate && seen.has(p)) continue;
        seen.add(p);
        yield [modName ? `${modName}.${name}` : name, p];
      }
    }
  }

  parameters(): Parameter[] {
    return [...this.namedParameters()].map(([, p]) => p);
  }

  *namedBuffers(prefix = ''): Generator<[string, Tensor]> {
    for (const [modName, m] of this.namedModules(prefix)) {
      for (const [name, b] of m.#buffers) if (b.tensor) yield [modName ? `${modName}.${name}` : name, b.tensor];
    }
  }

  buffers(): Tensor[] {
    return [...this.namedBuffers()].map(([, b]) => b);
  }

  numParameters(onlyTrainable = false): number {
    return this.parameters().filter((p) => !onlyTrainable || p.requiresGrad).reduce((n, p) => n + p.numel(), 0);
  }

  // ---------------------------------------------------------------- modes
  /** Sets training mode here and, through their own train(), in every child (as PyTorch). */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw new TypeError(`train: training mode is expected to be boolean, got ${inspect(mode)}`);
    this.training = mode;
    for (const child of this.children()) child.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  apply(fn: (module: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad_(requiresGrad);
    return this;
  }

  /** Clears the parameters' gradients: to null by default, or to zeros (`false` or `{ setToNone: false }`). */
  zeroGrad(setToNone: boolean | { setToNone?: boolean } = true): void {
    const toNone = typeof setToNone === 'object' ? (setToNone.setToNone ?? true) : setToNone;
    for (const p of this.parameters()) {
      if (toNone) {
        p.grad = null;
      } else {
        const grad = p.grad;
        if (grad) noGrad(() => grad.zero_());
        grad?.dispose();
      }
    }
  }

  /** Moves or casts parameters and buffers in place (floating-point ones only, for dtypes). */
  to(target: DType | Device): this {
    if (isDType(target) && !isFloatingPoint(target)) {
      throw new TypeError(`to: nn.Module.to only accepts floating point dtypes, but got ${target}`);
    }
    if (!isDType(target) && !isDevice(target)) {
      throw new TypeError(`to: expected a dtype or a device ('cpu', 'cuda', 'cuda:N'), got ${inspect(target)}`);
    }
    noGrad(() => {
      const convert = (t: Tensor): Tensor | null => {
        if (isDevice(target)) return t.to(target);
        return t.isFloatingPoint() ? t.to(target) : null;
      };
      // In place (set_data), so that optimizers and other holders of the parameters see the change.
      const convertInPlace = (t: Tensor): void => {
        const converted = convert(t);
        if (converted) {
          N.setData(t, converted);
          converted.dispose();
        }
      };
      for (const p of this.parameters()) {
        convertInPlace(p);
        const grad = p.grad;
        if (grad) {
          convertInPlace(grad);
          grad.dispose();
        }
      }
      for (const m of this.modules()) {
        for (const [name, b] of m.#buffers) {
          if (!b.tensor) continue;
          const converted = convert(b.tensor);
          if (converted) m.#buffers.set(name, { tensor: keep(converted), persistent: b.persistent });
        }
      }
    });
    return this;
  }

  // ---------------------------------------------------------------- state dicts
  /** Parameters and persistent buffers by dotted name, in PyTorch's order (detached, shared memory). */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [modName, m] of this.#allPaths()) {
      const key = (name: string) => (modName ? `${modName}.${name}` : name);
      for (const [name, p] of m.directParameters()) out[key(name)] = p.detach();
      for (const [name, b] of m.#buffers) if (b.tensor && b.persistent) out[key(name)] = b.tensor.detach();
    }
    return out;
  }

  /**
   * Copies values into the existing parameters and buffers (in place: optimizers keep working).
   * With strict (the default) any missing or unexpected key is an error; shapes must always
   * match. Errors are reported together, in PyTorch's wording, and nothing is copied then.
   */
  loadStateDict(stateDict: Record<string, Tensor>, options: { strict?: boolean } = {}): LoadResult {
    if (stateDict === null || typeof stateDict !== 'object' || Array.isArray(stateDict)) {
      throw new TypeError(`loadStateDict: expected a record of tensors by name, got ${inspect(stateDict)}`);
    }
    const strict = options.strict ?? true;
    const own = this.stateDict();
    try {
      const has = (record: object, key: string) => Object.prototype.hasOwnProperty.call(record, key);
      const missingKeys = Object.keys(own).filter((k) => !has(stateDict, k));
      const unexpectedKeys = Object.keys(stateDict).filter((k) => !has(own, k));
      const quoted = (keys: string[]) => keys.map((k) => `"${k}"`).join(', ');
      const errors: string[] = [];
      if (strict && missingKeys.length > 0) errors.push(`Missing key(s) in state_dict: ${quoted(missingKeys)}. `);
      if (strict && unexpectedKeys.length > 0) errors.push(`Unexpected key(s) in state_dict: ${quoted(unexpectedKeys)}. `);
      const copies: [Tensor, Tensor][] = [];
      for (const [key, target] of Object.entries(own)) {
        if (!has(stateDict, key)) continue;
        const source = stateDict[key];
        if (!(source instanceof Tensor)) {
          throw new TypeError(`loadStateDict: while copying the parameter named "${key}", expected a Tensor from the checkpoint but received ${inspect(source)}`);
        }
        const [a, b] = [source.shape, target.shape];
        if (a.length !== b.length || a.some((d, i) => d !== b[i])) {
          errors.push(`size mismatch for ${key}: copying a param with shape [${a.join(', ')}] from checkpoint, the shape in current model is [${b.join(', ')}].`);
        } else {
          copies.push([target, source]);
        }
      }
      if (errors.length > 0) throw new Error(`Error(s) in loading state_dict for ${this.constructor.name}:\n\t${errors.join('\n\t')}`);
      noGrad(() => {
        for (const [target, source] of copies) target.copy_(source);
      });
      return { missingKeys, unexpectedKeys };
    } finally {
      for (const t of Object.values(own)) t.dispose();
    }
  }

  toString(): string {
    const lines = [...this.namedChildren()].map(([name, m]) => `(${name}): ${m.toString().replace(/\n/g, '\n  ')}`);
    const extra = this.extraRepr();
    if (lines.length === 0) return `${this.constructor.name}(${extra})`;
    return `${this.constructor.name}(\n  ${[...(extra ? [extra] : []), ...lines].join('\n  ')}\n)`;
  }

  /** Extra information shown by toString(), as PyTorch's extra_repr. */
  extraRepr(): string {
    return '';
  }
}
