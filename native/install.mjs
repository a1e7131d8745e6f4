// The install script (`npm install finetune`, `npm rebuild finetune`, `npm ci` in a checkout).
// In a checkout (src/ is there) it builds the addon from source, as it always did. In the
// installed package it uses the prebuilt binary for this platform and Node ABI when that loads
// here, and builds from source otherwise (or when LIBTORCH or FINETUNE_BUILD_FROM_SOURCE=1 asks
// for a build against another libtorch). src/engine/native.ts names the prebuild the same way.
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const checkout = existsSync(join(root, 'src'));
const prebuild = join(root, 'prebuilds', `${process.platform}-${process.arch}`, `finetune.abi${process.versions.modules}.node`);
const advice = () => readFileSync(join(root, 'native', 'no-libtorch.txt'), 'utf8');

function node(args, options = {}) {
  return spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', ...options });
}

const fromSource = checkout || Boolean(process.env.LIBTORCH) || process.env.FINETUNE_BUILD_FROM_SOURCE === '1';
if (!fromSource) {
  if (existsSync(prebuild)) {
    const probe = node(['-e', `require(${JSON.stringify(prebuild)})`]);
    if (probe.status === 0) {
      console.log(`finetune: using the prebuilt native addon ${relative(root, prebuild)}`);
      process.exit(0);
    }
    const reason = (probe.stderr.match(/Error: ([^\n]*)/) ?? [])[1] ?? probe.stderr.trim();
    console.log(`finetune: the prebuilt native addon does not load here (${reason}); building it from source`);
  } else {
    console.log(`finetune: no prebuilt native addon for ${process.platform}-${process.arch} and Node ABI ${process.versions.modules}; building it from source`);
  }
}

// Where libtorch is (native/libtorch.mjs decides); without one there is nothing to build against.
const located = node([join(root, 'native', 'libtorch.mjs'), 'json']);
if (located.status !== 0) {
  process.stderr.write(`${located.stderr}\n${advice()}`);
  process.exit(1);
}
const built = node([join(root, 'native', 'build.mjs'), ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(built.status ?? 1);
