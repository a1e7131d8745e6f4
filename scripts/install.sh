#!/usr/bin/env bash
# Installs what finetune needs on Debian (libtorch, a fast OpenMP BLAS), builds the addon and puts
# the main job's pretrained model (all-MiniLM-L6-v2) into the Hugging Face cache.
# FINETUNE_WITH_PYTHON=1 also makes the Python peers' virtual environment (.venv-peers).
# Runs as root or with sudo available. Elsewhere: set LIBTORCH=/path/to/libtorch and run `npm ci`.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null; then SUDO="sudo"; fi
if [ -z "${LIBTORCH:-}" ] && command -v apt-get >/dev/null; then
  packages="libtorch-dev libgloo-dev libopenblas0-openmp"
  # The peers' virtual environment needs pip and venv (present with most Pythons; Debian splits them out).
  if ! python3 -m pip --version >/dev/null 2>&1; then packages="$packages python3-pip"; fi
  if [ "${FINETUNE_WITH_PYTHON:-0}" = "1" ] && ! python3 -c 'import ensurepip' >/dev/null 2>&1; then packages="$packages python3-venv"; fi
  if ! dpkg -s $packages >/dev/null 2>&1; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $packages
  fi
  # libtorch-dev pulls in OpenBLAS's pthread build, which the alternatives prefer; its
  # spinning threads fight OpenMP. Select the OpenMP build (the addon prefers it anyway;
  # this also gives the PyTorch peer of the benchmarks the same BLAS).
  multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
  for lib in libopenblas.so.0 libblas.so.3 liblapack.so.3; do
    target="/usr/lib/$multiarch/openblas-openmp/$lib"
    if [ -e "$target" ]; then $SUDO update-alternatives --quiet --set "$lib-$multiarch" "$target" || true; fi
  done
fi
# onnxruntime-node (a test-time peer) would otherwise download CUDA binaries at install.
export ONNXRUNTIME_NODE_INSTALL_CUDA=${ONNXRUNTIME_NODE_INSTALL_CUDA:-skip}
npm ci --no-audit --no-fund
# The pretrained model of the main job (examples/train.ts), into the Hugging Face cache.
bash scripts/install_minilm.sh
# The Python peers (fixture scripts, interop tests, benchmarks): real transformers on torch 2.x.
if [ "${FINETUNE_WITH_PYTHON:-0}" = "1" ]; then bash scripts/peers/install_venv.sh; fi
