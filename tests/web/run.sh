#!/usr/bin/env bash
# Runs the browser runtime's Node tests: every *_test.mjs here under `node --test`, with a
# hard time limit. Needs web/node_modules (scripts/setup.sh) and the wasm core
# (scripts/build.sh web, or FF_WEB_CORE=path/to/fabric_core.mjs).
#   tests/web/run.sh                     # all suites
#   tests/web/run.sh mesh_test.mjs       # chosen files (relative to this folder)
#   FF_WEB_TIMEOUT_S=600 tests/web/run.sh
# largo_test.mjs also needs build/bin/largo (FF_LARGO=path overrides); it skips without it.
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd ../.. && pwd)

if [ ! -d "$root/web/node_modules" ]; then
  echo "web tests: web/node_modules is missing; run scripts/setup.sh (npm ci)" >&2
  exit 2
fi
export FF_WEB_CORE=${FF_WEB_CORE:-$root/${FF_WASM_BUILD_DIR:-build-wasm}/bin/fabric_core.mjs}
if [ ! -f "$FF_WEB_CORE" ]; then
  echo "web tests: $FF_WEB_CORE is missing; run scripts/build.sh web" >&2
  exit 2
fi

if [ "$#" -eq 0 ]; then
  set -- *_test.mjs
fi
# --kill-after: if node ignores SIGTERM, SIGKILL it 10 s later.
# --test-force-exit: the bundle test loads the browser build of js-libp2p, whose lock
# library (mortice) keeps a BroadcastChannel open, so that process would never exit.
exec timeout --kill-after=10 "${FF_WEB_TIMEOUT_S:-240}" node --test --test-concurrency=1 --test-force-exit "$@"
