// Load test of `finetune serve` on loopback with autocannon: a text-classification model
// (by default sentence-transformers/all-MiniLM-L6-v2 from the Hugging Face cache, served with a
// fresh classifier head) in a child process; throughput and p50/p99 latency at 1, 8 and 64
// concurrent clients, the count of replies other than 200 and 503 (must be 0), and the
// server's RSS before and after 10,000 more requests. Bounded: each level stops at its request
// count or its time limit, whichever comes first.
//   npx tsx bench/serve_load.ts [--model DIR] [--requests 2000] [--seconds 30] [--rss-requests 10000]
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// @ts-expect-error autocannon ships no types
import autocannon from 'autocannon';

import { torch } from '../src/index.js';
import { cpuSummary } from './peers/peers.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const REQUESTS = Number(arg('requests', '2000'));
const SECONDS = Number(arg('seconds', '30'));
const RSS_REQUESTS = Number(arg('rss-requests', '10000'));
const TEXTS = [
  'the film is a charming and often affecting journey',
  'an utterly incompetent conclusion',
  'Steven Spielberg directed it in New York, badly, and the actors seem to know it from the first scene on',
  'good',
  'a thoughtful, moving and quietly funny picture about growing older',
];

function minilm(): string {
  const hub = process.env.HF_HUB_CACHE ?? join(process.env.HF_HOME ?? join(homedir(), '.cache', 'huggingface'), 'hub');
  const snapshots = join(hub, 'models--sentence-transformers--all-MiniLM-L6-v2', 'snapshots');
  const found = existsSync(snapshots) ? readdirSync(snapshots).map((s) => join(snapshots, s)).find((d) => existsSync(join(d, 'config.json'))) : undefined;
  if (!found) throw new Error(`bench: no all-MiniLM-L6-v2 under ${snapshots}; pass --model DIR`);
  return found;
}

function rssMiB(pid: number): number {
  const kb = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return kb / 1024;
}

interface Level { connections: number; requests: number; rps: number; p50: number; p99: number; codes: Record<string, number>; unexpected: number; errors: number }

async function load(url: string, connections: number, amount: number): Promise<Level> {
  let next = 0;
  const result = await autocannon({
    url: `${url}/`, connections, amount, duration: SECONDS, method: 'POST', headers: { 'content-type': 'application/json' },
    requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, body: JSON.stringify({ inputs: TEXTS[next++ % TEXTS.length] }) }) }],
  });
  const codes: Record<string, number> = {};
  for (const [code, stats] of Object.entries(result.statusCodeStats as Record<string, { count: number }>)) codes[code] = stats.count;
  const unexpected = Object.entries(codes).filter(([c]) => c !== '200' && c !== '503').reduce((n, [, k]) => n + k, 0);
  return {
    connections, requests: result.requests.total, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99,
    codes, unexpected, errors: result.errors + result.timeouts,
  };
}

async function main(): Promise<void> {
  const model = process.argv.includes('--model') ? arg('model', '') : minilm();
  console.log(cpuSummary());
  console.log(`torch threads (of this process; the server runs with the same defaults): ${torch.getNumThreads()}; model: ${model}; loopback; under load (the machine is shared)`);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--model', model, '--task', 'text-classification', '--port', '0',
    '--max-batch-size', '32', '--max-wait-ms', '5'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, HF_HUB_OFFLINE: '1' } });
  let stderr = '';
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /on (http:\/\/\S+)/.exec(stderr);
        if (m) resolve(m[1]);
      });
      child.once('exit', () => reject(new Error(`serve exited:\n${stderr}`)));
    });
    await load(url, 8, 200); // warm-up
    const rows: Level[] = [];
    for (const c of [1, 8, 64]) rows.push(await load(url, c, REQUESTS));
    console.log('\nconnections  requests  req/s   p50 ms  p99 ms  status codes          other than 200/503  socket errors');
    for (const r of rows) {
      console.log(`${String(r.connections).padStart(11)}  ${String(r.requests).padStart(8)}  ${r.rps.toFixed(1).padStart(6)}  ${String(r.p50).padStart(6)}  ${String(r.p99).padStart(6)}  ${JSON.stringify(r.codes).padEnd(22)}  ${String(r.unexpected).padStart(18)}  ${r.errors}`);
    }
    // RSS after each quarter of the soak: flat means the later quarters add nothing
    const rss = [rssMiB(child.pid!)];
    const soak: Level[] = [];
    for (let q = 0; q < 4; q++) {
      soak.push(await load(url, 64, Math.ceil(RSS_REQUESTS / 4)));
      rss.push(rssMiB(child.pid!));
    }
    const total = soak.reduce((n, l) => n + l.requests, 0);
    const codes: Record<string, number> = {};
    for (const l of soak) for (const [c, k] of Object.entries(l.codes)) codes[c] = (codes[c] ?? 0) + k;
    const unexpected = soak.reduce((n, l) => n + l.unexpected + l.errors, 0);
    console.log(`\nRSS of the server over ${total} more requests at 64 connections, before and after each quarter: ${rss.map((m) => m.toFixed(1)).join(' → ')} MiB`);
    console.log(`  (${soak.map((l) => l.rps.toFixed(1)).join(', ')} req/s per quarter; codes ${JSON.stringify(codes)}; ${unexpected} other than 200/503 or socket errors)`);
    const bad = rows.reduce((n, r) => n + r.unexpected + r.errors, unexpected);
    if (bad > 0) process.exitCode = 1;
  } finally {
    child.kill('SIGTERM');
    await new Promise((ok) => child.once('exit', ok));
  }
}

await main();
