// `finetune serve` as a library: serve({ model }) and its parts.
export { serve, type ServeHandle, type ServeOptions } from './server.js';
export { Batcher, type BatcherOptions, type Submission } from './batcher.js';
export { Metrics } from './metrics.js';
export { HttpError } from './http.js';
export { TASKS, TASK_ALIASES, detectTask, loadTask, type Job, type TaskEntry, type TaskHandler } from './tasks.js';
