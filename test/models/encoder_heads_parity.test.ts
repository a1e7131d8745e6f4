// The BERT family's masked-LM, token-classification and question-answering heads against
// transformers on a padded batch: tiny random models saved by transformers'
// save_pretrained, loaded with the Auto classes; logits to 1e-5 and the loss. The fixtures
// come from scripts/fixtures/make_encoder_heads_fixtures.py (the peers' venv). Also: a
// BertForPreTraining checkpoint loads into BertForMaskedLM with the NSP head reported unused,
// tied weights are saved once and reload, and the shared 4.8 token classifier loads.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { torch } from '../../src/index.js';
import type { Tensor } from '../../src/engine/tensor.js';
import {
  AutoModelForMaskedLM, AutoModelForQuestionAnswering, AutoModelForTokenClassification, BertForMaskedLM, logging,
} from '../../src/models/index.js';
import { loadSafetensors } from '../../src/engine/safetensors.js';
import { assertTensorMatches, fromSpec } from '../helpers/torch-fixtures.js';
import type { TensorSpec } from '../helpers/torch-fixtures.js';

const TOL = { atol: 1e-5, rtol: 0 };
const dirOf = (name: string) => new URL(`../fixtures/encoder_heads/${name}`, import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'finetune-heads-'));
after(() => rmSync(work, { recursive: true, force: true }));
logging.setVerbosity('error');

type Expected = Record<string, TensorSpec> & { class: string; loss: number; unexpected_keys?: string[]; missing_keys?: string[] };
const read = (name: string): Expected => JSON.parse(readFileSync(`${dirOf(name)}/expected.json`, 'utf8')) as Expected;
const INPUT_KEYS = ['input_ids', 'attention_mask', 'token_type_ids', 'labels', 'start_positions', 'end_positions'];
const inputsOf = (e: Expected): Record<string, Tensor> =>
  Object.fromEntries(INPUT_KEYS.filter((k) => k in e).map((k) => [k, fromSpec(e[k])]));

const AUTO = { ForMaskedLM: AutoModelForMaskedLM, ForTokenClassification: AutoModelForTokenClassification, ForQuestionAnswering: AutoModelForQuestionAnswering };
const PREFIX: Record<string, string> = { bert: 'Bert', roberta: 'Roberta', 'xlm-roberta': 'XLMRoberta', distilbert: 'DistilBert' };

for (const family of ['bert', 'roberta', 'xlm-roberta', 'distilbert']) {
  for (const head of ['ForMaskedLM', 'ForTokenClassification', 'ForQuestionAnswering'] as const) {
    describe(`${PREFIX[family]}${head} against transformers`, () => {
      const expected = read(`${family}-${head}`);
      let model: Awaited<ReturnType<(typeof AUTO)[typeof head]['fromPretrained']>>;
      before(async () => { model = await AUTO[head].fromPretrained(dirOf(`${family}-${head}`)); });

      it('is the class transformers saved, and every weight loads', () => {
        assert.equal(model.constructor.name, expected.class);
        assert.deepEqual(model.loadingInfo?.missingKeys, []);
        assert.deepEqual(model.loadingInfo?.unexpectedKeys, []);
      });

      it('gives transformers\' logits (1e-5) and loss on a padded batch', () => {
        const out = torch.noGrad(() => model.forward(inputsOf(expected))) as { loss: Tensor; logits?: Tensor; startLogits?: Tensor; endLogits?: Tensor };
        if (head === 'ForQuestionAnswering') {
          assertTensorMatches(out.startLogits!, expected.start_logits, TOL, 'start logits');
          assertTensorMatches(out.endLogits!, expected.end_logits, TOL, 'end logits');
        } else assertTensorMatches(out.logits!, expected.logits, TOL, 'logits');
        assert.ok(Math.abs(out.loss.item() - expected.loss) < 1e-5, `loss ${out.loss.item()} vs ${expected.loss}`);
        torch.dispose(out);
      });

      if (head === 'ForMaskedLM') {
        it('ties the decoder to the word embedding, saves it once, and reloads to the same logits', async () => {
          const m = model as unknown as BertForMaskedLM;
          assert.equal(m.getOutputEmbeddings(), m.getOutputEmbeddings());
          assert.equal(m.getOutputEmbeddings().weight, m.getInputEmbeddings().weight, 'one Parameter');
          const dir = join(work, `${family}-mlm`);
          await model.savePretrained(dir);
          const names = (file: string) => { const t = loadSafetensors(file); torch.dispose(t); return Object.keys(t).sort(); };
          const saved = names(join(dir, 'model.safetensors'));
          const original = names(join(dirOf(`${family}-${head}`), 'model.safetensors'));
          assert.deepEqual(saved, original, 'the same tensor names as transformers\' save_pretrained');
          const again = await AutoModelForMaskedLM.fromPretrained(dir);
          const out = torch.noGrad(() => again.forward(inputsOf(expected)));
          assertTensorMatches(out.logits, expected.logits, TOL, 'logits after reload');
        });
      }
    });
  }
}

describe('a BertForPreTraining checkpoint in BertForMaskedLM', () => {
  it('gives the MLM logits and reports the NSP head and the pooler as unused, as transformers', async () => {
    const expected = read('bert-pretraining');
    const model = await BertForMaskedLM.fromPretrained(dirOf('bert-pretraining'));
    assert.deepEqual(model.loadingInfo?.unexpectedKeys, expected.unexpected_keys);
    assert.deepEqual(model.loadingInfo?.missingKeys, expected.missing_keys);
    assert.ok(expected.unexpected_keys!.some((k) => k.startsWith('cls.seq_relationship')));
    assert.match(model.loadingInfo!.report, /seq_relationship/);
    const out = torch.noGrad(() => model.forward(inputsOf(expected)));
    assertTensorMatches(out.logits, expected.logits, TOL, 'MLM logits');
    assert.ok(Math.abs(out.loss!.item() - expected.loss) < 1e-5);
  });
});

describe('losses', () => {
  it('QA needs both positions', async () => {
    const model = await AutoModelForQuestionAnswering.fromPretrained(dirOf('bert-ForQuestionAnswering'));
    assert.throws(() => model.forward({ input_ids: torch.tensor([[2, 3, 4]]), start_positions: torch.tensor([1]) }), /both start_positions and end_positions/);
  });
});

const SHARED = new URL('../../../shared/checkpoints/tiny-bert-tokcls-hf4.8', import.meta.url).pathname;
describe('the shared transformers 4.8 token classifier', { skip: existsSync(SHARED) ? false : `${SHARED} is absent` }, () => {
  it('loads as BertForTokenClassification, and the vocab/embedding mismatch is reported, naming both sizes', async () => {
    const messages: string[] = [];
    logging.setVerbosity('warning');
    const previous = logging.setHandler((_level, message) => { messages.push(message); });
    try {
      const model = await AutoModelForTokenClassification.fromPretrained(SHARED);
      assert.equal(model.constructor.name, 'BertForTokenClassification');
      assert.equal(model.config.numLabels, 9);
      assert.deepEqual(model.loadingInfo?.missingKeys, []);
      const out = torch.noGrad(() => model.forward({ input_ids: torch.tensor([[2, 100, 3]]) }));
      assert.deepEqual(out.logits.shape, [1, 3, 9]);
      assert.throws(() => model.forward({ input_ids: torch.tensor([[2, 403, 3]]) }), /vocab_size: ids must lie in \[0, 402\)/);
    } finally {
      logging.setHandler(previous);
      logging.setVerbosity('error');
    }
    assert.ok(messages.some((m) => /405 tokens but the model's word embedding has 402 rows/.test(m)), messages.join('\n'));
  });
});
