// The addon must build against stable Node-API only: no NAPI_EXPERIMENTAL, no V8 headers or
// v8:: calls, no experimental node_api_* entry points (they tie a prebuilt binary to one Node).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FORBIDDEN = [/NAPI_EXPERIMENTAL/, /#\s*include\s*[<"]v8(-[a-z-]+)?\.h[>"]/, /\bv8::/, /\bnode_api_\w+/, /\bnapi_\w+_experimental\b/, /\bnode::/];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : /\.(cc|cpp|h|hpp)$/.test(e.name) ? [join(dir, e.name)] : []);
}

test('binding.gyp defines a stable NAPI_VERSION and no NAPI_EXPERIMENTAL', () => {
  const gyp = readFileSync(join(ROOT, 'binding.gyp'), 'utf8');
  assert.doesNotMatch(gyp, /NAPI_EXPERIMENTAL/);
  assert.match(gyp, /"NAPI_VERSION=(8|9)"/);
});

test('native sources use no experimental Node-API and no V8 or Node internals', () => {
  const files = sources(join(ROOT, 'native'));
  assert.ok(files.length >= 5, 'found the native sources');
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const bad of FORBIDDEN) assert.doesNotMatch(text, bad, `${file}: ${bad}`);
  }
});
