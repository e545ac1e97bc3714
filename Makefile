# The two commands a user needs: `make run` and `make test`.
# `make check` is what a developer runs before every commit (same as test).

SHELL := /bin/bash
GO    ?= go
# make test runs up to TEST_JOBS of its steps at once, and the contract suite up to
# CONTRACT_PARALLEL tests at once (they mostly wait: on the database, timers, sockets).
TEST_JOBS         ?= 4
CONTRACT_PARALLEL ?= 4
LINT_SPECS_GO_TEST ?= 1
# Every go command builds with -trimpath, so that the build cache serves a checkout at any path (a
# CI clone in a new directory) rather than compiling the module's own packages again.
GOFLAGS += -trimpath
export GOFLAGS

.PHONY: run build test check generate build-cache-plain build-cache-race drift breaking lint vet fmt-check specs-lint tsc-check example unit race check-rounds fuzz-brief fuzz contract contract-sqlite contract-remote bench testenv node-deps clean

## run: start the server on the embedded SQLite database (./data)
run:
	$(GO) run ./cmd/server

## build: compile the server binary into bin/server
build:
	$(GO) build -o bin/server ./cmd/server

## test: generate drift, breaking-change review, spec lint, gofmt and vet, TypeScript check, the
## TypeScript example against a live server, unit tests (with every fuzz target's seeds) and the
## contract suite. Drift runs first while the machine is prepared for the contract suite (container
## engine, PostgreSQL image, Chromium); then the checks run side by side, each one's output in one
## piece, the contract suite (the longest) first. Everything here compiles in one mode, so a first run
## compiles the Go dependencies once; `make check` adds the two rounds that compile them again.
test:
	@$(MAKE) --no-print-directory -j$(TEST_JOBS) --output-sync=target AFTER_DRIFT=drift BEFORE_DRIFT=build-cache-plain \
		LINT_SPECS_GO_TEST=0 \
		contract unit example tsc-check specs-lint vet breaking fmt-check
	@echo "make test: every check passed"

## check: what CI runs and a developer runs before every commit: make test, then the unit tests again
## under the race detector and a brief run of every fuzz target (each compiles the dependencies in a
## mode of its own: -race, and the fuzzer's instrumentation)
check: test
	@$(MAKE) --no-print-directory check-rounds
	@echo "make check: every check passed"

## check-rounds: what make check adds to make test (.ci/run runs it after make test), side by side
check-rounds:
	@$(MAKE) --no-print-directory -j2 --output-sync=target race fuzz-brief

# Inside make test every check waits for drift, which may rewrite gen/; run alone, they do not.
# Drift waits there for the plain build cache, which the checks after it use.
AFTER_DRIFT ?=
BEFORE_DRIFT ?=
breaking specs-lint fmt-check vet tsc-check example unit fuzz-brief contract: | $(AFTER_DRIFT)
drift: | $(BEFORE_DRIFT)

## build-cache-plain, build-cache-race: compile every package the checks build, once per mode, so
## that the checks running side by side do not each compile the same dependencies on a cold
## machine (tools/build-cache.sh; a stamp in bin/test/ skips it once done)
build-cache-plain build-cache-race:
	@GO=$(GO) tools/build-cache.sh $(@:build-cache-%=%)

## generate: regenerate gen/ from specs/ (Go, TypeScript, docs)
# The two generators write separate files (tools/gen-ts.sh only the REST specs' TypeScript), so
# they run side by side.
generate: node-deps
	@echo "$(GO) generate ./specs/ & tools/gen-ts.sh"; \
	$(GO) generate ./specs/ & gen=$$!; \
	rc=0; tools/gen-ts.sh || rc=1; wait $$gen || rc=1; exit $$rc

## drift: fail when `make generate` would change gen/ (in CI's clean clone: the committed files)
drift:
	@before="$$(tools/gen-checksum.sh)"; \
	$(MAKE) --no-print-directory generate; \
	if [ "$$before" != "$$(tools/gen-checksum.sh)" ]; then \
		echo "drift: gen/ was out of date with specs/; 'make generate' rewrote it (commit the result):"; \
		git status --porcelain -- gen/; exit 1; \
	fi; \
	echo "drift: gen/ matches specs/"

## breaking: list the specs' breaking changes since BASE (default: the previous commit); fails on one
## unless that spec's info.version major was raised
BASE ?= HEAD~1
breaking:
	$(GO) run ./tools/breaking -base $(BASE)

## lint: spec linters (Spectral, the AsyncAPI parser, kin-openapi), gofmt and go vet
lint: specs-lint fmt-check vet

# make test sets LINT_SPECS_GO_TEST=0: its unit step runs ./specs/'s tests already.
specs-lint: node-deps
	LINT_SPECS_GO_TEST=$(LINT_SPECS_GO_TEST) tools/lint-specs.sh

fmt-check:
	@out="$$(gofmt -l cmd internal contracttests tools specs gen)"; \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

tsc-check: node-deps
	tools/node/tsc-check.sh

## example: run tools/node/example.ts (every API through the generated TypeScript clients) against a
## live server on SQLite
example: node-deps
	tools/node/run-example.sh

node-deps:
	tools/node/install.sh

## unit: domain and platform tests on SQLite (no containers); the test binaries are kept in
## bin/test/plain/ and relinked only when out of date (tools/unit-tests.sh)
unit: build-cache-plain
	GO=$(GO) tools/unit-tests.sh plain

## race: the same tests under the race detector (part of make check), binaries in bin/test/race/
race: build-cache-race
	GO=$(GO) tools/unit-tests.sh race

# The fuzz targets (internal/server/fuzz_test.go): every WebSocket frame decoder and the REST request
# validation on the whole server. The instrumented test binary is built once; it fuzzes one target per
# run, so each is run in turn, from internal/server so that a failing input lands in its testdata/.
# Minimising a new input is capped so that the run's time goes to new inputs. A duration-bounded
# run may end in a spurious "context deadline exceeded" on a loaded machine (Go issue 75804: the
# coordinator's deadline races a worker still running an input), so make test bounds its brief run by
# executions ("300x": the cached corpus's baseline, then new inputs; a few seconds per target here).
FUZZ_TIME ?= 2m
fuzz-run = set -eo pipefail; mkdir -p bin; $(GO) test -c -fuzz=. -o bin/fuzz.test ./internal/server/; \
	cache="$$($(GO) env GOCACHE)/fuzz/github.com/sessionhub/server/internal/server"; \
	cd internal/server; for t in $$(../../bin/fuzz.test -test.list '^Fuzz'); do \
		echo "fuzz: $$t for $(1)"; \
		../../bin/fuzz.test -test.run '^$$' -test.fuzz "^$$t\$$" -test.fuzztime $(1) -test.fuzzminimizetime 5s \
			-test.parallel $(2) -test.fuzzcachedir "$$cache" 2>&1 | grep -v '^fuzz: elapsed'; \
	done

## fuzz-brief: each fuzz target for 300 executions (part of make check; the seeds also run in unit)
fuzz-brief:
	@$(call fuzz-run,300x,1)

## fuzz: each fuzz target for FUZZ_TIME (default 2m) on every core; a failing input is written
## under internal/server/testdata/fuzz/ and replayed by every later go test
fuzz:
	@$(call fuzz-run,$(FUZZ_TIME),$$(nproc))

# The contract suite's test binary is kept and relinked only when out of date, and not vetted again
# (see tools/unit-tests.sh).
CONTRACT_BINARY = -vet=off -ldflags='-s -w' -o bin/test/contract/contracttests.test

## contract: the contract suite against PostgreSQL, plus the docs in headless Chromium (prepares both first)
contract: testenv
	@set -euo pipefail; env="$$(tools/testenv/setup.sh)"; eval "$$env"; \
	browser="$$(tools/testenv/chromium.sh)"; eval "$$browser"; \
	$(GO) test -count=1 -timeout 12m -parallel $(CONTRACT_PARALLEL) -v $(CONTRACT_BINARY) ./contracttests/
	@$(MAKE) --no-print-directory contract-sqlite

## contract-sqlite: the contract suite in its remote mode (as contract-remote) against the server on
## embedded SQLite, started as `make run` starts it (tools/sqlite-server.sh); make contract runs it
## after the suite's own servers on PostgreSQL
contract-sqlite:
	tools/sqlite-server.sh contract-sqlite sh -c '$(MAKE) --no-print-directory contract-remote \
		BASE_URL="$$SERVER_URL" AUTH_JWT_SECRET="$$AUTH_JWT_SECRET" AVATAR_API_KEY="$$AVATAR_API_KEY" DECISION_API_KEY="$$DECISION_API_KEY"'

## contract-remote: the contract suite against a server someone else started (no container engine
## needed): make contract-remote BASE_URL=https://… AUTH_JWT_SECRET=… AVATAR_API_KEY=… DECISION_API_KEY=…
## (the server's own values; AVATAR_API_KEY may list two keys, comma-separated, for the tests of
## one key against another's sessions). Tests that need control of the process or the database are
## skipped and their items marked in the ledger; any contract violation fails.
contract-remote:
	@set -euo pipefail; \
	for v in BASE_URL AUTH_JWT_SECRET AVATAR_API_KEY DECISION_API_KEY; do \
		if [ -z "$${!v:-}" ]; then echo "contract-remote: set $$v (see README, Contract tests against a deployed server)"; exit 2; fi; \
	done; \
	browser="$$(tools/testenv/chromium.sh)"; eval "$$browser"; \
	CONTRACT_BASE_URL="$$BASE_URL" CONTRACT_AUTH_JWT_SECRET="$$AUTH_JWT_SECRET" \
	CONTRACT_AVATAR_API_KEY="$$AVATAR_API_KEY" CONTRACT_DECISION_API_KEY="$$DECISION_API_KEY" \
	$(GO) test -count=1 -timeout 12m -parallel $(CONTRACT_PARALLEL) -v $(CONTRACT_BINARY) ./contracttests/

## bench: build the server and measure it on SQLite and PostgreSQL next to bare Gin / gorilla
## baselines, printing issue 11's table (about 7 minutes; not part of `make test`).
## Pass tools/bench flags in BENCH_FLAGS, e.g. make bench BENCH_FLAGS='-databases sqlite -phase 1s'
bench: build
	@set -euo pipefail; env="$$(tools/testenv/setup.sh)"; eval "$$env"; \
	$(GO) build -o bin/bench ./tools/bench; \
	bin/bench -server bin/server $(BENCH_FLAGS)

## testenv: prepare what the contract suite needs (container engine, PostgreSQL image, Chromium); idempotent
testenv:
	@tools/testenv/setup.sh >/dev/null
	@tools/testenv/chromium.sh >/dev/null

clean:
	rm -rf bin data
