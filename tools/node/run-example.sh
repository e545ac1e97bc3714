#!/usr/bin/env bash
# Runs example.ts against a live server, as `make test` does:
#   1. builds the server into bin/test/example/ (go build relinks it only when out of date) and
#      starts it on embedded SQLite in a scratch directory, on a free 127.0.0.1 port
#      (HTTP_ADDR=127.0.0.1:0; the address is read from its start-up log), with a fresh JWT
#      secret and API keys passed in its environment;
#   2. compiles example.ts with the generated clients (tsconfig.run.json) into build/;
#   3. runs it with node against the server (it exits 1 on any unexpected answer);
#   4. stops the server (SIGTERM, graceful) and removes the scratch directory.
set -euo pipefail
cd "$(dirname "$0")"
root="$(cd ../.. && pwd)"
./install.sh

work="$(mktemp -d)"
server_pid=""
cleanup() {
	if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
		kill -TERM "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

random_hex() { od -An -N32 -tx1 /dev/urandom | tr -d ' \n'; }
secret="$(random_hex)"
avatar_key="$(random_hex)"
decision_key="$(random_hex)"

server="$root/bin/test/example/server"
(cd "$root" && go build -o "$server" ./cmd/server)
HTTP_ADDR=127.0.0.1:0 PUBLIC_BASE_URL= DATABASE_URL= DATA_DIR="$work/data" \
	AUTH_JWT_SECRET="$secret" AVATAR_API_KEYS="$avatar_key" DECISION_API_KEYS="$decision_key" \
	"$server" >"$work/server.out" 2>"$work/server.log" &
server_pid=$!

addr=""
for ((i = 0; i < 600; i++)); do
	addr="$(sed -n 's/.*msg=listening addr=\([^ ]*\).*/\1/p' "$work/server.log")"
	[[ -n $addr ]] && break
	if ! kill -0 "$server_pid" 2>/dev/null; then
		echo "run-example: the server exited before listening:" >&2
		cat "$work/server.log" >&2
		exit 1
	fi
	sleep 0.1
done
if [[ -z $addr ]]; then
	echo "run-example: the server did not start listening within 60 s" >&2
	cat "$work/server.log" >&2
	exit 1
fi
token="$(AUTH_JWT_SECRET="$secret" "$server" token --sub example-user --ttl 10m)"

rm -rf build
node_modules/.bin/tsc -p tsconfig.run.json
rc=0
SESSIONHUB_URL="http://$addr" SESSIONHUB_TOKEN="$token" AVATAR_API_KEY="$avatar_key" DECISION_API_KEY="$decision_key" \
	node build/tools/node/example.js || rc=$?
if ((rc != 0)); then
	echo "run-example: FAILED; the server's log:" >&2
	cat "$work/server.log" >&2
	exit "$rc"
fi
echo "run-example: ok (server on $addr)"
