# Two commands do all the set-up on a fresh machine with Python 3.11: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install test demo serve clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest

demo: $(STAMP)
	$(BIN)/copdir demo

serve: $(STAMP)
	$(BIN)/copdir serve --catalogue data/demo/catalogue.db

clean:
	rm -rf data/demo data/*.db data/*.db-wal data/*.db-shm

# The checker benchmark side by side with lychee and LinkChecker (root: its fixture runs in its own
# network namespace). bench/README.md says what it measures; --size full for the recorded figures.
.PHONY: bench
bench: $(STAMP)
	$(BIN)/python bench/run_all.py --size quick
