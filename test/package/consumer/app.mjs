// A user's first script against the installed package, run with plain Node (no tsx, no
// TypeScript): a tensor op, a tokenizer from files, a tiny model's forward. Prints JSON.
import { join } from 'node:path';

import { AutoModelForSequenceClassification, AutoTokenizer, logging, torch } from 'finetune';

const [shared] = process.argv.slice(2);
logging.setVerbosity('error');

const product = torch.tensor([[1, 2], [3, 4]], { dtype: 'float32' }).matmul(torch.tensor([[1], [1]], { dtype: 'float32' }));
const checkpoint = join(shared, 'checkpoints', 'tiny-bert-seqcls-hf4.30');
const tokenizer = await AutoTokenizer.fromPretrained(join(shared, 'tokenizers', 'bert-base-uncased'));
const encoded = await tokenizer(['Hello, world!', 'A tiny model.'], undefined, { padding: true });
const model = await AutoModelForSequenceClassification.fromPretrained(checkpoint);
model.eval();
const tinyTokenizer = await AutoTokenizer.fromPretrained(checkpoint);
const batch = await tinyTokenizer(['Hello, world!', 'A tiny model.'], undefined, { padding: true, returnTensors: 'pt' });
const { logits } = torch.noGrad(() => model.forward(batch));
process.stdout.write(JSON.stringify({ product: product.toArray(), inputIds: encoded.input_ids, logits: logits.toArray(), shape: logits.shape }));
