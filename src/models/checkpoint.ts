// Finding and loading a model's weights the way `transformers`' from_pretrained does: from a
// file, a folder, or a Hub repo id, in Hugging Face's file names and preference order
// (model.safetensors, its sharded index, then pytorch_model.bin and its sharded index).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

import { CheckpointError } from '../checkpoints/errors.js';
import { loadTorchCheckpoint } from '../checkpoints/torch-load.js';
import { loadSafetensors } from '../engine/safetensors.js';
import type { Tensor } from '../engine/tensor.js';
import { resolveHubFile } from '../hub/resolve.js';

export { CheckpointError } from '../checkpoints/errors.js';
export { UnsafePickleError } from '../checkpoints/pickle.js';

export type CheckpointFormat = 'safetensors' | 'safetensors-sharded' | 'pytorch-zip' | 'pytorch-legacy';

export interface LoadedCheckpoint {
  stateDict: Record<string, Tensor>;
  format: CheckpointFormat;
  /** The file that was loaded (for sharded checkpoints, the index). */
  file: string;
}

export interface LoadCheckpointOptions {
  /** true: only safetensors files; false: only pytorch_model.bin; default: prefer safetensors. */
  useSafetensors?: boolean;
  /** For Hub repo ids: branch, tag or commit. */
  revision?: string;
}

export const SAFE_WEIGHTS_NAME = 'model.safetensors';
export const SAFE_WEIGHTS_INDEX_NAME = 'model.safetensors.index.json';
export const WEIGHTS_NAME = 'pytorch_model.bin';
export const WEIGHTS_INDEX_NAME = 'pytorch_model.bin.index.json';

function candidates(options: LoadCheckpointOptions): string[] {
  const safe = [SAFE_WEIGHTS_NAME, SAFE_WEIGHTS_INDEX_NAME];
  const bin = [WEIGHTS_NAME, WEIGHTS_INDEX_NAME];
  return options.useSafetensors === true ? safe : options.useSafetensors === false ? bin : [...safe, ...bin];
}

// What from_pretrained accepts besides a path: 'name' or 'org/name' (Hub repo ids).
const REPO_ID = /^[A-Za-z0-9][\w.-]*(\/[\w.-]+)?$/;

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/** The weights file from_pretrained would load from a local folder, or null. */
export function findCheckpointFile(dir: string, options: LoadCheckpointOptions = {}): string | null {
  for (const name of candidates(options)) {
    const path = join(dir, name);
    if (existsSync(path) && statSync(path).isFile()) return path;
  }
  return null;
}

/**
 * Resolves a file, folder or Hub repo id to a local weights file, downloading through the Hub
 * client (with every shard of a sharded checkpoint, next to its index) when it is a repo id.
 */
export async function resolveCheckpoint(pathOrId: string, options: LoadCheckpointOptions = {}): Promise<string> {
  const local = resolve(pathOrId);
  if (isDirectory(local)) {
    const found = findCheckpointFile(local, options);
    if (found) return found;
    const other = ['tf_model.h5', 'flax_model.msgpack', 'model.ckpt.index'].find((f) => existsSync(join(local, f)));
    throw new CheckpointError(local, `no weights file: expected one of ${candidates(options).join(', ')}` +
      (other ? ` (found ${other}: TensorFlow/Flax weights are not supported; convert them with transformers in Python)` : ''));
  }
  if (existsSync(local)) return local;
  if (pathOrId.startsWith('.') || pathOrId.startsWith('/') || !REPO_ID.test(pathOrId)) {
    throw new CheckpointError(local, 'no such file or directory');
  }
  let notCached: Error | null = null;
  for (const name of candidates(options)) {
    let path: string;
    try {
      path = await resolveHubFile(pathOrId, name, { revision: options.revision });
    } catch (error) {
      if ((error as { code?: string }).code !== 'ENTRY_NOT_FOUND') throw error;
      // Offline (or unreachable Hub), files not in the cache are reported as missing.
      if ((error as { notCached?: boolean }).notCached) notCached ??= error as Error;
      continue;
    }
    if (name.endsWith('.index.json')) {
      for (const shard of new Set(Object.values(readIndex(path)))) await resolveHubFile(pathOrId, shard, { revision: options.revision });
    }
    return path;
  }
  if (notCached) throw new CheckpointError(pathOrId, `no weights file (${candidates(options).join(', ')}) is in the local cache: ${notCached.message}`);
  throw new CheckpointError(pathOrId, `the Hub repo has no weights file (looked for ${candidates(options).join(', ')})`);
}

/** Loads a state dict from a weights file, a folder holding one, or a Hub repo id. */
export async function loadCheckpoint(dirOrFile: string, options: LoadCheckpointOptions = {}): Promise<LoadedCheckpoint> {
  const file = await resolveCheckpoint(dirOrFile, options);
  const name = basename(file);
  if (name.endsWith('.index.json')) {
    const { stateDict, format } = await loadSharded(file);
    return { stateDict, format, file };
  }
  if (name.endsWith('.safetensors')) return { stateDict: loadSafetensors(file), format: 'safetensors', file };
  const { stateDict, format } = await loadTorchCheckpoint(file);
  return { stateDict, format, file };
}

/** The weight_map of a sharded checkpoint's index: tensor name → shard file name. */
export function readIndex(indexFile: string): Record<string, string> {
  let index: unknown;
  try {
    index = JSON.parse(readFileSync(indexFile, 'utf8'));
  } catch (error) {
    throw new CheckpointError(indexFile, `cannot read the shard index: ${(error as Error).message}`);
  }
  const map = (index as { weight_map?: unknown })?.weight_map;
  if (map === null || typeof map !== 'object' || Array.isArray(map) || !Object.values(map).every((v) => typeof v === 'string')) {
    throw new CheckpointError(indexFile, 'the shard index has no "weight_map" object of tensor name → shard file');
  }
  for (const shard of Object.values(map as Record<string, string>)) {
    // Shard names come from the file: keep them inside the checkpoint's folder.
    if (shard.includes('/') || shard.includes('\\') || shard === '..' || shard === '.') {
      throw new CheckpointError(indexFile, `shard file name '${shard}' is not a plain file name`);
    }
  }
  return map as Record<string, string>;
}

// Sharded .bin checkpoints report the format of their shards (zip or legacy).
async function loadSharded(indexFile: string): Promise<{ stateDict: Record<string, Tensor>; format: CheckpointFormat }> {
  const map = readIndex(indexFile);
  const safetensors = Object.values(map).every((s) => s.endsWith('.safetensors'));
  let format: CheckpointFormat = 'safetensors-sharded';
  const dir = dirname(indexFile);
  const byShard = new Map<string, string[]>();
  for (const [tensor, shard] of Object.entries(map)) byShard.set(shard, [...(byShard.get(shard) ?? []), tensor]);
  const missing = [...byShard.keys()].filter((s) => !existsSync(join(dir, s)));
  if (missing.length > 0) throw new CheckpointError(indexFile, `the index lists shard files that are missing: ${missing.join(', ')}`);

  const out: Record<string, Tensor> = {};
  for (const [shard, expected] of byShard) {
    const path = join(dir, shard);
    // Each shard is read once; what it holds is checked against the index before anything is returned.
    let stateDict: Record<string, Tensor>;
    if (safetensors) {
      stateDict = loadSafetensors(path);
    } else {
      const loaded = await loadTorchCheckpoint(path);
      stateDict = loaded.stateDict;
      format = loaded.format;
    }
    const present = new Set(Object.keys(stateDict));
    const absent = expected.filter((t) => !present.has(t));
    if (absent.length > 0) throw new CheckpointError(path, `tensor '${absent[0]}' is not in this shard, though ${basename(indexFile)} says it is${absent.length > 1 ? ` (and ${absent.length - 1} more)` : ''}`);
    const extra = [...present].filter((t) => map[t] !== shard);
    if (extra.length > 0) {
      const where = map[extra[0]] ? `says it is in ${map[extra[0]]}` : 'does not list it';
      throw new CheckpointError(path, `holds tensor '${extra[0]}' but ${basename(indexFile)} ${where}`);
    }
    Object.assign(out, stateDict);
  }
  return { stateDict: out, format };
}

/**
 * Hugging Face's load-time renames for old checkpoints: LayerNorm parameters once named
 * `gamma`/`beta` (TensorFlow's names, in early BERT ports) are `weight`/`bias`. Returns a new
 * record (same tensors). As in transformers' `_fix_state_dict_key_on_load` (4.4x), only keys
 * ending in `LayerNorm.gamma`/`LayerNorm.beta` are renamed: older releases replaced the
 * substring anywhere, which also renamed unrelated parameters such as a layer-scale `gamma`.
 */
export function renameLegacyKeys(stateDict: Record<string, Tensor>): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [key, tensor] of Object.entries(stateDict)) {
    const renamed = key.replace(/LayerNorm\.gamma$/, 'LayerNorm.weight').replace(/LayerNorm\.beta$/, 'LayerNorm.bias');
    if (renamed !== key && renamed in stateDict) {
      throw new CheckpointError('<state dict>', `both '${key}' and '${renamed}' are present; cannot rename the legacy name`);
    }
    out[renamed] = tensor;
  }
  return out;
}
