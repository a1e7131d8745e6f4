// Loads the native addon (built by `npm ci` into build/Release). Every op is a plain
// function taking tensors and JavaScript values (native/src/binding.h), typed by native-ops.ts.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const addonPath = fileURLToPath(new URL('../../build/Release/finetune.node', import.meta.url));
if (!existsSync(addonPath)) {
  throw new Error(`finetune: the native addon is not built (${addonPath} is missing); run \`npm ci\` or \`npm run build:native\``);
}

import type { NativeBindingFunctions, NativeOpName, NativeOps } from './native-ops.js';

export type { NativeOpName, NativeOps } from './native-ops.js';
export type NativeAddon = NativeOps & NativeBindingFunctions;

export const N: NativeAddon = createRequire(import.meta.url)(addonPath);

/**
 * Calls the op `name` with arguments the op itself checks: for the generic Tensor methods
 * (x.op(...args) → N.op(x, ...args)), whose names are still checked against NativeOps.
 */
export function callOp(name: NativeOpName, ...args: unknown[]): unknown {
  return (N[name] as (...a: unknown[]) => unknown)(...args);
}
