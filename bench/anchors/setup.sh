#!/usr/bin/env bash
# `npm run bench:anchors`, step 1: what the anchors need and `npm install` never brings.
# Debian's PyTorch, ONNX and NumPy for the PyTorch anchor and the ONNX export (apt, when
# missing), Chromium for the browser figures, and ONNX Runtime for Node and Web from
# bench/anchors/package-lock.json with install scripts off: onnxruntime-node's would
# download GPU binaries; its CPU build ships in the package.
set -euo pipefail
cd "$(dirname "$0")"
missing=()
/usr/bin/python3 -c 'import torch, onnx, numpy' 2>/dev/null || missing+=(python3-torch python3-onnx python3-numpy)
command -v chromium >/dev/null || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=$([ "$(id -u)" -eq 0 ] || echo sudo)
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
npm ci --ignore-scripts --no-audit --no-fund --silent
