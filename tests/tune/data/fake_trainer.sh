#!/bin/sh
# A stand-in for `nnlab train` that obeys the tuner's contract: called as
#   fake_trainer.sh train <flags> --json --report-metric METRIC
# it prints "nnlab:report EPOCH VALUE" after each epoch and, last, one JSON object of
# final metrics. Its validation accuracy peaks at lr = 0.01 and falls with dropout, so a
# search has something to find. FAKE_TRAINER_LOG, when set, receives its arguments (one
# line per call); an unknown flag exits 2, as the real trainer does.
set -eu
[ "${1:-}" = train ] || { echo "fake_trainer: expected 'train' first, got '${1:-}'" >&2; exit 2; }
shift
[ -n "${FAKE_TRAINER_LOG:-}" ] && echo "$*" >> "$FAKE_TRAINER_LOG"
lr=0.1 wd=0 dropout=0 hidden=100 bn=0 schedule=constant epochs=3 json=0 metric=val_accuracy
while [ $# -gt 0 ]; do
  case "$1" in
    --lr) lr=$2; shift 2 ;;
    --weight-decay) wd=$2; shift 2 ;;
    --dropout) dropout=$2; shift 2 ;;
    --hidden) hidden=$2; shift 2 ;;
    --schedule) schedule=$2; shift 2 ;;
    --epochs) epochs=$2; shift 2 ;;
    --model|--dataset) shift 2 ;;
    --bn) bn=1; shift ;;
    --json) json=1; shift ;;
    --report-metric) metric=$2; shift 2 ;;
    *) echo "error: unknown flag '$1'" >&2; exit 2 ;;
  esac
done
[ "$json" = 1 ] || { echo "fake_trainer: the tuner must pass --json" >&2; exit 2; }
echo "training with lr=$lr hidden=$hidden schedule=$schedule" >&2
awk -v lr="$lr" -v wd="$wd" -v d="$dropout" -v bn="$bn" -v epochs="$epochs" -v metric="$metric" 'BEGIN {
  best = 0.9 - 0.05 * (log(lr) / log(10) + 2) ^ 2 - 0.1 * d + 0.01 * bn - wd
  for (e = 1; e <= epochs; e++) {
    acc = best * (1 - 0.5 ^ e); loss = 1 - acc
    printf "nnlab:report %d %.6f\n", e, (metric == "val_loss" ? loss : acc)
  }
  printf "{\"val_accuracy\": %.6f, \"val_loss\": %.6f, \"test_accuracy\": %.6f, \"test_loss\": %.6f, \"train_seconds\": 0.01}\n", acc, loss, acc - 0.01, loss + 0.01
}'
