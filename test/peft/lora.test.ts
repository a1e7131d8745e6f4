// LoRA on a tiny BERT: which layers are wrapped and named how, what is trainable, the
// arithmetic (base + B·A·scaling, rsLoRA, rank/alpha patterns), saving and loading with PEFT's
// names, merging, disabling and switching adapters. The values Python's peft gives on the same
// weights are checked in test/interop/peft.test.ts; here the expectations are worked out by hand.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { LoraConfig, LoraLinear, ModulesToSaveWrapper, PeftModel, getPeftModel, nn, registerLoraDispatcher, torch } from '../../src/index.js';
import type { BertForSequenceClassification } from '../../src/index.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { tinyModel, tmp } from '../trainer/trainer_helpers.js';

const dirs: string[] = [];
const tempDir = () => { const d = tmp('peft'); dirs.push(d); return d; };
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

const batch = () => ({ input_ids: torch.tensor([[2, 7, 9, 11, 5, 3], [2, 8, 12, 3, 0, 0]]), attention_mask: torch.tensor([[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0]]) });
const logits = (m: { forward(x: unknown): unknown }) => torch.noGrad(() => (m.forward(batch()) as { logits: Tensor }).logits);
const maxDiff = (a: Tensor, b: Tensor) => a.sub(b).abs().max().item();

/** Every LoRA B drawn at random, so that the adapter changes the outputs. */
function perturb(model: PeftModel, seed = 3, scale = 0.5): void {
  torch.manualSeed(seed);
  torch.noGrad(() => {
    for (const [name, p] of model.namedParameters()) if (name.includes('lora_B') || name.includes('modules_to_save')) p.add_(torch.randn(p.shape).mul(scale));
  });
}

function freshPeft(config: ConstructorParameters<typeof LoraConfig>[0] = {}, seed = 0): PeftModel<BertForSequenceClassification> {
  return getPeftModel(tinyModel(seed, { dropout: 0 }).eval(), new LoraConfig(config));
}

describe('LoraConfig', () => {
  it("has PEFT's defaults and takes snake_case keys", () => {
    const c = new LoraConfig();
    assert.deepEqual([c.r, c.loraAlpha, c.loraDropout, c.bias, c.useRslora, c.initLoraWeights, c.targetModules, c.modulesToSave, c.taskType], [8, 8, 0, 'none', false, true, null, null, null]);
    const s = new LoraConfig({ lora_alpha: 32, target_modules: ['query'], use_rslora: true } as never);
    assert.deepEqual([s.loraAlpha, s.targetModules, s.useRslora], [32, ['query'], true]);
  });

  it('refuses unknown options and bad values, naming them', () => {
    assert.throws(() => new LoraConfig({ rank: 4 } as never), /unknown option 'rank'/);
    assert.throws(() => new LoraConfig({ r: 0 }), /r must be a positive integer/);
    assert.throws(() => new LoraConfig({ bias: 'some' as never }), /bias must be 'none', 'all' or 'lora_only'/);
    assert.throws(() => new LoraConfig({ initLoraWeights: 'pissa' as never }), /initLoraWeights must be true, false or 'gaussian'/);
    assert.throws(() => LoraConfig.fromDict({ peft_type: 'LORA', r: 8, use_dora: true }, 'x/adapter_config.json'), /x\/adapter_config.json: use_dora = true is not supported/);
  });

  it("writes adapter_config.json with PEFT's field names and reads it back", () => {
    const dir = tempDir();
    new LoraConfig({ r: 4, loraAlpha: 16, targetModules: ['query', 'value'], rankPattern: { value: 2 }, taskType: 'SEQ_CLS' }).savePretrained(dir);
    const json = JSON.parse(readFileSync(join(dir, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
    for (const [k, v] of Object.entries({ r: 4, lora_alpha: 16, target_modules: ['query', 'value'], rank_pattern: { value: 2 }, task_type: 'SEQ_CLS', peft_type: 'LORA', use_dora: false, init_lora_weights: true })) {
      assert.deepEqual(json[k], v, k);
    }
    const back = LoraConfig.fromPretrained(dir);
    assert.deepEqual([back.r, back.loraAlpha, back.targetModules, back.rankPattern, back.taskType], [4, 16, ['query', 'value'], { value: 2 }, 'SEQ_CLS']);
  });
});

describe('getPeftModel', () => {
  it("wraps BERT's default targets (query, value) under PEFT's parameter names, and only LoRA trains", () => {
    const model = freshPeft({ r: 4 });
    const names = [...model.namedParameters()].map(([n]) => n);
    assert.ok(names.includes('base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.default.weight'));
    assert.ok(names.includes('base_model.model.bert.encoder.layer.1.attention.self.value.base_layer.weight'));
    assert.ok(!names.some((n) => n.includes('.key.lora_')), 'key is not a default target');
    const trainable = [...model.namedParameters()].filter(([, p]) => p.requiresGrad).map(([n]) => n);
    assert.ok(trainable.length === 8 && trainable.every((n) => /lora_[AB]\.default\.weight$/.test(n)), trainable.join());
    // 2 layers × 2 targets × r·(32 + 32)
    const all = tinyModel(0).numParameters() + 4 * 4 * 64;
    assert.equal(model.trainableParametersLine(), `trainable params: 1,024 || all params: ${all.toLocaleString('en-US')} || trainable%: ${(100 * 1024 / all).toFixed(4)}`);
  });

  it('SEQ_CLS puts the classifier in modulesToSave: a trainable copy, counted beside the frozen original', () => {
    const model = freshPeft({ r: 4, taskType: 'SEQ_CLS' });
    assert.ok(model.getBaseModel().classifier instanceof ModulesToSaveWrapper);
    assert.deepEqual(model.activePeftConfig.modulesToSave, ['classifier', 'score']);
    const trainable = [...model.namedParameters()].filter(([, p]) => p.requiresGrad).map(([n]) => n);
    assert.ok(trainable.includes('base_model.model.classifier.modules_to_save.default.weight'));
    assert.ok(!trainable.includes('base_model.model.classifier.original_module.weight'));
    const [t, all] = model.getNbTrainableParameters();
    assert.deepEqual([t, all], [1024 + 66, tinyModel(0).numParameters() + 1024 + 66]);
  });

  it('starts as the base model (B = 0), and B·A·alpha/r is what it adds', () => {
    const base = logits(tinyModel(0, { dropout: 0 }).eval());
    const model = freshPeft({ r: 4, loraAlpha: 8 });
    assert.ok(maxDiff(logits(model), base) === 0, 'zero B: the same logits');
    perturb(model);
    const layer = model.getBaseModel().bert.encoder.layer.get(0).attention.self.query as unknown as LoraLinear;
    const x = torch.randn([3, 32]);
    const expected = torch.noGrad(() => (layer.base_layer as nn.Linear).forward(x).add(x.matmul(layer.lora_A.get('default')!.weight.t()).matmul(layer.lora_B.get('default')!.weight.t()).mul(8 / 4)));
    assert.ok(maxDiff(torch.noGrad(() => layer.forward(x)), expected) < 1e-6);
    assert.ok(maxDiff(logits(model), base) > 1e-3, 'the adapter changes the output');
    assert.ok(maxDiff(model.disableAdapter(() => logits(model)), base) === 0, 'disableAdapter: the base model');
    assert.ok(maxDiff(logits(model), base) > 1e-3, 'enabled again after the scope');
  });

  it('rsLoRA scales by alpha/√r; rankPattern and alphaPattern match the ends of module names', () => {
    const model = freshPeft({ r: 4, loraAlpha: 8, useRslora: true, rankPattern: { 'layer.1.attention.self.value': 2 }, alphaPattern: { value: 3 } });
    const self0 = model.getBaseModel().bert.encoder.layer.get(0).attention.self;
    const self1 = model.getBaseModel().bert.encoder.layer.get(1).attention.self;
    const q0 = self0.query as unknown as LoraLinear, v0 = self0.value as unknown as LoraLinear, v1 = self1.value as unknown as LoraLinear;
    assert.deepEqual([q0.r.default, q0.scaling.default], [4, 8 / 2]);
    assert.deepEqual([v0.r.default, v0.scaling.default], [4, 3 / 2]);
    assert.deepEqual([v1.r.default, v1.scaling.default, v1.lora_A.get('default')!.weight.shape], [2, 3 / Math.SQRT2, [2, 32]]);
  });

  it("RoBERTa's head and DistilBERT's (q_lin, v_lin by default; pre_classifier too, as PEFT's suffix match does) wrap and run", async () => {
    const { RobertaConfig, RobertaForSequenceClassification, DistilBertConfig, DistilBertForSequenceClassification } = await import('../../src/index.js');
    torch.manualSeed(0);
    const small = { vocabSize: 32, hiddenSize: 32, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 37, maxPositionEmbeddings: 20 };
    const roberta = getPeftModel(RobertaForSequenceClassification.fromConfig(new RobertaConfig(small)).eval(), { taskType: 'SEQ_CLS' });
    const before = logits(roberta);
    await roberta.savePretrained(tempDir());
    assert.ok(roberta.getBaseModel().classifier instanceof ModulesToSaveWrapper);
    assert.ok(maxDiff(roberta.disableAdapter(() => logits(roberta)), before) === 0);
    const distil = getPeftModel(DistilBertForSequenceClassification.fromConfig(new DistilBertConfig({ vocabSize: 32, dim: 32, nLayers: 1, nHeads: 2, hiddenDim: 37, maxPositionEmbeddings: 20 })).eval(), { taskType: 'SEQ_CLS' });
    const wrapped = [...distil.getBaseModel().namedModules()].filter(([, m]) => m instanceof LoraLinear).map(([n]) => n);
    assert.deepEqual(wrapped, ['distilbert.transformer.layer.0.attention.q_lin', 'distilbert.transformer.layer.0.attention.v_lin']);
    assert.ok(distil.getBaseModel().pre_classifier instanceof ModulesToSaveWrapper);
    assert.equal(logits(distil).shape.join(), '2,2');
  });

  it("targets by list, by regular expression, 'all-linear' (not the classifier) and excludeModules", () => {
    const wrapped = (m: PeftModel) => [...m.getBaseModel().namedModules()].filter(([, x]) => x instanceof LoraLinear).map(([n]) => n);
    assert.deepEqual(wrapped(freshPeft({ targetModules: ['dense'], excludeModules: ['pooler.dense'] })).length, 6);
    assert.deepEqual(wrapped(freshPeft({ targetModules: String.raw`.*layer\.0\.attention\.self\.(key|query)` })),
      ['bert.encoder.layer.0.attention.self.query', 'bert.encoder.layer.0.attention.self.key']);
    const all = wrapped(freshPeft({ targetModules: 'all-linear', taskType: 'SEQ_CLS' }));
    assert.equal(all.length, 2 * 6 + 1, 'q, k, v, attention output, intermediate, output per layer, and the pooler');
    assert.ok(!all.includes('classifier'));
    assert.throws(() => freshPeft({ targetModules: ['q_proj'] }), /Target modules \["q_proj"\] not found in the base model/);
    assert.throws(() => freshPeft({ targetModules: ['LayerNorm'] }), /Target module .*LayerNorm \(LayerNorm\) is not supported/);
  });

  it("bias 'all' trains every bias, 'lora_only' those of the wrapped layers", () => {
    const biases = (m: PeftModel) => [...m.namedParameters()].filter(([n, p]) => p.requiresGrad && n.endsWith('bias')).length;
    assert.equal(biases(freshPeft({ bias: 'none' })), 0);
    assert.equal(biases(freshPeft({ bias: 'lora_only' })), 4);
    assert.equal(biases(freshPeft({ bias: 'all' })), [...tinyModel(0).namedParameters()].filter(([n]) => n.endsWith('bias')).length);
  });

  it("'gaussian' draws A with std 1/r; false leaves B random (the adapter is not a no-op)", () => {
    torch.manualSeed(0);
    const g = freshPeft({ r: 64, initLoraWeights: 'gaussian', targetModules: ['query'] });
    const a = (g.getBaseModel().bert.encoder.layer.get(0).attention.self.query as unknown as LoraLinear).lora_A.get('default')!.weight;
    assert.ok(Math.abs(a.std().item() - 1 / 64) < 0.002, `std ${a.std().item()}`);
    const base = logits(tinyModel(0, { dropout: 0 }).eval());
    assert.ok(maxDiff(logits(freshPeft({ initLoraWeights: false })), base) > 1e-4);
  });
});

describe('saving and loading adapters', () => {
  it("writes only the adapter, by PEFT's names; fromPretrained on the same base gives the same logits", async () => {
    const model = freshPeft({ r: 4, taskType: 'SEQ_CLS' });
    perturb(model);
    const before = logits(model);
    const dir = tempDir();
    await model.savePretrained(dir);
    const saved = torch.loadSafetensors(join(dir, 'adapter_model.safetensors'));
    const keys = Object.keys(saved).sort();
    assert.ok(keys.includes('base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight'));
    assert.ok(keys.includes('base_model.model.classifier.weight') && keys.includes('base_model.model.classifier.bias'));
    assert.equal(keys.length, 8 + 2);
    assert.ok(!keys.some((k) => k.includes('default') || k.includes('base_layer')));
    const config = JSON.parse(readFileSync(join(dir, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual([config.inference_mode, config.modules_to_save, config.task_type], [true, ['classifier', 'score'], 'SEQ_CLS']);

    const reloaded = PeftModel.fromPretrained(tinyModel(0, { dropout: 0 }), dir);
    assert.ok(maxDiff(logits(reloaded), before) === 0, 'same logits');
    assert.deepEqual(logits(reloaded).argmax(-1).tolist(), before.argmax(-1).tolist(), 'the classifier predicts what it predicted before saving');
    assert.equal(reloaded.getNbTrainableParameters()[0], 0, 'loaded for inference: nothing trainable');
    assert.ok(PeftModel.fromPretrained(tinyModel(0), dir, { isTrainable: true }).getNbTrainableParameters()[0] > 0);
  });

  it('refuses weights of another rank, naming the tensor', async () => {
    const dir = tempDir();
    await freshPeft({ r: 4 }).savePretrained(dir);
    const config = JSON.parse(readFileSync(join(dir, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
    config.r = 2;
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify(config));
    assert.throws(() => PeftModel.fromPretrained(tinyModel(0), dir), /size mismatch for base_model\.model\.bert\.encoder\.layer\.0\.attention\.self\.query\.lora_A\.weight/);
  });

  it('mergeAndUnload gives the unmerged outputs with plain Linear layers; unmerge restores the base weights', () => {
    const model = freshPeft({ r: 4, loraAlpha: 16, taskType: 'SEQ_CLS' });
    perturb(model);
    const unmerged = logits(model);
    const query = () => model.getBaseModel().bert.encoder.layer.get(0).attention.self.query as unknown as LoraLinear;
    const baseWeight = (query().base_layer as nn.Linear).weight.clone();
    model.mergeAdapter();
    assert.ok(maxDiff(logits(model), unmerged) < 1e-5, 'merged in place');
    model.unmergeAdapter();
    assert.ok(maxDiff((query().base_layer as nn.Linear).weight, baseWeight) < 1e-6);
    const merged = model.mergeAndUnload();
    assert.ok(merged.bert.encoder.layer.get(0).attention.self.query instanceof nn.Linear);
    assert.ok(merged.classifier instanceof nn.Linear);
    assert.ok(!Object.keys(merged.stateDict()).some((k) => k.includes('lora') || k.includes('base_layer') || k.includes('modules_to_save')));
    assert.ok(maxDiff(logits(merged), unmerged) < 1e-5);
  });

  it('several adapters: loadAdapter adds one inactive, setAdapter switches, each is saved in its folder', async () => {
    const model = freshPeft({ r: 4, taskType: 'SEQ_CLS' });
    perturb(model, 1);
    const first = logits(model);
    const other = freshPeft({ r: 2, targetModules: ['key'], taskType: 'SEQ_CLS' });
    perturb(other, 2);
    const second = logits(other);
    const dir = tempDir();
    await other.savePretrained(dir);
    model.loadAdapter(dir, 'other');
    assert.equal(model.activeAdapter, 'default');
    assert.ok(maxDiff(logits(model), first) < 1e-6, 'the new adapter is inactive');
    model.setAdapter('other');
    assert.ok(maxDiff(logits(model), second) < 1e-6, 'the other adapter (and its classifier)');
    const trainable = [...model.namedParameters()].filter(([, p]) => p.requiresGrad).map(([n]) => n);
    assert.equal(trainable.length, 0, 'loaded for inference');
    model.setAdapter('default');
    assert.ok(maxDiff(logits(model), first) < 1e-6);
    const both = tempDir();
    await model.savePretrained(both);
    assert.ok(existsSync(join(both, 'adapter_model.safetensors')) && existsSync(join(both, 'other', 'adapter_model.safetensors')));
  });

  it('a pluggable base layer: a Conv1D ([in, out] weight) gets LoRA, and merging transposes the update', () => {
    class Conv1D extends nn.Module {
      weight = new nn.Parameter(torch.randn([6, 4]));
      bias = new nn.Parameter(torch.randn([4]));
      forward(x: Tensor): Tensor { return x.matmul(this.weight).add(this.bias); }
    }
    class Net extends nn.Module {
      c_attn = new Conv1D();
      forward(x: Tensor): Tensor { return this.c_attn.forward(x); }
    }
    torch.manualSeed(0);
    const model = getPeftModel(new Net(), new LoraConfig({ r: 2, targetModules: ['c_attn'] }));
    perturb(model);
    const x = torch.randn([3, 6]);
    const out = torch.noGrad(() => model.forward(x) as Tensor);
    assert.equal((model.base_model.model as Net).c_attn instanceof LoraLinear, true);
    assert.equal(model.activePeftConfig.fanInFanOut, true);
    const merged = model.mergeAndUnload() as Net;
    assert.ok(maxDiff(torch.noGrad(() => merged.forward(x)), out) < 1e-5);
    let seen = 0;
    registerLoraDispatcher((m) => (m.constructor.name === 'Scaled' ? (seen++, { inFeatures: 2, outFeatures: 2, fanInFanOut: false }) : null));
    class Scaled extends nn.Module { weight = new nn.Parameter(torch.eye(2)); forward(x: Tensor): Tensor { return x.matmul(this.weight); } }
    class Holder extends nn.Module { s = new Scaled(); forward(x: Tensor): Tensor { return this.s.forward(x); } }
    getPeftModel(new Holder(), { targetModules: ['s'] });
    assert.ok(seen > 0, 'the registered dispatcher was asked');
  });
});
