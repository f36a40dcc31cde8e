# Census — build, run, test and benchmark.
#
#   make run     install what is missing, build, start Census on SQLite at http://127.0.0.1:3000
#   make test    install what is missing, run every check and test (see README)
#   make bench   load a generated inventory and history; measure the API, pages and dashboard
#
# CARGO_TARGET_DIR is honoured (CI keeps it outside the clone to build incrementally).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

TARGET_DIR    := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
CENSUS_BIN    := $(TARGET_DIR)/release/census
SITE_ROOT     := $(CURDIR)/target/site
LEPTOS_VERSION := 0.3.10
WASM_BINDGEN_VERSION := $(shell awk '/^name = "wasm-bindgen"$$/{getline; gsub(/"/,"",$$3); print $$3; exit}' Cargo.lock)
# The bundle budget (bytes): what a phone downloads before the first page works.
MAX_MAIN        := 1200000
MAX_MAIN_BROTLI := 320000
MAX_CHUNK       := 300000
SCHEMATHESIS_VERSION := 4.32.5
export CENSUS_SITE_ROOT ?= $(SITE_ROOT)

.PHONY: help deps deps-test build run test fmt-check clippy unit-test wasm-size e2e api-fuzz bench clean entities

help:
	@echo "make run    build and start Census on SQLite at http://127.0.0.1:3000"
	@echo "make test   formatting, clippy (server and wasm), tests on SQLite (and PostgreSQL when"
	@echo "            CENSUS_TEST_POSTGRES_URL is set), release build, Playwright (JS on and off),"
	@echo "            schemathesis over the OpenAPI document (FUZZ_SECONDS, default 240)"
	@echo "make bench  benchmark with a generated inventory and history (BENCH_DEVICES, BENCH_SITES,"
	@echo "            BENCH_HISTORY_DEVICES)"

## Tools the build needs, installed only when missing or at the wrong version.
deps:
	@command -v cargo >/dev/null || { echo "Rust (cargo) is required: https://rustup.rs"; exit 1; }
	@rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt
	@if [ "$$(cargo leptos --version 2>/dev/null | awk '{print $$2}')" != "$(LEPTOS_VERSION)" ]; then \
	  echo "installing cargo-leptos $(LEPTOS_VERSION) (about 15 minutes, once)"; \
	  cargo install cargo-leptos --version $(LEPTOS_VERSION) --locked; fi
	@if [ "$$(wasm-bindgen --version 2>/dev/null | awk '{print $$2}')" != "$(WASM_BINDGEN_VERSION)" ]; then \
	  echo "installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION)"; \
	  cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION); fi
	@command -v wasm-opt >/dev/null || npm install -g binaryen

## What the browser tests need besides: Debian's Chromium and Playwright's test runner.
deps-test: deps
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }
	@cd end2end && { [ -x node_modules/.bin/playwright ] || PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund; }
	@[ "$$(python3 -m pip show schemathesis 2>/dev/null | awk '/^Version:/{print $$2}')" = "$(SCHEMATHESIS_VERSION)" ] || python3 -m pip install --quiet --disable-pip-version-check "schemathesis==$(SCHEMATHESIS_VERSION)"

## Each area's pages are their own wasm chunk (lazy routes, --split); the bundle is then
## compressed once (brotli and gzip files the server sends as they are).
build: deps
	cargo leptos build --release --split
	$(CENSUS_BIN) assets

run: build
	$(CENSUS_BIN) serve

fmt-check:
	cargo fmt --all -- --check

clippy:
	cargo clippy -p app --features app/ssr,app/testing -p server -p migration --all-targets -- -D warnings
	cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

## The inventory's SeaORM entities, written from app/src/schema.rs (after describing a field).
entities:
	CENSUS_WRITE_ENTITIES=1 cargo test -p app --features app/ssr,app/testing --lib generated_entities_are_current

unit-test:
	cargo test -p app --features app/ssr,app/testing -p server -p migration

## The main module and every chunk, raw and brotli-compressed, against the budget.
wasm-size:
	$(CENSUS_BIN) assets --max-main $(MAX_MAIN) --max-main-brotli $(MAX_MAIN_BROTLI) --max-chunk $(MAX_CHUNK)

e2e:
	cd end2end && CENSUS_BIN=$(CENSUS_BIN) npx playwright test

## Schemathesis over the whole OpenAPI document against the release binary (FUZZ_SECONDS, 240).
api-fuzz:
	CENSUS_BIN=$(CENSUS_BIN) end2end/api-fuzz.sh

test: deps-test fmt-check clippy unit-test build wasm-size e2e api-fuzz

bench: build
	# The same flags and features as cargo-leptos's server build (always-erase-components), so
	# the bench binary reuses that build instead of compiling every dependency again.
	RUSTFLAGS="--cfg erase_components" LEPTOS_OUTPUT_NAME=census cargo build --release -p server --no-default-features --bin census-bench
	$(TARGET_DIR)/release/census-bench --census $(CENSUS_BIN) $(if $(BENCH_DEVICES),--devices $(BENCH_DEVICES)) $(if $(BENCH_SITES),--sites $(BENCH_SITES)) $(if $(BENCH_HISTORY_DEVICES),--history-devices $(BENCH_HISTORY_DEVICES)) --out $(TARGET_DIR)/bench/bench.json

clean:
	cargo clean
	rm -rf end2end/node_modules end2end/test-results end2end/playwright-report
