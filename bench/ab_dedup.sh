#!/bin/bash
# CPU time of the `dedup` recipe, an older revision's src/ against the working tree's,
# alternating: bench/ab_dedup.sh REV CORPUS... (2 workers, 2 repetitions). Prints one line a run.
set -euo pipefail
cd "$(dirname "$0")/.."
rev=$1; shift
old=$(mktemp -d)
git archive "$rev" src | tar -x -C "$old"
for corpus in "$@"; do
  for rep in 1 2; do
    for side in old new; do
      if [ "$side" = old ]; then path=$old/src; else path=$PWD/src; fi
      load=$(cut -d' ' -f1 /proc/loadavg)
      /usr/bin/time -f "%e %U %S" -o "$old/time.txt" env PYTHONPATH="$path" .venv/bin/python -m thresher \
        run "$corpus" -o "$old/run-$side" -r dedup -w 2 --force -q --no-progress >/dev/null 2>&1
      read -r wall user sys < "$old/time.txt"
      echo "$corpus $side rep$rep wall=$wall cpu=$(python3 -c "print(round($user + $sys, 2))") load_before=$load"
    done
  done
done
rm -rf "$old"
