// LoRA adapters interchangeable with Python's peft (peft 0.21 on torch 2.x), both directions, on
// a tiny random BERT classifier that transformers saved, for plain LoRA, rsLoRA with rank and
// alpha patterns, the three bias modes, 'all-linear' with Gaussian init, and a regular expression
// with excludeModules:
//   peft save_pretrained → finetune PeftModel.fromPretrained: same logits (1e-5), same merged
//     logits, same logits with the adapter disabled, the same print_trainable_parameters line for
//     the same config, and finetune saves the same tensor names peft does
//   finetune savePretrained → peft PeftModel.from_pretrained: same logits and merged logits, no
//     warning, the config read as written.
// The peft side is scripts/peers/peft_interop.py, run in the peers' venv.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { BertForSequenceClassification, LoraConfig, PeftModel, getPeftModel, logging, torch } from '../../src/index.js';
import type { LoraConfigOptions } from '../../src/index.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { peerPython, runPeer } from '../helpers/peers.js';

const TOLERANCE = 1e-5;
const COMMON: LoraConfigOptions = { r: 4, loraAlpha: 8, loraDropout: 0, taskType: 'SEQ_CLS' };
// the same configs as CASES in scripts/peers/peft_interop.py
const CASES: Record<string, LoraConfigOptions> = {
  default: COMMON,
  rslora_patterns: { ...COMMON, useRslora: true, targetModules: ['query', 'key', 'value'], rankPattern: { 'layer.1.attention.self.key': 2 }, alphaPattern: { value: 5 } },
  bias_all: { ...COMMON, bias: 'all' },
  bias_lora_only: { ...COMMON, bias: 'lora_only', targetModules: ['query', 'dense'] },
  all_linear: { ...COMMON, targetModules: 'all-linear', initLoraWeights: 'gaussian' },
  regex_exclude: { ...COMMON, targetModules: String.raw`.*\.(query|value|dense)`, excludeModules: ['pooler.dense'] },
};

interface Case { logits: number[][]; merged_logits: number[][]; disabled_logits: number[][]; trainable_line: string; saved_keys: string[] }
interface Expected { input_ids: number[][]; attention_mask: number[][]; base_logits: number[][]; cases: Record<string, Case> }
interface Loaded { logits: number[][]; merged_logits: number[][]; warnings: string[]; loaded_config: Record<string, unknown> }

const { skip } = peerPython();
const work = mkdtempSync(join(tmpdir(), 'finetune-peft-interop-'));
after(() => rmSync(work, { recursive: true, force: true }));
logging.setVerbosity('error');

function maxDiff(actual: number[][], expected: number[][]): number {
  assert.deepEqual([actual.length, actual[0].length], [expected.length, expected[0].length], 'logits shape');
  return Math.max(...actual.flatMap((row, i) => row.map((v, j) => Math.abs(v - expected[i][j]))));
}

describe('LoRA adapters interchangeable with peft (peers venv)', { skip }, () => {
  const made = join(work, 'made');
  const base = join(made, 'base');
  let expected: Expected;
  let inputs: Record<string, Tensor>;
  const logitsOf = (m: { forward(x: unknown): unknown }) => torch.noGrad(() => ((m.forward(inputs) as { logits: Tensor }).logits.tolist() as number[][]));
  const loadBase = () => BertForSequenceClassification.fromPretrained(base);

  before(() => {
    runPeer('peft_interop.py', ['make', made]);
    expected = JSON.parse(readFileSync(join(made, 'expected.json'), 'utf8')) as Expected;
    inputs = { input_ids: torch.tensor(expected.input_ids), attention_mask: torch.tensor(expected.attention_mask) };
  });

  for (const [name, options] of Object.entries(CASES)) {
    it(`${name}: peft's adapter loads in finetune with peft's logits (adapter, merged, disabled), trainable count and saved names`, async () => {
      const want = expected.cases[name];
      const model = PeftModel.fromPretrained(await loadBase(), join(made, name));
      assert.ok(maxDiff(logitsOf(model), expected.base_logits) > 1e-3, 'the adapter changes the outputs');
      const diff = maxDiff(logitsOf(model), want.logits);
      assert.ok(diff <= TOLERANCE, `max |Δlogit| ${diff}`);
      if (!name.startsWith('bias')) {
        // peft itself warns that a trained bias survives disabling: then the base logits are not the reference
        assert.ok(maxDiff(model.disableAdapter(() => logitsOf(model)), want.disabled_logits) <= TOLERANCE, 'disabled');
      }
      const resaved = join(work, `resaved-${name}`);
      await model.savePretrained(resaved);
      assert.deepEqual(Object.keys(torch.loadSafetensors(join(resaved, 'adapter_model.safetensors'))).sort(), want.saved_keys, 'the tensor names peft saves');
      assert.ok(maxDiff(logitsOf(model.mergeAndUnload()), want.merged_logits) <= TOLERANCE, 'merged');
      // the same config on a fresh model: peft's print_trainable_parameters line
      const fresh = getPeftModel(await loadBase(), new LoraConfig(options));
      assert.equal(fresh.trainableParametersLine(), want.trainable_line);
    });
  }

  it('adapters trained by finetune load in peft with the same logits (adapter and merged), no warnings', async () => {
    const dirs: string[] = [];
    const ours: Record<string, number[][]> = {};
    for (const [i, [name, options]] of Object.entries(CASES).entries()) {
      torch.manualSeed(200 + i);
      const model = getPeftModel(await loadBase(), new LoraConfig(options));
      // a few optimizer steps on a fixed batch: the adapter (and classifier, biases) move away from their init
      const { AdamW } = await import('../../src/optim/adamw.js');
      const opt = new AdamW(model.parameters().filter((p) => p.requiresGrad), { lr: 0.05 });
      model.train();
      for (let step = 0; step < 3; step++) {
        torch.tidy(() => {
          const out = model.forward({ ...inputs, labels: torch.tensor([0, 2]) }) as { loss: Tensor };
          out.loss.backward();
          opt.step();
          opt.zeroGrad();
        });
      }
      model.eval();
      const dir = join(work, `ours-${name}`);
      await model.savePretrained(dir);
      dirs.push(dir);
      ours[dir] = logitsOf(model);
    }
    const loaded = runPeer<Record<string, Loaded>>('peft_interop.py', ['load', base, ...dirs]);
    for (const [i, dir] of dirs.entries()) {
      const name = Object.keys(CASES)[i];
      const got = loaded[dir];
      assert.ok(maxDiff(ours[dir], expected.base_logits) > 1e-3, `${name}: training changed the outputs`);
      assert.ok(maxDiff(got.logits, ours[dir]) <= TOLERANCE, `${name}: max |Δlogit| ${maxDiff(got.logits, ours[dir])}`);
      assert.ok(maxDiff(got.merged_logits, ours[dir]) <= TOLERANCE, `${name}: merged in peft`);
      assert.deepEqual(got.warnings.filter((w) => !/lora_only|bias/.test(w)), [], `${name}: peft warned`);
      const options = CASES[name];
      assert.equal(got.loaded_config.r, 4);
      assert.equal(got.loaded_config.bias, options.bias ?? 'none');
      assert.equal(got.loaded_config.use_rslora, options.useRslora ?? false);
      assert.deepEqual(got.loaded_config.rank_pattern, options.rankPattern ?? {});
    }
  });
});
