// PeftModel.generate (PEFT's): the base model's generate, whose layers carry the adapter, so the
// adapter changes what is generated (and disableAdapter gives the base model's tokens).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { LlamaConfig, LlamaForCausalLM, LoraConfig, getPeftModel, torch } from '../../src/index.js';
import type { Tensor } from '../../src/engine/tensor.js';

const ids = (t: Tensor) => Array.from(t.select(0, 0).data() as BigInt64Array, Number);

describe('PeftModel.generate', () => {
  it('generates with the adapter; disableAdapter generates as the base model', () => {
    torch.manualSeed(0);
    const base = LlamaForCausalLM.fromConfig(new LlamaConfig({ vocabSize: 40, hiddenSize: 16, intermediateSize: 24, numHiddenLayers: 2, numAttentionHeads: 4, numKeyValueHeads: 2, maxPositionEmbeddings: 32 })).eval();
    const prompt = torch.tensor([[3, 7, 11, 5]]);
    const plain = ids(base.generate(prompt, { maxNewTokens: 8, doSample: false }));
    // initLoraWeights false: B is random too, so the adapter changes the outputs from the start
    const peft = getPeftModel(base, new LoraConfig({ r: 4, loraAlpha: 64, initLoraWeights: false, taskType: 'CAUSAL_LM' }));
    const adapted = ids(peft.generate(prompt, { maxNewTokens: 8, doSample: false }) as Tensor);
    assert.notDeepEqual(adapted, plain);
    const logits = peft.forward({ input_ids: prompt }).logits as Tensor;
    assert.equal(adapted[4], Number(logits.select(1, 3).argmax(-1).item()), 'the first new token is the adapted model\'s argmax');
    const off = peft.disableAdapter(() => ids(peft.generate(prompt, { maxNewTokens: 8, doSample: false }) as Tensor));
    assert.deepEqual(off, plain);
  });

});
