// SFTConfig's TRL defaults and SFTTrainer's dataset preparation and training, on a tiny causal
// LM defined here (the library's decoder models come with the causal-LM work) that honours
// position_ids as padding-free models must: attention stays inside each sequence of a packed row.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, describe, it } from 'node:test';

import { SFTConfig, SFTTrainer, nn, torch, trl } from '../../src/index.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { tmp } from '../trainer/trainer_helpers.js';

const dirs: string[] = [];
const out = () => { const d = tmp('sft'); dirs.push(d); return d; };
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

/** Words → ids; '</s>' is the EOS (id 1), and with padIsEos the pad token too. */
class WordTokenizer {
  vocab = new Map<string, number>([['<pad>', 0], ['</s>', 1]]);
  eosToken = '</s>';
  eosTokenId = 1;
  constructor(readonly padIsEos = false) {}
  get padToken() { return this.padIsEos ? '</s>' : '<pad>'; }
  get padTokenId() { return this.padIsEos ? 1 : 0; }
  async encode(text: string): Promise<number[]> {
    return text.replace(/<\/s>/g, ' </s> ').split(/\s+/).filter(Boolean).map((w) => {
      if (!this.vocab.has(w)) this.vocab.set(w, this.vocab.size);
      return this.vocab.get(w)!;
    });
  }
}

/** Embeddings, one causal attention layer confined to each sequence (segments from position_ids), an LM head; transformers' shifted loss. */
class TinyCausalLM extends nn.Module {
  static forwardInputNames = ['input_ids', 'attention_mask', 'position_ids', 'labels'];
  wte = new nn.Embedding(64, 16);
  wpe = new nn.Embedding(32, 16);
  q_proj = new nn.Linear(16, 16);
  k_proj = new nn.Linear(16, 16);
  v_proj = new nn.Linear(16, 16);
  lm_head = new nn.Linear(16, 64);

  logits(x: { input_ids: Tensor; position_ids?: Tensor; attention_mask?: Tensor }): Tensor {
    const [b, t] = x.input_ids.shape;
    const pos = x.position_ids ?? torch.arange(t).expand(b, t);
    const h = this.wte.forward(x.input_ids).add(this.wpe.forward(pos));
    const segment = pos.eq(0).cumsum(1);
    let allowed = segment.unsqueeze(2).eq(segment.unsqueeze(1)).logicalAnd(torch.ones([t, t], { dtype: 'bool' }).tril());
    if (x.attention_mask) allowed = allowed.logicalAnd(x.attention_mask.unsqueeze(1).eq(1));
    const bias = torch.zeros([b, t, t]).maskedFill(allowed.logicalNot(), -1e9);
    const [ctx] = nn.functional.scaledDotProductAttention(this.q_proj.forward(h), this.k_proj.forward(h), this.v_proj.forward(h), { attnMask: bias, training: false });
    return this.lm_head.forward(h.add(ctx));
  }

  /** Per-token loss of predicting token i+1 at i, -100 labels excluded (0 there). */
  tokenLosses(x: { input_ids: Tensor; position_ids?: Tensor; attention_mask?: Tensor; labels: Tensor }): Tensor {
    const logits = this.logits(x);
    const t = logits.size(1);
    const shifted = x.labels.slice(1, 1, t);
    return nn.functional.crossEntropy(logits.slice(1, 0, t - 1).reshape(-1, 64), shifted.reshape(-1), { reduction: 'none' }).view(shifted.shape);
  }

  forward(x: { input_ids: Tensor; position_ids?: Tensor; attention_mask?: Tensor; labels?: Tensor }): { loss?: Tensor; logits: Tensor } {
    const logits = this.logits(x);
    if (!x.labels) return { logits };
    const t = logits.size(1);
    return { logits, loss: nn.functional.crossEntropy(logits.slice(1, 0, t - 1).reshape(-1, 64), x.labels.slice(1, 1, t).reshape(-1)) };
  }
}

const tiny = (seed = 0) => { torch.manualSeed(seed); return new TinyCausalLM(); };
const TEXTS = ['the cat sat on the mat', 'a dog ran', 'birds fly south in winter every year', 'fish swim'];

describe('SFTConfig', () => {
  it("has TRL 1.16's defaults, snake_case accepted", () => {
    const c = new SFTConfig({ outputDir: out() });
    assert.deepEqual([c.learningRate, c.loggingSteps, c.maxLength, c.packing, c.packingStrategy, c.paddingFree, c.completionOnlyLoss, c.assistantOnlyLoss, c.datasetTextField, c.eosToken],
      [2e-5, 10, 1024, false, 'bfd', false, null, false, 'text', null]);
    const s = new SFTConfig({ output_dir: out(), max_length: 64, dataset_text_field: 'content', learning_rate: 1e-4 } as never);
    assert.deepEqual([s.maxLength, s.datasetTextField, s.learningRate], [64, 'content', 1e-4]);
    assert.throws(() => new SFTConfig({ outputDir: out(), packingStrategy: 'wrapped' as never }), /packingStrategy must be 'bfd' or 'bfd_split'/);
  });
});

describe('SFTTrainer', () => {
  it('appends EOS and keeps it in the labels even when the pad token is the EOS token', async () => {
    const tokenizer = new WordTokenizer(true);
    const trainer = new SFTTrainer(tiny(), { args: new SFTConfig({ outputDir: out(), reportTo: 'none' }), trainDataset: TEXTS.map((text) => ({ text })), processingClass: tokenizer });
    await trainer.prepareDatasets();
    const rows = trainer.trainDataset as unknown as { input_ids: number[]; labels: number[] }[];
    assert.ok(rows.every((r) => r.input_ids.at(-1) === 1 && r.labels.at(-1) === 1), 'EOS last, in ids and labels');
    const batch = trainer.dataCollator(rows.slice(0, 2)) as Record<string, Tensor>;
    const labels = batch.labels.tolist() as number[][];
    assert.equal(labels[1][rows[1].input_ids.length - 1], 1, 'the shorter row keeps its EOS label');
    assert.ok(labels[1].slice(rows[1].input_ids.length).every((l) => l === -100), 'padding (also id 1) is -100');
  });

  it('prompt/completion: the loss is on the completion only (completionOnlyLoss defaults on), and on all with false', async () => {
    const data = [{ prompt: 'question what is two', completion: ' answer four' }];
    const prepare = async (completionOnlyLoss?: boolean) => {
      const t = new SFTTrainer(tiny(), { args: new SFTConfig({ outputDir: out(), reportTo: 'none', completionOnlyLoss }), trainDataset: data, processingClass: new WordTokenizer() });
      await t.prepareDatasets();
      return (t.trainDataset as unknown as { labels: number[] }[])[0].labels;
    };
    assert.deepEqual(await prepare(), [-100, -100, -100, -100, 6, 7, 1]);
    assert.deepEqual(await prepare(false), [2, 3, 4, 5, 6, 7, 1]);
  });

  it('truncates to maxLength; conversational rows without a chat template fail clearly', async () => {
    const t = new SFTTrainer(tiny(), { args: new SFTConfig({ outputDir: out(), reportTo: 'none', maxLength: 3 }), trainDataset: TEXTS.map((text) => ({ text })), processingClass: new WordTokenizer() });
    await t.prepareDatasets();
    assert.ok((t.trainDataset as unknown as { input_ids: number[] }[]).every((r) => r.input_ids.length <= 3));
    const chat = new SFTTrainer(tiny(), { args: new SFTConfig({ outputDir: out(), reportTo: 'none' }), trainDataset: [{ messages: [{ role: 'user', content: 'hi' }] }], processingClass: new WordTokenizer() });
    await assert.rejects(chat.prepareDatasets(), /conversational rows \('messages'\) need the tokenizer's chat template/);
  });

  it('conversational rows: the chat template\'s assistant masks (assistantOnlyLoss) and the completion of conversational prompt/completion', async () => {
    // a stand-in for tokenizer.applyChatTemplate: "<role> content" per turn, assistant tokens marked
    class ChatTokenizer extends WordTokenizer {
      async applyChatTemplate(turns: unknown[], options: Record<string, unknown>) {
        const messages = turns as { role: string; content: string }[];
        const ids: number[] = [];
        const masks: number[] = [];
        for (const m of messages) {
          const turn = await this.encode(`${m.role} ${m.content} </s>`);
          ids.push(...turn);
          masks.push(...turn.map((_, i) => (m.role === 'assistant' && i > 0 ? 1 : 0)));
        }
        if (options.addGenerationPrompt) ids.push(...await this.encode('assistant'));
        return options.returnAssistantTokensMask ? { input_ids: ids, assistant_masks: masks } : { input_ids: ids };
      }
    }
    const messages = [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello there' }];
    const prepare = async (row: Record<string, unknown>, init: Record<string, unknown>) => {
      const t = new SFTTrainer(tiny(), { args: new SFTConfig({ outputDir: out(), reportTo: 'none', ...init }), trainDataset: [row], processingClass: new ChatTokenizer() });
      await t.prepareDatasets();
      return (t.trainDataset as unknown as { input_ids: number[]; labels: number[] }[])[0];
    };
    const all = await prepare({ messages }, {});
    assert.deepEqual(all.labels, all.input_ids, 'without assistantOnlyLoss every token counts');
    const assistant = await prepare({ messages }, { assistantOnlyLoss: true });
    assert.deepEqual(assistant.labels, [-100, -100, -100, -100, 5, 6, 1]);
    const pc = await prepare({ prompt: messages.slice(0, 1), completion: messages.slice(1) }, {});
    assert.deepEqual(pc.labels, [-100, -100, -100, -100, 5, 6, 1], 'the completion after the generation prompt');
  });

  it('a packed row gives the same per-token losses as its sequences run one by one', async () => {
    const model = tiny().eval();
    const t = new SFTTrainer(model, { args: new SFTConfig({ outputDir: out(), reportTo: 'none', packing: true, maxLength: 12 }), trainDataset: TEXTS.map((text) => ({ text })), processingClass: new WordTokenizer() });
    await t.prepareDatasets();
    const packed = t.trainDataset as unknown as { input_ids: number[]; labels: number[]; seq_lengths: number[] }[];
    assert.ok(packed.some((r) => r.seq_lengths.length > 1), 'some row holds several sequences');
    const batch = t.dataCollator(packed) as Record<string, Tensor>;
    assert.equal(batch.input_ids.size(0), 1, 'padding-free: one row');
    const together = torch.noGrad(() => model.tokenLosses(batch as never)).flatten().toArray() as number[];
    const alone: number[] = [];
    const labels = batch.labels.flatten().toArray() as number[];
    for (const row of packed) {
      let start = 0;
      for (const n of row.seq_lengths) {
        const ids = row.input_ids.slice(start, start + n);
        const own = row.labels.slice(start, start + n);
        start += n;
        const losses = torch.noGrad(() => model.tokenLosses({ input_ids: torch.tensor([ids]), labels: torch.tensor([[-100, ...own.slice(1)]]) })).flatten().toArray() as number[];
        alone.push(...losses, Number.NaN); // the boundary: predicting the next sequence's first token, which is -100
      }
    }
    alone.pop();
    assert.equal(together.length, alone.length);
    for (let i = 0; i < alone.length; i++) {
      if (Number.isNaN(alone[i])) { assert.equal(labels[i + 1], -100, 'no loss across the boundary'); continue; }
      assert.ok(Math.abs(together[i] - alone[i]) < 1e-5, `token ${i}: packed ${together[i]} vs alone ${alone[i]}`);
    }
  });

  it('peftConfig trains LoRA only, and the loss falls', async () => {
    const data = Array.from({ length: 16 }, (_, i) => ({ text: TEXTS[i % 4] }));
    const t = new SFTTrainer(tiny(), {
      args: new SFTConfig({ outputDir: out(), reportTo: 'none', logLevel: 'error', maxSteps: 12, loggingSteps: 1, learningRate: 1e-2, perDeviceTrainBatchSize: 4, saveStrategy: 'no' }),
      trainDataset: data, processingClass: new WordTokenizer(), peftConfig: { r: 4, loraAlpha: 8, targetModules: ['q_proj', 'v_proj'], taskType: 'CAUSAL_LM' },
    });
    await t.train();
    const losses = t.state.logHistory.filter((e) => 'loss' in e).map((e) => e.loss as number);
    assert.ok(losses.at(-1)! < losses[0], `loss ${losses[0]} → ${losses.at(-1)}`);
    const trainable = [...t.model.namedParameters()].filter(([, p]) => p.requiresGrad).map(([n]) => n);
    assert.ok(trainable.length === 4 && trainable.every((n) => n.includes('lora_')), trainable.join());
    assert.ok(trl.isConversational({ messages: [{ role: 'user', content: 'x' }] }));
  });
  it("the tutorial's call: new SFTTrainer({ model, args, trainDataset, peftConfig }) is new SFTTrainer(model, { ... })", async () => {
    const t = new SFTTrainer({
      model: tiny(), args: new SFTConfig({ outputDir: out(), reportTo: 'none' }), trainDataset: TEXTS.map((text) => ({ text })),
      processingClass: new WordTokenizer(), peftConfig: { r: 4, loraAlpha: 8, targetModules: ['q_proj', 'v_proj'], taskType: 'CAUSAL_LM' },
    });
    const trainable = [...t.model.namedParameters()].filter(([, p]) => p.requiresGrad).map(([n]) => n);
    assert.ok(trainable.length === 4 && trainable.every((n) => n.includes('lora_')), trainable.join());
    assert.throws(() => new SFTTrainer({ args: new SFTConfig({ outputDir: out() }) } as never), /SFTTrainer: pass the model/);
  });
});
