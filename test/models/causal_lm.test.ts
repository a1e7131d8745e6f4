// Causal LMs beyond parity: gradient accumulation with numItemsInBatch, bad configs and inputs,
// checkpoints (tied heads, dtypes, ignored dummy buffers), and generate()'s options, streamer
// and memory.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, before } from 'node:test';

import { torch, AutoConfig, AutoModelForCausalLM, GenerationConfig, LlamaConfig, LlamaForCausalLM, GPT2Config, GPT2LMHeadModel, TextStreamer, logging } from '../../src/index.js';
import type { Tensor } from '../../src/engine/tensor.js';

const fixtures = new URL('../fixtures/models/causal-lm/', import.meta.url).pathname;
const tiny = (o: Record<string, unknown> = {}) => new LlamaConfig({
  vocabSize: 40, hiddenSize: 16, intermediateSize: 24, numHiddenLayers: 2, numAttentionHeads: 4, numKeyValueHeads: 2, maxPositionEmbeddings: 32, padTokenId: 0, ...o,
});

describe('causal LM loss with gradient accumulation (numItemsInBatch)', () => {
  it('micro-batches normalised by the whole batch\'s label tokens give the full batch\'s loss and gradients', () => {
    torch.manualSeed(0);
    const model = LlamaForCausalLM.fromConfig(tiny(), { dtype: 'float64' }).train();
    const ids = torch.randint(3, 40, [4, 6]);
    const labels = ids.clone();
    labels.narrow(1, 0, 3).select(0, 1).fill_(-100); // unequal label counts per micro-batch
    labels.narrow(1, 0, 5).select(0, 3).fill_(-100);
    const full = model.forward({ input_ids: ids, labels, useCache: false }).loss!;
    full.backward();
    const want = new Map([...model.namedParameters()].map(([n, p]) => [n, p.grad!.clone()] as [string, Tensor]));
    model.zeroGrad();
    const items = labels.narrow(1, 1, 5).ne(-100).sum().item() as number;
    let total = 0;
    for (const half of [0, 2]) {
      const loss = model.forward({ input_ids: ids.narrow(0, half, 2), labels: labels.narrow(0, half, 2), numItemsInBatch: items }).loss!;
      loss.backward();
      total += loss.item();
    }
    // (the loss is computed in float32, as transformers upcasts the logits to float, so 1e-6)
    assert.ok(Math.abs(total - full.item()) < 1e-6, `${total} vs ${full.item()}`);
    for (const [name, p] of model.namedParameters()) assert.ok(p.grad!.sub(want.get(name)!).abs().max().item() < 1e-7, name);
    // a plain mean per micro-batch (the pre-fix behaviour) would not match
    const naive = [0, 2].map((h) => model.forward({ input_ids: ids.narrow(0, h, 2), labels: labels.narrow(0, h, 2) }).loss!.item() / 2);
    assert.ok(Math.abs(naive[0] + naive[1] - full.item()) > 1e-4);
  });
});

describe('bad configs and inputs are named', () => {
  it('unknown model_type names the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ft-clm-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'llama-9000' }));
    await assert.rejects(AutoConfig.fromPretrained(dir), /config\.json: model_type 'llama-9000' is not supported/);
  });
  it('heads that do not divide the hidden size, kv heads that do not divide the heads, unknown rope types', () => {
    assert.throws(() => LlamaForCausalLM.fromConfig(tiny({ numAttentionHeads: 3 })), /hidden_size \(16\) is not a multiple of num_attention_heads \(3\)/);
    assert.throws(() => LlamaForCausalLM.fromConfig(tiny({ numKeyValueHeads: 3 })), /num_attention_heads \(4\) is not a multiple of num_key_value_heads \(3\)/);
    assert.throws(() => LlamaForCausalLM.fromConfig(tiny({ ropeScaling: { rope_type: 'yarnish', factor: 2 } })), /rope_scaling\.rope_type 'yarnish' is not supported/);
    assert.throws(() => LlamaForCausalLM.fromConfig(tiny({ ropeScaling: { rope_type: 'linear' } })), /rope_scaling\.factor must be a number/);
    assert.throws(() => GPT2LMHeadModel.fromConfig(new GPT2Config({ nEmbd: 10, nHead: 4 })), /n_embd \(10\) is not a multiple of n_head \(4\)/);
  });
  it('a prompt longer than max_position_embeddings, and token ids past the vocabulary', () => {
    const model = LlamaForCausalLM.fromConfig(tiny()).eval();
    assert.throws(() => model.generate(torch.ones([1, 33], { dtype: 'int64' }), { maxNewTokens: 2 }), /prompt has 33 tokens, more than max_position_embeddings \(32\)/);
    assert.throws(() => model.forward(torch.tensor([[1, 40]])), /vocab_size: ids must lie in \[0, 40\)/);
    const gpt2 = GPT2LMHeadModel.fromConfig(new GPT2Config({ vocabSize: 40, nEmbd: 16, nLayer: 1, nHead: 2, nPositions: 8 }));
    assert.throws(() => gpt2.forward(torch.ones([1, 9], { dtype: 'int64' })), /9 positions exceed n_positions \(8\)/);
  });
});

describe('checkpoints', () => {
  before(() => logging.setVerbosity('error'));
  it('a tied head is saved once and tied again on load; an untied one round-trips; bfloat16 honoured with dtype auto', async () => {
    for (const tie of [true, false]) {
      const dir = mkdtempSync(join(tmpdir(), 'ft-clm-'));
      const model = LlamaForCausalLM.fromConfig(tiny({ tieWordEmbeddings: tie }));
      model.to('bfloat16');
      await model.savePretrained(dir);
      const back = await AutoModelForCausalLM.fromPretrained(dir, { dtype: 'auto' }) as unknown as LlamaForCausalLM;
      assert.equal(back.dtype, 'bfloat16');
      assert.equal(back.lm_head.weight === back.model.embed_tokens.weight, tie);
      assert.deepEqual(back.loadingInfo!.missingKeys, []);
      assert.ok(back.lm_head.weight.equal(model.lm_head.weight));
    }
  });
  it('sharded safetensors and a base-model pytorch_model.bin (no prefix) load the same weights', async () => {
    const models = new URL('../fixtures/models/', import.meta.url).pathname;
    const ref = await AutoModelForCausalLM.fromPretrained(`${fixtures}llama`, { dtype: 'float64' }) as unknown as LlamaForCausalLM;
    const sharded = await AutoModelForCausalLM.fromPretrained(`${models}causal-lm-sharded`, { dtype: 'float64' }) as unknown as LlamaForCausalLM;
    const fromBin = await AutoModelForCausalLM.fromPretrained(`${models}causal-lm-bin`, { dtype: 'float64' }) as unknown as LlamaForCausalLM;
    assert.deepEqual(sharded.loadingInfo!.missingKeys, []);
    assert.deepEqual(fromBin.loadingInfo!.missingKeys, ['lm_head.weight'], 'a base checkpoint has no LM head');
    const want = ref.stateDict();
    for (const [name, t] of Object.entries(sharded.stateDict())) assert.ok(t.equal(want[name]), `sharded: ${name}`);
    for (const [name, t] of Object.entries(fromBin.stateDict())) if (name.startsWith('model.')) assert.ok(t.equal(want[name]), `bin: ${name}`);
  });

  it("old checkpoints' rotary_emb.inv_freq and GPT-2's attn.bias / attn.masked_bias are ignored", async () => {
    const llama = LlamaForCausalLM.fromConfig(tiny());
    const state = { ...llama.stateDict(), 'model.layers.0.self_attn.rotary_emb.inv_freq': torch.ones([4]) };
    const info = llama.loadPretrainedWeights(state);
    assert.deepEqual(info.unexpectedKeys, []);
    const gpt2 = GPT2LMHeadModel.fromConfig(new GPT2Config({ vocabSize: 40, nEmbd: 16, nLayer: 1, nHead: 2, nPositions: 8 }));
    const info2 = gpt2.loadPretrainedWeights({ ...gpt2.stateDict(), 'transformer.h.0.attn.bias': torch.ones([1, 1, 8, 8]), 'transformer.h.0.attn.masked_bias': torch.ones([]) });
    assert.deepEqual(info2.unexpectedKeys, []);
  });
});

describe('generate', () => {
  let model: LlamaForCausalLM;
  before(async () => {
    logging.setVerbosity('error');
    model = await AutoModelForCausalLM.fromPretrained(`${fixtures}llama`) as unknown as LlamaForCausalLM;
  });

  it('reads generation_config.json (eos 2, pad 0)', () => {
    const config = GenerationConfig.fromPretrained(`${fixtures}llama`);
    assert.equal(config.eosTokenId, 2);
    assert.equal(config.padTokenId, 0);
    assert.throws(() => new GenerationConfig({ maxNewTokes: 3 } as never), /unknown generation option 'maxNewTokes'/);
  });

  it('stops a sequence at any of several eos ids and pads it afterwards', () => {
    const prompt = torch.tensor([[5, 9, 17, 33]]);
    const free = (model.generate(prompt, { maxNewTokens: 8, eosTokenId: null }).tolist() as number[][])[0];
    const stopAt = free[6];
    const out = model.generate(torch.cat([prompt, prompt]), { maxNewTokens: 8, eosTokenId: [95, stopAt], padTokenId: 0 }).tolist() as number[][];
    const first = free.indexOf(stopAt, 4);
    assert.deepEqual(out[0].slice(0, first + 1), free.slice(0, first + 1));
    assert.ok(out[0].length <= free.length);
  });

  it('minNewTokens forbids eos before it; topK 1 sampling is greedy; a seed makes sampling reproducible', () => {
    const prompt = torch.tensor([[5, 9, 17, 33]]);
    const greedy = model.generate(prompt, { maxNewTokens: 5, eosTokenId: null });
    const firstNew = (greedy.tolist() as number[][])[0][4];
    const blocked = model.generate(prompt, { maxNewTokens: 5, minNewTokens: 2, eosTokenId: firstNew });
    assert.notEqual((blocked.tolist() as number[][])[0][4], firstNew);
    assert.deepEqual(model.generate(prompt, { maxNewTokens: 5, doSample: true, topK: 1, eosTokenId: null }).tolist(), greedy.tolist());
    torch.manualSeed(7);
    const a = model.generate(prompt, { maxNewTokens: 8, doSample: true, temperature: 1.5, topP: 0.9, eosTokenId: null }).tolist();
    torch.manualSeed(7);
    const b = model.generate(prompt, { maxNewTokens: 8, doSample: true, temperature: 1.5, topP: 0.9, eosTokenId: null }).tolist();
    assert.deepEqual(a, b);
  });

  it('streams decoded text as tokens arrive', () => {
    const decoder = { decode: (ids: number[]) => ids.map((i) => `<${i}>`).join('') };
    const pieces: string[] = [];
    const streamer = new TextStreamer(decoder, { skipPrompt: true, onText: (t) => pieces.push(t) });
    const out = (model.generate(torch.tensor([[5, 9]]), { maxNewTokens: 4, eosTokenId: null, streamer }).tolist() as number[][])[0];
    assert.equal(pieces.join(''), out.slice(2).map((i) => `<${i}>`).join(''));
    assert.equal(pieces.filter((p) => p.length > 0).length, 4);
  });

  it('native memory stays flat across generate calls', () => {
    const prompt = torch.tensor([[5, 9, 17, 33], [0, 0, 4, 8]]);
    const run = () => model.generate(prompt, { maxNewTokens: 10, eosTokenId: null }).dispose();
    for (let i = 0; i < 3; i++) run();
    const before = torch.memoryStats().inUseBytes;
    for (let i = 0; i < 10; i++) run();
    const growth = torch.memoryStats().inUseBytes - before;
    assert.ok(growth < 64 * 1024, `native memory grew by ${growth} bytes over 10 calls`);
  });
});
