#!/bin/sh
# Entrypoint of the registry-free PostgreSQL image that tools/testenv/setup.sh builds
# (installed in the image as /usr/local/bin/docker-entrypoint.sh).
#
# It behaves like the official postgres image's entrypoint, as far as our tests rely on it:
#   - POSTGRES_USER (default postgres), POSTGRES_PASSWORD (required unless
#     POSTGRES_HOST_AUTH_METHOD=trust), POSTGRES_DB (default: the user), POSTGRES_INITDB_ARGS,
#     POSTGRES_HOST_AUTH_METHOD (default scram-sha-256), PGDATA (default /var/lib/postgresql/data);
#   - on the first start it runs initdb (with --no-sync), starts a temporary server on the unix socket only,
#     creates the database, runs /docker-entrypoint-initdb.d/*.sh|*.sql|*.sql.gz, and stops it
#     again; so "database system is ready to accept connections" is logged twice on a fresh
#     container, which is what testcontainers' postgres.BasicWaitStrategies() waits for;
#   - a leading "postgres" argument is dropped (a leading "-flag" is taken as postgres flags),
#     and postgres is exec'd as the postgres user with the remaining arguments
#     (testcontainers passes "-c fsync=off").
# Any other command is exec'd as given.
set -eu

PG_BIN=/usr/lib/postgresql/15/bin
PATH="$PG_BIN:$PATH"
export PATH
PGDATA="${PGDATA:-/var/lib/postgresql/data}"
export PGDATA

log() { printf '%s\n' "entrypoint: $*" >&2; }

case "${1:-postgres}" in
postgres) if [ "$#" -gt 0 ]; then shift; fi ;;
-*) ;;
*) exec "$@" ;;
esac

# Runs the given command as the postgres user, with whatever the minbase root offers.
as_postgres() {
	if command -v setpriv >/dev/null 2>&1; then
		exec setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
	elif command -v runuser >/dev/null 2>&1; then
		exec runuser -u postgres -- "$@"
	else
		log "neither setpriv nor runuser found"
		exit 1
	fi
}

if [ "$(id -u)" = 0 ]; then
	mkdir -p "$PGDATA" /var/run/postgresql
	chown -R postgres:postgres "$PGDATA" /var/run/postgresql
	chmod 700 "$PGDATA"
	chmod 2775 /var/run/postgresql
	# Re-run this script as postgres; "postgres" again so the first case above drops it.
	as_postgres "$0" postgres "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
	POSTGRES_USER="${POSTGRES_USER:-postgres}"
	POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"
	auth="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"
	if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$auth" != trust ]; then
		log "Database is uninitialized and superuser password is not specified."
		log "Set POSTGRES_PASSWORD (or POSTGRES_HOST_AUTH_METHOD=trust)."
		exit 1
	fi

	locale=C
	if [ -d /usr/lib/locale/C.utf8 ]; then locale=C.UTF-8; fi

	pwfile="$(mktemp)"
	printf '%s\n' "${POSTGRES_PASSWORD:-}" >"$pwfile"
	# --no-sync: a test container's data does not outlive it, and syncing takes seconds.
	# POSTGRES_INITDB_ARGS is split on purpose, as in the official image.
	# shellcheck disable=SC2086
	initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --encoding=UTF8 --locale="$locale" \
		--auth-local=trust --auth-host="$auth" --no-sync ${POSTGRES_INITDB_ARGS:-}
	rm -f "$pwfile"

	printf "\nlisten_addresses = '*'\n" >>"$PGDATA/postgresql.conf"
	printf '\nhost all all all %s\n' "$auth" >>"$PGDATA/pg_hba.conf"

	# Temporary server on the unix socket only, with the caller's flags (e.g. -c fsync=off),
	# like the official image's docker_temp_server_start; it logs the first "ready" line.
	postgres "$@" -c listen_addresses= -p 5432 &
	temp_pid=$!
	tries=0
	until pg_isready -q -h /var/run/postgresql -p 5432 -U "$POSTGRES_USER" -d postgres; do
		tries=$((tries + 1))
		if [ "$tries" -gt 600 ] || ! kill -0 "$temp_pid" 2>/dev/null; then
			log "the temporary server did not start"
			exit 1
		fi
		sleep 0.1
	done

	if [ "$POSTGRES_DB" != postgres ]; then
		psql -v ON_ERROR_STOP=1 --no-password --no-psqlrc --username "$POSTGRES_USER" \
			--dbname postgres --set db="$POSTGRES_DB" <<-'EOSQL'
			CREATE DATABASE :"db";
		EOSQL
	fi

	if [ -d /docker-entrypoint-initdb.d ]; then
		for f in /docker-entrypoint-initdb.d/*; do
			[ -e "$f" ] || continue
			run_psql="psql -v ON_ERROR_STOP=1 --no-password --no-psqlrc --username $POSTGRES_USER --dbname $POSTGRES_DB"
			case "$f" in
			*.sh) log "running $f"; sh "$f" ;;
			*.sql) log "running $f"; $run_psql -f "$f" ;;
			*.sql.gz) log "running $f"; gzip -dc "$f" | $run_psql ;;
			*) log "ignoring $f" ;;
			esac
		done
	fi

	pg_ctl -D "$PGDATA" -m fast -w stop
	wait "$temp_pid" # reap it here, not as an unknown child of the postmaster that replaces us
	echo
	echo 'PostgreSQL init process complete; ready for start up.'
	echo
fi

exec postgres "$@"
