#!/usr/bin/env bash
# Builds one configuration. Usage: scripts/build.sh native|asan|wasm|web|fuzz
#   native  build/        g++ Release, -Werror        (largo, tests, benchmarks)
#   asan    build-asan/   g++ with ASan + UBSan        (tests)
#   wasm    build-wasm/   Emscripten                   (core + its tests under node)
#   web     build-web/    browser bundle: wasm core (in build-wasm/) + js-libp2p (scripts/build-web.sh)
#   fuzz    build-fuzz/   clang-14 with libFuzzer      (fuzz/ targets)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${FF_JOBS:-$(nproc)}
case "${1:-native}" in
  native)
    cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
    ninja -C build -j"$jobs" ;;
  asan)
    cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFF_SANITIZE=ON >/dev/null
    ninja -C build-asan -j"$jobs" ;;
  wasm)
    export NODE_PATH=/usr/share/nodejs
    emcmake cmake -S . -B build-wasm -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
    ninja -C build-wasm -j"$jobs" ;;
  web)
    FF_JOBS="$jobs" exec scripts/build-web.sh ;;
  fuzz)
    CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFF_FUZZ=ON >/dev/null
    ninja -C build-fuzz -j"$jobs" $(cd fuzz && ls fuzz_*.cpp 2>/dev/null | sed 's/\.cpp$//') ;;
  *) echo "usage: scripts/build.sh native|asan|wasm|web|fuzz" >&2; exit 2 ;;
esac
