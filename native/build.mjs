// Builds the native addon with node-gyp (run by `npm ci` as the install script).
// Skips the build when build/Release/finetune.node is newer than every source file,
// unless --force is given.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const output = join(root, 'build', 'Release', 'finetune.node');
const sources = [join(root, 'binding.gyp'), join(root, 'native', 'libtorch.mjs'),
  ...readdirSync(join(root, 'native', 'src')).map((f) => join(root, 'native', 'src', f))];

const force = process.argv.includes('--force');
if (!force && existsSync(output)) {
  const built = statSync(output).mtimeMs;
  if (sources.every((f) => statSync(f).mtimeMs < built)) {
    console.log('finetune: native addon is up to date');
    process.exit(0);
  }
}

const require = createRequire(import.meta.url);
// node-gyp is a devDependency; in an installed package npm's own copy runs (npm names it in the
// install script's environment).
function findNodeGyp() {
  try {
    return require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) return process.env.npm_config_node_gyp;
    console.error('finetune: building the native addon needs node-gyp: run this through npm (`npm rebuild finetune`), or npm install -g node-gyp');
    process.exit(1);
  }
}
const nodeGyp = findNodeGyp();
const jobs = String(Math.max(1, cpus().length));
// Node's headers: npm's configured nodedir, else the system's (Debian's nodejs ships them);
// node-gyp would otherwise try to download them.
const nodedir = process.env.npm_config_nodedir || (existsSync('/usr/include/node/node_api.h') ? '/usr' : undefined);
const args = [nodeGyp, 'rebuild', `--jobs=${jobs}`, `--directory=${root}`, ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
const result = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root, env: { ...process.env } });
if (result.status !== 0) {
  console.error('finetune: building the native addon failed (see above).');
  process.exit(result.status ?? 1);
}
