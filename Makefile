# gridbox — the single entry point. `make run` and `make test` work on a fresh clone.
SHELL := /bin/bash
# Debian puts mosquitto (the broker) in /usr/sbin, which a non-login PATH may lack
export PATH := $(PATH):/usr/sbin:/sbin
.DEFAULT_GOAL := help
NODE_MODULES := node_modules/.installed
CONFIG ?= gridbox.example.yaml
# Debian packages the tests use as real peers: InfluxDB-compatible server (VictoriaMetrics), InfluxDB 1.x (influxd), MQTT reference clients/broker, openssl (the Powerwall simulator's self-signed certificate), promtool (package prometheus: lints /metrics), NetworkManager with its dnsmasq, udev and D-Bus (the setup hotspot in a network namespace), chromium (the setup and admin page tests, driven by playwright-core)
TEST_DEB := victoria-metrics influxdb mosquitto mosquitto-clients openssl prometheus network-manager dnsmasq-base udev dbus chromium
TEST_BINS := victoria-metrics influxd mosquitto_pub mosquitto_sub mosquitto openssl promtool NetworkManager dnsmasq udevadm dbus-daemon chromium
# every test file, listed explicitly: Node 20's --test does not expand globs and passes on zero files
TEST_FILES = $(shell find test firmware-protocol provisioning runtime -name '*.test.ts' -not -path '*/node_modules/*' | sort)
NODE_TEST := node --import tsx --test --test-reporter=spec --test-timeout=180000
# the image/.deb recipe check and the systemd notify test: shellcheck, nft -c, systemd-analyze, systemd-notify (+ python3 holding a real notify socket)
TEST_DEB += shellcheck nftables systemd python3
TEST_BINS += shellcheck nft systemd-analyze systemd-notify python3
# SSH keys on the setup page: real keys from ssh-keygen; the sshd drop-in and AuthorizedKeysCommand checked by a real sshd
TEST_DEB += openssh-client openssh-server
TEST_BINS += ssh-keygen sshd

BUNDLE := dist/runtime/gridbox.mjs
RUNTIME_SOURCES = $(shell find runtime firmware-protocol provisioning -name '*.ts' -o -name '*.proto' -o -path 'provisioning/ui/*') package.json

.PHONY: help run test test-deps deps typecheck lint bench demo build clean dashboards deb deb-arm64 deb-amd64 image image-test image-test-hotspot

help:
	@echo "make run    install what is missing and start gridbox on $(CONFIG) (no hardware, no InfluxDB needed)"
	@echo "make test   install test dependencies (npm + Debian packages) and run every test"
	@echo "make bench  benchmarks, printed as name=value lines"
	@echo "make demo   gridbox with simulated devices"
	@echo "make build  the production bundle $(BUNDLE) (plain node, no tsx at run time; what systemd runs)"
	@echo "make dashboards  regenerate the Grafana dashboards in runtime/grafana/dashboards/ from runtime/grafana/definitions/"
	@echo "make deb    out/gridbox_VERSION_{arm64,amd64}.deb (bundle, production node_modules, units, update)"
	@echo "make image  out/gridbox-VERSION-arm64.img.xz + sha256 + Imager JSON (Debian trixie, mmdebstrap; root, slow once)"
	@echo "make image-test  boot the image under qemu-system-aarch64 -M virt and check it (never in CI)"
	@echo "make image-test-hotspot  its setup-hotspot part on mac80211_hwsim radios, against a booted VM"

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

# our code and its npm packages as one ESM bundle with lazily loaded chunks for the optional areas:
# resolving and compiling hundreds of small package files made startup ~2x slower and cost ~5 MB of
# RSS. Native or hardware packages stay external in node_modules (better-sqlite3, johnny-five and
# its serialport); the `require` banner lets bundled CommonJS packages load node's built-ins.
# tedapi.proto is read beside the chunks at run time.
BUNDLE_EXTERNAL := better-sqlite3 johnny-five serialport @serialport/*
$(BUNDLE): $(NODE_MODULES) $(RUNTIME_SOURCES)
	rm -rf $(dir $@)
	node_modules/.bin/esbuild runtime/cli/main.ts --bundle --splitting --platform=node --format=esm --target=node20 \
	  $(addprefix --external:,$(BUNDLE_EXTERNAL)) --outdir=$(dir $@) --entry-names=gridbox --chunk-names='[name]-[hash]' \
	  --banner:js="import { createRequire as __gridboxRequire } from 'node:module'; const require = __gridboxRequire(import.meta.url);" \
	  --out-extension:.js=.mjs --log-level=warning
	cp runtime/sources/powerwall/tedapi.proto $(dir $@)
	cp -r provisioning/ui $(dir $@)ui

build: $(BUNDLE)

bench: test-deps build
	@for b in $$(find test/bench -name '*.bench.ts' | sort); do echo "# $$b"; node --import tsx $$b || exit 1; done

# Grafana dashboards as code: definitions/*.ts -> dashboards/*.json (committed; a test keeps them equal)
dashboards: deps
	node --import tsx runtime/grafana/generate.ts

# make demo DEMO_ARGS="--http-port 8081 --mqtt-port 1884 --devices 5 --rate 50 --seconds 60"
DEMO_ARGS ?=
demo: deps
	node --import tsx test/demo/demo.ts $(DEMO_ARGS)

# the SD image and the Debian package (image/README.md); cached layers live in /var/cache/gridbox-image
deb: deb-arm64 deb-amd64

deb-arm64 deb-amd64: deb-%: $(BUNDLE)
	image/build/deb.sh $* out

image: $(BUNDLE)
	nice -n 10 image/build/image.sh out

image-test:
	image/test/image-test.sh

# the hwsim part of image-test alone, against a VM image-test booted (GRIDBOX_TEST_SSH_PORT/_KEY)
image-test-hotspot:
	image/test/hotspot-test.sh

clean:
	rm -rf node_modules var dist out
