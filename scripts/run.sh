#!/usr/bin/env bash
# The main job: set up, build, and run largo. Arguments go to largo (default: `version`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh native
if (($#)); then exec build/bin/largo "$@"; fi
build/bin/largo version
build/bin/largo --help
