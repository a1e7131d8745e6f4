// The training state next to a model's weights, as Accelerate's checkpointing.py keeps it:
// optimizer (tensors in safetensors, the rest in JSON), scheduler (JSON) and the random
// generator's state, each process its own RNG file. Safetensors only: loading never runs code.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import * as torch from '../engine/torch.js';
import type { Tensor } from '../engine/tensor.js';
import type { Optimizer, OptimizerStateDict, ParamGroup } from '../optim/optimizer.js';
import type { LambdaLR } from '../optim/schedulers.js';
import { writeFileAtomic } from '../util/atomic.js';

export const OPTIMIZER_FILE = 'optimizer.safetensors';
export const OPTIMIZER_META = 'optimizer.json';
export const SCHEDULER_FILE = 'scheduler.json';
export const RNG_FILE = 'rng_state.safetensors';

/** rng_state.safetensors in one process; rng_state_<rank>.safetensors for each of several, as transformers names them. */
export function rngFileName(processIndex: number, numProcesses: number): string {
  return numProcesses > 1 ? `rng_state_${processIndex}.safetensors` : RNG_FILE;
}

/** Optimizer state tensors go into safetensors as state.<param index>.<name>; the rest is JSON. */
export function saveOptimizer(opt: Optimizer<ParamGroup>, dir: string): void {
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
  writeFileAtomic(join(dir, OPTIMIZER_META), JSON.stringify({ param_groups: sd.param_groups, numbers }, null, 2));
}

export function loadOptimizer(opt: Optimizer<ParamGroup>, dir: string): void {
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

export function saveScheduler(scheduler: LambdaLR, dir: string): void {
  writeFileAtomic(join(dir, SCHEDULER_FILE), JSON.stringify(scheduler.stateDict()));
}

export function loadScheduler(scheduler: LambdaLR, dir: string): void {
  scheduler.loadStateDict(JSON.parse(readFileSync(join(dir, SCHEDULER_FILE), 'utf8')));
}

/** The generator's state now, or the given one, as transformers' rng_state file holds it (`cpu`). */
export function saveRngState(file: string, state?: Tensor): void {
  const rng = state ?? torch.getRngState();
  try {
    torch.saveSafetensors(file, { cpu: rng }, { format: 'pt' });
  } finally {
    if (!state) rng.dispose();
  }
}

/**
 * The generator's state when the current epoch began, beside rng_state: from it a resumed run
 * draws the epoch's batch order again (finetune's addition; transformers' checkpoints lack it).
 */
export function epochStartRngFileName(processIndex: number, numProcesses: number): string {
  return `epoch_start_${rngFileName(processIndex, numProcesses)}`;
}

/** Restores the generator so dropout and shuffling continue as in the uninterrupted run; false when the file is absent. */
export function loadRngState(file: string): boolean {
  if (!existsSync(file)) return false;
  const { cpu } = torch.loadSafetensors(file);
  torch.setRngState(cpu);
  cpu.dispose();
  return true;
}
