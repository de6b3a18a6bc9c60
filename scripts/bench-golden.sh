#!/usr/bin/env bash
# The golden benchmark (issue 4): change propagation latency `largo run` <-> a headless
# chromium tab on the Studio page, each way (p50/p99 over >= 1,000 changes), and the
# js-libp2p GossipSub anchor in the same run. One JSON line per measurement on stdout.
#   scripts/bench-golden.sh [--count 1000] [--rate 100] [--warmup 100] [--no-anchor] [--page /studio]
# Exit 2 (nothing measured) when a prerequisite is missing, with the reason on stderr.
# Needs: scripts/setup.sh (chromium, npm ci in tests/browser and tests/interop),
# scripts/build.sh native (build/bin/largo) and scripts/build.sh web (build-web/dist).
# FF_LARGO / FF_WEB_DIST / FF_CHROMIUM override the paths, as for tests/browser/run.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

chromium=${FF_CHROMIUM:-/usr/bin/chromium}
missing() {
  echo "bench-golden: $*" >&2
  exit 2
}
[ -x "$chromium" ] || missing "no chromium at $chromium (apt-get install chromium)"
[ -d tests/browser/node_modules/playwright-core ] || missing "tests/browser/node_modules missing; run scripts/setup.sh"
if [[ " $* " != *" --no-anchor "* ]]; then
  [ -d tests/interop/node_modules ] || missing "tests/interop/node_modules missing (the anchor); run scripts/setup.sh"
fi
[ -f "${FF_WEB_DIST:-build-web/dist}/fabric.js" ] || missing "no web bundle; run scripts/build.sh web"
[ -x "${FF_LARGO:-build/bin/largo}" ] || missing "no largo binary; run scripts/build.sh native"

exec timeout --kill-after=10 900 node bench/golden/bench_golden.mjs "$@"
