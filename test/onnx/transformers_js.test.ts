// The exported folder is a transformers.js model folder: @huggingface/transformers'
// pipeline('text-classification', folder), local files only, gives finetune's own pipeline's
// labels and scores. BERT goes through the command line (`finetune export onnx`), DistilBERT
// through exportOnnx with the tokenizer passed in.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { env, pipeline as jsPipeline } from '@huggingface/transformers';

import {
  AutoModelForSequenceClassification, AutoTokenizer, BertConfig, DistilBertConfig, exportOnnx, logging, pipeline,
  type PretrainedConfig, type PreTrainedModel,
} from '../../src/index.js';
import { randomise } from '../helpers/onnx.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'finetune.js');
const TOKENIZER = join(ROOT, '..', 'shared', 'tokenizers', 'bert-base-uncased');
const work = mkdtempSync(join(tmpdir(), 'finetune-tfjs-'));
after(() => rmSync(work, { recursive: true, force: true }));
logging.setVerbosity('error');
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = `${work}/`;

const ID2LABEL = { 0: 'negative', 1: 'positive', 2: 'neutral' };
const SIZES = { vocabSize: 30522, numHiddenLayers: 2, numAttentionHeads: 4, maxPositionEmbeddings: 128, numLabels: 3, id2label: ID2LABEL };
const SENTENCES = ['I loved this film, it was wonderful.', 'Terrible.', 'The plot was fine but the acting felt flat and the ending dragged on.'];

interface Scored { label: string; score: number }

async function trainedFolder(name: string, config: PretrainedConfig): Promise<string> {
  const model = AutoModelForSequenceClassification.fromConfig(config) as unknown as PreTrainedModel;
  randomise(model, 11);
  const dir = join(work, name);
  await model.savePretrained(dir, { tokenizer: await AutoTokenizer.fromPretrained(TOKENIZER) });
  return dir;
}

/** finetune's pipeline and transformers.js' on the same sentences, every label's score. */
async function compare(modelDir: string, exportedName: string): Promise<void> {
  const ours = await pipeline('text-classification', modelDir);
  const theirs = await jsPipeline('text-classification', exportedName, { dtype: 'fp32', local_files_only: true });
  const expected = await ours(SENTENCES, { topK: null }) as Scored[][];
  const actual = await theirs(SENTENCES, { top_k: null }) as unknown as Scored[][];
  const distinct = new Set(expected.map((r) => r[0].label));
  assert.ok(distinct.size > 1 || expected[0][0].score < 0.9, 'the random model gives varied predictions (a real comparison)');
  for (let i = 0; i < SENTENCES.length; i++) {
    assert.deepEqual(actual[i].map((s) => s.label), expected[i].map((s) => s.label), `labels of sentence ${i}`);
    for (let j = 0; j < expected[i].length; j++) {
      assert.ok(Math.abs(actual[i][j].score - expected[i][j].score) < 1e-4, `sentence ${i} ${expected[i][j].label}: ${actual[i][j].score} vs ${expected[i][j].score}`);
    }
  }
  // the legacy form: one best label per sentence
  const best = await theirs(SENTENCES[0]) as unknown as Scored[];
  assert.equal(best[0].label, expected[0][0].label);
  await (theirs as unknown as { dispose(): Promise<void> }).dispose();
}

describe('transformers.js loads the exported folder', () => {
  it('BERT via `finetune export onnx --model DIR --output OUT`: same labels and scores as finetune\'s pipeline', async () => {
    const dir = await trainedFolder('bert', new BertConfig({ ...SIZES, hiddenSize: 32, intermediateSize: 37 }));
    const out = join(work, 'bert-onnx');
    const r = spawnSync(process.execPath, [BIN, 'export', 'onnx', '--model', dir, '--output', out], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const printed = JSON.parse(r.stdout) as { modelPath: string; task: string };
    assert.equal(printed.modelPath, join(out, 'onnx', 'model.onnx'));
    assert.equal(printed.task, 'text-classification');
    for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx']) assert.ok(existsSync(join(out, file)), file);
    assert.deepEqual((JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as { id2label: unknown }).id2label, { 0: 'negative', 1: 'positive', 2: 'neutral' });
    await compare(dir, 'bert-onnx');
  });

  it('DistilBERT via exportOnnx(model, dir, { tokenizer }): same labels and scores', async () => {
    const dir = await trainedFolder('distilbert', new DistilBertConfig({ ...SIZES, dim: 32, hiddenDim: 37 }));
    const model = await AutoModelForSequenceClassification.fromPretrained(dir) as unknown as PreTrainedModel;
    await exportOnnx(model, join(work, 'distilbert-onnx'), { tokenizer: await AutoTokenizer.fromPretrained(dir) });
    await compare(dir, 'distilbert-onnx');
  });

  it('the command line refuses bad requests with exit code 2 and names the problem', () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [BIN, 'export', ...args], { encoding: 'utf8', timeout: 60_000 });
    let r = run('tflite', '--model', work);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown format 'tflite' \(only 'onnx'\)/);
    r = run('onnx');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--model DIR is required/);
    r = run('onnx', '--model', join(work, 'nowhere'));
    assert.equal(r.status, 2);
    assert.match(r.stderr, /nowhere\/config\.json does not exist/);
    r = run('onnx', '--model', work, '--opset', 'seventeen');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--opset must be an integer ≥ 17, got 'seventeen'/);
    r = run('onnx', '--model', work, '--bogus', '1');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown flag --bogus/);
  });
});
