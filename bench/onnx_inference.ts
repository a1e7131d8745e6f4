// Inference throughput of a text classifier three ways, one after the other on the same
// machine and thread count: finetune's pipeline('text-classification') (libtorch), the
// exported graph in onnxruntime-node (session.run on pre-tokenized inputs: the model alone),
// and transformers.js' pipeline on the exported folder (tokenizer + onnxruntime). The model
// is all-MiniLM-L6-v2 (HF cache, offline) with a fresh 2-label head. Batch 1 (32 calls of
// one sentence) and batch 32 (one call of 32); at 2 threads and at 1 (torch.setNumThreads for
// finetune, intraOpNumThreads for onnxruntime); sentences/s, median of REPEATS runs.
//   HF_HUB_OFFLINE=1 npx tsx bench/onnx_inference.ts [--repeats 5]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { env, pipeline as jsPipeline } from '@huggingface/transformers';

import { exportOnnx, pipeline, torch } from '../src/index.js';
import { miniLmWithFreshHead } from './minilm.js';
import { cpuSummary, sentencesPerSecond } from './peers/peers.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const REPEATS = arg('repeats', 5);
const WORDS = 'the film was a quiet surprise with sharp writing warm performances and an ending that lingers long after the credits roll'.split(' ');
// 32 sentences of 8 … 23 words
const SENTENCES = Array.from({ length: 32 }, (_, i) => Array.from({ length: 8 + (i % 16) }, (_, j) => WORDS[(i * 7 + j) % WORDS.length]).join(' '));

type Runner = (batch: string[]) => Promise<unknown>;

/** Sentences per second of `run` over the 32 sentences in chunks of `batch`, median of REPEATS (after one warm-up). */
const throughput = (run: Runner, batch: number): Promise<number> => sentencesPerSecond(SENTENCES, batch, REPEATS, run);

async function main(): Promise<void> {
  console.log(cpuSummary());
  const work = mkdtempSync(join(tmpdir(), 'ft-bench-onnx-'));
  try {
    const { tokenizer, model } = await miniLmWithFreshHead();
    model.eval();
    const trained = join(work, 'trained');
    await model.savePretrained(trained, { tokenizer });
    await exportOnnx(model, join(work, 'exported'), { tokenizer });
    const modelPath = join(work, 'exported', 'onnx', 'model.onnx');
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = `${work}/`;
    const ours = await pipeline('text-classification', trained);

    console.log(`\nsentences/s, ${SENTENCES.length} sentences of 8-23 words, median of ${REPEATS} runs (under load: the machine is shared)`);
    console.log('threads batch   finetune   ort(model only)   transformers.js   ort/finetune   tjs/finetune');
    for (const threads of [2, 1]) {
      torch.setNumThreads(threads);
      const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: threads, interOpNumThreads: 1 });
      const theirs = await jsPipeline('text-classification', 'exported', { dtype: 'fp32', local_files_only: true, session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 } });
      // onnxruntime on the tokenizer's padded batches, tokenized before the clock starts
      const encoded = new Map<string, Record<string, ort.Tensor>>();
      for (const batch of [1, 32]) {
        for (let i = 0; i < SENTENCES.length; i += batch) {
          const chunk = SENTENCES.slice(i, i + batch);
          const enc = await tokenizer(chunk, undefined, { padding: true, truncation: true });
          const t = (rows: number[][]) => new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0].length]);
          const feeds = { input_ids: t(enc.input_ids as number[][]), attention_mask: t(enc.attention_mask as number[][]), token_type_ids: t(enc.token_type_ids as number[][]) };
          encoded.set(chunk.join('\n'), Object.fromEntries(session.inputNames.map((n) => [n, feeds[n as keyof typeof feeds]])));
        }
      }
      for (const batch of [1, 32]) {
        const f = await throughput((b) => ours(b, { batchSize: batch }), batch);
        const o = await throughput((b) => session.run(encoded.get(b.join('\n'))!), batch);
        const j = await throughput((b) => (theirs as unknown as Runner)(b), batch);
        console.log(`${String(threads).padStart(7)} ${String(batch).padStart(5)} ${f.toFixed(1).padStart(10)} ${o.toFixed(1).padStart(17)} ${j.toFixed(1).padStart(17)} ${(o / f).toFixed(2).padStart(14)} ${(j / f).toFixed(2).padStart(14)}`);
      }
      await session.release();
      await (theirs as unknown as { dispose(): Promise<void> }).dispose();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
