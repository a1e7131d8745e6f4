// Reliability: bad calls become JavaScript errors that name the op (and carry libtorch's
// message), never an abort or a crash. The cases live in error-cases.ts; here each one is
// checked in-process, and then all of them run in a child process that must exit normally.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { torch } from '../../src/index.js';
import { cases, cleanup } from './error-cases.js';

after(cleanup);

describe('bad calls throw errors that name the op', () => {
  it('there are at least 30 distinct cases', () => {
    assert.ok(cases.length >= 30, `${cases.length} cases`);
    assert.equal(new Set(cases.map((c) => c.name)).size, cases.length, 'case names are distinct');
  });

  for (const c of cases) {
    it(c.name, () => {
      let thrown: unknown = undefined;
      let threw = false;
      try {
        c.run();
      } catch (error) {
        threw = true;
        thrown = error;
      }
      assert.ok(threw, 'expected an error, but the call returned normally');
      assert.ok(thrown instanceof Error, `expected an Error, got ${String(thrown)}`);
      if (c.type) assert.ok(thrown instanceof c.type, `expected a ${c.type.name}, got ${thrown.constructor.name}: ${thrown.message}`);
      assert.match(thrown.message, c.message);
    });
  }

  it('the engine still works after all of them', () => {
    assert.equal(torch.ones([3, 3]).matmul(torch.ones([3, 3])).sum().item(), 27);
  });
});

describe('the process survives every bad call', () => {
  it('a child process making all of the calls exits normally', () => {
    const script = fileURLToPath(new URL('./error-cases.ts', import.meta.url));
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const child = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    assert.equal(child.signal, null, `child killed by ${child.signal} (an abort or a crash)\n${child.stderr}`);
    assert.equal(child.status, 0, `child exited with ${child.status}\n${child.stderr}`);
    const lines = child.stdout.trim().split('\n');
    const summary = JSON.parse(lines[lines.length - 1]) as { total: number; threw: number; silent: string[]; check: number };
    assert.equal(summary.total, cases.length);
    assert.equal(summary.check, 8, 'the engine works at the end of the child');
    // every call either threw an Error or (for a known bug reported by the cases above) returned
    assert.equal(summary.threw + summary.silent.length, summary.total);
  });
});
