// `npm run build:prebuild`: the source build (made or refreshed by native/build.mjs) copied to
// prebuilds/<platform>-<arch>/finetune.abi<Node ABI>.node, which the package ships and its
// install script uses when it loads. Refuses a build whose library search path points outside
// /usr (a LIBTORCH build): that binary would only load on this machine.
import { copyFileSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'build', 'Release', 'finetune.node');
const target = join(root, 'prebuilds', `${process.platform}-${process.arch}`, `finetune.abi${process.versions.modules}.node`);

function fail(message) {
  console.error(`finetune prebuild: ${message}`);
  process.exit(1);
}

const build = spawnSync(process.execPath, [join(root, 'native', 'build.mjs')], { stdio: 'inherit', cwd: root });
if (build.status !== 0) process.exit(build.status ?? 1);

const dynamic = spawnSync('readelf', ['-d', built], { encoding: 'utf8' });
if (dynamic.status !== 0) fail(`readelf -d ${built} failed: ${dynamic.stderr || dynamic.error}`);
const searchPaths = [...dynamic.stdout.matchAll(/\((?:RPATH|RUNPATH)\)[^[]*\[([^\]]*)\]/g)].flatMap((m) => m[1].split(':'));
const private_ = searchPaths.filter((p) => !p.startsWith('/usr/'));
if (private_.length > 0) fail(`${relative(root, built)} searches ${private_.join(', ')} for libraries (built with LIBTORCH?); build it against the system libtorch for a prebuild`);
const torch = (dynamic.stdout.match(/\[(libtorch_cpu\.so[^\]]*)\]/) ?? [])[1] ?? 'libtorch_cpu.so';

mkdirSync(dirname(target), { recursive: true });
copyFileSync(built, target);
const loads = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(target)})`], { encoding: 'utf8' });
if (loads.status !== 0) fail(`${relative(root, target)} does not load: ${loads.stderr}`);
console.log(`finetune prebuild: ${relative(root, target)} (links ${torch})`);
