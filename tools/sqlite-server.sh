#!/usr/bin/env bash
# Runs a command against a live server on embedded SQLite, as `make run` starts it:
#   tools/sqlite-server.sh NAME COMMAND [ARGS...]
#   1. builds the server into bin/test/NAME/ (go build relinks it only when out of date) and starts
#      it on SQLite in a scratch directory, on a free 127.0.0.1 port (HTTP_ADDR=127.0.0.1:0; the
#      address is read from its start-up log), with a fresh JWT secret and API keys (two avatar keys,
#      for tests of one key against another's sessions);
#   2. runs COMMAND with SERVER_URL (http://127.0.0.1:port), SERVER_BINARY, AUTH_JWT_SECRET,
#      AVATAR_API_KEY (the two keys, comma-separated) and DECISION_API_KEY in its environment;
#   3. stops the server (SIGTERM, graceful), prints its log if COMMAND failed, removes the scratch
#      directory, and exits with COMMAND's status.
set -euo pipefail
name="$1"
shift
root="$(cd "$(dirname "$0")/.." && pwd)"

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
avatar_keys="$(random_hex),$(random_hex)"
decision_key="$(random_hex)"

server="$root/bin/test/$name/server"
(cd "$root" && go build -o "$server" ./cmd/server)
# The log exists before the server starts: the redirections below happen in the background child,
# which a loaded machine may not have run yet when the loop first reads the log.
: >"$work/server.log"
HTTP_ADDR=127.0.0.1:0 PUBLIC_BASE_URL= DATABASE_URL= DATA_DIR="$work/data" \
	AUTH_JWT_SECRET="$secret" AVATAR_API_KEYS="$avatar_keys" DECISION_API_KEYS="$decision_key" \
	"$server" >"$work/server.out" 2>"$work/server.log" &
server_pid=$!

addr=""
for ((i = 0; i < 600; i++)); do
	addr="$(sed -n 's/.*msg=listening addr=\([^ ]*\).*/\1/p' "$work/server.log")"
	[[ -n $addr ]] && break
	if ! kill -0 "$server_pid" 2>/dev/null; then
		echo "sqlite-server: the server exited before listening:" >&2
		cat "$work/server.log" >&2
		exit 1
	fi
	sleep 0.1
done
if [[ -z $addr ]]; then
	echo "sqlite-server: the server did not start listening within 60 s" >&2
	cat "$work/server.log" >&2
	exit 1
fi

rc=0
SERVER_URL="http://$addr" SERVER_BINARY="$server" AUTH_JWT_SECRET="$secret" AVATAR_API_KEY="$avatar_keys" \
	DECISION_API_KEY="$decision_key" "$@" || rc=$?
if ((rc != 0)); then
	echo "sqlite-server: $name FAILED; the server's log:" >&2
	cat "$work/server.log" >&2
fi
exit "$rc"
