// Finds libtorch for binding.gyp: `node native/libtorch.mjs include|ldflags|libs|defines|cflags|json`.
// LIBTORCH=/path selects an unpacked libtorch (CPU or CUDA, >= 1.13) or the `torch` folder of an
// installed PyPI wheel; FINETUNE_LIBTORCH=pytorch asks Python where its torch is (as tch-rs's
// LIBTORCH_USE_PYTORCH); otherwise Debian's libtorch-dev is used. Any failure names what was
// looked for and how to install it.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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

// The version from torch/version.h (1.13 defines it there; 2.x includes torch/headeronly/version.h).
function torchVersion(include) {
  for (const f of [join(include, 'torch', 'headeronly', 'version.h'), join(include, 'torch', 'csrc', 'api', 'include', 'torch', 'version.h')]) {
    if (!existsSync(f)) continue;
    const text = readFileSync(f, 'utf8');
    const major = text.match(/#define TORCH_VERSION_MAJOR (\d+)/);
    const minor = text.match(/#define TORCH_VERSION_MINOR (\d+)/);
    if (major && minor) return [Number(major[1]), Number(minor[1])];
  }
  return [1, 13];
}

// The torch package of FINETUNE_PYTHON, else of the checkout's peers venv (.venv-peers) when there
// is one, else of python3; only the build asks Python, never finetune at run time.
function pytorchRoot() {
  const peers = join(dirname(fileURLToPath(import.meta.url)), '..', '.venv-peers', 'bin', 'python');
  const python = process.env.FINETUNE_PYTHON || (existsSync(peers) ? peers : 'python3');
  try {
    return execFileSync(python, ['-c', 'import os, torch; print(os.path.dirname(torch.__file__))'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (e) {
    fail(`FINETUNE_LIBTORCH=pytorch: ${python} cannot import torch (${String(e.stderr || e.message).trim().split('\n').pop()}); ` +
      'pip install torch, or set FINETUNE_PYTHON to a Python that has it, or LIBTORCH to the torch package folder');
  }
}

// A wheel's libtorch_cpu needs the CUDA runtime of the nvidia-* wheels beside it (its own RPATH
// names some of them; the build puts every one on the addon's rpath so loading never depends
// on LD_LIBRARY_PATH).
function nvidiaLibdirs(root) {
  const nvidia = join(dirname(root), 'nvidia');
  if (!existsSync(nvidia)) return [];
  return readdirSync(nvidia).map((d) => join(nvidia, d, 'lib')).filter((d) => existsSync(d)).sort();
}

// The C++ ABI the binaries were built with: TorchConfig.cmake says so in old releases; the
// wheels' own config does not, so look for std::__cxx11 symbols in libc10.
function cxx11Abi(root, lib) {
  const config = join(root, 'share', 'cmake', 'Torch', 'TorchConfig.cmake');
  if (existsSync(config) && /_GLIBCXX_USE_CXX11_ABI=0/.test(readFileSync(config, 'utf8'))) return 0;
  try {
    const symbols = execFileSync('nm', ['-D', '--defined-only', join(lib, 'libc10.so')], { encoding: 'utf8', maxBuffer: 1 << 28 });
    return /__cxx11/.test(symbols) ? 1 : 0;
  } catch {
    return 1;
  }
}

// NCCL (ProcessGroupNCCL) is compiled in where libtorch is a CUDA build whose c10d has it and the
// headers it includes are at hand: nccl.h and the CUDA runtime's, which a wheel keeps in the
// nvidia-* wheels beside it (CUDA 13's in nvidia/cu13) and a CUDA install in CUDA_HOME.
function ncclIncludes(include, root) {
  if (!existsSync(join(include, 'torch', 'csrc', 'distributed', 'c10d', 'ProcessGroupNCCL.hpp'))) return null;
  const nvidia = root ? join(dirname(root), 'nvidia') : null;
  const candidates = [
    ...(nvidia && existsSync(nvidia) ? readdirSync(nvidia).map((d) => join(nvidia, d, 'include')).sort() : []),
    join(process.env.CUDA_HOME || '/usr/local/cuda', 'include'), '/usr/include',
  ].filter((d) => existsSync(d));
  const has = (header) => candidates.some((d) => existsSync(join(d, header)));
  return has('nccl.h') && has('cuda_runtime_api.h') ? candidates.filter((d) => d !== '/usr/include') : null;
}

export function locateLibtorch() {
  const wanted = process.env.FINETUNE_LIBTORCH;
  if (wanted && wanted !== 'pytorch' && wanted !== 'system') fail(`FINETUNE_LIBTORCH must be 'pytorch' or 'system', got '${wanted}'`);
  const root = wanted === 'pytorch' ? pytorchRoot() : wanted === 'system' ? undefined : process.env.LIBTORCH && resolve(process.env.LIBTORCH);
  if (root) {
    const include = join(root, 'include');
    const lib = join(root, 'lib');
    if (!existsSync(join(include, 'torch', 'csrc', 'api', 'include', 'torch', 'torch.h'))) {
      fail(`LIBTORCH=${root} does not look like libtorch: ${include}/torch/csrc/api/include/torch/torch.h is missing`);
    }
    const abi = cxx11Abi(root, lib);
    // A wheel (PyPI's Linux ones are CUDA builds) keeps its CUDA runtime in the nvidia-* wheels.
    const wheel = existsSync(join(root, '__init__.py'));
    const cuda = existsSync(join(lib, 'libtorch_cuda.so'));
    const version = torchVersion(include);
    const nccl = cuda ? ncclIncludes(include, root) : null;
    return { root, include: [include, join(include, 'torch', 'csrc', 'api', 'include'), ...(nccl ?? [])], libdir: lib, rpath: true, abi, cuda,
      nccl: nccl !== null, version, wheel, extraLibdirs: wheel ? nvidiaLibdirs(root) : [] };
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
  const nccl = cuda ? ncclIncludes(include, null) : null;
  // libtorch-dev pulls in OpenBLAS's pthread build, which Debian's alternatives prefer; its
  // spinning threads fight libtorch's OpenMP ones. The OpenMP build is used when installed.
  const openmpBlas = join(libdir, 'openblas-openmp');
  const blasdir = existsSync(join(openmpBlas, 'libopenblas.so.0')) ? openmpBlas : undefined;
  return { include: [include, join(include, 'torch', 'csrc', 'api', 'include'), ...(nccl ?? [])], libdir, rpath: false, abi: 1, cuda, blasdir,
    nccl: nccl !== null, version: torchVersion(include), wheel: false, extraLibdirs: [] };
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
      ...t.extraLibdirs.map((d) => `-Wl,-rpath,${d}`),
      ...(t.blasdir ? ['-Wl,--disable-new-dtags', `-Wl,-rpath,${t.blasdir}`] : [])].join(' '),
    // libtorch 2.x's headers need C++20 (its TorchConfig.cmake sets CXX_STANDARD 20); 1.13 stays on C++17.
    cflags: t.version[0] >= 2 ? '-std=c++20' : '-std=c++17',
    version: t.version.join('.'),
    libs: libs.join(' '),
    // FINETUNE_NCCL: ops_distributed.cc compiles ProcessGroupNCCL in
    defines: [`_GLIBCXX_USE_CXX11_ABI=${t.abi}`, ...(t.nccl ? ['FINETUNE_NCCL'] : [])].join(' '),
    json: JSON.stringify(t),
  }[what];
  if (out === undefined) fail(`libtorch.mjs: unknown query '${what}'`);
  process.stdout.write(out + '\n');
}
