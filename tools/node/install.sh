#!/usr/bin/env bash
# Installs tools/node's pinned packages with `npm ci` when node_modules is missing or was
# installed from a different package-lock.json (a stamp file records the lock's hash).
# Install scripts are off (.npmrc), so nothing is downloaded beyond the npm packages.
set -euo pipefail
cd "$(dirname "$0")"

stamp=node_modules/.package-lock.sha256
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
	exit 0
fi

echo "tools/node: npm ci (node_modules missing or stale)" >&2
export SCARF_ANALYTICS=false DO_NOT_TRACK=1 # belt and braces; install scripts are off anyway
npm ci --no-fund --no-audit --loglevel=error >&2
echo "$want" >"$stamp"
