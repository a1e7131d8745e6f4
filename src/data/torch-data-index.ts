// The `data` namespace (torch.utils.data): `import { data } from 'finetune'`, then
// `class MyDataset extends data.Dataset { … }` and `new data.DataLoader(ds, …)`.
export { Dataset } from './dataset.js';
export { DataLoader, type DataLoaderOptions } from './dataloader.js';
export { SequentialSampler, RandomSampler, BatchSampler, type Sampler } from './samplers.js';
