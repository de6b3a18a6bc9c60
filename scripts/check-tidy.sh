#!/usr/bin/env bash
# clang-tidy with the checks chosen in .clang-tidy over our sources (not tests), using
# build/compile_commands.json (run scripts/build.sh native first). Any finding fails.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cpp' | grep -E '^(core|logos|net|node|cli)/')
((${#files[@]})) || exit 0
status=0
printf '%s\n' "${files[@]}" | xargs -P "$(nproc)" -n 4 clang-tidy -p build --quiet >build/tidy.log 2>/dev/null || status=$?
if grep -qE '(warning|error):' build/tidy.log || [ "$status" -ne 0 ]; then
  grep -E -A3 '(warning|error):' build/tidy.log | head -60
  echo "tidy: findings above (full log: build/tidy.log)"
  exit 1
fi
echo "tidy: ${#files[@]} files clean"
