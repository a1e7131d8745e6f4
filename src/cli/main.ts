// `finetune <train|evaluate|predict> [options]` and `finetune launch … script` (launch.ts): exit 0 when done, 2 for a bad command line or
// missing files (checked before any work, message on stderr), 1 when the work itself fails,
// 130 when a Ctrl-C stopped training (after saving a checkpoint).
import { readFileSync } from 'node:fs';

import { helpText, USAGE } from './help.js';
import { UsageError } from './options.js';
import { COMMANDS, planRun, type Command } from './plan.js';

/** The version in package.json (two folders up from src/cli and from dist/cli alike). */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    if (command === undefined) {
      process.stderr.write(`${USAGE}\nRun finetune --help for every option.\n`);
      return 2;
    }
    process.stdout.write(helpText());
    return 0;
  }
  if (command === '--version' || command === '-V' || command === 'version') {
    process.stdout.write(`finetune ${packageVersion()}\n`);
    return 0;
  }
  // launch passes everything after the script to the script, --help included
  if (command === 'launch') return runLaunch(rest);
  if (command === 'export') return (await import('./export.js')).runExport(rest);
  if (command === 'serve') return (await import('./serve.js')).runServe(rest);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(helpText());
    return 0;
  }
  if (!(COMMANDS as readonly string[]).includes(command)) {
    process.stderr.write(`finetune: unknown command '${command}' (choose ${COMMANDS.join(', ')}; see finetune --help)\n`);
    return 2;
  }
  let plan;
  try {
    plan = planRun(command as Command, rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`finetune ${command}: error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  // the model and data code is loaded only once the command line is known to be good
  const { runPlan, TrainingInterrupted } = await import('./run.js');
  try {
    const results = await runPlan(plan);
    // evaluate prints its metrics as JSON on stdout, for scripts
    if (command === 'evaluate') process.stdout.write(`${JSON.stringify(results.eval ?? {}, null, 2)}\n`);
    return 0;
  } catch (e) {
    if (e instanceof TrainingInterrupted) {
      process.stderr.write(`finetune ${command}: ${e.message}\n`);
      return 130;
    }
    process.stderr.write(`finetune ${command}: failed: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}

async function runLaunch(argv: readonly string[]): Promise<number> {
  const { launch, parseLaunchArgs } = await import('./launch.js');
  try {
    return await launch(parseLaunchArgs(argv));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`finetune ${e.message}\n`);
    return 2;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
}, (e: unknown) => {
  process.stderr.write(`finetune: ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
