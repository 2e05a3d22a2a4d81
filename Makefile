# gridbox — the single entry point. `make run` and `make test` work on a fresh clone.
SHELL := /bin/bash
.DEFAULT_GOAL := help
NODE_MODULES := node_modules/.installed
CONFIG ?= gridbox.example.yaml
# Debian packages the tests use as real peers: InfluxDB-compatible server, MQTT reference clients/broker, openssl (the Powerwall simulator's self-signed certificate)
TEST_DEB := victoria-metrics mosquitto mosquitto-clients openssl
TEST_BINS := victoria-metrics mosquitto_pub mosquitto_sub mosquitto openssl
# every test file, listed explicitly: Node 20's --test does not expand globs and passes on zero files
TEST_FILES = $(shell find test firmware-protocol provisioning runtime -name '*.test.ts' -not -path '*/node_modules/*' | sort)
NODE_TEST := node --import tsx --test --test-reporter=spec --test-timeout=180000

.PHONY: help run test test-deps deps typecheck lint bench demo clean

help:
	@echo "make run    install what is missing and start gridbox on $(CONFIG) (no hardware, no InfluxDB needed)"
	@echo "make test   install test dependencies (npm + Debian packages) and run every test"
	@echo "make bench  benchmarks, printed as name=value lines"
	@echo "make demo   gridbox with simulated devices"

$(NODE_MODULES): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

deps: $(NODE_MODULES)

run: deps
	node runtime/cli/bin.js serve --config $(CONFIG)

test-deps: deps
	@missing=""; for b in $(TEST_BINS); do command -v $$b >/dev/null || missing=1; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian test packages: $(TEST_DEB)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(TEST_DEB) >/dev/null; \
	fi

typecheck: deps
	npx tsc --noEmit -p .

test: test-deps typecheck
	@files="$(TEST_FILES)"; [ -n "$$files" ] || { echo "no test files found"; exit 1; }; \
	echo "running $$(echo $$files | wc -w) test files"; \
	$(NODE_TEST) $$files

lint: deps
	$(NODE_TEST) test/lint/*.test.ts

bench: test-deps
	@for b in $$(find test/bench -name '*.bench.ts' | sort); do echo "# $$b"; node --import tsx $$b || exit 1; done

demo: deps
	node --import tsx test/demo/demo.ts

clean:
	rm -rf node_modules var
