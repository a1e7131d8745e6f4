// The peers' Python (.venv-peers, made by `FINETUNE_WITH_PYTHON=1 bash scripts/install.sh`): the
// real transformers/torch 2.x that the interop tests compare finetune with. One helper finds it
// and runs the committed scripts in scripts/peers/; tests never carry Python of their own.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const python = `${root}.venv-peers/bin/python`;

/**
 * The venv's python, or a reason to skip. In CI (CI=true) a missing venv is an error, not a skip:
 * the interop tests must run there.
 */
export function peerPython(): { python: string; skip: false } | { python: null; skip: string } {
  if (existsSync(python)) return { python, skip: false };
  const why = `no peers venv at ${python}: run FINETUNE_WITH_PYTHON=1 bash scripts/install.sh`;
  if (process.env.CI === 'true') throw new Error(`interop tests: ${why} (CI must install it: .ci/run sets FINETUNE_WITH_PYTHON=1)`);
  return { python: null, skip: why };
}

/** Runs scripts/peers/<script> with the venv's python and parses the JSON it prints. */
export function runPeer<T>(script: string, args: string[], options: { threads?: number } = {}): T {
  const { python: exe } = peerPython();
  if (!exe) throw new Error('runPeer: no peers venv (check peerPython() first)');
  const env = { ...process.env, OMP_NUM_THREADS: String(options.threads ?? 1), HF_HUB_OFFLINE: '1', TRANSFORMERS_VERBOSITY: 'warning', TOKENIZERS_PARALLELISM: 'false' };
  const out = execFileSync(exe, [`${root}scripts/peers/${script}`, ...args], { cwd: root, env, encoding: 'utf8', maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out) as T;
}
