// `npm run docs`: the API reference (TypeDoc, typedoc.json) in docs/api, with each camelCase
// name's Python counterpart beside it (a `@python` block). The counterparts are looked up in the
// real libraries (scripts/docs/python_names.py in the peers' venv): a name is shown only where
// torch, transformers, datasets, evaluate, accelerate or scikit-learn has it. A `@python` tag
// written in the source wins. Broken {@link}s and every other warning fail the build.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Application, Comment, CommentTag, ReflectionKind, type DeclarationReflection, type Reflection } from 'typedoc';

import { camelToSnake } from '../../src/util/case.js';

const PYTHON = fileURLToPath(new URL('../../.venv-peers/bin/python', import.meta.url));
const MEMBER = ReflectionKind.Method | ReflectionKind.Property | ReflectionKind.Accessor;
const TOP = ReflectionKind.Function | ReflectionKind.Variable;
const CONTAINER = ReflectionKind.Class | ReflectionKind.Interface | ReflectionKind.TypeAlias;

interface Entry { reflection: DeclarationReflection; namespace: string; owners: string[]; name: string; path: string }

function namespaceOf(r: Reflection | undefined): string {
  const names: string[] = [];
  for (let p = r; p && !p.kindOf(ReflectionKind.Project); p = p.parent) if (p.kindOf(ReflectionKind.Namespace)) names.unshift(p.name);
  return names.join('.');
}

/** TrainingArgumentsInit → [TrainingArgumentsInit, TrainingArguments]: options objects follow their class. */
function ownerNames(name: string): string[] {
  const stripped = name.replace(/(Snake)?(Init|Options|Config)$/, '');
  return stripped && stripped !== name ? [name, stripped] : [name];
}

function camelCaseEntries(reflections: Reflection[]): Entry[] {
  const entries: Entry[] = [];
  for (const r of reflections as DeclarationReflection[]) {
    if (!/^[a-z][a-z0-9]*[A-Z]/.test(r.name)) continue;
    const parent = r.parent;
    if (r.kindOf(MEMBER) && parent?.kindOf(CONTAINER)) {
      entries.push({ reflection: r, namespace: namespaceOf(parent), owners: ownerNames(parent.name), name: camelToSnake(r.name), path: `${parent.getFullName()}.${r.name}` });
    } else if (r.kindOf(TOP) && !parent?.kindOf(CONTAINER)) {
      entries.push({ reflection: r, namespace: namespaceOf(r), owners: [], name: camelToSnake(r.name), path: r.getFullName() });
    }
  }
  return entries;
}

function pythonNames(entries: Entry[]): (string | null)[] {
  if (!existsSync(PYTHON)) {
    if (process.env.CI === 'true') throw new Error(`docs: ${PYTHON} is missing (FINETUNE_WITH_PYTHON=1 bash scripts/install.sh makes it)`);
    console.warn(`docs: no peers' venv (${PYTHON}): the reference is built without the Python names`);
    return entries.map(() => null);
  }
  const input = JSON.stringify(entries.map(({ namespace, owners, name }) => ({ namespace, owners, name })));
  const r = spawnSync(PYTHON, [join('scripts', 'docs', 'python_names.py')], { input, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`docs: python_names.py failed:\n${r.stderr}`);
  return JSON.parse(r.stdout) as (string | null)[];
}

function tag(r: DeclarationReflection, python: string): void {
  const target = r.signatures?.[0] ?? r.getSignature ?? r;
  const comment = (target.comment ??= new Comment());
  if (comment.blockTags.some((t) => t.tag === '@python') || r.comment?.blockTags.some((t) => t.tag === '@python')) return;
  comment.blockTags.push(new CommentTag('@python', [{ kind: 'code', text: `\`${python}\`` }]));
}

const app = await Application.bootstrapWithPlugins();
const project = await app.convert();
if (!project || app.logger.hasErrors() || app.logger.hasWarnings()) process.exit(1);
const entries = camelCaseEntries(Object.values(project.reflections));
const names = pythonNames(entries);
const rows: string[] = [];
entries.forEach((e, i) => {
  const python = names[i];
  if (!python) return;
  tag(e.reflection, python);
  rows.push(`| \`${e.path}\` | \`${python}\` |`);
});
app.validate(project);
if (app.logger.hasErrors() || app.logger.hasWarnings()) process.exit(1);
await app.generateOutputs(project);
if (app.logger.hasErrors() || app.logger.hasWarnings()) process.exit(1);
const out = app.options.getValue('out');
writeFileSync(join(out, 'python-names.md'), `# finetune → Python names\n\n${rows.length} of the ${entries.length} camelCase names in the API, with the Python name that exists in torch, transformers, datasets, evaluate, accelerate or scikit-learn (looked up there by scripts/docs/python_names.py).\n\n| finetune | Python |\n|---|---|\n${rows.join('\n')}\n`);
console.log(`docs: ${out} (${rows.length} of ${entries.length} camelCase names have a Python counterpart shown beside them)`);
