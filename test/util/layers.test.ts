// Dependencies in src/ point one way: a folder imports only itself and folders of lower
// layers. The layers, lowest first, are the order the tree follows; a new folder has to be
// placed here, and an import pointing upwards (or sideways, between folders of one layer)
// fails with the file and the import that does it.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

const LAYERS: readonly (readonly string[])[] = [
  ['util'], // atomic writes, name case, option objects, fingerprints: imports nothing of src/
  ['engine'],
  ['nn', 'optim'],
  ['hub'], // Hub ids → files in the local cache (offline resolution)
  ['checkpoints'], // safetensors, torch.load, GGUF (which resolves its file through the hub)
  ['tokenizers'],
  ['datasets'],
  ['data'],
  ['models'],
  ['peft'], // LoRA adapters (PEFT): wrap models' layers
  ['generation'], // generate(), GenerationConfig, logits processors, streamers: on top of the models
  ['onnx'], // ONNX export: the models' weights and configs as ONNX graphs
  ['distributed'], // torch.distributed and DistributedDataParallel: engine and nn only
  ['accelerate'], // the Accelerator: one process or several (distributed), data loaders (data)
  ['metrics'],
  ['trainer'],
  ['trl'], // SFT (TRL): SFTTrainer extends the Trainer, its collators and packing
  ['pipelines'],
  ['serve'], // finetune serve: the pipelines over HTTP
  ['cli'],
  ['.'], // index.ts, data-index.ts, trainer-index.ts: the public entry points
];

const rank = new Map(LAYERS.flatMap((folders, i) => folders.map((f) => [f, i] as const)));

/** The top folder of src/ a file lies in ('.' for the entry points). */
const folderOf = (file: string) => {
  const parts = relative(SRC, file).split(sep);
  return parts.length > 1 ? parts[0] : '.';
};

interface Edge { file: string; imported: string }

/** Why an import breaks the order, or null when it does not. */
function violation({ file, imported }: Edge): string | null {
  const from = folderOf(file);
  const to = folderOf(imported);
  if (!rank.has(from)) return `${relative(SRC, file)}: folder '${from}' has no layer in test/util/layers.test.ts`;
  if (!rank.has(to)) return `${relative(SRC, file)} imports ${relative(SRC, imported)}: folder '${to}' has no layer`;
  if (from === to || rank.get(to)! < rank.get(from)!) return null;
  return `${relative(SRC, file)} (${from}) imports ${relative(SRC, imported)} (${to}), which is not below it`;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? sourceFiles(path) : e.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every relative import, re-export, side-effect and dynamic import of every file in src/. */
function edges(): Edge[] {
  return sourceFiles(SRC).flatMap((file) =>
    ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles
      .map((f) => f.fileName)
      .filter((name) => name.startsWith('.'))
      .map((name) => ({ file, imported: resolve(dirname(file), name) })));
}

describe('dependency order of src/', () => {
  it('every import points to the same folder or a lower layer', () => {
    const all = edges();
    assert.ok(all.length > 300, `only ${all.length} imports found: the scan is broken`);
    assert.deepEqual(all.map(violation).filter((v) => v !== null), []);
  });

  it('every folder of src/ has a layer', () => {
    const folders = readdirSync(SRC, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    assert.deepEqual(folders.filter((f) => !rank.has(f)), []);
  });

  it('an upward or sideways import is reported', () => {
    const at = (p: string) => join(SRC, p);
    assert.match(violation({ file: at('tokenizers/tokenizer.ts'), imported: at('datasets/fingerprint.js') })!, /tokenizers\/tokenizer\.ts \(tokenizers\) imports datasets\/fingerprint\.js \(datasets\)/);
    assert.ok(violation({ file: at('nn/module.ts'), imported: at('optim/optimizer.js') }), 'same layer, other folder');
    assert.ok(violation({ file: at('util/atomic.ts'), imported: at('engine/native.js') }));
    assert.equal(violation({ file: at('trainer/trainer.ts'), imported: at('models/auto.js') }), null);
    assert.equal(violation({ file: at('index.ts'), imported: at('cli/main.js') }), null);
  });
});
