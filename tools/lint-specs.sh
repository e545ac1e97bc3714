#!/usr/bin/env bash
# Lints every spec in specs/:
#   1. Spectral (spectral:oas + spectral:asyncapi, tools/node/spectral.ruleset.mjs) on specs/*.yaml
#   2. the AsyncAPI parser (@asyncapi/parser, the validator behind `asyncapi validate`, same
#      rulesets) on specs/*.asyncapi.yaml
#      (1 and 2 run in one Node process: tools/node/scripts/lint-specs.mjs, offline)
#   3. go test ./specs/ (kin-openapi validation, examples against schemas, AsyncAPI parsing);
#      left out when LINT_SPECS_GO_TEST=0: make test sets it, as its unit tests run the same
#      package's tests (with -race)
# Fails on any error; warnings are printed and counted but do not fail.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

tools/node/install.sh
shopt -s nullglob
specs=(specs/*.yaml)
if ((${#specs[@]} == 0)); then
	echo "lint-specs: no specs/*.yaml found" >&2
	exit 1
fi
failed=0

echo "== spectral and the AsyncAPI parser (${#specs[@]} specs)"
node tools/node/scripts/lint-specs.mjs "${specs[@]}" || failed=1

if [[ ${LINT_SPECS_GO_TEST:-1} != 0 ]]; then
	echo "== go test ./specs/"
	go test -count=1 ./specs/ || failed=1
else
	echo "== go test ./specs/: left to the unit tests (LINT_SPECS_GO_TEST=0)"
fi

if ((failed)); then
	echo "lint-specs: FAILED" >&2
	exit 1
fi
echo "lint-specs: ok"
