#!/usr/bin/env bash
# Runs the interop suite: every *_test.mjs here under `node --test`, with a hard time
# limit. The exit code is the result. Sides default to js-libp2p (js_peer.mjs); set
# FF_PEER_A / FF_PEER_B / FF_PEER_C to a `largo` binary to put our native node in a side.
#   tests/interop/run.sh                      # all suites
#   tests/interop/run.sh js_js_test.mjs       # chosen files (relative to this folder)
#   FF_INTEROP_TIMEOUT_S=600 tests/interop/run.sh   # overall limit (default 240 s)
#   FF_INTEROP_VERBOSE=1 ...                  # pass the peers' stderr through
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -d node_modules ]; then
  echo "interop: tests/interop/node_modules is missing; run scripts/setup.sh (npm ci)" >&2
  exit 2
fi

if [ "$#" -eq 0 ]; then
  set -- *_test.mjs
fi

# --kill-after: if node ignores SIGTERM, SIGKILL it 10 s later. The driver kills its peer
# processes when node exits, whichever way.
exec timeout --kill-after=10 "${FF_INTEROP_TIMEOUT_S:-240}" node --test "$@"
