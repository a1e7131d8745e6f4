// frombuffer under stable Node-API: the tensor keeps the JavaScript ArrayBuffer alive through a
// napi_ref that its deleter drops (on the JavaScript thread), so the buffer must survive GC while
// the tensor lives, be collectable once the tensor is disposed, and many cycles must not grow
// memory. Each case runs in a child with --expose-gc (a use-after-free is a crash there).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const INDEX = fileURLToPath(new URL('../../src/index.ts', import.meta.url));

function runChild(body: string): string {
  const script = `import { torch } from ${JSON.stringify(INDEX)};\n${body}`;
  return execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 });
}

test('a frombuffer tensor keeps working after every JS reference to its buffer is dropped and GC runs', () => {
  const out = runChild(`
    const make = () => torch.frombuffer(new Float32Array(1 << 20).fill(2), { dtype: 'float32' });
    const t = make();
    for (let i = 0; i < 5; i++) { gc(); new Uint8Array(1 << 24).fill(255); await new Promise((r) => setImmediate(r)); }
    gc();
    console.log(JSON.stringify({ sum: t.sum().item(), first: t.toArray()[0] }));`);
  assert.deepEqual(JSON.parse(out.trim()), { sum: 2 * (1 << 20), first: 2 });
});

test('dispose() releases the buffer: it is collected after the tensor is disposed, not before', () => {
  const out = runChild(`
    let collected = false;
    const registry = new FinalizationRegistry(() => { collected = true; });
    let t;
    (() => { const buf = new Float32Array(1 << 16).fill(1); registry.register(buf.buffer, 'buf'); t = torch.frombuffer(buf, { dtype: 'float32' }); })();
    const settle = async () => { for (let i = 0; i < 4; i++) { gc(); await new Promise((r) => setTimeout(r, 10)); } };
    await settle();
    const whileAlive = collected;
    const view = t.view([256, 256]);
    t.dispose();
    await settle();
    const afterOneDispose = collected;
    view.dispose();
    await settle();
    console.log(JSON.stringify({ whileAlive, afterOneDispose, afterAll: collected }));`);
  assert.deepEqual(JSON.parse(out.trim()), { whileAlive: false, afterOneDispose: false, afterAll: true });
});

test('memory stays flat over many frombuffer/dispose cycles', () => {
  const out = runChild(`
    const cycle = () => { for (let i = 0; i < 200; i++) { const t = torch.frombuffer(new Float32Array(1 << 18).fill(i), { dtype: 'float32' }); t.add_(1); t.dispose(); } };
    const settle = async () => { for (let i = 0; i < 4; i++) { gc(); await new Promise((r) => setTimeout(r, 10)); } };
    cycle(); await settle();
    const before = process.memoryUsage();
    for (let k = 0; k < 10; k++) cycle();
    await settle();
    const after = process.memoryUsage();
    console.log(JSON.stringify({ rss: (after.rss - before.rss) / 2 ** 20, ab: (after.arrayBuffers - before.arrayBuffers) / 2 ** 20 }));`);
  // 2000 cycles of 1 MiB each: 2000 MiB allocated; a leaked reference would keep all of it.
  const growth = JSON.parse(out.trim()) as { rss: number; ab: number };
  assert.ok(growth.ab < 16, `ArrayBuffer memory grew by ${growth.ab.toFixed(1)} MiB`);
  assert.ok(growth.rss < 64, `RSS grew by ${growth.rss.toFixed(1)} MiB`);
});

test('frombuffer marks the buffer untransferable and refuses resizable buffers', () => {
  const out = runChild(`
    const ab = new ArrayBuffer(16);
    const t = torch.frombuffer(ab, { dtype: 'float32' });
    structuredClone(ab, { transfer: [ab] }); // clones, must not detach
    let refused = '';
    try { torch.frombuffer(new ArrayBuffer(8, { maxByteLength: 16 }), { dtype: 'float32' }); } catch (e) { refused = e.message; }
    console.log(JSON.stringify({ bytes: ab.byteLength, numel: t.numel(), refused }));`);
  const r = JSON.parse(out.trim()) as { bytes: number; numel: number; refused: string };
  assert.equal(r.bytes, 16);
  assert.equal(r.numel, 4);
  assert.match(r.refused, /frombuffer: a resizable ArrayBuffer cannot be shared/);
});
