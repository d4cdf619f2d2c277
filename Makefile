# The two commands a fresh machine needs: `make run` and `make test`. Everything else they install.
SHELL := /bin/bash
PORT ?= 8000
HOST ?= 127.0.0.1
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
RUN := $(UV) run --frozen
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test setup uv migrate demo signing-keys serve master-key browser lint typecheck bench clean-var

run: setup master-key migrate demo signing-keys serve

test: setup browser
	$(RUN) pytest

setup: uv
	$(UV) sync --frozen

uv:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv

master-key:
	$(RUN) shuzheng keys init

migrate:
	$(RUN) shuzheng db upgrade

demo:
	$(RUN) shuzheng demo load

# SM2 keys for the platform and every department (skips existing ones), then a signed tree head over the
# ledger as loaded. In production, sign heads on a schedule: `shuzheng ledger sth --every 300` or cron.
signing-keys:
	$(RUN) shuzheng signing-keys init
	$(RUN) shuzheng ledger sth

serve:
	PORT=$(PORT) $(RUN) shuzheng serve --host $(HOST)

# Browser tests drive Debian's Chromium; never a downloaded browser. CJK fonts so pages render Chinese.
browser:
	@if [ ! -x $(CHROMIUM) ] || ! fc-list 2>/dev/null | grep -qi "noto sans cjk"; then \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi

lint:
	$(RUN) ruff check src tests benchmarks tools
	$(RUN) ruff format --check src tests benchmarks tools

typecheck:
	$(RUN) mypy

bench:
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(RUN) python $$f; done

clean-var:
	rm -rf var/
