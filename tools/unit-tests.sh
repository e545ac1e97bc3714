#!/usr/bin/env bash
# make unit / make race: go test -count=1 (plain, or with -race) on every package except the
# contract suite, up to UNIT_PACKAGES (default 4) packages at once, with the test binaries kept
# under bin/test/<mode>/.
#
# go test links every test binary again on each run (about 2 CPU-seconds each, some 80 for the
# whole list); with -o it keeps them and relinks one only when go's build-ID check finds it out
# of date, as `go build -o` does. -ldflags='-s -w' is what go test links with when it keeps no
# binary, so the tests run the binaries they would run without -o. -vet=off: make test runs go vet
# (every analyzer, test files included) on its own; go test's round of a few analyzers would vet
# every dependency again, some 240 CPU-seconds on a cold build cache here.
#
# Test binaries are named after their package's last element, and two packages with tests may
# share one (cmd/server and internal/server), so the packages are split into rounds in which every
# name is unique, each round linked into a directory of its own (bin/test/<mode>/<round>/). Later
# rounds run beside the first, their output printed after it.
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
plain) flags=() ;;
race) flags=(-race) ;;
*) echo "usage: $0 plain|race" >&2; exit 2 ;;
esac
mode=$1
jobs=${UNIT_PACKAGES:-4}
go=${GO:-go}
listed="$("$go" list ./...)"
mapfile -t pkgs < <(grep -v /contracttests <<<"$listed")

# go list's order walked backwards, so that the first round holds internal/server (the longest
# package) and internal/<api>; cmd/server and gen/'s packages without tests go to later rounds.
declare -A seen=()
rounds=()
for ((i = ${#pkgs[@]} - 1; i >= 0; i--)); do
	name=${pkgs[i]##*/}
	r=${seen[$name]:-0}
	seen[$name]=$((r + 1))
	rounds[r]="${pkgs[i]} ${rounds[r]:-}"
done

run_round() { # round
	"$go" test "${flags[@]}" -count=1 -vet=off -p "$jobs" -ldflags='-s -w' -o "bin/test/$mode/$1/" ${rounds[$1]}
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
pids=()
for ((r = 1; r < ${#rounds[@]}; r++)); do
	run_round "$r" >"$work/$r.out" 2>&1 &
	pids[r]=$!
done
rc=0
run_round 0 || rc=1
for ((r = 1; r < ${#rounds[@]}; r++)); do
	wait "${pids[r]}" || rc=1
	cat "$work/$r.out"
done
exit "$rc"
