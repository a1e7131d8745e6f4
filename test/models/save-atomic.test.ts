// savePretrained over an existing model is all or nothing (the robustness issue): when the
// weights cannot be written, the folder still holds the old model, config.json and weights
// together, and no temporary file is left behind.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { torch } from '../../src/index.js';
import { BertConfig, BertForSequenceClassification, logging } from '../../src/models/index.js';

logging.setVerbosity('error');
const dir = mkdtempSync(join(tmpdir(), 'finetune-save-atomic-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const TINY = { vocabSize: 30, hiddenSize: 16, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 32, maxPositionEmbeddings: 16 };

describe('savePretrained over an existing model', () => {
  it('a failed weights write leaves the old config and weights, loadable together', async () => {
    const old = BertForSequenceClassification.fromConfig(new BertConfig({ ...TINY, numLabels: 2 })).eval();
    await old.savePretrained(dir);
    const oldConfig = readFileSync(join(dir, 'config.json'), 'utf8');
    const oldWeights = readFileSync(join(dir, 'model.safetensors'));

    // a new model of another shape (3 labels) whose weights cannot be written: a disposed tensor stands for a full disk
    const replacement = BertForSequenceClassification.fromConfig(new BertConfig({ ...TINY, numLabels: 3 }));
    const state = replacement.stateDict();
    state['classifier.bias'].dispose();
    await assert.rejects(replacement.savePretrained(dir, { stateDict: state }), /classifier\.bias' was disposed/);

    assert.equal(readFileSync(join(dir, 'config.json'), 'utf8'), oldConfig, 'config.json is the old one');
    assert.ok(readFileSync(join(dir, 'model.safetensors')).equals(oldWeights), 'model.safetensors is the old one');
    assert.deepEqual(readdirSync(dir).sort(), ['config.json', 'model.safetensors'], 'no temporary file left');
    const reloaded = await BertForSequenceClassification.fromPretrained(dir);
    assert.equal(reloaded.config.numLabels, 2);
    const input = torch.tensor([[1, 5, 7, 2]], { dtype: 'int64' });
    assert.ok(torch.noGrad(() => reloaded.forward(input).logits.equal(old.forward(input).logits)), 'the old model, exactly');
  });

  it('a successful save replaces both files', async () => {
    const model = BertForSequenceClassification.fromConfig(new BertConfig({ ...TINY, numLabels: 4 }));
    await model.savePretrained(dir);
    assert.equal((await BertForSequenceClassification.fromPretrained(dir)).config.numLabels, 4);
    assert.deepEqual(readdirSync(dir).sort(), ['config.json', 'model.safetensors']);
  });
});
