#!/usr/bin/env bash
# Prepares what the contract tests need to start PostgreSQL with testcontainers-go
# (DESIGN.md, "Test environment"), idempotently:
#
#   - where a Docker engine answers, nothing is installed: the tests pull postgres:16-alpine;
#   - otherwise (as root) podman + runc are installed, podman's Docker-compatible API is
#     started on unix:///run/podman/podman.sock, and a PostgreSQL image is built without a
#     registry (debootstrap of Debian bookworm with postgresql-15, imported into podman).
#
# stdout carries only `export NAME='value'` lines, so a Makefile can do
#     eval "$$(tools/testenv/setup.sh)"
# everything else goes to stderr.
#
# Environment:
#   CONTRACT_PG_IMAGE      image to build / use (default localhost/postgres:15-debian;
#                          postgres:16-alpine where Docker answers)
#   TESTENV_DEBIAN_MIRROR  Debian mirror for debootstrap (default: read from this
#                          machine's apt sources)
#   TESTENV_REBUILD=1      rebuild the image even if it exists
set -euo pipefail

readonly PODMAN_SOCK=/run/podman/podman.sock
readonly PODMAN_HOST="unix://${PODMAN_SOCK}"
readonly PODMAN_LOG=/tmp/testenv-podman-service.log
readonly PACKAGES=(podman runc debootstrap uidmap)
readonly CONTAINERS_CONF=/etc/containers/containers.conf
readonly PG_SUITE=bookworm
readonly PG_PACKAGE=postgresql-15
readonly DOCKER_PG_IMAGE=postgres:16-alpine
readonly LOCAL_PG_IMAGE=localhost/postgres:15-debian
# The label that records which entrypoint an image was built with.
readonly ENTRYPOINT_LABEL=org.sessionhub.testenv.entrypoint-sha256

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly ENTRYPOINT_SRC="${here}/postgres-entrypoint.sh"

log() { printf '[testenv] %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

# Prints an export line that both bash and dash (make's /bin/sh) can eval.
print_export() {
	local value=${2//\'/\'\\\'\'}
	printf "export %s='%s'\n" "$1" "$value"
}

socket_answers() { # $1 = unix socket path
	[[ -S $1 ]] && curl -fsS --max-time 3 --unix-socket "$1" http://d/_ping >/dev/null 2>&1
}

# True when a Docker engine other than our own podman service answers.
docker_engine_answers() {
	if [[ -n ${DOCKER_HOST:-} ]]; then
		case $DOCKER_HOST in
		"$PODMAN_HOST") return 1 ;;
		unix://*)
			local sock=${DOCKER_HOST#unix://}
			socket_answers "$sock" && return 0
			;;
		esac
	fi
	command -v docker >/dev/null 2>&1 || return 1
	timeout 15 docker info >/dev/null 2>&1 || return 1
	# `docker info` reaching our own podman service (a docker context, or podman-docker's
	# /var/run/docker.sock link) is not a Docker engine that can pull postgres:16-alpine.
	if [[ -z ${DOCKER_HOST:-} ]] && socket_answers "$PODMAN_SOCK"; then
		local server
		server="$(timeout 15 docker version --format '{{range .Server.Components}}{{.Name}} {{end}}' 2>/dev/null || true)"
		[[ $server == *Podman* ]] && return 1
	fi
	return 0
}

package_installed() {
	[[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]
}

install_packages() {
	local missing=() p
	for p in "${PACKAGES[@]}"; do
		package_installed "$p" || missing+=("$p")
	done
	if ((${#missing[@]} == 0)); then
		log "packages present: ${PACKAGES[*]}"
		return
	fi
	log "installing ${missing[*]} (apt-get update + install)"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update >&2
	apt-get install -y "${PACKAGES[@]}" >&2
}

# Adds `line` under [section] of the TOML file unless `key` is already set in that section.
ensure_toml_key() { # file section key line
	local file=$1 section=$2 key=$3 line=$4 existing
	existing="$(awk -v sec="[$section]" -v key="$key" '
		/^[ \t]*\[/ { cur = $0; gsub(/[ \t]/, "", cur); next }
		cur == sec && $0 ~ "^[ \t]*" key "[ \t]*=" { print; exit }
	' "$file")"
	if [[ -n $existing ]]; then
		if [[ "$(tr -d ' \t' <<<"$existing")" != "$(tr -d ' \t' <<<"$line")" ]]; then
			log "warning: $file already sets [$section] '$existing'; leaving it (wanted: $line)"
		fi
		return
	fi
	log "setting [$section] $line in $file"
	local tmp
	tmp="$(mktemp "${file}.XXXXXX")"
	awk -v sec="[$section]" -v line="$line" '
		{ print }
		!done { cur = $0; gsub(/[ \t]/, "", cur); if (cur == sec) { print line; done = 1 } }
		END { if (!done) { if (NR > 0) print ""; print sec; print line } }
	' "$file" >"$tmp"
	chmod 644 "$tmp"
	mv "$tmp" "$file"
}

configure_containers() {
	mkdir -p "$(dirname "$CONTAINERS_CONF")"
	[[ -f $CONTAINERS_CONF ]] || : >"$CONTAINERS_CONF"
	# crun fails on this sandbox's hybrid cgroup layout; the sandbox refuses raising rlimits.
	ensure_toml_key "$CONTAINERS_CONF" engine runtime 'runtime = "runc"'
	ensure_toml_key "$CONTAINERS_CONF" containers default_ulimits \
		'default_ulimits = ["nofile=20000:20000", "nproc=1000:1000"]'
}

start_podman_service() {
	local i
	if socket_answers "$PODMAN_SOCK"; then
		if ! service_lost_its_directory; then
			log "podman service answers on $PODMAN_HOST"
			return
		fi
		# conmon starts in the service's working directory; once that is deleted (the clone
		# that first started the service), every container start fails with exit status 1.
		log "podman service runs in a deleted directory; restarting it"
		pkill -f "$(service_command)" || true
		for ((i = 0; i < 100; i++)); do
			socket_answers "$PODMAN_SOCK" || break
			sleep 0.1
		done
	fi
	mkdir -p "$(dirname "$PODMAN_SOCK")"
	rm -f "$PODMAN_SOCK" # a stale socket from a service that is gone
	log "starting podman system service on $PODMAN_HOST (log: $PODMAN_LOG)"
	# Detached, and holding none of our descriptors: an inherited stdout would make
	# `eval "$(setup.sh)"` (or a CI runner reading our output) wait for it forever, and the
	# lock's descriptor 9 would make the next run wait for the lock forever.
	(
		for fd in /proc/self/fd/*; do
			fd=${fd##*/}
			if ((fd > 2)); then eval "exec ${fd}>&-"; fi
		done
		cd / # the service outlives this checkout, which may be deleted
		exec setsid nohup podman system service --time=0 "$PODMAN_HOST" >>"$PODMAN_LOG" 2>&1 </dev/null
	) &
	for ((i = 0; i < 300; i++)); do
		socket_answers "$PODMAN_SOCK" && {
			log "podman service is up"
			return
		}
		sleep 0.1
	done
	tail -n 20 "$PODMAN_LOG" >&2 || true
	die "podman service did not answer on $PODMAN_SOCK within 30 s"
}

# The command line of the podman service this script starts, to find it by.
service_command() { printf '%s\n' "podman system service --time=0 $PODMAN_HOST"; }

# Succeeds when the running podman service's working directory has been deleted.
service_lost_its_directory() {
	local pid
	for pid in $(pgrep -f "$(service_command)"); do
		[[ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" == *" (deleted)" ]] && return 0
	done
	return 1
}

# Prints the URI of a Debian archive (not the security one) from this machine's apt sources.
debian_mirror() {
	if [[ -n ${TESTENV_DEBIAN_MIRROR:-} ]]; then
		printf '%s\n' "$TESTENV_DEBIAN_MIRROR"
		return
	fi
	local uri suite fallback=""
	while read -r uri suite; do
		case $uri in http://* | https://*) ;; *) continue ;; esac
		if [[ $suite == "$PG_SUITE" ]]; then
			printf '%s\n' "$uri"
			return
		fi
		if [[ -z $fallback && $suite != *-* && $suite != */* && $uri != *security* ]]; then
			fallback=$uri
		fi
	done < <(apt_source_pairs)
	[[ -n $fallback ]] || return 1
	printf '%s\n' "$fallback"
}

# Prints "URI SUITE" for every enabled deb source, one-line (.list) and deb822 (.sources) style.
apt_source_pairs() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[[ -f $f ]] || continue
		awk '$1 == "deb" {
			i = 2
			if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
			if (i + 1 <= NF) print $i, $(i + 1)
		}' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[[ -f $f ]] || continue
		awk '
			function flush(   n, m, i, j, u, s) {
				if (types ~ /(^|[ \t])deb([ \t]|$)/ && enabled != "no") {
					n = split(uris, u, /[ \t]+/); m = split(suites, s, /[ \t]+/)
					for (i = 1; i <= n; i++) for (j = 1; j <= m; j++) print u[i], s[j]
				}
				types = uris = suites = enabled = ""
			}
			/^[ \t]*#/ { next }
			/^[ \t]*$/ { flush(); next }
			/^[A-Za-z-]+:/ {
				k = tolower(substr($0, 1, index($0, ":") - 1))
				v = substr($0, index($0, ":") + 1); gsub(/^[ \t]+|[ \t]+$/, "", v)
				if (k == "types") types = v; else if (k == "uris") uris = v
				else if (k == "suites") suites = v; else if (k == "enabled") enabled = tolower(v)
			}
			END { flush() }
		' "$f"
	done
}

entrypoint_sha() { sha256sum "$ENTRYPOINT_SRC" | cut -d' ' -f1; }

image_is_current() { # $1 = image
	podman image exists "$1" || return 1
	[[ ${TESTENV_REBUILD:-} == 1 ]] && return 1
	local built
	built="$(podman image inspect --format "{{index .Labels \"$ENTRYPOINT_LABEL\"}}" "$1" 2>/dev/null || true)"
	# An image of that name that we did not build (no label) is left alone.
	if [[ -n $built && $built != "<no value>" && $built != "$(entrypoint_sha)" ]]; then
		log "$1 was built with another entrypoint; rebuilding"
		return 1
	fi
	return 0
}

build_pg_image() { # $1 = image
	local image=$1 mirror work root old_id
	old_id="$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)"
	mirror="$(debian_mirror)" || die "no Debian mirror in /etc/apt/sources.list{,.d}; set TESTENV_DEBIAN_MIRROR"
	rm -rf /var/tmp/testenv-pgroot.* # left by a run that was killed (we hold the lock)
	work="$(mktemp -d /var/tmp/testenv-pgroot.XXXXXX)"
	# shellcheck disable=SC2064 # expand now: $work is local
	trap "rm -rf '$work'" EXIT
	root="$work/root"
	log "building $image: debootstrap $PG_SUITE with $PG_PACKAGE from $mirror (a few minutes)"
	debootstrap --variant=minbase --include="$PG_PACKAGE" "$PG_SUITE" "$root" "$mirror" >&2

	# The package's own cluster is not used: the entrypoint runs initdb into $PGDATA.
	rm -rf "$root"/var/lib/postgresql/15/main "$root"/etc/postgresql/15/main
	rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
	install -m 0755 "$ENTRYPOINT_SRC" "$root/usr/local/bin/docker-entrypoint.sh"
	mkdir -p "$root/docker-entrypoint-initdb.d" "$root/var/lib/postgresql/data" "$root/var/run/postgresql"
	chroot "$root" chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql

	log "importing $image"
	tar -C "$root" --numeric-owner -c . | podman import \
		--change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
		--change 'CMD ["postgres"]' \
		--change 'EXPOSE 5432' \
		--change 'STOPSIGNAL SIGINT' \
		--change 'ENV PGDATA=/var/lib/postgresql/data' \
		--change 'ENV LANG=C.UTF-8' \
		--change 'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
		--change "LABEL $ENTRYPOINT_LABEL=$(entrypoint_sha)" \
		- "$image" >&2
	rm -rf "$work"
	trap - EXIT
	if [[ -n $old_id ]]; then # the replaced image, now untagged; kept if a container uses it
		podman rmi "$old_id" >/dev/null 2>&1 || true
	fi
	log "built $image"
}

main() {
	if docker_engine_answers; then
		log "a Docker engine answers; nothing to prepare"
		print_export CONTRACT_PG_IMAGE "${CONTRACT_PG_IMAGE:-$DOCKER_PG_IMAGE}"
		return
	fi

	local image=${CONTRACT_PG_IMAGE:-$LOCAL_PG_IMAGE}
	[[ $(id -u) == 0 ]] || die "no Docker engine answers, and preparing podman needs root"

	# One run at a time (two make targets may call this together).
	mkdir -p /run/lock
	exec 9>/run/lock/testenv-setup.lock
	flock 9

	install_packages
	configure_containers
	start_podman_service
	if image_is_current "$image"; then
		log "image $image present"
	else
		build_pg_image "$image"
	fi

	print_export DOCKER_HOST "$PODMAN_HOST"
	print_export TESTCONTAINERS_RYUK_DISABLED true
	print_export TESTCONTAINERS_HOST_OVERRIDE 127.0.0.1
	print_export CONTRACT_PG_IMAGE "$image"
}

main "$@"
