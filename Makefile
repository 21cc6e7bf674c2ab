# Recobro: `make demo` and `make test` work on a fresh clone with only Python 3.11+ and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PO     := $(wildcard locales/*/LC_MESSAGES/recobro.po)
MO     := $(PO:.po=.mo)

.PHONY: install test demo lint typecheck locales extract-messages bench nlu-report clean

install: $(STAMP) $(MO)

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# Catalogs are compiled at setup, never committed (.mo files are build products).
locales/%/LC_MESSAGES/recobro.mo: locales/%/LC_MESSAGES/recobro.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy=false --statistics -D recobro -d locales -l $* 2>/dev/null || $(BIN)/pybabel compile -D recobro -d locales -l $*

locales: $(MO)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check bot storage tests
	$(BIN)/mypy

# Accuracy of bot/understanding on the labelled sets (tests/understanding/data/*.jsonl).
nlu-report: install
	$(BIN)/python scripts/nlu_report.py $(NLU_REPORT_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
