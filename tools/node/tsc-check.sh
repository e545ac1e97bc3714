#!/usr/bin/env bash
# Type-checks gen/ts/*.ts and tools/node/example.ts (strict, no output).
set -euo pipefail
cd "$(dirname "$0")"
./install.sh
node_modules/.bin/tsc --noEmit -p .
echo "tsc-check: ok"
