#!/bin/sh
# The one way the service is started: `npm start` runs this, and so does the load bench (bench/load.ts), so what
# is measured is what is deployed. Arguments are passed to node before the entry (`npm start -- --trace-gc`).
#
# It runs the compiled build. The build is made here only when there is none yet or a source is newer than it, so
# a start after an edit runs the edit, and every other start is just node loading dist/ (no compiler on the way).
set -e
cd "$(dirname "$0")/.."
entry=dist/node/main.js
if [ -d src ] && { [ ! -f "$entry" ] || [ -n "$(find src tsconfig.json package.json -newer "$entry" | head -n 1)" ]; }; then
  # A failed build still writes dist/: without its entry, the next start tries again instead of running it.
  npm run build --silent || { rm -f "$entry"; exit 1; }
fi
# libvips decodes on several threads, and glibc gives each thread its own malloc arena; freed pixel buffers then
# stay mapped in many arenas. Two arenas keep the resident size close to what is in use. An operator's own value
# (set in the environment) wins.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
exec node "$@" "$entry"
