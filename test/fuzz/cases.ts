// The inputs the fuzz suite mutates, and how many cases of each it tries. Every base input is
// valid; each case applies a few seeded mutations to one of them.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import type { BoundedCase } from '../helpers/bounded-child.js';
import { binget, binput, int, legacyCheckpoint, legacyTensor, OP, pickle, str } from '../helpers/pickle-bytes.js';
import { generator, mutateBytes, mutateJson, pick, type Random } from './mutators.js';

const fixture = (name: string): Buffer => readFileSync(fileURLToPath(new URL(`../fixtures/checkpoints/${name}`, import.meta.url)));

function safetensors(header: unknown, data: Buffer): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, json, data]);
}
const SAFETENSORS_HEADER = { a: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] }, b: { dtype: 'I64', shape: [2], data_offsets: [24, 40] }, __metadata__: { format: 'pt' } };
const SAFETENSORS_DATA = Buffer.alloc(40, 1);

const VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'hello', 'world', ',', '.', 'this', 'is', 'a', 'test', 'and', 'second', 'one', '##s'];
const TOKENIZER_CONFIG = { do_lower_case: true, model_max_length: 16, padding_side: 'right', truncation_side: 'right', unk_token: '[UNK]', pad_token: '[PAD]', cls_token: '[CLS]', sep_token: '[SEP]', mask_token: '[MASK]', tokenizer_class: 'BertTokenizer' };
const CONFIG = { model_type: 'bert', architectures: ['BertForSequenceClassification'], vocab_size: 32, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 16, max_position_embeddings: 16, type_vocab_size: 2, hidden_act: 'gelu', layer_norm_eps: 1e-12, id2label: { 0: 'NO', 1: 'YES' }, label2id: { NO: 0, YES: 1 } };
const CSV = 'sentence,label,score\n"Hello, world",1,0.5\nplain text,0,1e3\n"multi\nline ""quoted""",1,-2\n';
const JSONL = '{"text": "hello", "label": 1, "ids": [1, 2, 3]}\n{"text": "world", "label": 0, "ids": []}\n{"text": null, "label": 1, "ids": [4]}\n';

/** A pickle program of random container and memo opcodes (the shapes of billion-laughs files). */
function graphPickle(rnd: Random): Buffer {
  const ops: (number | Buffer)[] = [OP.PROTO2[0], OP.PROTO2[1], OP.EMPTY_DICT, int(1)];
  const steps = 5 + Math.floor(rnd() * 60);
  for (let i = 0; i < steps; i++) {
    ops.push(pick(rnd, [
      Buffer.from([OP.DUP]), Buffer.from([OP.TUPLE2]), binput(Math.floor(rnd() * 3)), binget(Math.floor(rnd() * 3)), Buffer.from([OP.MEMOIZE]),
      Buffer.from([OP.EMPTY_LIST]), Buffer.from([OP.APPEND]), Buffer.from([OP.MARK]), Buffer.from([OP.TUPLE]), Buffer.from([OP.LIST]),
      Buffer.from([OP.APPENDS]), int(Math.floor(rnd() * 5)), Buffer.from([OP.EMPTY_DICT]), Buffer.from([OP.SETITEM]),
    ]));
  }
  ops.push(OP.NONE, OP.SETITEM, OP.STOP);
  return pickle(...ops.map((o) => (typeof o === 'number' ? o : o)));
}

const legacyBase = (): Buffer => legacyCheckpoint(pickle(OP.PROTO2, OP.EMPTY_DICT, str('w'), legacyTensor(6, 0, [2, 3], [3, 1]), OP.SETITEM, str('t'), legacyTensor(6, 1, [3, 2], [1, 3]), OP.SETITEM, OP.STOP), [['0', new Float32Array(6).fill(2)]]);

/** Case builders by family; `count` cases each, seeded by family and index. */
export const FAMILIES: Record<string, { count: number; make: (rnd: Random) => BoundedCase }> = {
  'safetensors header': { count: 40, make: (rnd) => ({ name: '', target: 'safetensors', files: { 'model.safetensors': safetensors(mutateJson(SAFETENSORS_HEADER, rnd), SAFETENSORS_DATA) } }) },
  'safetensors bytes': { count: 30, make: (rnd) => ({ name: '', target: 'safetensors', files: { 'model.safetensors': mutateBytes(safetensors(SAFETENSORS_HEADER, SAFETENSORS_DATA), rnd) } }) },
  'torch.save zip bytes': { count: 30, make: (rnd) => ({ name: '', target: 'torch-load', files: { 'pytorch_model.bin': mutateBytes(fixture('layouts-zip.bin'), rnd) } }) },
  'torch.save legacy bytes': { count: 40, make: (rnd) => ({ name: '', target: 'torch-load', files: { 'pytorch_model.bin': mutateBytes(rnd() < 0.5 ? fixture('layouts-legacy.bin') : legacyBase(), rnd) } }) },
  'pickle memo/graph programs': { count: 60, make: (rnd) => ({ name: '', target: 'torch-load', files: { 'pytorch_model.bin': legacyCheckpoint(rnd() < 0.7 ? graphPickle(rnd) : mutateBytes(graphPickle(rnd), rnd)) } }) },
  'tokenizer_config.json': { count: 30, make: (rnd) => ({ name: '', target: 'tokenizer', files: { 'vocab.txt': `${VOCAB.join('\n')}\n`, 'tokenizer_config.json': JSON.stringify(mutateJson(TOKENIZER_CONFIG, rnd)) } }) },
  'tokenizer.json': { count: 30, make: (rnd) => ({ name: '', target: 'tokenizer', args: { mutateTokenizerJson: Math.floor(rnd() * 2 ** 31) }, files: { 'vocab.txt': `${VOCAB.join('\n')}\n` } }) },
  'config.json': { count: 30, make: (rnd) => ({ name: '', target: 'config', files: { 'config.json': rnd() < 0.8 ? JSON.stringify(mutateJson(CONFIG, rnd)) : mutateBytes(Buffer.from(JSON.stringify(CONFIG)), rnd) } }) },
  csv: { count: 40, make: (rnd) => ({ name: '', target: 'dataset', args: { builder: 'csv', file: 'data.csv' }, files: { 'data.csv': mutateBytes(Buffer.from(CSV), rnd) } }) },
  'json lines': { count: 40, make: (rnd) => ({ name: '', target: 'dataset', args: { builder: 'json', file: 'data.jsonl' }, files: { 'data.jsonl': mutateBytes(Buffer.from(JSONL), rnd) } }) },
  parquet: { count: 60, make: (rnd) => ({ name: '', target: 'dataset', args: { builder: 'parquet', file: 'data.parquet', mutateParquet: Math.floor(rnd() * 2 ** 31) } }) },
  'op arguments': { count: 80, make: (rnd) => ({ name: '', target: 'op', args: randomOp(rnd) }) },
};

const SHAPES: unknown[] = [[2, 3], [0], [-1], [2, -3], [1e9, 1e9], [2 ** 31, 2 ** 31], [1.5], [NaN], ['2'], [], [3, 0, 2], [2 ** 53]];
// Sizes that fit a legitimate result are kept small (randperm(1e9) rightly takes 8 GB); absurd ones must fail fast.
const NUMBERS: unknown[] = [0, 1, -1, 2, 3, -7, 1e5, 2 ** 40, 1.5, NaN, Infinity, -Infinity, '1', null, undefined, true];

function randomOp(rnd: Random): unknown {
  const num = (): unknown => pick(rnd, NUMBERS);
  const shape = (): unknown => pick(rnd, SHAPES);
  const t = (): unknown => ({ tensor: pick(rnd, [[2, 3], [3], [], [0, 2], [1, 4, 1]]), dtype: pick(rnd, ['float32', 'int64', 'bool', 'float16']) });
  const factories: (() => unknown)[] = [
    () => ({ op: 'zeros', inputs: [shape()] }), () => ({ op: 'ones', inputs: [shape(), { dtype: pick(rnd, ['float32', 'int8', 'nope']) }] }),
    () => ({ op: 'full', inputs: [shape(), num()] }), () => ({ op: 'arange', inputs: [num(), num(), num()] }),
    () => ({ op: 'eye', inputs: [num(), num()] }), () => ({ op: 'randperm', inputs: [num()] }), () => ({ op: 'randint', inputs: [num(), num(), shape()] }),
    () => ({ op: 'linspace', inputs: [num(), num(), num()] }), () => ({ op: 'cat', inputs: [[t(), t()], num()] }), () => ({ op: 'stack', inputs: [[t(), t()], num()] }),
  ];
  const methods = ['reshape', 'view', 'expand', 'permute', 'transpose', 'narrow', 'sum', 'mean', 'softmax', 'unsqueeze', 'squeeze', 'repeat', 'flatten', 'indexSelect', 'matmul', 'select', 'gather', 'cumsum', 'topk', 'max', 'argmax', 'to', 'pow', 'div'];
  if (rnd() < 0.4) return pick(rnd, factories)();
  const args = Array.from({ length: Math.floor(rnd() * 4) }, () => pick(rnd, [num, shape, t, () => pick(rnd, ['float32', 'int64', 'cuda', 'x'])])());
  return { op: pick(rnd, methods), method: true, inputs: [t(), ...args] };
}

/** `scale` multiplies every family's count (FUZZ_SCALE for longer runs); names carry family, seed and index. */
export function buildCases(seed: number, scale: number): { family: string; cases: BoundedCase[] }[] {
  return Object.entries(FAMILIES).map(([family, { count, make }], f) => ({
    family,
    cases: Array.from({ length: Math.max(1, Math.round(count * scale)) }, (_, i) => {
      const rnd = generator(seed * 1_000_003 + f * 10_007 + i);
      return { ...make(rnd), name: `${family} #${i} (seed ${seed})` };
    }),
  }));
}
