# Two commands do all the set-up on a fresh machine with Python 3.11: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install test demo serve clean browser redis

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

install: $(STAMP) browser redis

test: $(STAMP) browser redis
	$(BIN)/python -m pytest

demo: $(STAMP)
	$(BIN)/copdir demo

serve: $(STAMP)
	$(BIN)/copdir serve --catalogue data/demo/catalogue.db

# The browser tests (tests/test_browser.py) drive Debian's Chromium through Playwright, never Playwright's own
# downloaded builds. Nothing to do when it is there; root installs it; anyone else is told how, and the
# browser tests skip (under CI they fail).
CHROMIUM := /usr/bin/chromium
browser:
	@if [ -x $(CHROMIUM) ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium; \
	else echo "warning: no $(CHROMIUM); 'sudo apt-get install chromium' for the browser tests" >&2; fi

# The distributed crawl tests (tests/test_distributed_crawl.py) start Debian's redis-server on loopback. Nothing to
# do when it is there; root installs it; anyone else is told how, and those tests skip (under CI they fail).
redis:
	@if command -v redis-server >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends redis-server; \
	else echo "warning: no redis-server; 'sudo apt-get install redis-server' for the distributed crawl tests" >&2; fi

clean:
	rm -rf data/demo data/*.db data/*.db-wal data/*.db-shm

# The checker benchmark side by side with lychee and LinkChecker (root: its fixture runs in its own
# network namespace). bench/README.md says what it measures; --size full for the recorded figures.
.PHONY: bench
bench: $(STAMP)
	$(BIN)/python bench/run_all.py --size quick
