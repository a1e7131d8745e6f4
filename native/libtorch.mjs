// Finds libtorch for binding.gyp: `node native/libtorch.mjs include|libdirs|libs|defines|json`.
// LIBTORCH=/path selects an unpacked libtorch (CPU or CUDA, >= 1.13); otherwise Debian's
// libtorch-dev is used. Any failure names what was looked for and how to install it.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

function fail(message) {
  process.stderr.write(`finetune: ${message}\n`);
  process.exit(1);
}

function debianMultiarch() {
  try {
    return execFileSync('gcc', ['-print-multiarch'], { encoding: 'utf8' }).trim() || 'x86_64-linux-gnu';
  } catch {
    return 'x86_64-linux-gnu';
  }
}

export function locateLibtorch() {
  const root = process.env.LIBTORCH;
  if (root) {
    const include = join(root, 'include');
    const lib = join(root, 'lib');
    if (!existsSync(join(include, 'torch', 'csrc', 'api', 'include', 'torch', 'torch.h'))) {
      fail(`LIBTORCH=${root} does not look like libtorch: ${include}/torch/csrc/api/include/torch/torch.h is missing`);
    }
    // Official builds come in pre- and post-C++11-ABI flavours; TorchConfig.cmake says which.
    let abi = 1;
    const config = join(root, 'share', 'cmake', 'Torch', 'TorchConfig.cmake');
    if (existsSync(config) && /_GLIBCXX_USE_CXX11_ABI=0/.test(readFileSync(config, 'utf8'))) abi = 0;
    const cuda = existsSync(join(lib, 'libtorch_cuda.so'));
    return { include: [include, join(include, 'torch', 'csrc', 'api', 'include')], libdir: lib, rpath: true, abi, cuda };
  }
  const include = '/usr/include';
  const libdir = join('/usr/lib', debianMultiarch());
  if (!existsSync(join(include, 'torch', 'csrc', 'api', 'include', 'torch', 'torch.h')) || !existsSync(join(libdir, 'libtorch.so'))) {
    fail(
      'libtorch not found. On Debian: apt-get install libtorch-dev libopenblas0-openmp; ' +
        'elsewhere set LIBTORCH to an unpacked libtorch (>= 1.13, CPU or CUDA).',
    );
  }
  const cuda = readdirSync(libdir).includes('libtorch_cuda.so');
  // libtorch-dev pulls in OpenBLAS's pthread build, which Debian's alternatives prefer; its
  // spinning threads fight libtorch's OpenMP ones. The OpenMP build is used when installed.
  const openmpBlas = join(libdir, 'openblas-openmp');
  const blasdir = existsSync(join(openmpBlas, 'libopenblas.so.0')) ? openmpBlas : undefined;
  return { include: [include, join(include, 'torch', 'csrc', 'api', 'include')], libdir, rpath: false, abi: 1, cuda, blasdir };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const t = locateLibtorch();
  const what = process.argv[2];
  const libs = ['-ltorch', '-ltorch_cpu', '-lc10'];
  // CUDA kernels register themselves when libtorch_cuda loads, so it must stay linked even
  // though nothing here names its symbols.
  if (t.cuda) libs.push('-Wl,--no-as-needed', '-ltorch_cuda', '-lc10_cuda', '-Wl,--as-needed');
  const out = {
    include: t.include.join(' '),
    // DT_RPATH (not RUNPATH) so that it also steers libtorch's own search for libopenblas/libblas.
    ldflags: [`-L${t.libdir}`, ...(t.rpath ? [`-Wl,-rpath,${t.libdir}`] : []),
      ...(t.blasdir ? ['-Wl,--disable-new-dtags', `-Wl,-rpath,${t.blasdir}`] : [])].join(' '),
    libs: libs.join(' '),
    defines: `_GLIBCXX_USE_CXX11_ABI=${t.abi}`,
    json: JSON.stringify(t),
  }[what];
  if (out === undefined) fail(`libtorch.mjs: unknown query '${what}'`);
  process.stdout.write(out + '\n');
}
