#!/usr/bin/env bash
# Runs the browser end-to-end tests (every *_test.mjs here under `node --test`, one file at
# a time) with an overall time limit. Exit code: the result, or 2 = skipped because a
# prerequisite is missing (the reason is printed):
#   chromium        /usr/bin/chromium (Debian package `chromium`; FF_CHROMIUM overrides)
#   node_modules    playwright-core, from `scripts/setup.sh` (npm ci here)
#   the web bundle  build-web/dist/fabric.js + studio/ (`scripts/build.sh web`; FF_WEB_DIST)
#   largo           build/bin/largo (`scripts/build.sh native`; FF_LARGO overrides)
#
#   tests/browser/run.sh                     # all files
#   tests/browser/run.sh studio_test.mjs     # chosen files (relative to this folder)
#   FF_BROWSER_TIMEOUT_S=900 ...             # overall limit (default 600 s)
#   FF_E2E_TIME_SCALE=3 ...                  # stretch the issue's 1 s / 2 s bounds on a slow machine
#   FF_E2E_VERBOSE=1 ...                     # largo's output and the pages' console to stderr
set -euo pipefail
cd "$(dirname "$0")"
repo=$(cd ../.. && pwd)

chromium=${FF_CHROMIUM:-/usr/bin/chromium}
web_dist=${FF_WEB_DIST:-$repo/build-web/dist}
largo=${FF_LARGO:-$repo/build/bin/largo}

skip() {
  echo "browser tests skipped: $*" >&2
  exit 2
}
[ -x "$chromium" ] || skip "no chromium at $chromium (apt-get install chromium, or set FF_CHROMIUM)"
[ -d node_modules/playwright-core ] || skip "tests/browser/node_modules is missing; run scripts/setup.sh (npm ci)"
[ -f "$web_dist/fabric.js" ] || skip "no web bundle at $web_dist/fabric.js; run scripts/build.sh web"
[ -f "$web_dist/studio/index.html" ] || skip "no Studio page at $web_dist/studio/index.html; run scripts/build.sh web"
[ -x "$largo" ] || skip "no largo binary at $largo; run scripts/build.sh native"

export FF_CHROMIUM="$chromium" FF_LARGO="$largo"
[ -n "${FF_WEB_DIST:-}" ] && export FF_WEB_DIST

if [ "$#" -eq 0 ]; then
  set -- *_test.mjs
fi

# One file at a time (--test-concurrency=1): each test runs chromium and a largo, and the
# machine may have two cores. --kill-after: SIGKILL if node ignores SIGTERM; the harness
# kills its largo processes when node exits, whichever way, and chromium dies with its pipe.
exec timeout --kill-after=10 "${FF_BROWSER_TIMEOUT_S:-600}" node --test --test-concurrency=1 "$@"
