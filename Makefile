# Recobro: `make demo` and `make test` work on a fresh clone with only Python 3.11+ and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PO     := $(wildcard locales/*/LC_MESSAGES/recobro.po)
MO     := $(PO:.po=.mo)

.PHONY: install test demo lint locales extract-messages bench nlu-report clean

install: $(STAMP) $(MO)

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# Catalogs are compiled at setup, never committed (.mo files are build products).
locales/%/LC_MESSAGES/recobro.mo: locales/%/LC_MESSAGES/recobro.po $(STAMP)
	$(BIN)/pybabel compile --statistics -D recobro -d locales -l $*

locales: $(MO)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The demo: a SQLite database of its own under var/, the example portfolio, an open sandbox,
# and a clock set to a Tuesday morning in Bogotá so every reminder is inside contact hours.
DEMO_DB  ?= sqlite:///var/demo.db
DEMO_NOW ?= 2026-11-24T09:30:00-05:00
DEMO_ENV  = RECOBRO_DATABASE_URL=$(DEMO_DB) RECOBRO_NOW=$(DEMO_NOW) RECOBRO_SANDBOX=open \
            RECOBRO_CREDITOR_NAME="Almacenes Prisma" RECOBRO_CREDITOR_TAX_ID="CNPJ 12.345.678/0001-90"
demo: install
	@mkdir -p var
	$(DEMO_ENV) $(BIN)/recobro db upgrade
	$(DEMO_ENV) $(BIN)/recobro import examples/portfolio.csv
	@printf 'demo-admin\n' | $(DEMO_ENV) $(BIN)/recobro admin create-user demo --role admin \
		--password-stdin --if-missing >/dev/null
	@echo "Admin login: demo / demo-admin (a local demo only; create real users with recobro admin create-user)"
	$(DEMO_ENV) $(BIN)/recobro serve

# After changing a sentence in bot/texts.py: refresh the template and merge it into every
# catalog, then translate what is new in locales/*/LC_MESSAGES/recobro.po.
extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output --project=Recobro \
		--copyright-holder="Recobro contributors" -o locales/recobro.pot .
	$(BIN)/pybabel update -i locales/recobro.pot -d locales -D recobro --no-fuzzy-matching -w 100

lint: install
	$(BIN)/ruff check bot storage tests
	$(BIN)/mypy

# Accuracy of bot/understanding on the labelled sets (tests/understanding/data/*.jsonl).
# Benchmarks, not tests: speed and memory targets live here. Results print as a table and
# are written as JSON under bench/results/. BENCH_ARGS=--smoke for tiny sizes,
# --only inbound,dispatch, --messages N; --skip-postgres without a server (cadence only).
bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

nlu-report: install
	$(BIN)/python scripts/nlu_report.py $(NLU_REPORT_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
