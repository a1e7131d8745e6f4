// `finetune launch [--nproc-per-node N] [--nnodes M --node-rank R --master-addr A --master-port P] script [args]`:
// torchrun's behaviour. Starts N workers with RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE,
// MASTER_ADDR and MASTER_PORT set, prefixes their output with the rank, and when one worker
// fails (non-zero exit or a signal) stops the others and exits non-zero naming it. Ctrl-C is
// passed to every worker (the Trainer saves a checkpoint); a second one kills them.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';

import { UsageError } from './options.js';

export interface LaunchPlan {
  nprocPerNode: number;
  nnodes: number;
  nodeRank: number;
  masterAddr: string;
  masterPort: number | null;
  script: string;
  scriptArgs: string[];
}

const FLAGS: Record<string, keyof LaunchPlan> = {
  'nproc-per-node': 'nprocPerNode', nproc_per_node: 'nprocPerNode', nnodes: 'nnodes', 'node-rank': 'nodeRank', node_rank: 'nodeRank',
  'master-addr': 'masterAddr', master_addr: 'masterAddr', 'master-port': 'masterPort', master_port: 'masterPort',
};

/** Launcher flags up to the script; everything after the script is the script's. */
export function parseLaunchArgs(argv: readonly string[]): LaunchPlan {
  const plan: LaunchPlan = { nprocPerNode: 1, nnodes: 1, nodeRank: 0, masterAddr: '127.0.0.1', masterPort: null, script: '', scriptArgs: [] };
  let i = 0;
  for (; i < argv.length && argv[i].startsWith('--'); i++) {
    const [flag, inline] = argv[i].slice(2).split('=', 2);
    const field = FLAGS[flag];
    if (!field) throw new UsageError(`launch: unknown option --${flag} (takes --nproc-per-node, --nnodes, --node-rank, --master-addr, --master-port, then the script)`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`launch: --${flag} needs a value`);
    if (field === 'masterAddr') plan.masterAddr = value;
    else {
      const n = Number(value);
      const min = field === 'nodeRank' || field === 'masterPort' ? 0 : 1;
      if (!Number.isSafeInteger(n) || n < min || (field === 'masterPort' && n > 65535)) throw new UsageError(`launch: --${flag} must be an integer ≥ ${min}${field === 'masterPort' ? ' and ≤ 65535' : ''}, got ${value}`);
      (plan as unknown as Record<string, number>)[field] = n;
    }
  }
  if (i >= argv.length) throw new UsageError('launch: name the training script to run (finetune launch --nproc-per-node 2 train.ts [args])');
  plan.script = argv[i];
  plan.scriptArgs = argv.slice(i + 1);
  if (plan.nodeRank >= plan.nnodes) throw new UsageError(`launch: --node-rank ${plan.nodeRank} must be below --nnodes ${plan.nnodes}`);
  if (plan.nnodes > 1 && plan.masterPort === null) throw new UsageError('launch: with --nnodes > 1 every node needs the same --master-port');
  return plan;
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** node for .js/.mjs, node with tsx's loader for TypeScript. */
function workerCommand(script: string): string[] {
  const ts = ['.ts', '.mts', '.cts', '.tsx'].includes(extname(script));
  return ts ? ['--import', tsxLoader(script), script] : [script];
}

function tsxLoader(script: string): string {
  try {
    return import.meta.resolve('tsx');
  } catch {
    // the installed package runs compiled JavaScript; tsx is a devDependency of finetune
    throw new UsageError(`launch: ${script} is TypeScript, which needs tsx to run: npm install --save-dev tsx (or launch the compiled .js)`);
  }
}

function prefixLines(stream: NodeJS.ReadableStream, prefix: string, out: NodeJS.WritableStream): void {
  createInterface({ input: stream }).on('line', (line) => out.write(`${prefix}${line}\n`));
}

/** Runs the workers of this node; resolves with the launcher's exit code. */
export async function launch(plan: LaunchPlan): Promise<number> {
  const worldSize = plan.nprocPerNode * plan.nnodes;
  const port = plan.masterPort ?? (await freePort(plan.masterAddr));
  const workers: ChildProcess[] = [];
  let failure: string | null = null;
  let interrupts = 0;

  const stopAll = (signal: NodeJS.Signals) => {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill(signal);
  };
  const onSigint = () => {
    interrupts++;
    stopAll(interrupts === 1 ? 'SIGINT' : 'SIGKILL');
  };
  process.on('SIGINT', onSigint);

  const exits = Array.from({ length: plan.nprocPerNode }, (_, local) => {
    const rank = plan.nodeRank * plan.nprocPerNode + local;
    const env = {
      ...process.env, RANK: String(rank), LOCAL_RANK: String(local), WORLD_SIZE: String(worldSize), LOCAL_WORLD_SIZE: String(plan.nprocPerNode),
      GROUP_RANK: String(plan.nodeRank), MASTER_ADDR: plan.masterAddr, MASTER_PORT: String(port),
      // as torchrun: one OpenMP thread per worker unless told otherwise, so workers don't oversubscribe the cores
      OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? '1',
    };
    const child = spawn(process.execPath, [...workerCommand(plan.script), ...plan.scriptArgs], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    workers.push(child);
    prefixLines(child.stdout!, `[rank${rank}]: `, process.stdout);
    prefixLines(child.stderr!, `[rank${rank}]: `, process.stderr);
    return new Promise<void>((resolve) => {
      child.on('exit', (code, signal) => {
        if ((code !== 0 || signal) && failure === null && interrupts === 0) {
          failure = `finetune launch: worker rank ${rank} (pid ${child.pid}) ${signal ? `was killed by ${signal}` : `exited with code ${code}`}; stopping the other workers`;
          process.stderr.write(`${failure}\n`);
          stopAll('SIGTERM');
          // a worker stuck in a collective may ignore SIGTERM's default handling for a moment; never leave one behind
          setTimeout(() => stopAll('SIGKILL'), 5000).unref();
        }
        resolve();
      });
      child.on('error', (e) => {
        failure ??= `finetune launch: could not start worker rank ${rank}: ${e.message}`;
        resolve();
      });
    });
  });
  await Promise.all(exits);
  process.removeListener('SIGINT', onSigint);
  if (interrupts > 0) return 130;
  if (failure) return 1;
  return 0;
}
