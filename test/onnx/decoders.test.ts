// exportOnnx for the decoder families (the tiny checkpoints transformers saved for
// test/models/causal_lm_parity.test.ts): on their left-padded batch the exported graph in
// onnxruntime-node gives finetune's logits (positions from the mask, as transformers.js feeds
// them) and transformers' own logits (fixture, arange positions) to 1e-4; with or without
// past_key_values inputs; a decode step with the cache equals the full forward; the decoder
// sequence classifier gives transformers' logits; the peers' onnx.checker accepts the files.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';

import { AutoModelForCausalLM, AutoModelForSequenceClassification, exportOnnx, logging, torch, type PreTrainedModel } from '../../src/index.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { positionIdsFromMask } from '../../src/models/masking_utils.js';
import { int64Tensor, type Rows } from '../helpers/onnx.js';
import { fromSpec, type TensorSpec } from '../helpers/torch-fixtures.js';
import { peerPython, runPeer } from '../helpers/peers.js';

const TOLERANCE = 1e-4;
const root = new URL('../fixtures/models/causal-lm/', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'finetune-onnx-dec-'));
after(() => rmSync(work, { recursive: true, force: true }));
logging.setVerbosity('error');
const { skip: noPeers } = peerPython();

interface Expected { input_ids: TensorSpec; attention_mask: TensorSpec; logits: TensorSpec; seqcls?: { score: TensorSpec; logits: TensorSpec } }
type Outputs = Record<string, ort.Tensor>;
type LM = { forward(x: object): { logits: Tensor } };

const rows = (t: Tensor) => t.tolist() as Rows;
const arange = (batch: number, from: number, to: number): Rows => Array.from({ length: batch }, () => Array.from({ length: to - from }, (_, j) => from + j));

/** Runs the session with empty past tensors where none are given (as transformers.js does on the first step). */
async function run(session: ort.InferenceSession, feeds: Record<string, Rows>, past: Outputs = {}): Promise<Outputs> {
  const inputs: Record<string, ort.Tensor> = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, int64Tensor(v)]));
  const batch = feeds.input_ids.length;
  for (const meta of session.inputMetadata) {
    if (!meta.name.startsWith('past_key_values.')) continue;
    const given = past[meta.name.replace('past_key_values', 'present')];
    const shape = (meta as unknown as { shape: (number | string)[] }).shape;
    inputs[meta.name] = given ?? new ort.Tensor('float32', new Float32Array(0), [batch, shape[1] as number, 0, shape[3] as number]);
  }
  return session.run(inputs);
}

/** Max |onnx − ref| over the positions where `keep` ([batch, seq]) is 1 (all when null), with the shapes checked. */
function diffAt(onnx: ort.Tensor, ref: Tensor, keep: Tensor | null = null): number {
  assert.deepEqual([...onnx.dims], [...ref.shape], 'logits shape');
  return torch.noGrad(() => torch.tidy(() => {
    const got = torch.tensor(Array.from(onnx.data as Float32Array)).view(...ref.shape);
    let d = got.sub(ref.to('float32')).abs();
    if (keep) d = d.mul(keep.unsqueeze(-1).to('float32'));
    return d.max().item() as number;
  }));
}

const exported: string[] = [];

for (const family of readdirSync(root).sort().filter((f) => f !== 'llama-rope-dynamic')) {
  describe(`${family}: exported causal LM in onnxruntime-node`, () => {
    const dir = join(root, family);
    const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected;
    const ids = fromSpec(expected.input_ids);
    const mask = fromSpec(expected.attention_mask);
    const [batch, seq] = ids.shape;

    it('with past_key_values: finetune\'s logits (mask positions) and transformers\' (arange) within 1e-4; a cached decode step equals the full forward', async () => {
      const model = await AutoModelForCausalLM.fromPretrained(dir) as unknown as PreTrainedModel;
      model.eval();
      const result = await exportOnnx(model, join(work, family));
      exported.push(result.modelPath);
      const layers = (result.inputNames.length - 3) / 2;
      assert.deepEqual(result.inputNames.slice(0, 4), ['input_ids', 'attention_mask', 'position_ids', 'past_key_values.0.key']);
      assert.equal(result.outputNames.at(-1), `present.${layers - 1}.value`);
      const session = await ort.InferenceSession.create(result.modelPath, { intraOpNumThreads: 1 });
      try {
        assert.ok(rows(mask).some((r) => r[0] === 0), 'the batch is left-padded');
        const positions = positionIdsFromMask(mask) as Tensor;
        const full = await run(session, { input_ids: rows(ids), attention_mask: rows(mask), position_ids: rows(positions) });
        const ours = torch.noGrad(() => (model as unknown as LM).forward({ input_ids: ids, attention_mask: mask, position_ids: positions, use_cache: false }).logits);
        assert.ok((ours.abs().max().item() as number) > 0.1, 'the logits are not near zero');
        const vsOurs = diffAt(full.logits, ours);
        assert.ok(vsOurs <= TOLERANCE, `vs finetune: max |Δ| ${vsOurs}`);
        const present = full['present.0.key'].dims;
        assert.deepEqual([present[0], present[2]], [batch, seq], 'present: [batch, kv_heads, past + seq, head_dim]');

        const plain = await run(session, { input_ids: rows(ids), attention_mask: rows(mask), position_ids: arange(batch, 0, seq) });
        const vsTransformers = diffAt(plain.logits, fromSpec(expected.logits), mask);
        assert.ok(vsTransformers <= TOLERANCE, `vs transformers: max |Δ| ${vsTransformers}`);

        // the prompt's first 5 tokens, then 2 more with the cache
        const cut = 5;
        const first = await run(session, { input_ids: rows(ids.narrow(1, 0, cut)), attention_mask: rows(mask.narrow(1, 0, cut)), position_ids: rows(positions.narrow(1, 0, cut)) });
        const next = await run(session, { input_ids: rows(ids.narrow(1, cut, seq - cut)), attention_mask: rows(mask), position_ids: rows(positions.narrow(1, cut, seq - cut)) }, first);
        assert.deepEqual([...next['present.0.key'].dims].slice(2, 3), [seq], 'the cache holds every position');
        const cached = diffAt(next.logits, ours.narrow(1, cut, seq - cut));
        assert.ok(cached <= TOLERANCE, `cached step vs full forward: max |Δ| ${cached}`);
      } finally {
        await session.release();
      }
    });

    it('without past_key_values: the same logits from input_ids, attention_mask, position_ids alone', async () => {
      const model = await AutoModelForCausalLM.fromPretrained(dir) as unknown as PreTrainedModel;
      model.eval();
      const result = await exportOnnx(model, join(work, `${family}-no-past`), { withPast: false });
      exported.push(result.modelPath);
      assert.deepEqual(result.inputNames, ['input_ids', 'attention_mask', 'position_ids']);
      assert.deepEqual(result.outputNames, ['logits']);
      const session = await ort.InferenceSession.create(result.modelPath, { intraOpNumThreads: 1 });
      try {
        const positions = positionIdsFromMask(mask) as Tensor;
        const out = await run(session, { input_ids: rows(ids), attention_mask: rows(mask), position_ids: rows(positions) });
        const ours = torch.noGrad(() => (model as unknown as LM).forward({ input_ids: ids, attention_mask: mask, position_ids: positions, use_cache: false }).logits);
        const diff = diffAt(out.logits, ours);
        assert.ok(diff <= TOLERANCE, `max |Δ| ${diff}`);
      } finally {
        await session.release();
      }
    });

    if (expected.seqcls) {
      it('sequence classification: transformers\' logits at the last non-pad token', async () => {
        const model = await AutoModelForSequenceClassification.fromPretrained(dir, { numLabels: 3 }) as unknown as PreTrainedModel & { score: { weight: Tensor } };
        torch.noGrad(() => model.score.weight.copy_(fromSpec(expected.seqcls!.score)));
        model.eval();
        const result = await exportOnnx(model, join(work, `${family}-seqcls`));
        exported.push(result.modelPath);
        assert.equal(result.task, 'text-classification');
        assert.deepEqual(result.inputNames, ['input_ids', 'attention_mask']);
        const session = await ort.InferenceSession.create(result.modelPath, { intraOpNumThreads: 1 });
        try {
          const out = await run(session, { input_ids: rows(ids), attention_mask: rows(mask) });
          const diff = diffAt(out.logits, fromSpec(expected.seqcls!.logits));
          assert.ok(diff <= TOLERANCE, `max |Δ| ${diff}`);
        } finally {
          await session.release();
        }
      });
    }
  });
}

describe('exportOnnx for decoders: refusals and the checker', () => {
  it('dynamic rope (frequencies that depend on the length) is refused by name', async () => {
    const model = await AutoModelForCausalLM.fromPretrained(join(root, 'llama-rope-dynamic')) as unknown as PreTrainedModel;
    await assert.rejects(exportOnnx(model, join(work, 'dynamic')), /rope_type 'dynamic' has no ONNX form here/);
  });

  it('a causal LM cannot be exported for another task', async () => {
    const model = await AutoModelForCausalLM.fromPretrained(join(root, 'gpt2')) as unknown as PreTrainedModel;
    await assert.rejects(exportOnnx(model, join(work, 'bad'), { task: 'fill-mask' }), /GPT2LMHeadModel is a text-generation model; it cannot be exported for task "fill-mask"/);
  });

  it('`finetune export onnx` loads a causal LM folder (LMHeadModel / ForCausalLM) and exports with or without past', () => {
    const bin = new URL('../../bin/finetune.js', import.meta.url).pathname;
    const cli = (...args: string[]) => spawnSync(process.execPath, [bin, 'export', 'onnx', ...args], { encoding: 'utf8', timeout: 120_000 });
    for (const [family, withPast] of [['gpt2', 'true'], ['qwen3', 'false']] as const) {
      const out = join(work, `cli-${family}`);
      const r = cli('--model', join(root, family), '--output', out, '--with-past', withPast);
      assert.equal(r.status, 0, r.stderr);
      const printed = JSON.parse(r.stdout) as { task: string; inputNames: string[]; outputNames: string[] };
      assert.equal(printed.task, 'text-generation');
      assert.equal(printed.inputNames.includes('past_key_values.0.key'), withPast === 'true');
      assert.equal(printed.outputNames.includes('present.0.key'), withPast === 'true');
      assert.ok(existsSync(join(out, 'onnx', 'model.onnx')));
    }
    const bad = cli('--model', join(root, 'gpt2'), '--with-past', 'maybe');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--with-past must be true or false, got 'maybe'/);
  });

  it('onnx.checker (full_check) accepts every exported decoder', { skip: noPeers }, () => {
    assert.ok(exported.length >= 12, `the exports above ran (${exported.length})`);
    const report = runPeer<Record<string, { ok: boolean; error?: string }>>('onnx_check.py', exported);
    for (const path of exported) assert.equal(report[path].ok, true, `${path}: ${report[path].error}`);
  });
});
