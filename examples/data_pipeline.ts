// The data pipeline of a GLUE MRPC fine-tuning run: tokenizer, dataset, dynamic padding.
// Run from the repository root: npx tsx examples/data_pipeline.ts (the acceptance snippet of
// issue 3, importing the package root as `finetune` users do).
import { AutoTokenizer, loadDataset, DataCollatorWithPadding } from '../src/index.js';

const tokenizer = await AutoTokenizer.fromPretrained('../shared/tokenizers/bert-base-uncased');
const inputs = await tokenizer('This is the first sentence.', 'This is the second one.');
console.log(inputs.inputIds, inputs.tokenTypeIds, tokenizer.convertIdsToTokens(inputs.inputIds));
const raw = await loadDataset('glue', 'mrpc', { dataDir: '../shared/datasets/glue/MRPC' });
console.log(raw.toString(), raw['train'].features.label.names);
const tokenized = await raw.map((b) => tokenizer(b.sentence1, b.sentence2, { truncation: true }), { batched: true });
const collator = new DataCollatorWithPadding({ tokenizer });
const samples = tokenized['train'].select([0, 1, 2, 3, 4, 5, 6, 7]).removeColumns(['idx', 'sentence1', 'sentence2']);
const batch = await collator(samples.toList());
console.log(Object.fromEntries(Object.entries(batch).map(([k, v]) => [k, v.shape])));
