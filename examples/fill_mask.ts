// pipeline('fill-mask'): the masked LM pretrained by examples/mlm_pretrain_then_finetune.ts
// (saved in output/mlm-polarity) fills in [MASK], with topK and targets.
// Run: npx tsx examples/mlm_pretrain_then_finetune.ts first, then npx tsx examples/fill_mask.ts
import { AutoTokenizer, pipeline } from '../src/index.js';

const tokenizer = await AutoTokenizer.fromPretrained('data/tokenizers/bert-base-uncased');
const fill = await pipeline('fill-mask', 'output/mlm-polarity', { tokenizer, topK: 5 });
console.log(await fill('this movie is [MASK] .'));
console.log(await fill('a [MASK] and moving film .', { targets: ['funny', 'boring', 'beautiful'] }));
