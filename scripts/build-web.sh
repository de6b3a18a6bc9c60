#!/usr/bin/env bash
# Builds the browser bundle (web/README.md) into build-web/dist/:
#   fabric.js       ES module: web/src + js-libp2p + the wasm core (inlined, SINGLE_FILE)
#   fabric.js.map   its source map
#   fabric-journal-worker.js (+ .map)  the OPFS journal worker fabric.js starts (web/src/journal-worker.js)
#   fabric.d.ts     TypeScript types of the API (docs/browser-api.md)
#   studio/         the Studio page (web/studio/*)
# Steps: configure/build the wasm target ff_web_core in build-wasm/ (Emscripten), install
# web/node_modules from the lock file when missing, bundle with esbuild, copy the rest.
# Environment: FF_JOBS (ninja jobs, default nproc), FF_WASM_BUILD_DIR (default build-wasm),
# FF_WEB_OUT (default build-web).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${FF_JOBS:-$(nproc)}
wasm_dir=${FF_WASM_BUILD_DIR:-build-wasm}
out=${FF_WEB_OUT:-build-web}

# Debian's Emscripten 3.1.6 finds its node modules only through NODE_PATH.
export NODE_PATH=/usr/share/nodejs
emcmake cmake -S . -B "$wasm_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$wasm_dir" -j"$jobs" ff_web_core
core="$wasm_dir/bin/fabric_core.mjs"

if [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
fi

mkdir -p "$out/dist/studio"
web/node_modules/.bin/esbuild web/src/fabric.js \
  --bundle --format=esm --platform=browser --target=es2022 \
  --alias:fluid-fabric-core="./$core" \
  --minify --sourcemap=linked --legal-comments=linked \
  --log-level=warning \
  --outfile="$out/dist/fabric.js"
# The OPFS journal worker: fabric.js starts it from the URL next to its own
# (new URL('./fabric-journal-worker.js', import.meta.url)), as a module Worker.
web/node_modules/.bin/esbuild web/src/fabric-journal-worker.js \
  --bundle --format=esm --platform=browser --target=es2022 \
  --minify --sourcemap=linked \
  --log-level=warning \
  --outfile="$out/dist/fabric-journal-worker.js"
cp web/src/fabric.d.ts "$out/dist/fabric.d.ts"
if compgen -G "web/studio/*" >/dev/null; then
  cp -r web/studio/. "$out/dist/studio/"
fi
echo "build-web: $(du -h "$out/dist/fabric.js" | cut -f1) $out/dist/fabric.js"
