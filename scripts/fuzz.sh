#!/usr/bin/env bash
# Runs every libFuzzer target for N seconds (default 60). Build first: scripts/build.sh fuzz.
# Crashes are written to build-fuzz/crashes/; a crash fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
mkdir -p build-fuzz/crashes build-fuzz/corpus
for target in build-fuzz/bin/fuzz_*; do
  name=$(basename "$target")
  mkdir -p "build-fuzz/corpus/$name"
  echo "fuzz: $name for ${seconds}s"
  "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=0 \
    -artifact_prefix="build-fuzz/crashes/$name-" "build-fuzz/corpus/$name" 2>"build-fuzz/$name.log" \
    || { tail -40 "build-fuzz/$name.log"; echo "fuzz: $name FAILED"; exit 1; }
done
