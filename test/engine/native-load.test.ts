// Loading the addon where libtorch is missing says what to install (native/no-libtorch.txt),
// from the real dynamic loader's error: a stand-in addon linked against a libtorch_cpu that is
// then removed (a soname no system has, so that the real libtorch cannot stand in) fails to load
// as the prebuilt addon does on a machine without libtorch.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { addonPath, libtorchMissing } from '../../src/engine/native.js';

const dir = mkdtempSync(join(tmpdir(), 'finetune-native-load-'));
after(() => rmSync(dir, { recursive: true, force: true }));

it('the addon loads from the source build in a checkout, or from FINETUNE_ADDON_DIR when set', () => {
  const chosen = process.env.FINETUNE_ADDON_DIR;
  if (chosen) assert.equal(addonPath(), join(resolve(chosen), 'finetune.node'));
  else assert.match(addonPath(), /build\/Release\/finetune\.node$/);
});

it("a relative FINETUNE_ADDON_DIR is found from the working directory, else from finetune's root", () => {
  const saved = process.env.FINETUNE_ADDON_DIR;
  const savedCwd = process.cwd();
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const elsewhere = join(dir, 'elsewhere');
  mkdirSync(join(elsewhere, 'local'), { recursive: true });
  writeFileSync(join(elsewhere, 'local', 'finetune.node'), '');
  try {
    process.chdir(elsewhere);
    process.env.FINETUNE_ADDON_DIR = 'local';
    assert.equal(addonPath(), join(elsewhere, 'local', 'finetune.node'), 'from the working directory');
    process.env.FINETUNE_ADDON_DIR = 'build/Release';
    assert.equal(addonPath(), join(root, 'build', 'Release', 'finetune.node'), "from finetune's root");
    process.env.FINETUNE_ADDON_DIR = 'no-such-build';
    assert.throws(() => addonPath(), /no-such-build has no finetune\.node \(.*elsewhere.*no-such-build.*, .*no-such-build.*\)/);
  } finally {
    process.chdir(savedCwd);
    if (saved === undefined) delete process.env.FINETUNE_ADDON_DIR;
    else process.env.FINETUNE_ADDON_DIR = saved;
  }
});

it('FINETUNE_ADDON_DIR without a finetune.node names the folder and how to build one', () => {
  const saved = process.env.FINETUNE_ADDON_DIR;
  process.env.FINETUNE_ADDON_DIR = join(dir, 'no-addon-here');
  try {
    assert.throws(() => addonPath(), /FINETUNE_ADDON_DIR=.*no-addon-here has no finetune\.node .*npm run build:pytorch/);
  } finally {
    if (saved === undefined) delete process.env.FINETUNE_ADDON_DIR;
    else process.env.FINETUNE_ADDON_DIR = saved;
  }
});

it('a missing libtorch gives the Debian, LIBTORCH and pip torch ways to get one', () => {
  writeFileSync(join(dir, 'stub.c'), 'int torch_stub(void) { return 1; }\n');
  writeFileSync(join(dir, 'addon.c'), 'int torch_stub(void);\nint use(void) { return torch_stub(); }\n');
  execFileSync('gcc', ['-shared', '-fPIC', '-o', join(dir, 'libtorch_cpu.so.0.1'), '-Wl,-soname,libtorch_cpu.so.0.1', join(dir, 'stub.c')]);
  const addon = join(dir, 'finetune.node');
  execFileSync('gcc', ['-shared', '-fPIC', '-o', addon, join(dir, 'addon.c'), `-L${dir}`, '-l:libtorch_cpu.so.0.1']);
  rmSync(join(dir, 'libtorch_cpu.so.0.1'));
  let error: Error | undefined;
  try {
    createRequire(import.meta.url)(addon);
  } catch (e) {
    error = e as Error;
  }
  assert.ok(error, 'the stand-in addon loaded although its libtorch is gone');
  const message = libtorchMissing(addon, error)?.message ?? '';
  assert.match(message, new RegExp(`the native addon ${addon.replaceAll('.', '\\.')} cannot load: .*libtorch_cpu\\.so\\.0\\.1: cannot open shared object file`));
  for (const advice of [/apt-get install libtorch-dev/, /export LIBTORCH=\/path\/to\/libtorch/, /pip install torch/, /npm rebuild finetune/]) assert.match(message, advice);
  assert.equal(libtorchMissing(addon, new Error('something else')), undefined, 'other load errors pass through unchanged');
});
