// savePretrained / fromPretrained: the files transformers writes (names, shapes, dtypes and
// metadata compared with the PyTorch-written fixtures), a bit-exact round trip, the
// base-model prefix both ways, legacy names and buffers in checkpoints, the loading report,
// dtypes, and errors that name the file and the tensor.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, after } from 'node:test';

import { torch } from '../../src/index.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { readSafetensorsHeader } from '../../src/engine/safetensors.js';
import {
  TRANSFORMERS_VERSION,
  AutoModel, AutoModelForSequenceClassification, BertConfig, BertForSequenceClassification, BertModel, logging,
} from '../../src/models/index.js';

const fixtures = fileURLToPath(new URL('../fixtures/models/', import.meta.url));
const dirs: string[] = [];
const scratch = () => dirs[dirs.push(mkdtempSync(join(tmpdir(), 'finetune-save-'))) - 1];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const ids = () => torch.tensor([[5, 7, 9, 11, 0], [3, 4, 0, 0, 0]], { dtype: 'int64' });
const mask = () => torch.tensor([[1, 1, 1, 1, 0], [1, 1, 0, 0, 0]], { dtype: 'int64' });

/** Runs fn with the logger's warnings captured. */
async function captured<T>(fn: () => Promise<T>): Promise<[T, string[]]> {
  const messages: string[] = [];
  const previous = logging.setHandler((_level, m) => messages.push(m));
  logging.setVerbosity('warning');
  try {
    return [await fn(), messages];
  } finally {
    logging.setHandler(previous);
    logging.setVerbosity('error');
  }
}

function header(file: string): Record<string, [string, number[]]> {
  const h = readSafetensorsHeader(file);
  return Object.fromEntries(Object.entries(h.tensors).map(([k, v]) => [k, [v.dtype, v.shape]]));
}

logging.setVerbosity('error');
after(() => logging.setVerbosity('warning'));

describe('savePretrained', () => {
  for (const family of ['bert', 'roberta', 'distilbert']) {
    it(`${family}: model.safetensors has the names, shapes and dtypes PyTorch wrote, {"format": "pt"}, no position_ids`, async () => {
      const model = await AutoModelForSequenceClassification.fromPretrained(join(fixtures, family));
      const dir = scratch();
      await model.savePretrained(dir);
      assert.deepEqual(readdirSync(dir).sort(), ['config.json', 'model.safetensors'], 'only the two files, no temporary ones');
      assert.deepEqual(header(join(dir, 'model.safetensors')), header(join(fixtures, family, 'model.safetensors')));
      assert.deepEqual(readSafetensorsHeader(join(dir, 'model.safetensors')).metadata, { format: 'pt' }, 'transformers refuses safetensors without it');
      assert.ok(!Object.keys(header(join(dir, 'model.safetensors'))).some((k) => k.includes('position_ids')));
      const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
      const original = JSON.parse(readFileSync(join(fixtures, family, 'config.json'), 'utf8')) as Record<string, unknown>;
      assert.deepEqual({ ...config, _name_or_path: undefined }, { ...original, _name_or_path: undefined, transformers_version: TRANSFORMERS_VERSION });
    });
  }

  it('round trip is bit-exact: same tensors, same logits', async () => {
    const model = await BertForSequenceClassification.fromPretrained(join(fixtures, 'bert'));
    const dir = scratch();
    await model.savePretrained(dir);
    const again = await AutoModelForSequenceClassification.fromPretrained(dir);
    const [a, b] = [model.stateDict(), again.stateDict()];
    assert.deepEqual(Object.keys(b), Object.keys(a));
    for (const k of Object.keys(a)) assert.ok(a[k].equal(b[k]), `${k} is bit-identical`);
    const batch = { input_ids: ids(), attention_mask: mask() };
    const diff = torch.noGrad(() => again.forward(batch).logits.sub(model.forward(batch).logits).abs().max().item());
    assert.equal(diff, 0);
    assert.equal(again.constructor.name, 'BertForSequenceClassification');
  });

  it('a float64 model saves F64 tensors and torch_dtype; dtype "auto" restores it, the default is float32', async () => {
    const model = (await BertForSequenceClassification.fromPretrained(join(fixtures, 'bert'))).to('float64');
    const dir = scratch();
    await model.savePretrained(dir);
    assert.ok(Object.values(header(join(dir, 'model.safetensors'))).every(([dtype]) => dtype === 'float64'));
    assert.equal(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).torch_dtype, 'float64');
    assert.equal((await BertForSequenceClassification.fromPretrained(dir)).dtype, 'float32');
    const auto = await BertForSequenceClassification.fromPretrained(dir, { dtype: 'auto' });
    assert.equal(auto.dtype, 'float64');
    assert.ok(auto.stateDict()['classifier.weight'].equal(model.stateDict()['classifier.weight']));
    assert.equal((await BertForSequenceClassification.fromPretrained(dir, { dtype: 'bfloat16' })).dtype, 'bfloat16');
  });

  it("writes the tokenizer's files when given one", async () => {
    const model = BertModel.fromConfig(new BertConfig({ vocabSize: 20, hiddenSize: 8, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 8 }));
    const dir = scratch();
    await model.savePretrained(dir, { tokenizer: { savePretrained: async (d: string) => writeFileSync(join(d, 'tokenizer.json'), '{}') } });
    assert.deepEqual(readdirSync(dir).sort(), ['config.json', 'model.safetensors', 'tokenizer.json']);
    await assert.rejects(model.savePretrained(join(dir, 'config.json')), /should be a directory, not a file/);
  });
});

describe('fromPretrained', () => {
  it('a base checkpoint in a task model: prefix added, the head newly initialised and reported', async () => {
    const base = await BertModel.fromPretrained(join(fixtures, 'bert'));
    assert.deepEqual(base.loadingInfo?.unexpectedKeys, ['classifier.bias', 'classifier.weight'], 'task checkpoint → base model: the head is unused');
    const dir = scratch();
    await base.savePretrained(dir);
    assert.ok(Object.keys(header(join(dir, 'model.safetensors'))).every((k) => !k.startsWith('bert.')), 'a base model saves without prefix');
    const [task, messages] = await captured(() => AutoModelForSequenceClassification.fromPretrained(dir, { numLabels: 3 }));
    assert.deepEqual(task.loadingInfo?.missingKeys, ['classifier.bias', 'classifier.weight']);
    assert.deepEqual(task.loadingInfo?.unexpectedKeys, []);
    assert.equal(messages.length, 1);
    assert.match(messages[0], new RegExp(`^Some weights of BertForSequenceClassification were not initialized from the model checkpoint at ${dir} and are newly initialized: \\['classifier.bias', 'classifier.weight'\\]\nYou should probably TRAIN this model on a down-stream task`));
    assert.equal(task.loadingInfo?.report, messages[0]);
    const [, unused] = await captured(() => BertModel.fromPretrained(join(fixtures, 'bert')));
    assert.match(unused[0], /Some weights of the model checkpoint at .* were not used when initializing BertModel: \['classifier.bias', 'classifier.weight'\]\n- This IS expected/);
    const [, silent] = await captured(async () => { logging.setVerbosity('error'); return BertModel.fromPretrained(join(fixtures, 'bert')); });
    assert.deepEqual(silent, [], 'setVerbosity("error") silences the report');
  });

  it('legacy names (LayerNorm.gamma/beta) and a saved position_ids buffer load without complaint', async () => {
    const model = await BertForSequenceClassification.fromPretrained(join(fixtures, 'bert'));
    const legacy: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(model.stateDict())) legacy[k.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta')] = v;
    legacy['bert.embeddings.position_ids'] = torch.arange(20).unsqueeze(0);
    assert.ok(Object.keys(legacy).includes('bert.embeddings.LayerNorm.gamma'));
    const dir = scratch();
    copyFileSync(join(fixtures, 'bert', 'config.json'), join(dir, 'config.json'));
    torch.saveSafetensors(join(dir, 'model.safetensors'), legacy, { format: 'pt' });
    const [loaded, messages] = await captured(() => BertForSequenceClassification.fromPretrained(dir));
    assert.deepEqual(messages, []);
    assert.deepEqual([loaded.loadingInfo?.missingKeys, loaded.loadingInfo?.unexpectedKeys], [[], []]);
    assert.ok(loaded.stateDict()['bert.encoder.layer.1.output.LayerNorm.weight'].equal(model.stateDict()['bert.encoder.layer.1.output.LayerNorm.weight']));
  });

  it('a head of another size is an error naming file and tensor, or newly initialised with ignoreMismatchedSizes', async () => {
    const file = join(fixtures, 'bert', 'model.safetensors');
    await assert.rejects(BertForSequenceClassification.fromPretrained(join(fixtures, 'bert'), { numLabels: 5 }), (e: Error) =>
      e.message.includes(file) && e.message.includes('size mismatch for classifier.weight: copying a param with shape [3, 16] from checkpoint, the shape in current model is [5, 16]')
      && e.message.includes('ignoreMismatchedSizes'));
    const [model, messages] = await captured(() => BertForSequenceClassification.fromPretrained(join(fixtures, 'bert'), { numLabels: 5, ignoreMismatchedSizes: true }));
    assert.equal(model.classifier.weight.size(0), 5);
    assert.deepEqual(model.loadingInfo?.mismatchedKeys.map((m) => m.key).sort(), ['classifier.bias', 'classifier.weight']);
    assert.match(messages.join('\n'), /newly initialized because the shapes did not match:\n(- .*\n)*- classifier.weight: found shape torch.Size\(\[3, 16\]\) in the checkpoint and torch.Size\(\[5, 16\]\) in the model instantiated/);
    assert.equal(torch.tidy(() => model.classifier.bias!.abs().max().item()), 0, 'the new bias is zero (_init_weights)');
  });

  it('a config that does not match the weights names the config file, the weights file and the tensors', async () => {
    const dir = scratch();
    copyFileSync(join(fixtures, 'bert', 'model.safetensors'), join(dir, 'model.safetensors'));
    const config = JSON.parse(readFileSync(join(fixtures, 'bert', 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, hidden_size: 32 }));
    await assert.rejects(AutoModel.fromPretrained(dir), (e: Error) =>
      e.message.includes(join(dir, 'model.safetensors')) && e.message.includes(join(dir, 'config.json'))
      && /size mismatch for bert\.embeddings\.word_embeddings\.weight: copying a param with shape \[40, 16\] from checkpoint, the shape in current model is \[40, 32\]/.test(e.message));
  });

  it('a truncated weights file or a missing one is an error naming the file', async () => {
    const dir = scratch();
    copyFileSync(join(fixtures, 'bert', 'config.json'), join(dir, 'config.json'));
    await assert.rejects(BertModel.fromPretrained(dir), (e: Error) => e.message.includes(dir) && /model\.safetensors/.test(e.message));
    const bytes = readFileSync(join(fixtures, 'bert', 'model.safetensors'));
    writeFileSync(join(dir, 'model.safetensors'), bytes.subarray(0, bytes.length - 100));
    await assert.rejects(BertModel.fromPretrained(dir), (e: Error) => e.message.includes(join(dir, 'model.safetensors')) && /truncated/.test(e.message));
  });

  it('an XLM-RoBERTa checkpoint loads as XLMRobertaForSequenceClassification (RoBERTa\'s network)', async () => {
    const dir = scratch();
    copyFileSync(join(fixtures, 'roberta', 'model.safetensors'), join(dir, 'model.safetensors'));
    const config = JSON.parse(readFileSync(join(fixtures, 'roberta', 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, model_type: 'xlm-roberta', architectures: ['XLMRobertaForSequenceClassification'] }));
    const xlmr = await AutoModelForSequenceClassification.fromPretrained(dir);
    const roberta = await AutoModelForSequenceClassification.fromPretrained(join(fixtures, 'roberta'));
    assert.equal(xlmr.constructor.name, 'XLMRobertaForSequenceClassification');
    assert.deepEqual(xlmr.loadingInfo?.missingKeys, []);
    const batch = { input_ids: [[0, 5, 6, 2, 1], [0, 7, 2, 1, 1]], attention_mask: [[1, 1, 1, 1, 0], [1, 1, 1, 0, 0]] };
    assert.deepEqual(torch.noGrad(() => xlmr.forward(batch).logits.toArray()), torch.noGrad(() => roberta.forward(batch).logits.toArray()));
    const out = scratch();
    await xlmr.savePretrained(out);
    const saved = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    assert.deepEqual([saved.model_type, saved.architectures], ['xlm-roberta', ['XLMRobertaForSequenceClassification']]);
  });

  it('checkpoints of another architecture say so', async () => {
    const [model, messages] = await captured(() => BertModel.fromPretrained(join(fixtures, 'distilbert'), { config: new BertConfig({ vocabSize: 30, hiddenSize: 16, numAttentionHeads: 2, numHiddenLayers: 1, intermediateSize: 20 }) }));
    assert.ok(model.loadingInfo!.missingKeys.length > 10);
    assert.match(messages.join('\n'), /None of the checkpoint's weights fit BertModel/);
  });

  it('tokens past the vocabulary fail with a message naming vocab_size', async () => {
    const model = await BertModel.fromPretrained(join(fixtures, 'bert'));
    assert.throws(() => model.forward({ input_ids: torch.tensor([[1, 40]], { dtype: 'int64' }) }), /ids must lie in \[0, 40\).*vocab_size.*found 40/);
    assert.throws(() => model.forward({ input_ids: torch.zeros([1, 21], { dtype: 'int64' }) }), /sequence length 21 exceeds max_position_embeddings \(20\)/);
    assert.ok(existsSync(join(fixtures, 'bert')));
  });
});

describe('absurd sizes in a config', () => {
  it('running out of memory while building names the config size fields', async () => {
    const { BertConfig, BertForSequenceClassification } = await import('../../src/index.js');
    const config = new BertConfig({ vocabSize: 100_000_000_000, hiddenSize: 768, numHiddenLayers: 1, numAttentionHeads: 12, intermediateSize: 64 });
    assert.throws(() => BertForSequenceClassification.fromConfig(config), /building BertForSequenceClassification ran out of memory with vocab_size=100000000000, hidden_size=768.*check these sizes in config\.json/);
  });
});
