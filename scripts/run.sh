#!/usr/bin/env bash
# The main job: set up, build the native node and the browser bundle, and run the golden
# test's native side — an Authority node for program "Alpha" serving the Studio:
#   scripts/run.sh                          largo run --id Alpha --mode server (Ctrl-C stops it)
#   scripts/run.sh run --id Beta --mode server --http-port 8080    any largo arguments instead
# Then open the printed Studio URL (http://127.0.0.1:7070/studio?id=Alpha) in a browser.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh native
scripts/build.sh web
if (($#)); then exec build/bin/largo "$@"; fi
build/bin/largo version
exec build/bin/largo run --id Alpha --mode server
