# Two commands do all set-up on a fresh machine: `make demo` and `make test` (see README).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
TECHFIN := $(BIN)/techfin
HOST ?= 127.0.0.1
PORT ?= 8000
SCALE ?= small
export TECHFIN_DEBUG ?= 1

.PHONY: install demo serve worker test lint types browser lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Installs the locked dependency set, then techfin itself (editable, without re-resolving).
$(VENV)/.installed: $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@

install: $(VENV)/.installed

demo: install
	$(TECHFIN) migrate --noinput
	$(TECHFIN) demo --scale $(SCALE)
	@echo "Serving on http://$(HOST):$(PORT)/ with a background worker (Ctrl-C stops both)."
	@$(TECHFIN) db_worker --no-reload --interval 0.5 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(TECHFIN) runserver --noreload $(HOST):$(PORT)

serve: install
	$(TECHFIN) runserver $(HOST):$(PORT)

worker: install
	$(TECHFIN) db_worker --no-reload

# Browser tests drive Debian's Chromium; PDF reports need WeasyPrint's Pango and HarfBuzz and
# CJK fonts. Install them (as root) when one is missing.
SYSTEM_PACKAGES := chromium fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils
browser:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "noto sans cjk" \
	    || ! ldconfig -p | grep -q libpangoft2-1.0 || ! ldconfig -p | grep -q libharfbuzz-subset \
	    || ! command -v pdftoppm >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	  else echo "System packages are missing: run 'sudo apt-get install $(SYSTEM_PACKAGES)'" >&2; exit 1; fi; \
	fi

lint: install
	$(BIN)/ruff check src tests bench

types: install
	$(BIN)/mypy

test: install browser lint types
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# Regenerate the lock file after changing dependencies in pyproject.toml.
lock: $(BIN)/python
	$(BIN)/python -m pip install -q uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --universal -o requirements.lock

clean:
	rm -rf $(VENV) var/static
