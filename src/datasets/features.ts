// Column types, as Hugging Face datasets' `Features`: Value, ClassLabel, Sequence. They
// serialise to the same JSON Hugging Face stores in Arrow/Parquet metadata, so files we
// write carry their ClassLabel names to Python and back.
import * as arrow from 'apache-arrow';
import { inspect } from 'node:util';

export type ValueDType =
  | 'string' | 'large_string' | 'bool' | 'int8' | 'int16' | 'int32' | 'int64'
  | 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'float16' | 'float32' | 'float64' | 'null';

const VALUE_DTYPES = new Set<string>(['string', 'large_string', 'bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'float16', 'float32', 'float64', 'null']);

export class Value {
  readonly _type = 'Value';
  readonly dtype: ValueDType;
  constructor(dtype: ValueDType | 'float' | 'double' | 'int' | 'str' | 'boolean') {
    const alias: Record<string, ValueDType> = { float: 'float32', double: 'float64', int: 'int64', str: 'string', boolean: 'bool' };
    const d = alias[dtype] ?? dtype;
    if (!VALUE_DTYPES.has(d)) throw new TypeError(`Value: unknown dtype '${dtype}'; expected one of ${[...VALUE_DTYPES].join(', ')}`);
    this.dtype = d as ValueDType;
  }
  toJSON(): Record<string, unknown> { return { dtype: this.dtype, _type: 'Value' }; }
  toString(): string { return `Value('${this.dtype}')`; }
  [inspect.custom](): string { return this.toString(); }
}

export class ClassLabel {
  readonly _type = 'ClassLabel';
  readonly names: string[];
  private readonly index: Map<string, number>;
  constructor(options: { names?: string[]; numClasses?: number; num_classes?: number }) {
    const n = options.numClasses ?? options.num_classes;
    if (options.names) this.names = [...options.names];
    else if (n !== undefined) this.names = Array.from({ length: n }, (_, i) => String(i));
    else throw new TypeError('ClassLabel: give names or numClasses');
    this.index = new Map(this.names.map((name, i) => [name, i]));
    if (this.index.size !== this.names.length) throw new Error(`ClassLabel: duplicate names in [${this.names.join(', ')}]`);
  }
  get numClasses(): number { return this.names.length; }

  /** Name of a class id (or of each id in a list). */
  int2str(id: number): string;
  int2str(ids: number[]): string[];
  int2str(ids: number | number[]): string | string[] {
    const one = (i: number): string => {
      if (!Number.isInteger(i) || i < 0 || i >= this.names.length) throw new RangeError(`ClassLabel.int2str: ${i} is not a class id (0..${this.names.length - 1})`);
      return this.names[i];
    };
    return Array.isArray(ids) ? ids.map(one) : one(ids);
  }

  /** Id of a class name (or of each name). Digit strings are read as ids, as in Hugging Face. */
  str2int(name: string): number;
  str2int(names: string[]): number[];
  str2int(names: string | string[]): number | number[] {
    const one = (s: string): number => {
      const id = this.index.get(s) ?? this.index.get(s.trim());
      if (id !== undefined) return id;
      if (/^\s*-?\d+\s*$/.test(s)) {
        const i = Number(s);
        if (i >= 0 && i < this.names.length) return i;
      }
      throw new RangeError(`label '${s}' is not one of the ClassLabel names [${this.names.join(', ')}]`);
    };
    return Array.isArray(names) ? names.map(one) : one(names);
  }

  /** A stored label from a name or an id; -1 means "no label" (test splits). */
  encode(value: unknown): number {
    if (typeof value === 'number') {
      if (value === -1 || (Number.isInteger(value) && value >= 0 && value < this.names.length)) return value;
      throw new RangeError(`label ${value} is outside the ClassLabel names [${this.names.join(', ')}] (ids 0..${this.names.length - 1})`);
    }
    if (typeof value === 'string') return this.str2int(value);
    if (typeof value === 'bigint') return this.encode(Number(value));
    throw new TypeError(`label ${JSON.stringify(value)} is not a class name or id`);
  }
  toJSON(): Record<string, unknown> { return { names: this.names, _type: 'ClassLabel' }; }
  toString(): string { return `ClassLabel(names=[${this.names.map((n) => `'${n}'`).join(', ')}])`; }
  [inspect.custom](): string { return this.toString(); }
}

export class Sequence {
  readonly _type = 'Sequence';
  constructor(readonly feature: Feature, readonly length = -1) {}
  toJSON(): Record<string, unknown> {
    return { feature: (this.feature as { toJSON(): unknown }).toJSON(), ...(this.length >= 0 ? { length: this.length } : {}), _type: 'Sequence' };
  }
  toString(): string { return `Sequence(feature=${this.feature.toString()}, length=${this.length})`; }
  [inspect.custom](): string { return this.toString(); }
}

export type Feature = Value | ClassLabel | Sequence;
export type Features = Record<string, Feature>;

export function featuresToJSON(features: Features): Record<string, unknown> {
  return Object.fromEntries(Object.entries(features).map(([k, f]) => [k, f.toJSON()]));
}

export function featureFromJSON(json: unknown, where = 'features'): Feature {
  const j = json as Record<string, unknown>;
  if (Array.isArray(json)) return new Sequence(featureFromJSON(json[0], where));
  switch (j?._type) {
    case 'Value': return new Value(j.dtype as ValueDType);
    case 'ClassLabel': return new ClassLabel({ names: j.names as string[], numClasses: j.num_classes as number | undefined });
    case 'Sequence': case 'List': case 'LargeList': return new Sequence(featureFromJSON(j.feature, where), (j.length as number | undefined) ?? -1);
    default: throw new TypeError(`${where}: unsupported feature ${JSON.stringify(json)}`);
  }
}

export function featuresFromJSON(json: Record<string, unknown>, where?: string): Features {
  return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, featureFromJSON(v, where)]));
}

/** The Arrow type a feature is stored as (ClassLabel as int64, as Hugging Face does). */
export function arrowType(f: Feature): arrow.DataType {
  if (f instanceof ClassLabel) return new arrow.Int64();
  if (f instanceof Sequence) return new arrow.List(new arrow.Field('item', arrowType(f.feature), true));
  switch (f.dtype) {
    case 'string': case 'large_string': return new arrow.Utf8();
    case 'bool': return new arrow.Bool();
    case 'int8': return new arrow.Int8();
    case 'int16': return new arrow.Int16();
    case 'int32': return new arrow.Int32();
    case 'int64': return new arrow.Int64();
    case 'uint8': return new arrow.Uint8();
    case 'uint16': return new arrow.Uint16();
    case 'uint32': return new arrow.Uint32();
    case 'uint64': return new arrow.Uint64();
    case 'float16': case 'float32': return new arrow.Float32();
    case 'float64': return new arrow.Float64();
    case 'null': return new arrow.Null();
  }
}

/** The feature an Arrow type describes, when no Hugging Face metadata says otherwise. */
export function featureFromArrow(t: arrow.DataType): Feature {
  if (arrow.DataType.isList(t)) return new Sequence(featureFromArrow(t.children[0].type));
  if (arrow.DataType.isUtf8(t) || arrow.DataType.isLargeUtf8(t)) return new Value('string');
  if (arrow.DataType.isBool(t)) return new Value('bool');
  if (arrow.DataType.isFloat(t)) return new Value(t.precision === arrow.Precision.DOUBLE ? 'float64' : 'float32');
  if (arrow.DataType.isInt(t)) return new Value(`${t.isSigned ? '' : 'u'}int${t.bitWidth}` as ValueDType);
  if (arrow.DataType.isNull(t)) return new Value('null');
  throw new TypeError(`unsupported Arrow type ${String(t)}`);
}

export function isIntegerDType(d: ValueDType): boolean {
  return /int/.test(d);
}

export function featureEquals(a: Feature, b: Feature): boolean {
  return JSON.stringify(a.toJSON()) === JSON.stringify(b.toJSON());
}

/** Hugging Face's repr of a Features dict (used by `Dataset.features.toString()`-like output). */
export function featuresRepr(features: Features): string {
  return `{${Object.entries(features).map(([k, f]) => `'${k}': ${f.toString()}`).join(', ')}}`;
}
