// nn.Module as in torch/nn/modules/module.py. Parameters and submodules register by
// assignment: they are found among the module's own properties, in assignment order, so
// `this.query = new Linear(…)` yields `query.weight` exactly as in PyTorch. Buffers
// (non-trainable state such as position ids) are declared with registerBuffer.
import { Tensor } from '../engine/tensor.js';
import { N } from '../engine/native.js';
import { keep } from '../engine/scope.js';
import { noGrad } from '../engine/autograd.js';
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

  *namedModules(prefix = ''): Generator<[string, Module]> {
    yield [prefix, this];
    for (const [name, child] of this.namedChildren()) yield* child.namedModules(prefix ? `${prefix}.${name}` : name);
  }

  *modules(): Generator<Module> {
    for (const [, m] of this.namedModules()) yield m;
  }

  /** This module's own parameters (not its children's). */
  *directParameters(): Generator<[string, Parameter]> {
    for (const [name, value] of Object.entries(this)) if (value instanceof Parameter) yield [name, value as Parameter];
  }

  /** Dotted names as in PyTorch; a parameter shared by two modules is listed once. */
  *namedParameters(prefix = ''): Generator<[string, Parameter]> {
    const seen = new Set<Tensor>();
    for (const [modName, m] of this.namedModules(prefix)) {
      for (const [name, p] of m.directParameters()) {
        if (seen.has(p)) continue;
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
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
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

  zeroGrad(setToNone = true): void {
    for (const p of this.parameters()) {
      if (setToNone) p.grad = null;
      else p.grad?.zero_();
    }
  }

  /** Moves or casts parameters and buffers in place (floating-point ones only, for dtypes). */
  to(target: DType | Device): this {
    noGrad(() => {
      const convert = (t: Tensor): Tensor | null => {
        if (target.startsWith('cpu') || target.startsWith('cuda')) return t.to(target as Device);
        return t.isFloatingPoint() ? t.to(target as DType) : null;
      };
      for (const p of this.parameters()) {
        const converted = convert(p);
        if (converted) {
          N.setData(p, converted);
          converted.dispose();
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
    for (const [modName, m] of this.namedModules()) {
      const key = (name: string) => (modName ? `${modName}.${name}` : name);
      for (const [name, p] of m.directParameters()) out[key(name)] = p.detach();
      for (const [name, b] of m.#buffers) if (b.tensor && b.persistent) out[key(name)] = b.tensor.detach();
    }
    return out;
  }

  /**
   * Copies values into the existing parameters and buffers. With strict (the default) any
   * missing or unexpected key is an error; shapes must always match.
   */
  loadStateDict(stateDict: Record<string, Tensor>, options: { strict?: boolean } = {}): LoadResult {
    const strict = options.strict ?? true;
    const own = this.stateDict();
    const missingKeys = Object.keys(own).filter((k) => !(k in stateDict));
    const unexpectedKeys = Object.keys(stateDict).filter((k) => !(k in own));
    if (strict && (missingKeys.length > 0 || unexpectedKeys.length > 0)) {
      const parts = [];
      if (missingKeys.length) parts.push(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}.`);
      if (unexpectedKeys.length) parts.push(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}.`);
      throw new Error(`Error(s) in loading state_dict for ${this.constructor.name}:\n\t${parts.join('\n\t')}`);
    }
    noGrad(() => {
      for (const [key, target] of Object.entries(own)) {
        const source = stateDict[key];
        if (!source) continue;
        const [a, b] = [source.shape, target.shape];
        if (a.length !== b.length || a.some((d, i) => d !== b[i])) {
          throw new Error(`size mismatch for ${key}: copying a param with shape [${a.join(', ')}] from checkpoint, the shape in current model is [${b.join(', ')}].`);
        }
        target.copy_(source);
      }
    });
    for (const t of Object.values(own)) t.dispose();
    return { missingKeys, unexpectedKeys };
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
