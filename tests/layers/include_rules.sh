#!/usr/bin/env bash
# The build's layer rules (cmake/layers.cmake) hold: with a layer's include path, a header
# the layer may use compiles and one it may not (a higher layer's public header, another
# layer's private header) fails with "No such file or directory".
#   tests/layers/include_rules.sh CXX LAYERS_DIR
set -uo pipefail
cxx=$1 layers=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
# expect LAYER HEADER ok|fails
expect() {
  printf '#include "%s"\n' "$2" >"$tmp/probe.cpp"
  if "$cxx" -std=c++20 -fsyntax-only -I "$layers/$1" "$tmp/probe.cpp" 2>"$tmp/err"; then got=ok; else got=fails; fi
  if [ "$got" != "$3" ]; then
    echo "include_rules: layer $1 including $2: expected it to $([ "$3" = ok ] && echo compile || echo fail), it did not"
    cat "$tmp/err"
    status=1
  elif [ "$got" = fails ] && ! grep -q "No such file or directory" "$tmp/err"; then
    echo "include_rules: layer $1 including $2 failed for another reason:"; cat "$tmp/err"; status=1
  else
    echo "include_rules: layer $1, $2: $got as it should"
  fi
}
expect ops nnlab/autograd.h ok
expect ops backend/cpu/elementwise.h ok            # the backend's kernel interface
expect ops nnlab/train/config.h fails              # a higher layer
expect ops nnlab/nn/module.h fails
expect ops backend/cpu/context.h fails             # the backend's private oneDNN context
expect tensor nnlab/autograd.h fails
expect backend nnlab/ops/conv.h fails
expect optim nnlab/nn/module.h fails
expect data nnlab/train/config.h fails
expect tune nnlab/experiments/experiment.h fails
expect train nnlab/tune/study.h fails
expect train tune/subprocess.h fails               # tune's export reaches only layers above tune
expect experiments tune/subprocess.h ok
expect experiments nnlab/train/trainer.h ok
expect download nnlab/data/datasets.h ok
expect data nnlab/download/fetch.h fails             # the data layer reads, it never fetches
expect train nnlab/download/datasets.h fails        # only the CLI fetches
expect board nnlab/tune/storage.h ok                 # the board reads studies through the storage API
expect board tune/storage/sqlite_db.h fails        # never around it
expect tune nnlab/board/board.h fails
expect export nnlab/nn/module.h ok
expect export nnlab/io/atomic_file.h ok
expect export nnlab/train/config.h fails           # the exporter knows modules, not training
expect train nnlab/export/onnx.h fails
expect dist nnlab/autograd_hooks.h ok             # the reducer hooks into backward
expect dist nnlab/nn/module.h fails                # it sees tensors, never modules
exit $status
