// The npm package as a user gets it: `npm pack` (prepack compiles src/ to dist/ and copies the
// native addon to prebuilds/), then in a fresh folder `npm install <tarball>` and plain Node
// (no tsx, no TypeScript installed) runs test/package/consumer/app.mjs: a tensor op, a tokenizer
// from ../shared, a tiny model's forward — the same numbers as the sources give. A TypeScript
// consumer (consumer/tsconfig.json: nodenext, skipLibCheck, strict) type-checks against the
// package's .d.ts. The dependencies come from npm's cache where it has them (--prefer-offline).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { AutoModelForSequenceClassification, AutoTokenizer, logging, torch } from '../../src/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CONSUMER = join(ROOT, 'test', 'package', 'consumer');
const SHARED = join(ROOT, '..', 'shared');
const CHECKPOINT = join(SHARED, 'checkpoints', 'tiny-bert-seqcls-hf4.30');
const SKIP_SHARED = existsSync(CHECKPOINT) ? false : `../shared is absent (looked for ${CHECKPOINT})`;
const ABI = `prebuilds/${process.platform}-${process.arch}/finetune.abi${process.versions.modules}.node`;
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

let work: string, app: string, tarball: string, files: string[], installLog: string;

function run(command: string, args: string[], cwd: string): string {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 240_000, env: { ...process.env, npm_config_update_notifier: 'false' } });
  assert.equal(r.status, 0, `${command} ${args.join(' ')} (in ${cwd}) exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return `${r.stdout}${r.stderr}`;
}

before(() => {
  work = mkdtempSync(join(tmpdir(), 'finetune-package-'));
  run(npm, ['pack', '--pack-destination', work], ROOT);
  tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))!);
  files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n').map((f) => f.replace(/^package\//, ''));
  app = join(work, 'app');
  mkdirSync(app);
  // allowScripts: npm 11 runs a dependency's install script only when the project allows it
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module', allowScripts: { finetune: true } }));
  for (const f of readdirSync(CONSUMER)) copyFileSync(join(CONSUMER, f), join(app, f));
  installLog = run(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--foreground-scripts', tarball], app);
});
after(() => rmSync(work, { recursive: true, force: true }));

describe('npm pack', () => {
  it('ships compiled JavaScript, types, the CLI, the prebuilt addon and its sources; no tests, fixtures, benchmarks or scripts', () => {
    for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'dist/engine/native.js', 'bin/finetune.js', 'package.json', 'binding.gyp', 'native/src/binding.cc', 'native/install.mjs', ABI]) {
      assert.ok(files.includes(f), `${f} is not in the package`);
    }
    const stray = files.filter((f) => /^(src|test|bench|scripts|examples|data|build|\.ci)\//.test(f) || /\.test\.|fixtures\//.test(f) || (f.endsWith('.ts') && !f.endsWith('.d.ts')));
    assert.deepEqual(stray, []);
  });
});

describe('the installed package', () => {
  it('uses the prebuilt addon at install and pulls in no dev-time tools', () => {
    assert.match(installLog, new RegExp(`finetune: using the prebuilt native addon ${ABI.replaceAll('.', '\\.')}`));
    const installed = join(app, 'node_modules');
    assert.equal(existsSync(join(installed, 'finetune', 'build')), false, 'no source build when the prebuild loads');
    for (const tool of ['tsx', 'typescript', 'node-gyp', 'typedoc']) assert.equal(existsSync(join(installed, tool)), false, `${tool} was installed`);
  });

  it('runs with plain Node: a tensor op, a tokenizer, a tiny model (the numbers the sources give)', { skip: SKIP_SHARED }, async () => {
    const out = JSON.parse(run(process.execPath, ['app.mjs', SHARED], app)) as { product: number[][]; inputIds: number[][]; logits: number[][]; shape: number[] };
    assert.deepEqual(out.product, [[3], [7]]);
    // bert-base-uncased's vocabulary: [CLS] hello , world ! [SEP] and [CLS] a tiny model . [SEP]
    assert.deepEqual(out.inputIds, [[101, 7592, 1010, 2088, 999, 102], [101, 1037, 4714, 2944, 1012, 102]]);
    assert.deepEqual(out.shape, [2, 2]);
    logging.setVerbosity('error');
    const model = await AutoModelForSequenceClassification.fromPretrained(CHECKPOINT);
    model.eval();
    const tokenizer = await AutoTokenizer.fromPretrained(CHECKPOINT);
    const batch = await tokenizer(['Hello, world!', 'A tiny model.'], undefined, { padding: true, returnTensors: 'pt' });
    const { logits } = torch.noGrad(() => model.forward(batch));
    assert.deepEqual(out.logits, logits.toArray());
  });

  it('names what to install when a source build finds no libtorch', () => {
    const r = spawnSync(process.execPath, ['native/install.mjs'], { cwd: join(app, 'node_modules', 'finetune'), encoding: 'utf8', env: { ...process.env, LIBTORCH: '/nonexistent/libtorch' } });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /LIBTORCH=\/nonexistent\/libtorch does not look like libtorch/);
    assert.match(r.stderr, /apt-get install libtorch-dev/);
    assert.match(r.stderr, /pip install torch/);
    assert.match(r.stderr, /npm rebuild finetune/);
  });

  it('has a finetune command that runs the compiled CLI (--version, usage errors)', () => {
    const version = run(process.execPath, [join(app, 'node_modules', '.bin', 'finetune'), '--version'], app);
    assert.equal(version.trim(), `finetune ${(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version}`);
    const bad = spawnSync(join(app, 'node_modules', '.bin', 'finetune'), ['tarin'], { cwd: app, encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown command 'tarin'/);
  });

  it('type-checks a TypeScript consumer (nodenext, skipLibCheck) against the shipped .d.ts', () => {
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app, encoding: 'utf8' });
    assert.equal(r.status, 0, `tsc:\n${r.stdout}${r.stderr}`);
  });
});
