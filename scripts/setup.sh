#!/usr/bin/env bash
# Installs everything Fluid Fabric needs on Debian 12, idempotently: Debian packages (only
# when one is missing, so a second run does not touch the network) and the npm packages
# pinned by the project's package-lock files.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

packages=(
  build-essential cmake ninja-build pkg-config git gzip
  clang-14 lld-14 libclang-rt-14-dev clang-format clang-tidy
  libgtest-dev libgmock-dev libbenchmark-dev
  libsodium-dev libboost-dev libcli11-dev nlohmann-json3-dev libspdlog-dev libfmt-dev
  libqrencode-dev zlib1g-dev
  emscripten wabt wasi-libc
  chromium
)
# Node.js: the machine image may carry a newer nodejs build that bundles npm (and
# conflicts with Debian's npm package), so ask for Debian's only when node is absent.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup: Debian packages present"
fi

# npm packages: every folder of ours with a package-lock.json.
while IFS= read -r lock; do
  dir=$(dirname "$lock")
  if [ ! -d "$dir/node_modules" ] || [ "$lock" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "setup: npm ci in ${dir#"$here"/}"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done < <(find "$here" -name package-lock.json -not -path '*/node_modules/*' -not -path '*/build*/*')
echo "setup: done"
