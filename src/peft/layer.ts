// LoRA's layers, as PEFT's peft.tuners.lora.layer.Linear: the base layer kept as `base_layer`
// (frozen), and per adapter a low-rank pair lora_A (in → r) and lora_B (r → out) with a dropout
// in front; the output is base(x) + B(A(dropout(x))) · scaling. The attribute names are PEFT's,
// so the parameters' dotted names are PEFT's too (query.lora_A.default.weight). Which base
// layers can be wrapped is pluggable: nn.Linear here, GPT-2's Conv1D ([in, out] weights) when
// a model has one, and whatever registerLoraDispatcher adds.
import * as torch from '../engine/torch.js';
import type { Tensor } from '../engine/tensor.js';
import { Dropout, Identity, Linear, ModuleList, Sequential } from '../nn/layers.js';
import { Module, Parameter } from '../nn/module.js';
import * as init from '../nn/init.js';
import type { LoraConfig } from './config.js';

/** PEFT's nn.ModuleDict keyed by adapter name: children registered under their names. */
export class ModuleDict<M extends Module = Module> extends Module {
  set(name: string, module: M): void {
    this.registerModule(name, module);
  }
  get(name: string): M | undefined {
    const m = Object.hasOwn(this, name) ? (this as unknown as Record<string, unknown>)[name] : undefined;
    return m instanceof Module ? (m as M) : undefined;
  }
  delete(name: string): void {
    delete (this as unknown as Record<string, unknown>)[name];
  }
  keys(): string[] {
    return [...this.namedChildren()].map(([n]) => n);
  }
  forward(): never {
    throw new Error('ModuleDict has no forward(); get a module by name');
  }
}

/** How a base layer is seen by LoRA: its sizes, whether its weight is [in, out], and its forward. */
export interface LinearLike {
  inFeatures: number;
  outFeatures: number;
  /** The weight is stored [in, out] (Conv1D) instead of [out, in] (nn.Linear). */
  fanInFanOut: boolean;
}

/** Recognises a base layer LoRA can wrap, or returns null. */
export type LoraDispatcher = (module: Module) => LinearLike | null;

const weightOf = (m: Module) => (m as unknown as { weight?: Tensor }).weight;

const DISPATCHERS: LoraDispatcher[] = [
  (m) => (m instanceof Linear ? { inFeatures: m.inFeatures, outFeatures: m.outFeatures, fanInFanOut: false } : null),
  // transformers' Conv1D (GPT-2): y = x @ W + b with W [nx, nf]
  (m) => {
    const w = weightOf(m);
    return m.constructor.name === 'Conv1D' && w && w.dim() === 2 ? { inFeatures: w.size(0), outFeatures: w.size(1), fanInFanOut: true } : null;
  },
];

/** Adds a kind of base layer LoRA can wrap (checked before the built-in ones). */
export function registerLoraDispatcher(dispatcher: LoraDispatcher): void {
  DISPATCHERS.unshift(dispatcher);
}

/** The base layer as LoRA sees it, or null when no dispatcher knows it. */
export function linearLike(module: Module): LinearLike | null {
  for (const d of DISPATCHERS) {
    const found = d(module);
    if (found) return found;
  }
  return null;
}

/** What the layers of a LoRA model share: which adapters are active, whether adapters are disabled. */
export interface AdapterState {
  activeAdapters: string[];
  disabled: boolean;
}

export class LoraLinear extends Module {
  base_layer: Module;
  lora_dropout = new ModuleDict<Dropout | Identity>();
  lora_A = new ModuleDict<Linear>();
  lora_B = new ModuleDict<Linear>();
  readonly r: Record<string, number> = {};
  readonly loraAlpha: Record<string, number> = {};
  readonly scaling: Record<string, number> = {};
  /** Adapters whose update is in base_layer's weight now. */
  mergedAdapters: string[] = [];
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly fanInFanOut: boolean;

  constructor(base: Module, shape: LinearLike, readonly state: AdapterState) {
    super();
    this.base_layer = base;
    this.inFeatures = shape.inFeatures;
    this.outFeatures = shape.outFeatures;
    this.fanInFanOut = shape.fanInFanOut;
  }

  /** PEFT's update_layer: a new adapter's A and B, initialised as the config says. */
  updateLayer(adapterName: string, r: number, alpha: number, config: LoraConfig): void {
    this.r[adapterName] = r;
    this.loraAlpha[adapterName] = alpha;
    this.lora_dropout.set(adapterName, config.loraDropout > 0 ? new Dropout(config.loraDropout) : new Identity());
    // as PEFT: nn.Linear's own initialisation first (the same random draws), then reset_lora_parameters
    const dtype = weightOf(this.base_layer)?.dtype ?? 'float32';
    const a = new Linear(this.inFeatures, r, { bias: false });
    const b = new Linear(r, this.outFeatures, { bias: false });
    this.lora_A.set(adapterName, a);
    this.lora_B.set(adapterName, b);
    this.scaling[adapterName] = config.useRslora ? alpha / Math.sqrt(r) : alpha / r;
    if (config.initLoraWeights === true) init.kaimingUniform_(a.weight, Math.sqrt(5));
    else if (config.initLoraWeights === 'gaussian') init.normal_(a.weight, 0, 1 / r);
    if (config.initLoraWeights !== false) init.zeros_(b.weight);
    if (dtype !== 'float32') { a.to(dtype); b.to(dtype); }
  }

  get adapterNames(): string[] {
    return this.lora_A.keys();
  }

  get merged(): boolean {
    return this.mergedAdapters.length > 0;
  }

  forward(x: Tensor): Tensor {
    const base = (this.base_layer as unknown as { forward(x: Tensor): Tensor }).forward(x);
    if (this.state.disabled || this.merged) return base;
    let result = base;
    for (const name of this.state.activeAdapters) {
      const a = this.lora_A.get(name);
      if (!a) continue;
      const dropped = this.lora_dropout.get(name)!.forward(x);
      result = result.add(this.lora_B.get(name)!.forward(a.forward(dropped)).mul(this.scaling[name]));
    }
    return result;
  }

  /**
   * Whether forward treats each position on its own and draws nothing (PositionwiseModule): a
   * plain Linear base and no adapter dropout active. A sequence classifier's last layer then
   * still runs for the first token alone (models/modeling_layers.ts).
   */
  isPositionwise(): boolean {
    if (this.base_layer.constructor !== Linear) return false;
    return this.state.disabled || this.merged || this.state.activeAdapters.every((name) => {
      const dropout = this.lora_dropout.get(name);
      return !dropout || dropout instanceof Identity || !dropout.training || dropout.p === 0;
    });
  }

  /** B·A·scaling in the base weight's layout ([out, in], or [in, out] for fan-in-fan-out layers). */
  deltaWeight(adapterName: string): Tensor {
    return torch.tidy(() => {
      const delta = this.lora_B.get(adapterName)!.weight.matmul(this.lora_A.get(adapterName)!.weight).mul(this.scaling[adapterName]);
      return this.fanInFanOut ? delta.t().contiguous() : delta;
    });
  }

  /** Adds the active adapters' updates into the base weight (PEFT's merge). */
  merge(adapterNames: string[] = this.state.activeAdapters): void {
    const weight = weightOf(this.base_layer)!;
    for (const name of adapterNames) {
      if (!this.lora_A.get(name) || this.mergedAdapters.includes(name)) continue;
      torch.noGrad(() => torch.tidy(() => { weight.add_(this.deltaWeight(name).to(weight.dtype)); }));
      this.mergedAdapters.push(name);
    }
  }

  /** Takes the merged updates out of the base weight again (PEFT's unmerge). */
  unmerge(): void {
    const weight = weightOf(this.base_layer)!;
    while (this.mergedAdapters.length > 0) {
      const name = this.mergedAdapters.pop()!;
      torch.noGrad(() => torch.tidy(() => { weight.sub_(this.deltaWeight(name).to(weight.dtype)); }));
    }
  }

  deleteAdapter(adapterName: string): void {
    for (const d of [this.lora_A, this.lora_B, this.lora_dropout]) d.delete(adapterName);
    delete this.r[adapterName];
    delete this.loraAlpha[adapterName];
    delete this.scaling[adapterName];
  }

  extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}`;
  }
}

/**
 * PEFT's ModulesToSaveWrapper: the original module (frozen) and, per adapter, a trainable copy
 * under modules_to_save.<adapter>; forward runs the active adapter's copy (the original when
 * adapters are disabled or the active adapter has no copy).
 */
export class ModulesToSaveWrapper extends Module {
  original_module: Module;
  modules_to_save = new ModuleDict();

  constructor(module: Module, readonly state: AdapterState) {
    super();
    this.original_module = module;
  }

  /** A trainable copy of the original for this adapter. */
  update(adapterName: string): void {
    this.modules_to_save.set(adapterName, cloneModule(this.original_module).requiresGrad_(true));
    this.original_module.requiresGrad_(false);
  }

  get activeModule(): Module {
    if (this.state.disabled) return this.original_module;
    for (const name of this.state.activeAdapters) {
      const m = this.modules_to_save.get(name);
      if (m) return m;
    }
    return this.original_module;
  }

  forward(...args: unknown[]): unknown {
    return this.activeModule.forward(...args);
  }
}

/** A module with no constructor arguments: Reflect.construct runs it to give a copy Module's own private state. */
class Blank extends Module {
  forward(): never {
    throw new Error('unreachable');
  }
}

/**
 * A deep copy of a module (PEFT's copy.deepcopy): an object of the same class with the same
 * fields, children copied, parameters and buffers cloned.
 */
export function cloneModule<M extends Module>(module: M): M {
  if (module instanceof Sequential) return new Sequential(...[...module].map(cloneModule)) as unknown as M;
  if (module instanceof ModuleList) return new ModuleList([...module].map(cloneModule)) as unknown as M;
  // the class's prototype, with Module's own fields set up by Module's constructor
  const copy = Reflect.construct(Blank, [], module.constructor) as M;
  const owned = copy as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(module)) owned[key] = value;
  for (const [name, child] of module.namedChildren()) owned[name] = cloneModule(child);
  torch.noGrad(() => {
    for (const [name, p] of module.directParameters()) owned[name] = new Parameter(p.detach().clone(), p.requiresGrad);
    const persistent = module.stateDict();
    for (const [name, b] of module.namedBuffers()) if (!name.includes('.')) copy.registerBuffer(name, b.clone(), name in persistent);
    torch.dispose(persistent);
  });
  return copy;
}
