#!/usr/bin/env bash
# Fails if any of our C++ files differs from .clang-format. Fix with: scripts/check-format.sh --fix
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' | grep -E '^(core|logos|net|node|cli|web|tests|bench|fuzz|examples)/')
((${#files[@]})) || exit 0
if [ "${1:-}" = "--fix" ]; then clang-format -i "${files[@]}"; exit 0; fi
clang-format --dry-run --Werror "${files[@]}"
echo "format: ${#files[@]} files clean"
