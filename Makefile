# Every target sets up what it needs itself: a fresh clone with Python 3.11 is enough.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run serve build test smoke lint bench browser virtuoso clean

$(STAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

## The main job: build the graph and serve it (endpoint, pages, stored queries).
run: $(STAMP)
	$(BIN)/aula-kg build
	$(BIN)/aula-kg serve

build: $(STAMP)
	$(BIN)/aula-kg build

## Headless chromium for the browser tests (Debian packages; needs root or sudo), and
## axe-core (npm, tests/package.json), which the tests inject into the pages they audit.
browser:
	@command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 \
	  || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	       $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null; }
	@test -f tests/node_modules/axe-core/axe.min.js \
	  || npm install --prefix tests --no-audit --no-fund >/dev/null

## Virtuoso for the remote-store tests (Debian package; needs root or sudo).
virtuoso:
	@command -v virtuoso-t >/dev/null 2>&1 \
	  || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	       $$SUDO apt-get update -qq && \
	       DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq virtuoso-opensource >/dev/null; }

## Exactly what CI runs: the type checker, the tests (warnings from aula_kg are errors), then
## the wheel installed in a fresh virtual environment and run from outside the repository.
test: $(STAMP) browser virtuoso
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest -q
	PYTHON=$(BIN)/python tests/smoke/installed_wheel.sh

## The installed-wheel smoke test alone (tests/smoke/installed_wheel.sh).
smoke: $(STAMP)
	PYTHON=$(BIN)/python tests/smoke/installed_wheel.sh

lint: $(STAMP)
	$(BIN)/python -m ruff check src tests benchmarks
	$(BIN)/python -m mypy

## Benchmarks (benchmarks/README.md): AULA graph; add BENCH_ARGS=--national for France.
bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf build dist src/aula_kg/resources $(VENV)
