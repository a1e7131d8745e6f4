// The acceptance program of the pretrained-models issue, as written there.
// Run: npx tsx examples/models_acceptance.ts   (needs ../shared)
import { AutoConfig, AutoModelForSequenceClassification, AutoTokenizer, torch } from '../src/index.js';

const config = await AutoConfig.fromPretrained('../shared/configs/bert-tiny', { numLabels: 2 });
const model = AutoModelForSequenceClassification.fromConfig(config);
const tokenizer = await AutoTokenizer.fromPretrained('../shared/tokenizers/bert-base-uncased');
const batch = await tokenizer(['I love this movie.', 'Terrible.'], undefined, { padding: true, returnTensors: 'pt' });
model.eval();
const out = torch.noGrad(() => model.forward({ ...batch, labels: torch.tensor([1, 0], { dtype: 'int64' }) }));
console.log(out.loss.item(), out.logits.shape);
await model.savePretrained('/tmp/finetune-ckpt');
const again = await AutoModelForSequenceClassification.fromPretrained('/tmp/finetune-ckpt');
again.eval();
console.log(torch.noGrad(() => again.forward(batch).logits.sub(out.logits).abs().max().item())); // 0
