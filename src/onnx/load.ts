// The model class a saved folder was trained as (config.json's architectures), for
// `finetune export onnx --model DIR`: the head decides the exported graph's outputs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AutoModel, AutoModelForCausalLM, AutoModelForSequenceClassification } from '../models/auto.js';
import type { PreTrainedModel } from '../models/modeling_utils.js';

/** Head suffixes of transformers' class names → the auto class that loads them. */
const AUTO_BY_HEAD: [suffix: string, load: (dir: string) => Promise<unknown>][] = [
  ['ForSequenceClassification', (dir) => AutoModelForSequenceClassification.fromPretrained(dir)],
  ['ForCausalLM', (dir) => AutoModelForCausalLM.fromPretrained(dir)],
  ['LMHeadModel', (dir) => AutoModelForCausalLM.fromPretrained(dir)],
  ['Model', (dir) => AutoModel.fromPretrained(dir)],
];

export async function loadForExport(dir: string): Promise<PreTrainedModel> {
  const file = join(dir, 'config.json');
  let config: { architectures?: unknown };
  try {
    config = JSON.parse(readFileSync(file, 'utf8')) as { architectures?: unknown };
  } catch (e) {
    throw new Error(`${file}: cannot read the model's config (${(e as Error).message})`);
  }
  const architecture = Array.isArray(config.architectures) && typeof config.architectures[0] === 'string' ? config.architectures[0] : null;
  // a folder without architectures (a config written by hand) is a base model, as for AutoModel
  const entry = architecture === null ? AUTO_BY_HEAD.at(-1)! : AUTO_BY_HEAD.find(([suffix]) => architecture.endsWith(suffix));
  if (!entry) {
    throw new Error(`${file}: architecture ${architecture} has no ONNX export here (heads: ${AUTO_BY_HEAD.map(([s]) => s).join(', ')})`);
  }
  const model = await entry[1](dir) as PreTrainedModel;
  model.eval();
  return model;
}
