// Loads the native addon. Every op is a plain function taking tensors and JavaScript values
// (native/src/binding.h), typed by native-ops.ts. A source build (build/Release, made by `npm ci`
// in a checkout or by the package's install script) wins over the package's prebuilt binary for
// this platform and Node ABI (the addon uses V8 directly, so the ABI, not only N-API, must match;
// native/install.mjs names it the same way).
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { NativeBindingFunctions, NativeOpName, NativeOps } from './native-ops.js';

export type { NativeOpName, NativeOps } from './native-ops.js';
export type NativeAddon = NativeOps & NativeBindingFunctions;

const fromRoot = (path: string): string => fileURLToPath(new URL(`../../${path}`, import.meta.url));

const sourceBuild = fromRoot('build/Release/finetune.node');
const prebuild = fromRoot(`prebuilds/${process.platform}-${process.arch}/finetune.abi${process.versions.modules}.node`);

/**
 * The addon's path: FINETUNE_ADDON_DIR's finetune.node when set (e.g. build-pytorch/Release, the
 * build against PyTorch's wheel), else the source build when there is one, else the prebuilt binary.
 * A relative FINETUNE_ADDON_DIR is looked for from the working directory, then from finetune's
 * own root, so that processes started in another folder (the CLI's, a worker's) find the same one.
 */
export function addonPath(): string {
  const dir = process.env.FINETUNE_ADDON_DIR;
  if (dir) {
    const candidates = [...new Set([resolve(dir, 'finetune.node'), resolve(fromRoot(''), dir, 'finetune.node')])];
    const path = candidates.find((c) => existsSync(c));
    if (!path) {
      throw new Error(`finetune: FINETUNE_ADDON_DIR=${dir} has no finetune.node (${candidates.join(', ')}); build it (npm run build:pytorch makes build-pytorch/Release) or unset FINETUNE_ADDON_DIR`);
    }
    return path;
  }
  if (existsSync(sourceBuild)) return sourceBuild;
  if (existsSync(prebuild)) return prebuild;
  throw new Error(
    `finetune: the native addon is not built: neither ${sourceBuild} (a source build) nor ${prebuild} ` +
      `(a prebuilt binary for ${process.platform}-${process.arch}, Node ABI ${process.versions.modules}) exists. ` +
      'In a checkout of finetune run `npm ci` or `npm run build:native`; where finetune is installed as a package, `npm rebuild finetune`.',
  );
}

/** Loading failed because libtorch (or the BLAS it links) is missing: say what to install. */
export function libtorchMissing(path: string, error: Error): Error | undefined {
  if (!/lib(torch|c10|openblas|blas|gomp|cudart|cupti)[^\s:]*\.so[^:]*: cannot open shared object file/.test(error.message)) return undefined;
  const advice = readFileSync(fromRoot('native/no-libtorch.txt'), 'utf8');
  return new Error(`finetune: the native addon ${path} cannot load: ${error.message.split('\n')[0]}\n${advice}`, { cause: error });
}

function load(): NativeAddon {
  const path = addonPath();
  try {
    return createRequire(import.meta.url)(path) as NativeAddon;
  } catch (e) {
    throw libtorchMissing(path, e as Error) ?? e;
  }
}

export const N: NativeAddon = load();

/**
 * Calls the op `name` with arguments the op itself checks: for the generic Tensor methods
 * (x.op(...args) → N.op(x, ...args)), whose names are still checked against NativeOps.
 */
export function callOp(name: NativeOpName, ...args: unknown[]): unknown {
  return (N[name] as (...a: unknown[]) => unknown)(...args);
}
