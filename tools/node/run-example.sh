#!/usr/bin/env bash
# Runs example.ts against a live server, as `make test` does:
#   1. tools/sqlite-server.sh builds the server and starts it on embedded SQLite in a scratch
#      directory, on a free 127.0.0.1 port, with a fresh JWT secret and API keys, and runs the rest
#      of this script against it (--against-server), then stops it;
#   2. compiles example.ts with the generated clients (tsconfig.run.json) into build/;
#   3. runs it with node against the server (it exits 1 on any unexpected answer).
set -euo pipefail
cd "$(dirname "$0")"
if [[ ${1:-} != --against-server ]]; then
	./install.sh
	exec ../sqlite-server.sh example "$PWD/run-example.sh" --against-server
fi
token="$(AUTH_JWT_SECRET="$AUTH_JWT_SECRET" "$SERVER_BINARY" token --sub example-user --ttl 10m)"

rm -rf build
node_modules/.bin/tsc -p tsconfig.run.json
SESSIONHUB_URL="$SERVER_URL" SESSIONHUB_TOKEN="$token" AVATAR_API_KEY="${AVATAR_API_KEY%%,*}" DECISION_API_KEY="$DECISION_API_KEY" \
	node build/tools/node/example.js
echo "run-example: ok (server on $SERVER_URL)"
