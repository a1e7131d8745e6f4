// Bad decoder-LM configs and prompts from config.json files, family by family: each error names the
// file and the field (or the length and the limit), instead of a crash deep in a matmul or an index.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { torch, AutoConfig, AutoModelForCausalLM } from '../../src/index.js';

const BASE = { vocab_size: 40, hidden_size: 16, intermediate_size: 24, num_hidden_layers: 1, num_attention_heads: 4, num_key_value_heads: 2, max_position_embeddings: 16, pad_token_id: 0 };

function configDir(config: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ft-dec-bad-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}
const fromConfigFile = async (config: Record<string, unknown>) => {
  const dir = configDir(config);
  return { dir, model: AutoModelForCausalLM.fromConfig(await AutoConfig.fromPretrained(dir)) };
};

describe('decoder configs out of range name the file and the field', () => {
  for (const modelType of ['llama', 'mistral', 'qwen2', 'qwen3', 'gemma']) {
    it(`${modelType}: heads, kv heads, sizes`, async () => {
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ num_key_value_heads: 3 }, /num_attention_heads \(4\) is not a multiple of num_key_value_heads \(3\)/],
        [{ num_hidden_layers: -1 }, /'num_hidden_layers' must be an integer ≥ 0, got -1/], [{ intermediate_size: 2.5 }, /'intermediate_size' must be an integer/],
        [{ vocab_size: -5 }, /'vocab_size' must be an integer ≥ 1, got -5/],
        [{ max_position_embeddings: 'long' }, /max_position_embeddings/], [{ rms_norm_eps: 0 }, /rms_norm_eps must be > 0/],
      ];
      // head_dim set explicitly (qwen3/gemma give one by default) lets heads not divide hidden_size
      if (modelType !== 'qwen3' && modelType !== 'gemma') cases.push([{ num_attention_heads: 3, num_key_value_heads: 3 }, /hidden_size \(16\) is not a multiple of num_attention_heads \(3\)/]);
      for (const [bad, message] of cases) {
        await assert.rejects(fromConfigFile({ ...BASE, model_type: modelType, ...bad }), (e: Error) => message.test(e.message) && /config\.json/.test(e.message), `${modelType} ${JSON.stringify(bad)}`);
      }
    });
  }
});

describe('a prompt longer than max_position_embeddings', () => {
  for (const modelType of ['llama', 'qwen2', 'gemma', 'gpt2']) {
    it(`${modelType}: generate names the prompt length and the limit`, async () => {
      const config = modelType === 'gpt2' ? { model_type: 'gpt2', vocab_size: 40, n_embd: 16, n_layer: 1, n_head: 2, n_positions: 16 } : { ...BASE, model_type: modelType };
      const { model } = await fromConfigFile(config);
      model.eval();
      assert.throws(() => model.generate(torch.ones([1, 17], { dtype: 'int64' }), { maxNewTokens: 1 }), /prompt has 17 tokens, more than max_position_embeddings \(16\)/);
    });
  }
});
