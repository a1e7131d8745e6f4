// Tiny models for the serve tests, written to a temporary folder with the small WordPiece
// tokenizer of test/fixtures/encoder_pipelines (400 tokens, model_max_length 64): a BERT
// sequence classifier and a Llama causal LM with a chat template.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { AutoTokenizer, BertConfig, BertForSequenceClassification, LlamaConfig, LlamaForCausalLM, torch } from '../../src/index.js';

export const fixture = (name: string): string => new URL(`../fixtures/encoder_pipelines/${name}`, import.meta.url).pathname;
export const CHAT_TEMPLATE = '{% for m in messages %}[CLS] {{ m.role }} : {{ m.content }} [SEP] {% endfor %}{% if add_generation_prompt %}[CLS] assistant :{% endif %}';

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'finetune-serve-'));
}

/** A 3-label BERT classifier whose scores differ enough to order labels. */
export async function makeClassifier(dir: string): Promise<string> {
  const tokenizer = await AutoTokenizer.fromPretrained(fixture('ner'));
  const config = new BertConfig().applyOptions({
    vocabSize: 400, hiddenSize: 32, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 37, maxPositionEmbeddings: 64,
    id2label: { 0: 'negative', 1: 'neutral', 2: 'positive' },
  });
  torch.manualSeed(0);
  const model = BertForSequenceClassification.fromConfig(config);
  torch.noGrad(() => model.classifier.weight.mul_(50));
  await model.savePretrained(dir, { tokenizer });
  return dir;
}

/** A Llama with a chat template; eosTokenId as given (null: generation always runs to its limit). */
export async function makeChatModel(dir: string, eosTokenId: number | null = null): Promise<string> {
  const tokenizer = await AutoTokenizer.fromPretrained(fixture('ner'));
  torch.manualSeed(0);
  const model = LlamaForCausalLM.fromConfig(new LlamaConfig({
    vocabSize: 400, hiddenSize: 16, intermediateSize: 24, numHiddenLayers: 1, numAttentionHeads: 2, maxPositionEmbeddings: 64, padTokenId: 0, eosTokenId,
  }));
  await model.savePretrained(dir, { tokenizer });
  writeFileSync(join(dir, 'chat_template.jinja'), CHAT_TEMPLATE);
  return dir;
}

export interface Reply { status: number; headers: Headers; text: string; json: unknown }

/** A request to the server: a body that is not a string is sent as JSON. */
export async function request(url: string, path: string, body?: unknown, init: RequestInit = {}): Promise<Reply> {
  const r = await fetch(url + path, {
    method: body === undefined ? 'GET' : 'POST', headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body), ...init,
  });
  const text = await r.text();
  let json: unknown = null;
  try { json = JSON.parse(text); } catch { /* not JSON (metrics, a stream) */ }
  return { status: r.status, headers: r.headers, text, json };
}

/** A sample's value from the Prometheus text, e.g. metric(text, 'finetune_serve_batch_size_bucket{le="1"}'). */
export function metric(text: string, sample: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  if (line === undefined) throw new Error(`no sample ${sample} in\n${text}`);
  return Number(line.slice(sample.length + 1));
}
