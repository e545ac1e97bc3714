#!/usr/bin/env bash
# Lints every spec in specs/:
#   1. Spectral (spectral:oas + spectral:asyncapi, tools/node/.spectral.yaml) on specs/*.yaml
#   2. the AsyncAPI CLI's validator on specs/*.asyncapi.yaml
#   3. go test ./specs/ (kin-openapi validation, examples against schemas, AsyncAPI parsing)
# Fails on any error; warnings are printed and counted but do not fail.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

tools/node/install.sh
bin=tools/node/node_modules/.bin
report="node tools/node/scripts/diagnostics.mjs"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
counts="$work/counts.tsv"
: >"$counts"

# The AsyncAPI CLI sends usage metrics unless its analytics file says otherwise, and an
# oclif plugin asks the registry for newer versions: point it at a throwaway file with
# analytics off and skip the version check, so linting never talks to the network.
printf '{"analyticsEnabled":"false","infoMessageShown":"true","userID":"sessionhub-lint"}' >"$work/asyncapi-analytics.json"
export ASYNCAPI_METRICS_CONFIG_PATH="$work/asyncapi-analytics.json"
export ASYNCAPI_SKIP_NEW_VERSION_CHECK=true
export SCARF_ANALYTICS=false DO_NOT_TRACK=1

shopt -s nullglob
specs=(specs/*.yaml)
asyncapi_specs=(specs/*.asyncapi.yaml)
if ((${#specs[@]} == 0)); then
	echo "lint-specs: no specs/*.yaml found" >&2
	exit 1
fi
failed=0

echo "== spectral (${#specs[@]} specs)"
spectral_rc=0
"$bin/spectral" lint --quiet --ruleset tools/node/.spectral.yaml --fail-severity=error \
	--format json --output "$work/spectral.json" "${specs[@]}" || spectral_rc=$?
if [[ -s "$work/spectral.json" ]]; then
	$report spectral "$work/spectral.json" "$counts" "${specs[@]}"
fi
if ((spectral_rc != 0)); then
	echo "  spectral exited with status $spectral_rc" >&2
	failed=1
fi

echo "== asyncapi validate (${#asyncapi_specs[@]} specs)"
declare -A asyncapi_rc=()
for spec in "${asyncapi_specs[@]}"; do
	out="$work/asyncapi-$(basename "$spec").json"
	rc=0
	# Spectral already checks channel paths, with a reviewed exception for 002's '/ws/'.
	"$bin/asyncapi" validate "$spec" --fail-severity=error --diagnostics-format=json \
		--suppressWarnings asyncapi2-channel-no-trailing-slash \
		--save-output="$out" >"$work/asyncapi.log" 2>&1 || rc=$?
	asyncapi_rc[$spec]=$rc
	if [[ -s "$out" ]]; then
		$report asyncapi "$out" "$counts" "$spec"
	elif ((rc != 0)); then # no diagnostics to show: show what it said instead
		sed 's/^/    /' "$work/asyncapi.log" >&2
	fi
	((rc == 0)) || failed=1
done

echo "== go test ./specs/"
go_rc=0
go test -count=1 ./specs/ || go_rc=$?
((go_rc == 0)) || failed=1

echo "== summary"
# counts.tsv: tool, file, errors, warnings, infos, hints
summarize() { # tool file -> "E errors, W warnings" or "-"
	awk -F'\t' -v t="$1" -v f="$2" '$1==t && $2==f {e+=$3; w+=$4; n++}
		END {if (n) printf "%d errors, %d warnings", e, w; else printf "-"}' "$counts"
}
printf '  %-36s %-24s %s\n' "spec" "spectral" "asyncapi validate"
for spec in "${specs[@]}"; do
	av="$(summarize asyncapi "$spec")"
	if [[ -n "${asyncapi_rc[$spec]:-}" && "${asyncapi_rc[$spec]}" != 0 && "$av" == "-" ]]; then
		av="failed (exit ${asyncapi_rc[$spec]})"
	fi
	printf '  %-36s %-24s %s\n' "$spec" "$(summarize spectral "$spec")" "$av"
done
total_errors="$(awk -F'\t' '{e+=$3} END {print e+0}' "$counts")"
printf '  go test ./specs/: %s\n' "$( ((go_rc == 0)) && echo ok || echo FAILED)"
if ((total_errors > 0 || failed)); then
	echo "lint-specs: FAILED ($total_errors errors)" >&2
	exit 1
fi
echo "lint-specs: ok"
