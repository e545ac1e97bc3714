#!/usr/bin/env bash
# Makes sure Debian's headless-capable Chromium is installed for the contract suite's
# browser test (contracttests/docs_test.go), idempotently:
#
#   - when /usr/bin/chromium exists nothing is done (no apt, no network; a few ms);
#   - otherwise (as root) `apt-get install chromium` runs, and `apt-get update` only when
#     the package cannot be installed from the current package lists.
#
# stdout carries only the final `export CHROMIUM_BIN='...'` line, so a Makefile can do
#     eval "$$(tools/testenv/chromium.sh)"
# everything else goes to stderr.
set -euo pipefail

readonly CHROMIUM_BIN=/usr/bin/chromium
readonly PACKAGE=chromium

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

apt_install() {
	# Recommends (upower, udev, notification-daemon, printer tools…) are not needed for
	# headless use; a font comes with libfontconfig1's dependencies.
	apt-get install -y --no-install-recommends "$PACKAGE" >&2
}

install_chromium() {
	[[ $(id -u) == 0 ]] || die "$CHROMIUM_BIN is missing and installing $PACKAGE needs root (apt-get install $PACKAGE)"
	# One run at a time: a second apt-get would fail on dpkg's lock.
	mkdir -p /run/lock
	exec 9>/run/lock/testenv-chromium.lock
	flock 9
	[[ -x $CHROMIUM_BIN ]] && return # installed by the run we waited for

	export DEBIAN_FRONTEND=noninteractive
	log "installing $PACKAGE"
	if ! apt_install; then
		log "$PACKAGE is not installable from the current package lists; running apt-get update"
		apt-get update >&2
		apt_install || die "apt-get install $PACKAGE failed"
	fi
	[[ -x $CHROMIUM_BIN ]] || die "$PACKAGE is installed but $CHROMIUM_BIN is missing"
	log "installed $("$CHROMIUM_BIN" --version 2>/dev/null || echo "$PACKAGE")"
}

main() {
	[[ -x $CHROMIUM_BIN ]] || install_chromium
	print_export CHROMIUM_BIN "$CHROMIUM_BIN"
}

main "$@"
