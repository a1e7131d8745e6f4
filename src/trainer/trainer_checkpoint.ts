// Checkpoints as Hugging Face lays them out: outputDir/checkpoint-<step>/ with the model
// (model.safetensors + config.json), the optimizer, scheduler and RNG state, trainer_state.json
// and training_args.json. A checkpoint is written into a temporary folder and renamed into
// place, so a crash mid-save never leaves a half checkpoint that a resume would pick up.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import * as torch from '../engine/torch.js';
import type { Tensor } from '../engine/tensor.js';
import type { Module } from '../nn/module.js';
import type { Optimizer, OptimizerStateDict, ParamGroup } from '../optim/optimizer.js';
import type { LambdaLR } from '../optim/schedulers.js';
import { TrainerState } from './trainer_state.js';
import type { TrainingArguments } from './training_args.js';
import { PREFIX_CHECKPOINT_DIR } from './trainer_utils.js';

export const MODEL_FILE = 'model.safetensors';
export const OPTIMIZER_FILE = 'optimizer.safetensors';
export const OPTIMIZER_META = 'optimizer.json';
export const SCHEDULER_FILE = 'scheduler.json';
export const RNG_FILE = 'rng_state.safetensors';
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
  const file = join(dir, MODEL_FILE);
  if (!existsSync(file)) throw new Error(`Can't find a valid checkpoint at ${dir} (no ${MODEL_FILE})`);
  const state = torch.loadSafetensors(file);
  try {
    // tied or renamed keys differ between save and load only in ways strict loading would reject needlessly
    const result = model.loadStateDict(state, { strict: false });
    if (result.missingKeys.length) throw new Error(`checkpoint ${dir} lacks weights for ${result.missingKeys.slice(0, 5).join(', ')}${result.missingKeys.length > 5 ? ', …' : ''}`);
  } finally {
    torch.dispose(state);
  }
}

/** Optimizer state tensors go into safetensors as state.<param index>.<name>; the rest is JSON. */
function saveOptimizer(opt: Optimizer<ParamGroup>, dir: string): void {
  const sd = opt.stateDict();
  const tensors: Record<string, Tensor> = {};
  const numbers: Record<string, Record<string, number>> = {};
  for (const [idx, s] of Object.entries(sd.state)) {
    for (const [k, v] of Object.entries(s)) {
      if (typeof v === 'number') (numbers[idx] ??= {})[k] = v;
      else tensors[`state.${idx}.${k}`] = v;
    }
  }
  torch.saveSafetensors(join(dir, OPTIMIZER_FILE), tensors, { format: 'pt' });
  writeFileSync(join(dir, OPTIMIZER_META), JSON.stringify({ param_groups: sd.param_groups, numbers }, null, 2));
}

function loadOptimizer(opt: Optimizer<ParamGroup>, dir: string): void {
  const meta = JSON.parse(readFileSync(join(dir, OPTIMIZER_META), 'utf8')) as { param_groups: OptimizerStateDict['param_groups']; numbers: Record<string, Record<string, number>> };
  const tensors = torch.loadSafetensors(join(dir, OPTIMIZER_FILE));
  const state: OptimizerStateDict['state'] = {};
  for (const [key, t] of Object.entries(tensors)) {
    const [, idx, name] = key.split('.');
    (state[Number(idx)] ??= {})[name] = t;
  }
  for (const [idx, nums] of Object.entries(meta.numbers)) Object.assign((state[Number(idx)] ??= {}), nums);
  opt.loadStateDict({ state, param_groups: meta.param_groups });
}

export interface CheckpointParts {
  model: Module;
  optimizer: Optimizer<ParamGroup> | null;
  scheduler: LambdaLR | null;
  state: TrainerState;
  args: TrainingArguments;
  /** Saved with the model, as transformers' Trainer does, so that a checkpoint loads on its own. */
  tokenizer?: { savePretrained?: (dir: string) => Promise<unknown> } | null;
}

/** Writes checkpoint-<globalStep> atomically and returns its path. */
export async function saveCheckpoint(parts: CheckpointParts): Promise<string> {
  const { args, state } = parts;
  const name = `${PREFIX_CHECKPOINT_DIR}-${state.globalStep}`;
  const final = join(args.outputDir, name);
  const tmp = join(args.outputDir, `tmp-${name}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  await saveModelTo(parts.model, tmp);
  if (typeof parts.tokenizer?.savePretrained === 'function') await parts.tokenizer.savePretrained(tmp);
  if (!args.saveOnlyModel) {
    if (parts.optimizer) saveOptimizer(parts.optimizer, tmp);
    if (parts.scheduler) writeFileSync(join(tmp, SCHEDULER_FILE), JSON.stringify(parts.scheduler.stateDict()));
    const rng = torch.getRngState();
    try {
      torch.saveSafetensors(join(tmp, RNG_FILE), { cpu: rng }, { format: 'pt' });
    } finally {
      rng.dispose();
    }
  }
  writeFileSync(join(tmp, TRAINING_ARGS), args.toJsonString());
  state.saveToJson(join(tmp, TRAINER_STATE));
  // the same step saved twice (e.g. an interrupted run resumed and saved again) replaces the old one
  if (existsSync(final)) rmSync(final, { recursive: true, force: true });
  renameSync(tmp, final);
  return final;
}

/** Restores optimizer, scheduler and RNG state from a checkpoint (the model is loaded separately). */
export function loadTrainingState(dir: string, optimizer: Optimizer<ParamGroup> | null, scheduler: LambdaLR | null): void {
  if (optimizer && existsSync(join(dir, OPTIMIZER_META))) loadOptimizer(optimizer, dir);
  if (scheduler && existsSync(join(dir, SCHEDULER_FILE))) scheduler.loadStateDict(JSON.parse(readFileSync(join(dir, SCHEDULER_FILE), 'utf8')));
}

/** The RNG state saved with a checkpoint, restored so dropout draws continue as in the uninterrupted run. */
export function loadRngState(dir: string): void {
  const file = join(dir, RNG_FILE);
  if (!existsSync(file)) {
    process.emitWarning(`Didn't find an RNG file in ${dir}; if you are resuming a training that wasn't launched in a distributed fashion, reproducibility is not guaranteed.`);
    return;
  }
  const { cpu } = torch.loadSafetensors(file);
  torch.setRngState(cpu);
  cpu.dispose();
}

export function loadTrainerState(dir: string): TrainerState {
  const file = join(dir, TRAINER_STATE);
  if (!existsSync(file)) throw new Error(`Can't find a valid checkpoint at ${dir}`);
  return TrainerState.loadFromJson(file);
}

/** checkpoint-<step> folders of outputDir, oldest first; the best one moved last so rotation keeps it. */
export function sortedCheckpoints(outputDir: string, bestModelCheckpoint: string | null = null): string[] {
  if (!existsSync(outputDir)) return [];
  const re = new RegExp(`^${PREFIX_CHECKPOINT_DIR}-(\\d+)$`);
  const found = readdirSync(outputDir)
    .map((n) => [n, re.exec(n)] as const)
    .filter(([n, m]) => m && statSync(join(outputDir, n)).isDirectory())
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
  for (const dir of doomed) rmSync(dir, { recursive: true, force: true });
  return doomed;
}
