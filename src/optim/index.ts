// The `optim` namespace: `import { optim } from 'finetune'`.
export { Optimizer } from './optimizer.js';
export type { ParamGroup, ParamState, OptimizerStateDict } from './optimizer.js';
export { Adam, AdamW } from './adamw.js';
export type { AdamGroup, AdamOptions } from './adamw.js';
export { SGD } from './sgd.js';
export type { SGDGroup } from './sgd.js';
export { HF_SCHEDULER_TYPES, LambdaLR, SCHEDULER_TYPES, getScheduler, scheduleLambdas } from './schedulers.js';
export type { HfSchedulerType, SchedulerType, SchedulerOptions, LrLambda } from './schedulers.js';
