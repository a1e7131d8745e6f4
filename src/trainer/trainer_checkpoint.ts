// Checkpoints as Hugging Face lays them out: outputDir/checkpoint-<step>/ with the model
// (model.safetensors + config.json), the optimizer, scheduler and RNG state, trainer_state.json
// and training_args.json. A checkpoint is written into a temporary folder and renamed into
// place, and a rotated one is renamed to a temporary name before it is deleted, so a kill at
// any moment leaves only complete checkpoint-<step> folders (or clearly temporary ones).
// Folders that are incomplete all the same (copied by hand, damaged) are passed over, with a
// warning, by resuming, loadBestModelAtEnd and rotation.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

import * as torch from '../engine/torch.js';
import type { Accelerator } from '../accelerate/accelerator.js';
import { sharedParameterGroups } from '../models/tied_weights.js';
import { ADAPTER_WEIGHTS_NAME } from '../peft/config.js';
import { PeftModel } from '../peft/peft_model.js';
import type { Module } from '../nn/module.js';
import type { Optimizer, ParamGroup } from '../optim/optimizer.js';
import type { LambdaLR } from '../optim/schedulers.js';
import { renameDurable, temporaryPath, writeFileAtomic } from '../util/atomic.js';
import { TrainerState } from './trainer_state.js';
import type { TrainingArguments } from './training_args.js';
import { PREFIX_CHECKPOINT_DIR } from './trainer_utils.js';

export const MODEL_FILE = 'model.safetensors';
export { OPTIMIZER_FILE, OPTIMIZER_META, SCHEDULER_FILE, RNG_FILE } from '../accelerate/checkpointing.js';
export const TRAINER_STATE = 'trainer_state.json';
export const TRAINING_ARGS = 'training_args.json';

interface Savable {
  savePretrained?: (dir: string) => Promise<void>;
}

/** The model's weights (and config when it has one) into dir. */
export async function saveModelTo(model: Module, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const m = model as Module & Savable;
  if (typeof m.savePretrained === 'function') return m.savePretrained(dir);
  const state = model.stateDict();
  try {
    torch.saveSafetensors(join(dir, MODEL_FILE), state, { format: 'pt' });
  } finally {
    torch.dispose(state);
  }
}

/** Loads model.safetensors from a checkpoint into the model in place (loadBestModelAtEnd, resume). */
export function loadModelFrom(model: Module, dir: string): void {
  // a PeftModel's checkpoint holds only its adapter (and modules to save), as PEFT's Trainer writes it
  if (model instanceof PeftModel && existsSync(join(dir, ADAPTER_WEIGHTS_NAME))) {
    model.loadAdapterWeights(dir);
    return;
  }
  const file = join(dir, MODEL_FILE);
  if (!existsSync(file)) throw new Error(`Can't find a valid checkpoint at ${dir} (no ${MODEL_FILE})`);
  const state = torch.loadSafetensors(file);
  try {
    // tied or renamed keys differ between save and load only in ways strict loading would reject needlessly
    const result = model.loadStateDict(state, { strict: false });
    // a tied weight is saved once (as savePretrained writes it): loading one name fills them all
    const filled = new Set(sharedParameterGroups(model).filter((names) => names.some((n) => n in state)).flat());
    const missing = result.missingKeys.filter((k) => !filled.has(k));
    if (missing.length) throw new Error(`checkpoint ${dir} lacks weights for ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`);
  } finally {
    torch.dispose(state);
  }
}

export interface CheckpointParts {
  accelerator: Accelerator;
  model: Module;
  optimizer: Optimizer<ParamGroup> | null;
  scheduler: LambdaLR | null;
  state: TrainerState;
  args: TrainingArguments;
  /** Saved with the model, as transformers' Trainer does, so that a checkpoint loads on its own. */
  tokenizer?: { savePretrained?: (dir: string) => Promise<unknown> } | null;
}

/** Writes checkpoint-<globalStep> atomically and returns its path; every process calls it. */
export async function saveCheckpoint(parts: CheckpointParts): Promise<string> {
  const { args, state } = parts;
  const name = `${PREFIX_CHECKPOINT_DIR}-${state.globalStep}`;
  const final = join(args.outputDir, name);
  const tmp = join(args.outputDir, `tmp-${name}`);
  const { accelerator } = parts;
  // every process calls this: each adds its RNG state, the main process writes the rest
  if (accelerator.isMainProcess) {
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
  }
  await accelerator.waitForEveryone();
  if (!args.saveOnlyModel) await accelerator.saveState(tmp, { optimizer: parts.optimizer, scheduler: parts.scheduler });
  await accelerator.waitForEveryone();
  if (!accelerator.isMainProcess) return final;
  await saveModelTo(parts.model, tmp);
  // as transformers' Trainer saves processing_class: a checkpoint loads with its tokenizer
  if (typeof parts.tokenizer?.savePretrained === 'function') await parts.tokenizer.savePretrained(tmp);
  writeFileAtomic(join(tmp, TRAINING_ARGS), args.toJsonString());
  state.saveToJson(join(tmp, TRAINER_STATE));
  // the same step saved twice (e.g. an interrupted run resumed and saved again) replaces the
  // old one; it is moved aside first, so checkpoint-<step> is at every moment old or new, whole
  const replaced = existsSync(final) ? moveAside(final) : null;
  renameDurable(tmp, final);
  if (replaced) rmSync(replaced, { recursive: true, force: true });
  return final;
}

/** Renames a checkpoint to a temporary name (the first step of deleting it) and returns that name. */
function moveAside(dir: string): string {
  const aside = temporaryPath(dir, 'deleting');
  renameDurable(dir, aside);
  return aside;
}

/** Why dir is not a complete checkpoint (no trainer state, no weights), or null when it is. */
export function checkpointProblem(dir: string): string | null {
  if (!existsSync(join(dir, TRAINER_STATE))) return `no ${TRAINER_STATE}`;
  if (!existsSync(join(dir, MODEL_FILE)) && !existsSync(join(dir, `${MODEL_FILE}.index.json`)) && !existsSync(join(dir, ADAPTER_WEIGHTS_NAME))) {
    return `no model weights (${MODEL_FILE}, or ${ADAPTER_WEIGHTS_NAME} for an adapter)`;
  }
  return null;
}

const reported = new Set<string>();

/** True for a complete checkpoint; otherwise warns (once per folder) that it is passed over. */
export function isUsableCheckpoint(dir: string): boolean {
  const problem = checkpointProblem(dir);
  if (problem === null) return true;
  if (!reported.has(dir)) {
    reported.add(dir);
    process.emitWarning(`Skipping the incomplete checkpoint ${dir} (${problem}); it was not written to the end, and is neither resumed from nor rotated.`);
  }
  return false;
}

export function loadTrainerState(dir: string): TrainerState {
  const file = join(dir, TRAINER_STATE);
  if (!existsSync(file)) throw new Error(`Can't find a valid checkpoint at ${dir}`);
  return TrainerState.loadFromJson(file);
}

/**
 * The complete checkpoint-<step> folders of outputDir, oldest first; the best one moved last so
 * rotation keeps it. Incomplete ones are left out, with a warning.
 */
export function sortedCheckpoints(outputDir: string, bestModelCheckpoint: string | null = null): string[] {
  if (!existsSync(outputDir)) return [];
  const re = new RegExp(`^${PREFIX_CHECKPOINT_DIR}-(\\d+)$`);
  const found = readdirSync(outputDir)
    .map((n) => [n, re.exec(n)] as const)
    .filter(([n, m]) => m && statSync(join(outputDir, n)).isDirectory() && isUsableCheckpoint(join(outputDir, n)))
    .map(([n, m]) => ({ path: join(outputDir, n), step: Number(m![1]) }))
    .sort((a, b) => a.step - b.step)
    .map((c) => c.path);
  if (bestModelCheckpoint) {
    const i = found.findIndex((p) => samePath(p, bestModelCheckpoint));
    if (i >= 0) found.push(...found.splice(i, 1));
  }
  return found;
}

const samePath = (a: string, b: string) => a.replace(/\/+$/, '') === b.replace(/\/+$/, '');

export function lastCheckpoint(outputDir: string): string | null {
  const all = sortedCheckpoints(outputDir);
  return all.length ? all[all.length - 1] : null;
}

/**
 * Deletes the oldest checkpoints beyond saveTotalLimit, never the best one. As in Hugging
 * Face, with a limit of 1 and a best checkpoint that is not the last, two are kept, so that
 * training can still resume from the last one.
 */
export function rotateCheckpoints(args: TrainingArguments, bestModelCheckpoint: string | null): string[] {
  const limit = args.saveTotalLimit;
  if (limit == null || limit <= 0) return [];
  const byStep = sortedCheckpoints(args.outputDir);
  if (byStep.length <= limit) return [];
  const sorted = sortedCheckpoints(args.outputDir, bestModelCheckpoint);
  let keep = limit;
  if (bestModelCheckpoint && limit === 1 && !samePath(byStep[byStep.length - 1], bestModelCheckpoint)) keep = 2;
  const doomed = sorted.slice(0, Math.max(0, sorted.length - keep));
  // renamed first: a kill mid-delete leaves a temporary folder, never a checkpoint without weights
  for (const dir of doomed) rmSync(moveAside(dir), { recursive: true, force: true });
  return doomed;
}
