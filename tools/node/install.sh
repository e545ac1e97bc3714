#!/usr/bin/env bash
# Installs tools/node's pinned packages with `npm ci` when node_modules is missing or was
# installed from a different package-lock.json (a stamp file records the lock's hash).
# Install scripts are off (.npmrc), so nothing is downloaded beyond the npm packages.
# One install at a time: `make -j` may ask for the packages from several steps at once.
set -euo pipefail
cd "$(dirname "$0")"

stamp=node_modules/.package-lock.sha256
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
current() { [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; }
current && exit 0

exec 9>.install.lock
flock 9
current && exit 0 # installed by the run we waited for

echo "tools/node: npm ci (node_modules missing or stale)" >&2
export DO_NOT_TRACK=1
npm ci --no-fund --no-audit --loglevel=error >&2
echo "$want" >"$stamp"
