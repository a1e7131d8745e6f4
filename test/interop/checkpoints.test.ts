// Checkpoints interchangeable with Python's transformers (torch 2.x), both directions, for every
// architecture finetune has, on a padded batch of real sentences with a real tokenizer:
//   transformers save_pretrained (safetensors, .bin, sharded) → finetune fromPretrained: same logits
//   finetune savePretrained (+ tokenizer) → transformers from_pretrained: same ids and logits,
//   id2label intact, no missing/unexpected keys, no loading warnings.
//   the Trainer's checkpoint-N/ and final output → transformers models; trainer_state.json →
//   transformers.TrainerState.load_from_json.
// The transformers side is scripts/peers/interop.py, run in the peers' venv.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { AutoConfig, AutoModelForSequenceClassification, AutoTokenizer, Dataset, Trainer, TrainingArguments, logging, torch } from '../../src/index.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { peerPython, runPeer } from '../helpers/peers.js';

const ARCHITECTURES = ['bert', 'roberta', 'xlm-roberta', 'distilbert'];
const FORMATS = { safetensors: 'model.safetensors', bin: 'pytorch_model.bin', sharded: 'model.safetensors.index.json' };
const ID2LABEL = { 0: 'negative', 1: 'positive', 2: 'neutral' };
const TOLERANCE = 1e-5;

interface Computed { input_ids: number[][]; attention_mask: number[][]; logits: number[][] }
interface Expected extends Computed { sentences: string[] }
interface Loaded extends Computed {
  id2label: Record<string, string>; class: string; tokenizer_class: string;
  loading_info: Record<string, string[]>; warnings: string[];
}

const { skip } = peerPython();
const work = mkdtempSync(join(tmpdir(), 'finetune-interop-'));
after(() => rmSync(work, { recursive: true, force: true }));
logging.setVerbosity('error');

function maxDiff(actual: number[][], expected: number[][]): number {
  assert.deepEqual([actual.length, actual[0].length], [expected.length, expected[0].length], 'logits shape');
  return Math.max(...actual.flatMap((row, i) => row.map((v, j) => Math.abs(v - expected[i][j]))));
}

async function finetuneLogits(dir: string, sentences: string[], model?: Awaited<ReturnType<typeof AutoModelForSequenceClassification.fromPretrained>>) {
  const tokenizer = await AutoTokenizer.fromPretrained(dir);
  const batch = await tokenizer(sentences, undefined, { padding: true, truncation: true, returnTensors: 'pt' });
  const m = model ?? await AutoModelForSequenceClassification.fromPretrained(dir);
  m.eval();
  const logits = torch.noGrad(() => m.forward(batch).logits);
  return { ids: (batch.input_ids as Tensor).tolist() as number[][], mask: (batch.attention_mask as Tensor).tolist() as number[][], logits: logits.tolist() as number[][] };
}

/** Every parameter redrawn (LayerNorm weights around 1): finetune's init alone gives tiny logits. */
function randomise(model: { namedParameters(): Iterable<[string, Tensor]> }): void {
  torch.manualSeed(7);
  torch.noGrad(() => {
    for (const [name, p] of model.namedParameters()) {
      const noise = torch.randn(p.shape).mul(name.includes('LayerNorm') || name.includes('layer_norm') ? 0.1 : 0.2);
      p.copy_(name.endsWith('LayerNorm.weight') || name.endsWith('layer_norm.weight') ? noise.add(1) : noise);
    }
  });
}

describe('interop with transformers (peers venv)', { skip }, () => {
  const made = join(work, 'made');
  before(() => { runPeer('interop.py', ['make', made]); });

  for (const arch of ARCHITECTURES) {
    for (const [format, file] of Object.entries(FORMATS)) {
      it(`${arch}: transformers save_pretrained (${format}) → finetune fromPretrained: same token ids, logits within ${TOLERANCE}`, async () => {
        const dir = join(made, arch, format);
        assert.ok(readFileSync(join(dir, file)).length > 0, `transformers wrote ${file}`);
        const expected = JSON.parse(readFileSync(join(made, arch, 'expected.json'), 'utf8')) as Expected;
        const ours = await finetuneLogits(dir, expected.sentences);
        assert.deepEqual(ours.ids, expected.input_ids, 'the tokenizer gives transformers\' ids');
        assert.deepEqual(ours.mask, expected.attention_mask);
        assert.ok(expected.attention_mask.some((row) => row.includes(0)), 'the batch is padded');
        const diff = maxDiff(ours.logits, expected.logits);
        assert.ok(diff <= TOLERANCE, `max |Δlogit| ${diff}`);
      });
    }
  }

  describe('finetune savePretrained → transformers from_pretrained', () => {
    const ours: Record<string, Awaited<ReturnType<typeof finetuneLogits>>> = {};
    let loaded: Record<string, Loaded>;
    before(async () => {
      for (const arch of ARCHITECTURES) {
        const source = join(made, arch, 'safetensors');
        const config = await AutoConfig.fromPretrained(source, { id2label: ID2LABEL, label2id: { negative: 0, positive: 1, neutral: 2 } });
        const model = AutoModelForSequenceClassification.fromConfig(config);
        randomise(model);
        const dir = join(work, 'ours', arch);
        await model.savePretrained(dir, { tokenizer: await AutoTokenizer.fromPretrained(source) });
        const { sentences } = JSON.parse(readFileSync(join(made, arch, 'expected.json'), 'utf8')) as Expected;
        ours[arch] = await finetuneLogits(dir, sentences, model);
      }
      loaded = runPeer('interop.py', ['load', ...ARCHITECTURES.map((a) => join(work, 'ours', a))]);
    });

    for (const arch of ARCHITECTURES) {
      it(`${arch}: same token ids and logits within ${TOLERANCE}, id2label intact, no missing or unexpected keys`, () => {
        const theirs = loaded[join(work, 'ours', arch)];
        assert.deepEqual(theirs.input_ids, ours[arch].ids, 'transformers\' tokenizer reads our tokenizer files to the same ids');
        assert.deepEqual(theirs.attention_mask, ours[arch].mask);
        const diff = maxDiff(theirs.logits, ours[arch].logits);
        assert.ok(diff <= TOLERANCE, `max |Δlogit| ${diff}`);
        assert.deepEqual(theirs.id2label, ID2LABEL);
        assert.deepEqual(theirs.loading_info, { missing_keys: [], unexpected_keys: [], mismatched_keys: [], error_msgs: [] });
        assert.deepEqual(theirs.warnings, [], 'transformers said nothing while loading');
        assert.match(theirs.class, /ForSequenceClassification$/);
      });
    }
  });

  describe('the Trainer\'s checkpoints → transformers', () => {
    const out = join(work, 'trainer');
    let trainer: Trainer;
    let loaded: Record<string, Loaded>;
    let state: { global_step: number; epoch: number; max_steps: number; log_history: Record<string, number>[] };
    let finalLogits: number[][];
    before(async () => {
      const source = join(made, 'bert', 'safetensors');
      const tokenizer = await AutoTokenizer.fromPretrained(source);
      const { sentences } = JSON.parse(readFileSync(join(made, 'bert', 'expected.json'), 'utf8')) as Expected;
      const rows = Dataset.fromDict({ sentence: [...sentences, ...sentences], label: [0, 1, 2, 0, 1, 2, 0, 1, 2, 0] });
      const train = await rows.map((b) => tokenizer(b.sentence as string[], undefined, { truncation: true }), { batched: true, removeColumns: ['sentence'] });
      trainer = new Trainer({
        model: await AutoModelForSequenceClassification.fromPretrained(source), tokenizer, trainDataset: train,
        args: new TrainingArguments({ outputDir: out, maxSteps: 4, saveStrategy: 'steps', saveSteps: 2, perDeviceTrainBatchSize: 4,
          learningRate: 1e-3, loggingSteps: 1, reportTo: 'none', logLevel: 'error', disableTqdm: true }),
      });
      await trainer.train();
      await trainer.saveModel(join(out, 'final'));
      finalLogits = (await finetuneLogits(join(out, 'final'), sentences)).logits;
      loaded = runPeer('interop.py', ['load', join(out, 'checkpoint-2'), join(out, 'checkpoint-4'), join(out, 'final')]);
      state = runPeer('interop.py', ['state', join(out, 'checkpoint-4', 'trainer_state.json')]);
    });

    for (const dir of ['checkpoint-2', 'checkpoint-4', 'final']) {
      it(`${dir}/ loads in transformers with no missing or unexpected keys, id2label intact`, () => {
        const theirs = loaded[join(out, dir)];
        assert.equal(theirs.class, 'BertForSequenceClassification');
        assert.deepEqual(theirs.loading_info, { missing_keys: [], unexpected_keys: [], mismatched_keys: [], error_msgs: [] });
        assert.deepEqual(theirs.warnings, []);
        assert.deepEqual(theirs.id2label, ID2LABEL);
        const { input_ids } = JSON.parse(readFileSync(join(made, 'bert', 'expected.json'), 'utf8')) as Expected;
        assert.deepEqual(theirs.input_ids, input_ids, 'the tokenizer files are saved with the model');
      });
    }

    it('the final model gives transformers the logits finetune computes, and training changed them', () => {
      assert.ok(maxDiff(loaded[join(out, 'final')].logits, finalLogits) <= TOLERANCE);
      assert.ok(maxDiff(loaded[join(out, 'checkpoint-2')].logits, finalLogits) > 1e-3, 'checkpoint-2 is an earlier model');
      assert.ok(maxDiff(loaded[join(out, 'checkpoint-4')].logits, finalLogits) <= TOLERANCE, 'the last checkpoint is the final model');
    });

    it('trainer_state.json parses with TrainerState.load_from_json, with our steps and log history', () => {
      assert.equal(state.global_step, 4);
      assert.equal(state.max_steps, 4);
      assert.equal(state.epoch, trainer.state.epoch);
      // the checkpoint's state is written before train() appends its summary entry, as in transformers
      const steps = trainer.state.logHistory.filter((e) => 'loss' in e);
      assert.deepEqual(state.log_history.map((e) => [e.step, e.loss, e.learning_rate]), steps.map((e) => [e.step, e.loss, e.learning_rate]));
    });
  });
});
