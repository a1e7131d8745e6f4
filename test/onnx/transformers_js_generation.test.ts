// The exported causal LM is a transformers.js text-generation folder: @huggingface/transformers
// (local files only) generates with its KV cache (past_key_values → present) and gives
// transformers' own greedy tokens on the fixtures' left-padded batch, and its
// pipeline('text-generation', folder) gives finetune's greedy continuation of a prompt. The
// tiny checkpoints' 96-token vocabulary gets a character tokenizer (ids 0-2 special, 3-95 the
// characters ' ' … '|'), written here as a tokenizer.json with a BPE model and no merges.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { AutoModelForCausalLM as JsCausalLM, Tensor as JsTensor, env, pipeline as jsPipeline } from '@huggingface/transformers';

import { AutoModelForCausalLM, exportOnnx, logging, torch, type PreTrainedModel } from '../../src/index.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { fromSpec, type TensorSpec } from '../helpers/torch-fixtures.js';

const root = new URL('../fixtures/models/causal-lm/', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'finetune-tfjs-gen-'));
after(() => rmSync(work, { recursive: true, force: true }));
logging.setVerbosity('error');
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = `${work}/`;

const FAMILIES = ['gpt2', 'llama', 'mistral', 'qwen2', 'qwen3', 'gemma'];
const SPECIAL = ['<pad>', '<s>', '</s>'];
const FIRST_CHAR = 32; // id 3 is ' '
const charOf = (id: number) => String.fromCharCode(id - SPECIAL.length + FIRST_CHAR);

function writeCharTokenizer(dir: string): void {
  const vocab: Record<string, number> = Object.fromEntries(SPECIAL.map((t, i) => [t, i]));
  for (let id = SPECIAL.length; id < 96; id++) vocab[charOf(id)] = id;
  const tokenizer = {
    version: '1.0', truncation: null, padding: null,
    added_tokens: SPECIAL.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: null, pre_tokenizer: null, post_processor: null, decoder: { type: 'Fuse' },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges: [] },
  };
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ tokenizer_class: 'PreTrainedTokenizerFast', bos_token: '<s>', eos_token: '</s>', pad_token: '<pad>' }));
}

type Generating = PreTrainedModel & { generate(x: object, o: object): Tensor };

describe('transformers.js generates with the exported decoder (KV cache)', () => {
  for (const family of FAMILIES) {
    it(`${family}: greedy tokens on the left-padded batch = transformers'; pipeline('text-generation') = finetune's greedy text`, async () => {
      const dir = join(root, family);
      const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as { input_ids: TensorSpec; attention_mask: TensorSpec; generated: TensorSpec };
      const model = await AutoModelForCausalLM.fromPretrained(dir) as unknown as Generating;
      model.eval();
      const out = join(work, family);
      await exportOnnx(model, out);
      writeCharTokenizer(out);

      const ids = fromSpec(expected.input_ids).tolist() as number[][];
      const mask = fromSpec(expected.attention_mask).tolist() as number[][];
      const js = await JsCausalLM.from_pretrained(family, { dtype: 'fp32', local_files_only: true });
      try {
        const flat = (rows: number[][]) => new JsTensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0].length]);
        const generated = await js.generate({ input_ids: flat(ids), attention_mask: flat(mask), max_new_tokens: 6, do_sample: false, pad_token_id: 0, eos_token_id: null } as never) as JsTensor;
        const got = (generated.tolist() as bigint[][]).map((r) => r.map(Number));
        assert.deepEqual(got, fromSpec(expected.generated).tolist(), 'transformers.js with the cache gives transformers\' greedy tokens');
      } finally {
        await js.dispose();
      }

      const prompt = 'Hello, ONNX';
      const promptIds = [...prompt].map((c) => c.charCodeAt(0) - FIRST_CHAR + SPECIAL.length);
      const ours = model.generate({ input_ids: torch.tensor([promptIds]) }, { maxNewTokens: 8, doSample: false, eosTokenId: 2, padTokenId: 0 });
      const continuation = (ours.tolist() as number[][])[0].slice(promptIds.length).filter((id) => id >= SPECIAL.length).map(charOf).join('');
      const generator = await jsPipeline('text-generation', family, { dtype: 'fp32', local_files_only: true });
      try {
        const [result] = await generator(prompt, { max_new_tokens: 8, do_sample: false }) as unknown as { generated_text: string }[];
        assert.equal(result.generated_text, prompt + continuation);
        assert.ok(continuation.length > 0, 'something was generated');
      } finally {
        await (generator as unknown as { dispose(): Promise<void> }).dispose();
      }
    });
  }
});
