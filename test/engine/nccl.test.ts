// torch.distributed's NCCL backend, as far as each build of the addon can take it. The build is
// read from what the process loaded, not from the build scripts: with a CUDA libtorch 2.x
// (PyPI's wheel, build-pytorch/Release in CI) ProcessGroupNCCL must be compiled in; with a CPU
// libtorch (Debian's 1.13) it must not be, and asking for it must say what build it takes. On a
// machine with a GPU the single-rank collective runs for real; on one without, the error must
// name the missing device before any rendezvous.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { torch } from '../../src/index.js';
import { N } from '../../src/engine/native.js';

const dist = torch.distributed;
const loaded = readFileSync('/proc/self/maps', 'utf8');
const cudaLibtorch = /\/libtorch_cuda\.so/.test(loaded);
const major = Number(torch.libtorchVersion.split('.')[0]);

describe('torch.distributed NCCL backend', () => {
  it('is compiled in exactly when the loaded libtorch is a CUDA 2.x build', () => {
    assert.equal(dist.isGlooAvailable(), true);
    assert.equal(dist.isNcclAvailable(), cudaLibtorch && major >= 2, `libtorch ${torch.libtorchVersion}, libtorch_cuda loaded: ${cudaLibtorch}`);
  });

  it("initProcessGroup({ backend: 'nccl' }) runs on a GPU, or fails before the rendezvous saying what is missing", () => {
    const initMethod = `file://${join(mkdtempSync(join(tmpdir(), 'finetune-nccl-')), 'store')}`;
    const init = () => dist.initProcessGroup({ backend: 'nccl', initMethod, rank: 0, worldSize: 1, timeout: 20_000 });
    if (!dist.isNcclAvailable()) {
      assert.throws(init, /backend 'nccl' needs the addon built against a CUDA libtorch with NCCL.*this build offers 'gloo'/);
      // the op is registered in every build (the tables are the same) and refuses by name here
      const store = N.distFileStore(join(mkdtempSync(join(tmpdir(), 'finetune-nccl-')), 'store'), 1);
      assert.throws(() => N.distNcclGroup(store, 0, 1, 20_000), /distNcclGroup: this addon was built without NCCL/);
    } else if (!torch.cuda.isAvailable()) {
      assert.throws(init, /backend 'nccl' needs a CUDA device.*use backend 'gloo' on CPU/);
      // below the check, libtorch's own ProcessGroupNCCL is reached (linked and called) and refuses
      const store = N.distFileStore(join(mkdtempSync(join(tmpdir(), 'finetune-nccl-')), 'store'), 1);
      assert.throws(() => N.distNcclGroup(store, 0, 1, 20_000), /ProcessGroupNCCL is only supported with GPUs/);
    } else {
      init();
      try {
        const t = torch.tensor([1, 2, 3], { dtype: 'float32' }).to('cuda:0');
        dist.allReduce(t, 'sum');
        assert.deepEqual(t.to('cpu').toArray(), [1, 2, 3]);
        assert.equal(dist.getBackend(), 'nccl');
      } finally {
        dist.destroyProcessGroup();
      }
    }
    assert.equal(dist.isInitialized(), false);
  });

  it('names an unknown backend', () => {
    assert.throws(() => dist.initProcessGroup({ backend: 'mpi' as never, rank: 0, worldSize: 1 }), /unknown backend 'mpi' \(expected 'gloo' or 'nccl'\)/);
  });
});
