// TensorBoard event files: the bytes must equal what Google's protobuf runtime and crcmod's
// CRC-32C produce for the same events (fixture: scripts/fixtures/make_trainer_fixtures.py), and a
// file written by TensorBoardCallback must parse back with the independent reader below
// (bitwise CRC-32C, hand-decoded protobuf) into the logged scalars.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import {
  SummaryWriter, TensorBoardCallback, TrainerControl, TrainerState, TrainingArguments, crc32c, maskedCrc32c, rewriteLogs, scalarValue as scalarValueOf,
} from '../../src/trainer-index.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/trainer/tensorboard.json', import.meta.url), 'utf8'));

// ---------------------------------------------------------------- an independent reader
function crcBitwise(data: Uint8Array): number {
  let crc = ~0 >>> 0;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0x82f63b78 & -(crc & 1));
  }
  return ~crc >>> 0;
}
const mask = (c: number) => ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;

type Fields = Map<number, (number | bigint | Buffer)[]>;
function decodeProto(buf: Buffer): Fields {
  const out: Fields = new Map();
  let i = 0;
  const varint = (): bigint => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = buf[i++];
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
  };
  while (i < buf.length) {
    const key = Number(varint());
    const [field, wire] = [key >> 3, key & 7];
    let value: number | bigint | Buffer;
    if (wire === 0) value = varint();
    else if (wire === 1) { value = buf.readDoubleLE(i); i += 8; }
    else if (wire === 5) { value = buf.readFloatLE(i); i += 4; }
    else if (wire === 2) { const n = Number(varint()); value = buf.subarray(i, i + n); i += n; }
    else throw new Error(`wire type ${wire}`);
    out.set(field, [...(out.get(field) ?? []), value]);
  }
  return out;
}

interface ReadEvent { wallTime?: number; step: number; fileVersion?: string; scalars: Record<string, number>; texts: Record<string, string> }
function readEventFile(data: Buffer): ReadEvent[] {
  const events: ReadEvent[] = [];
  for (let i = 0; i < data.length;) {
    const len = Number(data.readBigUInt64LE(i));
    assert.equal(data.readUInt32LE(i + 8), mask(crcBitwise(data.subarray(i, i + 8))), 'length CRC');
    const body = data.subarray(i + 12, i + 12 + len);
    assert.equal(data.readUInt32LE(i + 12 + len), mask(crcBitwise(body)), 'data CRC');
    i += 16 + len;
    const f = decodeProto(body);
    const ev: ReadEvent = { wallTime: f.get(1)?.[0] as number, step: Number(f.get(2)?.[0] ?? 0), scalars: {}, texts: {} };
    if (f.has(3)) ev.fileVersion = (f.get(3)![0] as Buffer).toString();
    for (const v of (f.has(5) ? decodeProto(f.get(5)![0] as Buffer).get(1) ?? [] : []) as Buffer[]) {
      const value = decodeProto(v);
      const tag = (value.get(1)![0] as Buffer).toString();
      if (value.has(2)) ev.scalars[tag] = value.get(2)![0] as number;
      if (value.has(8)) ev.texts[tag] = (decodeProto(value.get(8)![0] as Buffer).get(8)![0] as Buffer).toString('utf8');
    }
    events.push(ev);
  }
  return events;
}

describe('TFRecord framing and CRC-32C', () => {
  it('crc32c matches crcmod\'s crc-32c (RFC 3720 check value 0xE3069283 for "123456789")', () => {
    for (const [input, expected] of Object.entries(fixture.crc32c as Record<string, number>)) {
      const bytes = input === '32 zero bytes' ? new Uint8Array(32) : Buffer.from(input);
      assert.equal(crc32c(bytes), expected, input);
      assert.equal(crcBitwise(bytes), expected, `reader ${input}`);
    }
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
    assert.equal(maskedCrc32c(Buffer.from('123456789')), fixture.masked_crc32c_123456789);
  });
});

describe('SummaryWriter', () => {
  const dir = mkdtempSync(join(tmpdir(), 'finetune-tb-'));
  it('writes the same bytes as protobuf + crcmod for the fixture events', () => {
    const w = new SummaryWriter(dir, { wallTime: fixture.header_wall_time });
    for (const e of fixture.events) {
      for (const v of e.values) if (v.kind === 'text') w.addText(v.tag, v.text, e.step, e.wall_time);
      const scalars = e.values.filter((v: { kind: string }) => v.kind === 'scalar');
      if (scalars.length === 1) w.addScalar(scalars[0].tag, scalars[0].value, e.step, e.wall_time);
      else if (scalars.length > 1) w.addSummary(scalars.map((v: { tag: string; value: number }) => scalarValueOf(v.tag, v.value)), e.step, e.wall_time);
    }
    w.close();
    assert.match(w.path, /events\.out\.tfevents\.1700000000\.[^/]+\.\d+\.\d+$/);
    assert.equal(readFileSync(w.path).toString('hex'), fixture.records.join(''));
  });
  it('the independent reader reads the fixture bytes', () => {
    const events = readEventFile(Buffer.from(fixture.records.join(''), 'hex'));
    assert.equal(events[0].fileVersion, 'brain.Event:2');
    assert.equal(events[1].scalars['train/loss'], Math.fround(0.6931));
    assert.equal(events[2].scalars['eval/accuracy'], 0);
    assert.equal(events[3].step, 123456789);
    assert.ok(events[5].texts['args/text_summary'].includes('h\u00e9llo \u2713'));
  });
});

describe('TensorBoardCallback', () => {
  it('writes args as text and each log as train/… and eval/… scalars at the global step', () => {
    const dir = mkdtempSync(join(tmpdir(), 'finetune-tbcb-'));
    const args = new TrainingArguments({ outputDir: dir, loggingDir: join(dir, 'runs', 'x'), reportTo: 'tensorboard' });
    const cb = new TensorBoardCallback();
    const state = new TrainerState();
    cb.onTrainBegin(args, state, new TrainerControl(), { model: { config: { toJsonString: () => '{"hidden_size": 8}' } } });
    state.globalStep = 5;
    cb.onLog(args, state, new TrainerControl(), { logs: { loss: 0.75, learning_rate: 4e-5, epoch: 0.5 } });
    state.globalStep = 10;
    cb.onLog(args, state, new TrainerControl(), { logs: { eval_loss: 0.5, eval_f1: 0.25, epoch: 1 } });
    cb.onTrainEnd();
    const files = readdirSync(join(dir, 'runs', 'x'));
    assert.equal(files.length, 1);
    const events = readEventFile(readFileSync(join(dir, 'runs', 'x', files[0])));
    assert.equal(events[0].fileVersion, 'brain.Event:2');
    assert.equal(JSON.parse(events[1].texts['args/text_summary']).output_dir, dir);
    assert.equal(events[2].texts['model_config/text_summary'], '{"hidden_size": 8}');
    const scalars = events.slice(3).map((e) => [e.step, e.scalars]);
    assert.deepEqual(scalars, [
      [5, { 'train/loss': 0.75 }], [5, { 'train/learning_rate': Math.fround(4e-5) }], [5, { 'train/epoch': 0.5 }],
      [10, { 'eval/loss': 0.5 }], [10, { 'eval/f1': 0.25 }], [10, { 'train/epoch': 1 }],
    ]);
  });
  it('rewriteLogs maps prefixes as Hugging Face', () => {
    assert.deepEqual(rewriteLogs({ eval_loss: 1, test_acc: 2, loss: 3 }), { 'eval/loss': 1, 'test/acc': 2, 'train/loss': 3 });
  });
});
