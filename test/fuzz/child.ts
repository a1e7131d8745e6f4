// The child side of test/helpers/bounded-child.ts: runs cases from a jobs file in order and
// reports each as one `@@{json}` line on stdout (start, then end with ok or the error).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { targets } from './targets.js';

const [dir, firstArg] = process.argv.slice(2);
const jobs = JSON.parse(readFileSync(join(dir, 'jobs.json'), 'utf8')) as { name: string; target: string; args: unknown; folder: string }[];
const say = (msg: object): void => { process.stdout.write(`@@${JSON.stringify(msg)}\n`); };

say({ ready: 1 });
for (let i = Number(firstArg); i < jobs.length; i++) {
  const job = jobs[i];
  const files = JSON.parse(readFileSync(join(dir, `${i}.files`), 'utf8')) as Record<string, { text?: string; base64?: string }>;
  mkdirSync(job.folder, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(job.folder, name)), { recursive: true });
    writeFileSync(join(job.folder, name), content.text ?? Buffer.from(content.base64!, 'base64'));
  }
  const run = targets[job.target];
  say({ start: i });
  try {
    if (!run) throw new Error(`unknown fuzz target '${job.target}'`);
    await run(job.folder, job.args);
    say({ end: i, ok: true });
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    say({ end: i, ok: false, name: e.name, error: e.message.slice(0, 2000) });
  }
}
