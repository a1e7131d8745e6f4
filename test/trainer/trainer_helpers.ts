// Shared by the Trainer tests: a tiny BERT and a synthetic task it can learn in a few steps
// (label 1 when token 5 occurs in the sequence), so every test runs in well under a second.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { BertConfig, BertForSequenceClassification, Dataset, TrainingArguments, readJsonl, torch } from '../../src/index.js';
import type { TrainingArgumentsInit } from '../../src/index.js';

export function tinyModel(seed = 0, options: { dropout?: number; numLabels?: number } = {}): BertForSequenceClassification {
  torch.manualSeed(seed);
  const dropout = options.dropout ?? 0.1;
  const config = new BertConfig({
    vocabSize: 32, hiddenSize: 32, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 64, maxPositionEmbeddings: 16,
    hiddenDropoutProb: dropout, attentionProbsDropoutProb: dropout,
  });
  config.numLabels = options.numLabels ?? 2;
  return BertForSequenceClassification.fromConfig(config);
}

/** n rows of 8 token ids in [6, 32) with token 5 planted in half of them; `extra` adds string/idx columns. */
export function syntheticDataset(n: number, seed = 1, extra = false): Dataset {
  let s = seed;
  const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const ids: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = [2, ...Array.from({ length: 6 }, () => 6 + Math.floor(rand() * 26)), 3];
    const label = i % 2;
    if (label) row[1 + Math.floor(rand() * 6)] = 5;
    ids.push(row);
    labels.push(label);
  }
  const data: Record<string, unknown[]> = { input_ids: ids, attention_mask: ids.map((r) => r.map(() => 1)), label: labels };
  if (extra) {
    data.sentence = ids.map((r) => r.join(' '));
    data.idx = ids.map((_, i) => i);
  }
  return Dataset.fromDict(data);
}

export const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), `finetune-${prefix}-`));

export function args(outputDir: string, init: TrainingArgumentsInit = {}): TrainingArguments {
  return new TrainingArguments({ outputDir, reportTo: 'none', logLevel: 'error', perDeviceTrainBatchSize: 8, learningRate: 1e-3, ...init });
}

/** [step, loss] of every training log. */
export const stepLosses = (history: Record<string, number>[]) => history.filter((e) => 'loss' in e).map((e) => [e.step, e.loss] as const);

export { readJsonl };
