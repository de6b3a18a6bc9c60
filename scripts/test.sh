#!/usr/bin/env bash
# The full test suite (what CI runs): set-up, format and lint checks, native tests,
# the same tests under ASan+UBSan, the core tests compiled to WebAssembly under node, the
# browser runtime under node and the Studio in headless chromium against `largo run`, and a
# short libFuzzer run of every fuzz target. Any failure fails the run.
#   FF_FUZZ_SECONDS=N   seconds per fuzz target (default 5; the soak command uses more)
#   FF_PROPERTY_SCALE=N run N times as many property-test seeds (default 1)
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
stage() { echo; echo "=== $* ($(( $(date +%s) - start )) s)"; }

stage "setup"
scripts/setup.sh

stage "format (clang-format, .clang-format)"
scripts/check-format.sh

stage "native build + tests"
scripts/build.sh native
ctest --test-dir build --output-on-failure -j"$(nproc)" --timeout 900

stage "lint (clang-tidy, .clang-tidy)"
scripts/check-tidy.sh

stage "ASan + UBSan build + tests"
scripts/build.sh asan
# The interop suite runs once, against the Release build above: under ASan the js-libp2p
# side's timeouts (10 s dials, 5 s identify) measure the sanitizer, not our code.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$(nproc)" --timeout 900 -LE interop

stage "WebAssembly build + core tests under node"
scripts/build.sh wasm
ctest --test-dir build-wasm --output-on-failure -j"$(nproc)" --timeout 900

stage "web bundle + browser runtime tests (node) + Studio end-to-end tests (headless chromium)"
scripts/build.sh web
# Setup installed chromium and the npm packages, so a skip (exit 2) is a failure here.
FF_LARGO="$PWD/build/bin/largo" tests/web/run.sh
FF_LARGO="$PWD/build/bin/largo" tests/browser/run.sh

stage "fuzz smoke (${FF_FUZZ_SECONDS:-5} s per target)"
scripts/build.sh fuzz
scripts/fuzz.sh "${FF_FUZZ_SECONDS:-5}"

stage "all passed"
