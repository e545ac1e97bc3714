# The two commands a user needs: `make run` and `make test`.
# `make check` is what a developer runs before every commit (same as test).

SHELL := /bin/bash
GO    ?= go
# make test runs up to TEST_JOBS of its steps at once, and the contract suite up to
# CONTRACT_PARALLEL tests at once (they mostly wait: on the database, timers, sockets).
TEST_JOBS         ?= 4
CONTRACT_PARALLEL ?= 4

.PHONY: run build test check generate drift lint vet fmt-check specs-lint tsc-check example unit contract testenv node-deps clean

## run: start the server on the embedded SQLite database (./data)
run:
	$(GO) run ./cmd/server

## build: compile the server binary into bin/server
build:
	$(GO) build -o bin/server ./cmd/server

## test: everything CI checks: generate drift, spec lint, gofmt and vet, TypeScript check, the
## TypeScript example against a live server, unit and contract tests. Drift runs first while the machine is prepared for the contract suite (container
## engine, PostgreSQL image, Chromium); then the checks run side by side, each one's output in one piece.
test:
	@$(MAKE) --no-print-directory -j$(TEST_JOBS) --output-sync=target AFTER_DRIFT=drift \
		specs-lint fmt-check vet tsc-check example unit contract
	@echo "make test: every check passed"

check: test

# Inside make test every check waits for drift, which may rewrite gen/; run alone, they do not.
AFTER_DRIFT ?=
specs-lint fmt-check vet tsc-check example unit contract: | $(AFTER_DRIFT)

## generate: regenerate gen/ from specs/ (Go, TypeScript, docs)
generate: node-deps
	$(GO) generate ./specs/
	tools/gen-ts.sh

## drift: fail when `make generate` would change gen/ (in CI's clean clone: the committed files)
drift:
	@before="$$(tools/gen-checksum.sh)"; \
	$(MAKE) --no-print-directory generate; \
	if [ "$$before" != "$$(tools/gen-checksum.sh)" ]; then \
		echo "drift: gen/ was out of date with specs/; 'make generate' rewrote it (commit the result):"; \
		git status --porcelain -- gen/; exit 1; \
	fi; \
	echo "drift: gen/ matches specs/"

## lint: spec linters (Spectral, the AsyncAPI parser, kin-openapi), gofmt and go vet
lint: specs-lint fmt-check vet

specs-lint: node-deps
	tools/lint-specs.sh

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

## unit: domain and platform tests on SQLite (no containers)
unit:
	$(GO) test -race -count=1 -p 4 $$($(GO) list ./... | grep -v /contracttests)

## contract: the contract suite against PostgreSQL, plus the docs in headless Chromium (prepares both first)
contract: testenv
	@set -euo pipefail; env="$$(tools/testenv/setup.sh)"; eval "$$env"; \
	browser="$$(tools/testenv/chromium.sh)"; eval "$$browser"; \
	$(GO) test -count=1 -timeout 12m -parallel $(CONTRACT_PARALLEL) -v ./contracttests/

## testenv: prepare what the contract suite needs (container engine, PostgreSQL image, Chromium); idempotent
testenv:
	@tools/testenv/setup.sh >/dev/null
	@tools/testenv/chromium.sh >/dev/null

clean:
	rm -rf bin data
