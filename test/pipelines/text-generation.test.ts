// pipeline('text-generation'): a tiny random Llama with a real tokenizer (../shared's
// bert-base-uncased tokenizer.json): prompts left-padded, the continuation decoded, the prompt
// kept or not (returnFullText), and chat messages going through applyChatTemplate.
import assert from 'node:assert/strict';
import { describe, it, before } from 'node:test';

import { AutoTokenizer, LlamaConfig, LlamaForCausalLM, pipeline, torch } from '../../src/index.js';
import type { PreTrainedTokenizerFast } from '../../src/tokenizers/tokenizer.js';

const shared = new URL('../../../shared/tokenizers/bert-base-uncased', import.meta.url).pathname;

describe("pipeline('text-generation')", () => {
  let tokenizer: PreTrainedTokenizerFast;
  let model: LlamaForCausalLM;
  before(async () => {
    tokenizer = await AutoTokenizer.fromPretrained(shared);
    torch.manualSeed(0);
    model = LlamaForCausalLM.fromConfig(new LlamaConfig({
      vocabSize: tokenizer.vocabSize, hiddenSize: 16, intermediateSize: 24, numHiddenLayers: 1, numAttentionHeads: 2, maxPositionEmbeddings: 64, padTokenId: 0, eosTokenId: null,
    }));
  });

  it('continues a prompt (full text by default) and returns only the continuation with returnFullText: false', async () => {
    const generator = await pipeline('text-generation', model, { tokenizer, maxNewTokens: 5 });
    const [full] = await generator('the cat sat on');
    const [tail] = await generator('the cat sat on', { returnFullText: false });
    assert.equal(typeof full.generated_text, 'string');
    assert.ok((full.generated_text as string).startsWith('the cat sat on'));
    assert.equal(full.generated_text, `the cat sat on${tail.generated_text as string}`);
    // the continuation is the decoded new tokens of model.generate on the same ids
    const enc = await tokenizer('the cat sat on', { returnTensors: 'pt' }) as unknown as { input_ids: torch.Tensor };
    const ids = model.generate(enc.input_ids, { maxNewTokens: 5 }).tolist() as number[][];
    const promptIds = enc.input_ids.tolist() as number[][];
    const expected = tokenizer.decode(ids[0], { skipSpecialTokens: true }).slice(tokenizer.decode(promptIds[0], { skipSpecialTokens: true }).length);
    assert.equal(tail.generated_text, expected);
  });

  it('batches prompts of different lengths (left padding) with the same results as one by one', async () => {
    const generator = await pipeline('text-generation', model, { tokenizer, maxNewTokens: 4 });
    const batch = await generator(['a dog', 'the quick brown fox jumps']);
    const alone = [await generator('a dog'), await generator('the quick brown fox jumps')];
    assert.deepEqual(batch, alone);
  });

  it('chat messages go through the tokenizer\'s chat template, and fail clearly without one', async () => {
    const generator = await pipeline('text-generation', model, { tokenizer, maxNewTokens: 3 });
    const chat = [{ role: 'user', content: 'hello' }];
    const saved = tokenizer.chatTemplate;
    try {
      tokenizer.chatTemplate = null;
      await assert.rejects(generator(chat), /no chat_template/);
      tokenizer.chatTemplate = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";
      const [out] = await generator(chat);
      const messages = out.generated_text as { role: string; content: string }[];
      assert.equal(messages.length, 2);
      assert.equal(messages[1].role, 'assistant');
    } finally {
      tokenizer.chatTemplate = saved;
    }
  });
});
