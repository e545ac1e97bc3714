# The two commands a user needs: `make run` and `make test`.
# `make check` is what a developer runs before every commit (same as test).

SHELL := /bin/bash
GO    ?= go

.PHONY: run build test check generate drift breaking lint vet fmt-check specs-lint tsc-check unit contract bench testenv node-deps clean

## run: start the server on the embedded SQLite database (./data)
run:
	$(GO) run ./cmd/server

## build: compile the server binary into bin/server
build:
	$(GO) build -o bin/server ./cmd/server

## test: everything CI checks: generate drift, spec lint, vet, TypeScript check, unit and contract tests
test: drift breaking lint tsc-check unit contract

check: test

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

## breaking: list the specs' breaking changes since BASE (default: the previous commit); fails on one
## unless that spec's info.version major was raised
BASE ?= HEAD~1
breaking:
	$(GO) run ./tools/breaking -base $(BASE)

## lint: spec linters (Spectral, AsyncAPI CLI, kin-openapi), gofmt and go vet
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

node-deps:
	tools/node/install.sh

## unit: domain and platform tests on SQLite (no containers)
unit:
	$(GO) test -race -count=1 $$($(GO) list ./... | grep -v /contracttests)

## contract: the contract suite against PostgreSQL, plus the docs in headless Chromium (prepares both first)
contract:
	@set -euo pipefail; env="$$(tools/testenv/setup.sh)"; eval "$$env"; \
	browser="$$(tools/testenv/chromium.sh)"; eval "$$browser"; \
	$(GO) test -count=1 -timeout 12m -v ./contracttests/

## bench: build the server and measure it on SQLite and PostgreSQL next to bare Gin / gorilla
## baselines, printing issue 11's table (about 7 minutes; not part of `make test`).
## Pass tools/bench flags in BENCH_FLAGS, e.g. make bench BENCH_FLAGS='-databases sqlite -phase 1s'
bench: build
	@set -euo pipefail; env="$$(tools/testenv/setup.sh)"; eval "$$env"; \
	$(GO) build -o bin/bench ./tools/bench; \
	bin/bench -server bin/server $(BENCH_FLAGS)

testenv:
	tools/testenv/setup.sh

clean:
	rm -rf bin data
