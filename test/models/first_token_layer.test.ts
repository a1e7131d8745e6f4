// The last layer computed for the first position only (modeling_layers.ts firstTokenLastLayer),
// for sequence-classification heads that read nothing else: the loss, every gradient and the
// random stream are the full layer's (the full layers match PyTorch: fixture-parity runs the
// pruned path against PyTorch's numbers in train and eval mode), and where the pruned layer would
// compute something else (hidden states or attentions asked for, a LoRA-wrapped Linear with its
// own dropout) the full layer runs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  BertConfig, BertForSequenceClassification, DistilBertConfig, DistilBertForSequenceClassification, LoraConfig, RobertaConfig, RobertaForSequenceClassification, getPeftModel, nn, torch,
} from '../../src/index.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { withEnv } from '../helpers/env.js';
import { readInputs } from '../../src/models/model_inputs.js';

const floats = (t: Tensor): number[] => [...(t.contiguous().data() as Float32Array)];

const fullLayers = <T>(fn: () => T): T => withEnv('FINETUNE_FIRST_TOKEN_LAST_LAYER', '0', fn);

/** Right-padded rows of lengths 9, 4 and 7 (seq 9), labels 0, 1, 1. */
function batch(): { input_ids: Tensor; attention_mask: Tensor; labels: Tensor } {
  const lengths = [9, 4, 7];
  const ids = lengths.map((n, r) => Array.from({ length: 9 }, (_, i) => (i < n ? 5 + ((r * 31 + i * 7) % 100) : 0)));
  const mask = lengths.map((n) => Array.from({ length: 9 }, (_, i) => (i < n ? 1 : 0)));
  return { input_ids: torch.tensor(ids), attention_mask: torch.tensor(mask), labels: torch.tensor([0, 1, 1]) };
}

interface Step { logits: number[]; loss: number; grads: Map<string, Float32Array>; next: number[] }

/** One seeded train-mode forward and backward: logits, loss, every gradient, and the generator's next draws. */
function trainStep(model: nn.Module): Step {
  model.train();
  model.zeroGrad();
  torch.manualSeed(7);
  const out = model.forward(batch()) as { loss?: Tensor; logits: Tensor };
  out.loss!.backward();
  const grads = new Map<string, Float32Array>();
  for (const [name, p] of model.namedParameters()) if (p.grad) grads.set(name, Float32Array.from(floats(p.grad)));
  const step = { logits: floats(out.logits), loss: out.loss!.item(), grads, next: floats(torch.rand([4])) };
  model.zeroGrad();
  torch.dispose(out);
  return step;
}

function assertSameStep(actual: Step, expected: Step, label: string): void {
  assert.deepEqual(actual.next, expected.next, `${label}: the generator is where the full layer leaves it`);
  actual.logits.forEach((v, i) => assert.ok(Math.abs(v - expected.logits[i]) < 1e-6, `${label}: logit ${i} ${v} vs ${expected.logits[i]}`));
  assert.ok(Math.abs(actual.loss - expected.loss) < 1e-6, `${label}: loss ${actual.loss} vs ${expected.loss}`);
  assert.deepEqual([...actual.grads.keys()], [...expected.grads.keys()], `${label}: the same parameters get gradients`);
  for (const [name, g] of expected.grads) {
    const mine = actual.grads.get(name)!;
    const worst = g.reduce((m, v, i) => Math.max(m, Math.abs(v - mine[i])), 0);
    assert.ok(worst < 1e-6, `${label}: grad of ${name} differs by ${worst}`);
  }
}

const families = {
  bert: () => new BertForSequenceClassification(new BertConfig({ vocabSize: 120, hiddenSize: 32, numHiddenLayers: 2, numAttentionHeads: 4, intermediateSize: 48, maxPositionEmbeddings: 40, numLabels: 2 })),
  roberta: () => new RobertaForSequenceClassification(new RobertaConfig({ vocabSize: 120, hiddenSize: 32, numHiddenLayers: 2, numAttentionHeads: 4, intermediateSize: 48, maxPositionEmbeddings: 40, numLabels: 2 })),
  distilbert: () => new DistilBertForSequenceClassification(new DistilBertConfig({ vocabSize: 120, dim: 32, nLayers: 2, nHeads: 4, hiddenDim: 48, maxPositionEmbeddings: 40, numLabels: 2 })),
};

describe('the last layer for the first token only', () => {
  it('dropoutOfLeadingSlice is dropout of the whole tensor, narrowed, and consumes its draws', () => {
    const whole = torch.rand([3, 7, 5]);
    const slice = whole.narrow(1, 0, 2);
    torch.manualSeed(11);
    const expected = floats(nn.functional.dropout(whole, 0.3, true).narrow(1, 0, 2));
    const expectedNext = floats(torch.rand([3]));
    torch.manualSeed(11);
    const actual = floats(nn.functional.dropoutOfLeadingSlice(slice, 0.3, true, 1, 7));
    assert.deepEqual(actual, expected);
    assert.deepEqual(floats(torch.rand([3])), expectedNext);
    assert.throws(() => nn.functional.dropoutOfLeadingSlice(whole, 0.3, true, 1, 6), /dropout: the drawn size along dim 1 \(6\) is smaller than the input's \(7\)/);
  });

  it('attention whose query is the first rows draws the full query\'s dropout', () => {
    const [q, k, v] = [torch.rand([2, 3, 6, 4]), torch.rand([2, 3, 6, 4]), torch.rand([2, 3, 6, 4])];
    torch.manualSeed(3);
    const [fullContext, fullProbs] = nn.functional.scaledDotProductAttention(q, k, v, { dropoutP: 0.25, training: true });
    const expectedNext = floats(torch.rand([3]));
    torch.manualSeed(3);
    const [context, probs] = nn.functional.scaledDotProductAttention(q.narrow(2, 0, 1), k, v, { dropoutP: 0.25, training: true, dropoutQueryRows: 6 });
    assert.deepEqual(floats(probs), floats(fullProbs.narrow(2, 0, 1)));
    const want = floats(fullContext.narrow(2, 0, 1));
    floats(context).forEach((x, i) => assert.ok(Math.abs(x - want[i]) < 1e-6));
    assert.deepEqual(floats(torch.rand([3])), expectedNext);
  });

  for (const [family, make] of Object.entries(families)) {
    it(`${family}: a train-mode step gives the full layers' loss, gradients and random stream (1e-6)`, () => {
      torch.manualSeed(0);
      const model = make();
      assertSameStep(trainStep(model), fullLayers(() => trainStep(model)), family);
    });
  }

  it('the last layer returns the first position alone, and every position when hidden states are asked for', () => {
    torch.manualSeed(0);
    const model = families.bert().eval();
    const { input_ids, attention_mask } = batch();
    const inputs = readInputs({ input_ids, attention_mask }, model.bert);
    const pruned = torch.noGrad(() => model.bert.run(inputs, { firstTokenOnly: true }));
    assert.deepEqual(pruned.lastHiddenState.shape, [3, 1, 32], 'the first position alone');
    const full = torch.noGrad(() => model.bert.run(readInputs({ input_ids, attention_mask, output_hidden_states: true }, model.bert), { firstTokenOnly: true }));
    assert.deepEqual(full.lastHiddenState.shape, [3, 9, 32], 'every position when hidden states are asked for');
    const first = floats(full.lastHiddenState.narrow(1, 0, 1));
    floats(pruned.lastHiddenState).forEach((x, i) => assert.ok(Math.abs(x - first[i]) < 1e-6, `position 0, element ${i}`));
    assert.deepEqual(fullLayers(() => torch.noGrad(() => model.bert.run(inputs, { firstTokenOnly: true }))).lastHiddenState.shape, [3, 9, 32], 'FINETUNE_FIRST_TOKEN_LAST_LAYER=0');
  });

  it('a LoRA-wrapped layer with no dropout active runs for the first position alone', () => {
    torch.manualSeed(0);
    const peft = getPeftModel(families.bert(), new LoraConfig({ r: 4, targetModules: ['query', 'value'], loraDropout: 0.2, initLoraWeights: false, taskType: 'SEQ_CLS' }));
    const bert = (peft.getBaseModel() as unknown as BertForSequenceClassification).bert;
    peft.eval();
    const { input_ids, attention_mask } = batch();
    const run = () => torch.noGrad(() => bert.run(readInputs({ input_ids, attention_mask }, bert), { firstTokenOnly: true }).lastHiddenState);
    const pruned = run();
    const full = fullLayers(run);
    assert.deepEqual([pruned.shape, full.shape], [[3, 1, 32], [3, 9, 32]]);
    const first = floats(full.narrow(1, 0, 1));
    floats(pruned).forEach((x, i) => assert.ok(Math.abs(x - first[i]) < 1e-6, `position 0, element ${i}`));
    peft.train();
    assert.deepEqual(run().shape, [3, 9, 32], 'in training its dropout draws over every position: the full layer');
  });

  it('a LoRA-wrapped layer with dropout keeps the full layer (its dropout draws over every position)', () => {
    torch.manualSeed(0);
    const peft = getPeftModel(families.bert(), new LoraConfig({ r: 4, targetModules: ['query', 'value'], loraDropout: 0.2, initLoraWeights: false, taskType: 'SEQ_CLS' }));
    const model = peft as unknown as Parameters<typeof trainStep>[0];
    assertSameStep(trainStep(model), fullLayers(() => trainStep(model)), 'lora');
  });
});
