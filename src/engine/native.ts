// Loads the native addon (built by `npm ci` into build/Release). Every op is a plain
// function taking tensors and JavaScript values; see native/src/binding.h.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const addonPath = fileURLToPath(new URL('../../build/Release/finetune.node', import.meta.url));
if (!existsSync(addonPath)) {
  throw new Error(`finetune: the native addon is not built (${addonPath} is missing); run \`npm ci\` or \`npm run build:native\``);
}

/* eslint-disable @typescript-eslint/no-explicit-any */
type NativeFn = (...args: any[]) => any;
export interface NativeAddon {
  TensorBase: new () => object;
  setTensorClass(cls: new () => object): void;
  dispose(t: object): void;
  isDisposed(t: object): boolean;
  [op: string]: any;
}

export const N: NativeAddon & Record<string, NativeFn> = createRequire(import.meta.url)(addonPath);
