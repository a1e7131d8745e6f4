// exportOnnx: for every family and head, the exported graph run in onnxruntime-node gives
// finetune's own outputs to 1e-4 on a padded batch (and on a second shape through the same
// file: the axes are dynamic); the reference onnx.checker (peers' venv) accepts the files;
// weights past the external-data threshold go to model.onnx_data and still load; MiniLM from
// the HF cache as the realistic case.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import {
  AutoModel, AutoModelForSequenceClassification, AutoTokenizer, BertConfig, DistilBertConfig, RobertaConfig, XLMRobertaConfig,
  exportOnnx, logging, torch, type PretrainedConfig, type PreTrainedModel,
} from '../../src/index.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { maxAbs, maxAbsDiff, randomise, runOnnx, type Rows } from '../helpers/onnx.js';
import { peerPython, runPeer } from '../helpers/peers.js';

const TOLERANCE = 1e-4;
const work = mkdtempSync(join(tmpdir(), 'finetune-onnx-'));
after(() => rmSync(work, { recursive: true, force: true }));
logging.setVerbosity('error');
const { skip: noPeers } = peerPython();

const SIZES = { vocabSize: 99, hiddenSize: 32, numHiddenLayers: 2, numAttentionHeads: 4, intermediateSize: 37, maxPositionEmbeddings: 64, numLabels: 3 };
const CONFIGS: Record<string, () => PretrainedConfig> = {
  bert: () => new BertConfig({ ...SIZES, typeVocabSize: 2 }),
  roberta: () => new RobertaConfig({ ...SIZES, padTokenId: 1, typeVocabSize: 1 }),
  'xlm-roberta': () => new XLMRobertaConfig({ ...SIZES, padTokenId: 1, typeVocabSize: 1, hiddenAct: 'gelu_new' }),
  distilbert: () => { const { intermediateSize: _, ...rest } = SIZES; return new DistilBertConfig({ ...rest, hiddenDim: 37 }); },
};
const HEADS = {
  base: { make: (c: PretrainedConfig) => AutoModel.fromConfig(c), output: 'last_hidden_state', ours: (o: Record<string, unknown>) => o.lastHiddenState as Tensor },
  'sequence classification': { make: (c: PretrainedConfig) => AutoModelForSequenceClassification.fromConfig(c), output: 'logits', ours: (o: Record<string, unknown>) => o.logits as Tensor },
};

/** A padded batch of random ids: rows of lengths `lengths`, padded with pad to the longest. */
function paddedBatch(lengths: number[], pad: number, seed: number): { input_ids: Rows; attention_mask: Rows; token_type_ids: Rows } {
  torch.manualSeed(seed);
  const width = Math.max(...lengths);
  const ids = torch.randint(3, SIZES.vocabSize, [lengths.length, width]).tolist() as Rows;
  const input_ids = ids.map((row, i) => row.map((v, j) => (j < lengths[i] ? v : pad)));
  const attention_mask = input_ids.map((row, i) => row.map((_, j) => (j < lengths[i] ? 1 : 0)));
  // a second segment in the back half of each row, as a sentence pair
  const token_type_ids = input_ids.map((row, i) => row.map((_, j) => (j < lengths[i] && j >= lengths[i] / 2 ? 1 : 0)));
  return { input_ids, attention_mask, token_type_ids };
}

/** finetune's forward on the inputs the graph takes (no token_type_ids where the family has none). */
function oursOn(model: PreTrainedModel, feeds: Record<string, Rows>, inputNames: string[]): Record<string, unknown> {
  const inputs = Object.fromEntries(inputNames.map((k) => [k, torch.tensor(feeds[k])]));
  return (model as unknown as { forward(x: Record<string, Tensor>): Record<string, unknown> }).forward(inputs);
}

const exported: string[] = [];

describe('exportOnnx: onnxruntime-node gives finetune\'s outputs', () => {
  for (const [family, config] of Object.entries(CONFIGS)) {
    for (const [headName, head] of Object.entries(HEADS)) {
      it(`${family} ${headName}: ${head.output} within ${TOLERANCE} on a padded batch and on a second shape`, async () => {
        torch.manualSeed(0);
        const model = head.make(config()) as unknown as PreTrainedModel;
        randomise(model);
        model.eval();
        const dir = join(work, `${family}-${headName.replace(' ', '-')}`);
        const result = await exportOnnx(model, dir);
        exported.push(result.modelPath);
        assert.equal(result.externalDataPath, null);
        assert.deepEqual(result.inputNames, family === 'bert' ? ['input_ids', 'attention_mask', 'token_type_ids'] : ['input_ids', 'attention_mask']);
        assert.deepEqual(result.outputNames, [head.output]);
        const config_ = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
        assert.equal(config_.model_type, family);
        assert.deepEqual(config_.architectures, [model.constructor.name]);

        const pad = (model.config as { padTokenId: number }).padTokenId;
        for (const [lengths, seed] of [[[7, 4, 1], 1], [[12], 2], [[3, 9, 9, 5, 2], 3]] as const) {
          const feeds = paddedBatch([...lengths], pad, seed);
          const onnx = await runOnnx(result.modelPath, feeds);
          const ours = torch.noGrad(() => torch.tidy(() => head.ours(oursOn(model, feeds, result.inputNames))));
          assert.ok(maxAbs(ours) > 0.5, `the outputs are not near zero (max |x| ${maxAbs(ours)})`);
          const diff = maxAbsDiff(onnx[head.output], ours);
          ours.dispose();
          assert.ok(diff <= TOLERANCE, `${lengths.join('/')}: max |Δ| ${diff}`);
        }
      });
    }
  }

  it('BERT\'s token_type_ids reach the graph (a different segment gives different logits)', async () => {
    const path = join(work, 'bert-sequence-classification', 'onnx', 'model.onnx');
    const feeds = paddedBatch([6, 6], 0, 4);
    const a = await runOnnx(path, feeds);
    const b = await runOnnx(path, { ...feeds, token_type_ids: feeds.token_type_ids.map((r) => r.map(() => 0)) });
    assert.notDeepEqual([...a.logits.data], [...b.logits.data]);
  });

  it('weights past externalDataThreshold go to onnx/model.onnx_data, and the graph still gives the same outputs', async () => {
    torch.manualSeed(0);
    const model = AutoModelForSequenceClassification.fromConfig(CONFIGS.bert()) as unknown as PreTrainedModel;
    randomise(model);
    model.eval();
    const dir = join(work, 'external');
    const result = await exportOnnx(model, dir, { externalDataThreshold: 1 });
    exported.push(result.modelPath);
    assert.equal(result.externalDataPath, join(dir, 'onnx', 'model.onnx_data'));
    const dataBytes = statSync(result.externalDataPath!).size;
    assert.ok(dataBytes > 2 * statSync(result.modelPath).size, `the weights are outside model.onnx (${dataBytes} bytes of data)`);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    assert.equal(config['transformers.js_config'].use_external_data_format, true, 'transformers.js is told to fetch the data file');
    const feeds = paddedBatch([5, 2], 0, 5);
    const onnx = await runOnnx(result.modelPath, feeds);
    const ours = torch.noGrad(() => oursOn(model, feeds, result.inputNames).logits as Tensor);
    assert.ok(maxAbsDiff(onnx.logits, ours) <= TOLERANCE);
  });

  it('MiniLM (all-MiniLM-L6-v2 from the HF cache): last_hidden_state within 1e-4 on padded real sentences', async () => {
    process.env.HF_HUB_OFFLINE = '1';
    const id = 'sentence-transformers/all-MiniLM-L6-v2';
    const model = await AutoModel.fromPretrained(id) as unknown as PreTrainedModel;
    const tokenizer = await AutoTokenizer.fromPretrained(id);
    model.eval();
    const result = await exportOnnx(model, join(work, 'minilm'), { tokenizer });
    exported.push(result.modelPath);
    assert.ok(existsSync(join(work, 'minilm', 'tokenizer.json')), 'the tokenizer is saved beside');
    const sentences = ['The cat sat on the mat.', 'A remarkably long sentence about exporting fine-tuned encoders to ONNX for the browser.', 'Hi'];
    const enc = await tokenizer(sentences, undefined, { padding: true });
    const feeds = { input_ids: enc.input_ids as Rows, attention_mask: enc.attention_mask as Rows, token_type_ids: enc.token_type_ids as Rows };
    assert.ok(feeds.attention_mask.some((r) => r.includes(0)), 'the batch is padded');
    const onnx = await runOnnx(result.modelPath, feeds);
    const ours = torch.noGrad(() => oursOn(model, feeds, result.inputNames).lastHiddenState as Tensor);
    const diff = maxAbsDiff(onnx.last_hidden_state, ours);
    assert.ok(diff <= TOLERANCE, `max |Δ| ${diff}`);
  });

  it('onnx.checker (full_check, the peers\' onnx) accepts every exported file, with the names transformers.js feeds', { skip: noPeers }, () => {
    assert.ok(exported.length >= 10, 'the exports above ran');
    const report = runPeer<Record<string, { ok: boolean; error?: string; opset: number; inputs: string[]; outputs: string[]; external: string[] }>>('onnx_check.py', exported);
    for (const path of exported) {
      assert.equal(report[path].ok, true, `${path}: ${report[path].error}`);
      assert.equal(report[path].opset, 17);
      assert.deepEqual(report[path].inputs.slice(0, 2), ['input_ids', 'attention_mask']);
    }
    const external = report[join(work, 'external', 'onnx', 'model.onnx')];
    assert.ok(external.external.includes('bert.embeddings.word_embeddings.weight'), 'the checker sees external initializers');
  });
});

describe('exportOnnx: bad requests are refused by name', () => {
  const model = () => AutoModelForSequenceClassification.fromConfig(CONFIGS.distilbert()) as unknown as PreTrainedModel;
  it('a task the head does not have', async () => {
    await assert.rejects(exportOnnx(model(), join(work, 'bad'), { task: 'question-answering' }),
      /DistilBertForSequenceClassification is a text-classification model; it cannot be exported for task "question-answering"/);
  });
  it('an unknown task or an opset without LayerNormalization', async () => {
    await assert.rejects(exportOnnx(model(), join(work, 'bad'), { task: 'translation' as never }), /unknown task "translation"/);
    await assert.rejects(exportOnnx(model(), join(work, 'bad'), { opset: 13 }), /opset must be an integer from 17 to 21, got 13/);
  });
  it('a task model exported as feature-extraction has the base model\'s output', async () => {
    const result = await exportOnnx(model(), join(work, 'as-base'), { task: 'feature-extraction' });
    assert.deepEqual(result.outputNames, ['last_hidden_state']);
  });
});
