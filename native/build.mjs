// Builds the native addon with node-gyp (run by `npm ci` as the install script).
// Skips the build when the addon is newer than every source file, unless --force is given.
// --pytorch (or FINETUNE_LIBTORCH=pytorch) builds against the torch wheel of FINETUNE_PYTHON
// (default python3) into build-pytorch/Release, so that the default build/Release stays as it is.
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (process.argv.includes('--pytorch')) process.env.FINETUNE_LIBTORCH = 'pytorch';
const pytorch = process.env.FINETUNE_LIBTORCH === 'pytorch';
// Not under build/: node-gyp rebuild (the default build) deletes build/ whole.
const output = join(root, pytorch ? 'build-pytorch' : 'build', 'Release', 'finetune.node');
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
// Node's headers: npm's configured nodedir, else the system's (Debian's nodejs ships them);
// node-gyp would otherwise try to download them.
const nodedir = process.env.npm_config_nodedir || (existsSync('/usr/include/node/node_api.h') ? '/usr' : undefined);
const jobsArg = process.argv.find((a) => /^-j\d+$|^--jobs=\d+$/.test(a));
const jobs = jobsArg ? jobsArg.replace(/^-j|^--jobs=/, '') : String(Math.max(1, cpus().length));
const nodedirArgs = nodedir ? [`--nodedir=${nodedir}`] : [];

function gyp(args, directory) {
  const result = spawnSync(process.execPath, [nodeGyp, ...args, `--directory=${directory}`, ...nodedirArgs],
    { stdio: 'inherit', cwd: directory, env: { ...process.env } });
  if (result.status !== 0) {
    console.error('finetune: building the native addon failed (see above).');
    process.exit(result.status ?? 1);
  }
}

if (!pytorch) {
  gyp(['rebuild', `--jobs=${jobs}`], root);
} else {
  // node-gyp always builds into <directory>/build: build-pytorch/gyp holds a copy of binding.gyp
  // and a link to native/, so the 2.x objects stay apart from build/Release's.
  const dir = join(root, 'build-pytorch', 'gyp');
  mkdirSync(dir, { recursive: true });
  const text = readFileSync(join(root, 'binding.gyp'), 'utf8');
  const gypFile = join(dir, 'binding.gyp');
  if (!existsSync(gypFile) || readFileSync(gypFile, 'utf8') !== text) writeFileSync(gypFile, text);
  if (!existsSync(join(dir, 'native'))) symlinkSync(join('..', '..', 'native'), join(dir, 'native'));
  // configure + build, not rebuild: unchanged objects are kept between builds.
  gyp(['configure'], dir);
  gyp(['build', `--jobs=${jobs}`], dir);
  mkdirSync(dirname(output), { recursive: true });
  copyFileSync(join(dir, 'build', 'Release', 'finetune.node'), `${output}.tmp`);
  renameSync(`${output}.tmp`, output);
  console.log(`finetune: built ${output}`);
}
