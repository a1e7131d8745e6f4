// The `optim` namespace: `import { optim } from 'finetune'`.
export { Optimizer } from './optimizer.js';
export type { ParamGroup, ParamState, OptimizerStateDict } from './optimizer.js';
export { Adam, AdamW } from './adamw.js';
export type { AdamGroup, AdamOptions } from './adamw.js';
export { SGD } from './sgd.js';
export type { SGDGroup } from './sgd.js';
export { LambdaLR, getScheduler, scheduleLambdas } from './schedulers.js';
export type { SchedulerType, SchedulerOptions, LrLambda } from './schedulers.js';
