# Two commands on a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
FLASK  := $(BIN)/flask --app portal

.PHONY: run test install install-test chromium lint serve reindex bench clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Debian's Chromium for the browser tests (Playwright cannot download its own here).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-core >/dev/null; \
	fi

run: install
	$(FLASK) init-db
	$(FLASK) load-demo
	@if $(FLASK) --help | grep -q reindex; then $(FLASK) reindex; fi
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# Production serving: the same preparation as `make run`, then gunicorn with one worker
# per core (WEB_CONCURRENCY=n to change), on 127.0.0.1:$(PORT) (BIND=0.0.0.0:8000 to change).
serve: install
	$(FLASK) init-db
	$(FLASK) load-demo
	@if $(FLASK) --help | grep -q reindex; then $(FLASK) reindex; fi
	PORT=$(PORT) $(BIN)/gunicorn 'portal:create_app()' -c gunicorn.conf.py

lint: install-test
	$(BIN)/ruff check portal catalogue tests bench scripts

test: install-test chromium lint
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) instance tests/artifacts

bench: install
	$(BIN)/python -m bench.search
