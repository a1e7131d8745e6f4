// The flags of `finetune export onnx` and `finetune serve`: `--name value` or `--name=value`,
// with kebab-case or snake_case names (--max-batch-size, --max_batch_size). Unknown flags,
// missing values and bad numbers are UsageErrors that name the flag.
import { UsageError } from './options.js';

export type FlagKind = 'str' | 'int' | 'num';
export interface FlagSpec { kind: FlagKind; default: string | number | null; help: string; min?: number }

export function parseFlags<S extends Record<string, FlagSpec>>(command: string, specs: S, argv: readonly string[]): { [K in keyof S]: S[K]['default'] | (S[K]['kind'] extends 'str' ? string : number) } {
  const out: Record<string, string | number | null> = Object.fromEntries(Object.entries(specs).map(([k, s]) => [k, s.default]));
  const byFlag = new Map(Object.keys(specs).flatMap((k) => [[k, k], [k.replace(/_/g, '-'), k]] as const));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new UsageError(`${command}: unexpected argument '${arg}' (flags are --name value)`);
    const eq = arg.indexOf('=');
    const flag = arg.slice(2, eq < 0 ? undefined : eq);
    const key = byFlag.get(flag);
    if (!key) throw new UsageError(`${command}: unknown flag --${flag} (known: ${Object.keys(specs).map((k) => `--${k.replace(/_/g, '-')}`).join(', ')})`);
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || (eq < 0 && value.startsWith('--'))) throw new UsageError(`${command}: --${flag} needs a value`);
    const spec = specs[key];
    if (spec.kind === 'str') out[key] = value;
    else {
      const n = Number(value);
      const ok = value.trim() !== '' && Number.isFinite(n) && (spec.kind === 'num' || Number.isInteger(n)) && n >= (spec.min ?? -Infinity);
      if (!ok) throw new UsageError(`${command}: --${flag} must be ${spec.kind === 'int' ? 'an integer' : 'a number'}${spec.min !== undefined ? ` ≥ ${spec.min}` : ''}, got '${value}'`);
      out[key] = n;
    }
  }
  return out as never;
}

export function flagsHelp(specs: Record<string, FlagSpec>): string {
  return Object.entries(specs).map(([k, s]) => `  --${k.replace(/_/g, '-')}`.padEnd(30) + ` ${s.help}${s.default !== null ? ` (default: ${s.default})` : ''}`).join('\n');
}
