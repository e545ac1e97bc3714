#!/usr/bin/env bash
# make build-cache-plain / build-cache-race: compile, in one go process, every package that make
# test's checks build in that mode (the module's packages and every dependency of their tests).
#
# make test runs its checks side by side, several of them go processes that build the same
# dependencies (the generators, vet, the contract suite and the example server in the plain mode;
# the unit rounds with -race). go shares a finished compile through its build cache but not one
# in progress, so on a cold machine each of those processes compiled modernc.org/sqlite and the
# rest on its own. Compiled here first, once per mode, they find a warm cache.
#
# A stamp under bin/test/ remembers a warmed cache for this go, these dependencies and this
# GOCACHE, so later runs in the checkout skip even go's few seconds of checking.
set -euo pipefail
cd "$(dirname "$0")/.."

go=${GO:-go}
case "${1:-}" in
plain) flags=() ;;
race) flags=(-race) ;;
*) echo "usage: $0 plain|race" >&2; exit 2 ;;
esac

stamp="bin/test/build-cache/$1"
key="$({ "$go" env GOVERSION GOCACHE GOFLAGS; cat go.mod go.sum; } | sha256sum)"
if [[ -f $stamp && "$(<"$stamp")" == "$key" ]]; then
	exit 0
fi

# Test variants ("p [p.test]", "p.test") are left out: building p compiles what they share, and
# the packages made of test files only have nothing to build.
mapfile -t pkgs < <("$go" list -deps -test -f '{{if and (not .Standard) (or .GoFiles .CgoFiles)}}{{.ImportPath}}{{end}}' ./... |
	grep -v -e ' \[' -e '\.test$')
echo "build-cache: compiling ${#pkgs[@]} packages (${1})"
"$go" build "${flags[@]}" "${pkgs[@]}"
mkdir -p "$(dirname "$stamp")"
echo "$key" >"$stamp"
