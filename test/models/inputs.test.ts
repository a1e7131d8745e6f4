// forward() takes what tokenizers and collators give (Hugging Face's snake_case keys or
// camelCase, tensors or arrays, a BatchEncoding as is), refuses keys it does not know, and
// frees its temporaries. The acceptance program runs here too (with ../shared).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, before } from 'node:test';

import { torch } from '../../src/index.js';
import { AutoTokenizer } from '../../src/index.js';
import {
  AutoConfig, AutoModelForSequenceClassification, BertConfig, BertForSequenceClassification, BertModel, DistilBertForSequenceClassification,
  DistilBertModel, PreTrainedModel, PretrainedConfig, RobertaForSequenceClassification, RobertaModel, XLMRobertaForSequenceClassification,
  XLMRobertaModel, logging,
} from '../../src/models/index.js';
import type { ModelInputs } from '../../src/models/index.js';
import { readInputs } from '../../src/models/model_inputs.js';
import { signatureColumns } from '../../src/trainer/trainer_utils.js';

logging.setVerbosity('error');
const fixtures = fileURLToPath(new URL('../fixtures/models/', import.meta.url));
const SHARED = fileURLToPath(new URL('../../../shared/', import.meta.url));
const SKIP_SHARED = existsSync(SHARED) ? false : `../shared is absent (looked in ${SHARED})`;

describe('forward inputs', () => {
  let model: BertForSequenceClassification;
  const rows = [[2, 7, 9, 3, 0], [2, 5, 3, 0, 0]];
  const maskRows = [[1, 1, 1, 1, 0], [1, 1, 1, 0, 0]];
  const typeRows = [[0, 0, 1, 1, 0], [0, 0, 0, 0, 0]];
  before(async () => {
    model = await BertForSequenceClassification.fromPretrained(join(fixtures, 'bert'));
  });
  const logitsOf = (inputs: Parameters<BertForSequenceClassification['forward']>[0]) => torch.noGrad(() => model.forward(inputs).logits.toArray());

  it('snake_case, camelCase, arrays and tensors give the same logits', () => {
    const t = (a: number[][]) => torch.tensor(a, { dtype: 'int64' });
    const reference = logitsOf({ input_ids: t(rows), attention_mask: t(maskRows), token_type_ids: t(typeRows) });
    assert.deepEqual(logitsOf({ inputIds: t(rows), attentionMask: t(maskRows), tokenTypeIds: t(typeRows) }), reference);
    assert.deepEqual(logitsOf({ input_ids: rows, attention_mask: maskRows, token_type_ids: typeRows }), reference);
    // the padding matters: without the mask the first row's logits change
    assert.notDeepEqual(logitsOf({ input_ids: rows, token_type_ids: typeRows }), reference);
    // a bare tensor is input_ids (no mask, default token types)
    assert.deepEqual(logitsOf(t(rows)), logitsOf({ input_ids: rows }));
  });

  it('tokenizer extras are ignored; unknown keys and mismatched shapes are errors', () => {
    const reference = logitsOf({ input_ids: rows, attention_mask: maskRows });
    assert.deepEqual(logitsOf({ input_ids: rows, attention_mask: maskRows, special_tokens_mask: maskRows, length: [4, 3] }), reference);
    assert.throws(() => model.forward({ input_ids: rows, atention_mask: maskRows }), /BertForSequenceClassification\.forward: unexpected input 'atention_mask' \(accepted: input_ids\/inputIds, attention_mask/);
    assert.throws(() => model.forward({ input_ids: rows, attention_mask: [[1, 1]] }), /attention_mask has shape \[1, 2\] but input_ids has \[2, 5\]/);
    assert.throws(() => model.forward({ input_ids: rows, attention_mask: [1, 1, 1, 1, 0] }), /attention_mask has shape \[5\] but input_ids has \[2, 5\]/);
    assert.throws(() => model.forward({ attention_mask: maskRows }), /input_ids \(or inputIds\) is required/);
    assert.throws(() => model.forward({ input_ids: [1, 2, 3] }), /input_ids must have shape \[batch, sequence\]/);
  });

  it('DistilBERT ignores token type ids (it has none), BERT uses them', async () => {
    const distil = await DistilBertForSequenceClassification.fromPretrained(join(fixtures, 'distilbert'));
    const a = torch.noGrad(() => distil.forward({ input_ids: rows, attention_mask: maskRows }).logits.toArray());
    const b = torch.noGrad(() => distil.forward({ input_ids: rows, attention_mask: maskRows, token_type_ids: typeRows }).logits.toArray());
    assert.deepEqual(a, b);
    assert.notDeepEqual(logitsOf({ input_ids: rows, attention_mask: maskRows }), logitsOf({ input_ids: rows, attention_mask: maskRows, token_type_ids: typeRows }));
  });

  it('hidden states and attentions on request, from the config or per call', async () => {
    const plain = torch.noGrad(() => model.forward({ input_ids: rows }));
    assert.equal(plain.hiddenStates, undefined);
    assert.equal(plain.attentions, undefined);
    const asked = torch.noGrad(() => model.forward({ input_ids: rows, outputAttentions: true }));
    assert.equal(asked.attentions!.length, 2);
    assert.deepEqual(asked.attentions![0].shape, [2, 4, 5, 5]);
    const configured = await BertForSequenceClassification.fromPretrained(join(fixtures, 'bert'), { outputHiddenStates: true });
    assert.equal(torch.noGrad(() => configured.forward({ input_ids: rows })).hiddenStates!.length, 3);
  });

  it('a bfloat16 model computes close to the float32 one (mask value and all in bfloat16)', async () => {
    const half = await BertForSequenceClassification.fromPretrained(join(fixtures, 'bert'), { dtype: 'bfloat16' });
    const batch = { input_ids: rows, attention_mask: maskRows, token_type_ids: typeRows };
    const low = torch.noGrad(() => half.forward(batch).logits);
    assert.equal(low.dtype, 'bfloat16');
    const reference = torch.noGrad(() => model.forward(batch).logits);
    const diff = torch.tidy(() => low.float().sub(reference).abs().max().item());
    assert.ok(diff < 0.1 && Number.isFinite(diff), `bfloat16 logits differ by ${diff}`);
  });

  it('a forward pass leaves no temporaries behind', () => {
    // activations of 16×64×64 floats (256 KiB) are large enough for the allocator's statistics
    const big = BertForSequenceClassification.fromConfig(new BertConfig({ vocabSize: 100, hiddenSize: 64, numHiddenLayers: 2, numAttentionHeads: 4, intermediateSize: 256, maxPositionEmbeddings: 64 }));
    const input = torch.tensor(Array.from({ length: 16 }, () => Array.from({ length: 64 }, (_, i) => (i * 7) % 100)), { dtype: 'int64' });
    const mask = torch.onesLike(input);
    const before = torch.memoryStats().inUseBytes;
    const out = torch.noGrad(() => big.forward({ input_ids: input, attention_mask: mask, outputHiddenStates: false }));
    assert.equal(torch.memoryStats().inUseBytes, before, 'only the small logits outlive forward()');
    torch.dispose([out, input, mask]);
  });
});

describe('inputs declared per model (forwardInputNames, labelNames)', () => {
  const BERT_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids', 'position_ids', 'output_attentions', 'output_hidden_states'];
  const BERT_TASK = ['input_ids', 'attention_mask', 'token_type_ids', 'position_ids', 'labels', 'output_attentions', 'output_hidden_states'];
  const DISTIL_INPUTS = ['input_ids', 'attention_mask', 'output_attentions', 'output_hidden_states'];
  const DISTIL_TASK = ['input_ids', 'attention_mask', 'labels', 'output_attentions', 'output_hidden_states'];
  const rows = [[2, 7, 9, 3], [2, 5, 3, 0]];

  it('every model class declares its inputs and labels, as transformers\' forward signatures and find_labels', () => {
    const declared = (cls: { forwardInputNames?: readonly string[]; labelNames?: readonly string[] }) => [cls.forwardInputNames, cls.labelNames];
    assert.deepEqual(declared(BertModel), [BERT_INPUTS, []]);
    assert.deepEqual(declared(RobertaModel), [BERT_INPUTS, []]);
    assert.deepEqual(declared(XLMRobertaModel), [BERT_INPUTS, []]);
    assert.deepEqual(declared(BertForSequenceClassification), [BERT_TASK, ['labels']]);
    assert.deepEqual(declared(RobertaForSequenceClassification), [BERT_TASK, ['labels']]);
    assert.deepEqual(declared(XLMRobertaForSequenceClassification), [BERT_TASK, ['labels']]);
    assert.deepEqual(declared(DistilBertModel), [DISTIL_INPUTS, []]);
    assert.deepEqual(declared(DistilBertForSequenceClassification), [DISTIL_TASK, ['labels']]);
    for (const cls of [BertModel, DistilBertForSequenceClassification, XLMRobertaForSequenceClassification]) assert.equal(cls.mainInputName, 'input_ids');
  });

  it("the Trainer's signature columns follow the declaration: a DistilBERT model drops token_type_ids", async () => {
    const distil = await DistilBertForSequenceClassification.fromPretrained(join(fixtures, 'distilbert'));
    const columns = signatureColumns(distil, null);
    assert.ok(columns, 'a declared model has signature columns');
    assert.ok(!columns.includes('token_type_ids') && !columns.includes('position_ids'), columns.join(', '));
    assert.ok(columns.includes('attention_mask') && columns.includes('labels'));
  });

  it('an input the model does not declare is an error naming the model, the input and what it accepts', async () => {
    const model = await BertForSequenceClassification.fromPretrained(join(fixtures, 'bert'));
    assert.throws(() => model.forward({ input_ids: rows, past_key_values: [] }),
      /^TypeError: BertForSequenceClassification\.forward: unexpected input 'past_key_values' \(accepted: input_ids\/inputIds, attention_mask\/attentionMask, token_type_ids\/tokenTypeIds, position_ids\/positionIds, labels\/labels, output_attentions\/outputAttentions, output_hidden_states\/outputHiddenStates\); BertForSequenceClassification does not take past_key_values$/);
    assert.throws(() => model.forward({ input_ids: rows, startPositions: [0, 1] }), /unexpected input 'startPositions' .*; BertForSequenceClassification does not take start_positions/);
    assert.throws(() => model.bert.forward({ input_ids: rows, labels: [0, 1] }), /BertModel\.forward: unexpected input 'labels' .*; BertModel does not take labels/);
    const distil = await DistilBertForSequenceClassification.fromPretrained(join(fixtures, 'distilbert'));
    assert.throws(() => distil.forward({ input_ids: rows, position_ids: [[0, 1, 2, 3], [0, 1, 2, 3]] }),
      /DistilBertForSequenceClassification\.forward: unexpected input 'position_ids' \(accepted: input_ids\/inputIds, attention_mask\/attentionMask, labels\/labels, .*\); DistilBertForSequenceClassification does not take position_ids/);
  });

  class Declares extends PreTrainedModel {
    static override forwardInputNames = ['input_ids', 'attention_mask', 'past_key_values', 'use_cache', 'start_positions', 'end_positions'];
    static override labelNames = ['start_positions', 'end_positions'];
    constructor() {
      super(new PretrainedConfig());
    }
    forward(inputs: ModelInputs) {
      return readInputs(inputs, this);
    }
  }

  it('a model that declares past_key_values, use_cache or start/end positions gets them (snake_case or camelCase)', () => {
    const model = new Declares();
    const cache = { layers: [] };
    const snake = model.forward({ input_ids: rows, attention_mask: [[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 0]], past_key_values: cache, use_cache: true, start_positions: [1, 2], end_positions: [2, 3] });
    assert.equal(snake.pastKeyValues, cache, 'passed as given');
    assert.equal(snake.useCache, true);
    assert.deepEqual(snake.attentionMask!.shape, [2, 6], 'with a cache the mask covers past and new tokens');
    assert.deepEqual([snake.startPositions!.toArray(), snake.endPositions!.toArray()], [[1, 2], [2, 3]]);
    const camel = model.forward({ inputIds: rows, pastKeyValues: cache, useCache: false, startPositions: [1, 2] });
    assert.deepEqual([camel.pastKeyValues, camel.useCache, camel.startPositions!.toArray(), camel.endPositions], [cache, false, [1, 2], null]);
    assert.deepEqual([camel.tokenTypeIds, camel.labels, camel.outputAttentions], [null, null, null], 'what it does not declare stays null');
    assert.throws(() => model.forward({ input_ids: rows, attention_mask: [[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 0]] }), /attention_mask has shape \[2, 6\] but input_ids has \[2, 4\]/, 'without a cache the mask has the sequence length');
    assert.throws(() => model.forward({ input_ids: rows, token_type_ids: rows }), /Declares\.forward: unexpected input 'token_type_ids' .*Declares does not take token_type_ids/);
  });

  it('a model class without a declaration, or with an input readInputs cannot read, is refused by name', () => {
    class Silent extends PreTrainedModel {
      constructor() {
        super(new PretrainedConfig());
      }
      forward(inputs: ModelInputs) {
        return readInputs(inputs, this);
      }
    }
    assert.throws(() => new Silent().forward({ input_ids: rows }), /Silent declares no forwardInputNames/);
    class Odd extends Declares {
      static override forwardInputNames = ['input_ids', 'pixel_values'];
    }
    assert.throws(() => new Odd().forward({ input_ids: rows }), /Odd\.forwardInputNames: readInputs does not know 'pixel_values'/);
  });
});

describe('the acceptance program of the issue', { skip: SKIP_SHARED }, () => {
  it('builds from a config, computes a loss, saves and reloads to identical logits', async () => {
    const config = await AutoConfig.fromPretrained(join(SHARED, 'configs/bert-tiny'), { numLabels: 2 });
    const model = AutoModelForSequenceClassification.fromConfig(config);
    const tokenizer = await AutoTokenizer.fromPretrained(join(SHARED, 'tokenizers/bert-base-uncased'));
    const batch = await tokenizer(['I love this movie.', 'Terrible.'], undefined, { padding: true, returnTensors: 'pt' });
    model.eval();
    const out = torch.noGrad(() => model.forward({ ...batch, labels: torch.tensor([1, 0], { dtype: 'int64' }) }));
    assert.ok(Math.abs(out.loss.item() - Math.log(2)) < 0.1, `an untrained 2-way classifier's loss ≈ ln 2, got ${out.loss.item()}`);
    assert.deepEqual(out.logits.shape, [2, 2]);
    const dir = mkdtempSync(join(tmpdir(), 'finetune-ckpt-'));
    await model.savePretrained(dir);
    const again = await AutoModelForSequenceClassification.fromPretrained(dir);
    again.eval();
    assert.equal(torch.noGrad(() => again.forward(batch).logits.sub(out.logits).abs().max().item()), 0);
    rmSync(dir, { recursive: true, force: true });
  });
});
