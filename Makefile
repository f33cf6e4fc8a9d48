# Each target creates .venv on first use; PY can name another Python 3.11+.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DB ?= demo.db

.PHONY: demo demo-fresh test bench lint screenshot clean package-check

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

# make demo keeps an existing $(DEMO_DB) (and what you did in it) and opens it; make demo-fresh replaces it.
demo: $(STAMP)
	$(BIN)/mediate demo --keep --db $(DEMO_DB)
	$(BIN)/mediate --db $(DEMO_DB)

demo-fresh: $(STAMP)
	$(BIN)/mediate demo --force --db $(DEMO_DB)
	$(BIN)/mediate --db $(DEMO_DB)

# The suite starts `mediate` hundreds of times: where the machine says not to write bytecode
# (PYTHONDONTWRITEBYTECODE), each start would compile the package from source again.
# Four workers on two cores: many tests wait (a pty, a browser, a killed process), and a fourth
# worker's CPU fills those waits (3 workers: 367 s at 166% CPU; 4: 324 s at 190%).
test: $(STAMP) lint
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -q -n 4 --dist loadgroup

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy

# The README's picture, drawn from the demo (tests/app/test_readme_screenshot.py says when it is stale).
screenshot: $(STAMP)
	$(BIN)/python scripts/readme_screenshot.py

# The wheel as a user installs it: built, installed with its dependencies in a fresh venv, then run
# from outside this tree (tests/unit/test_package.py checks the same without downloading anything).
PKG := build/package-check
package-check: $(STAMP)
	rm -rf $(PKG) && mkdir -p $(PKG)
	$(BIN)/pip wheel --no-deps --quiet -w $(PKG) .
	$(PY) -m venv $(PKG)/venv
	$(PKG)/venv/bin/pip install --quiet $(PKG)/mediation_console-*.whl
	cd $(PKG) && venv/bin/mediate --version && venv/bin/python -m mediation_console --version
	cd $(PKG) && venv/bin/mediate rules check
	cd $(PKG) && venv/bin/mediate import requisitions $(CURDIR)/tests/fixtures/csv/ats/bullhorn_joborders.csv \
		--dry-run --create-people --db check.db | head -2

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV)
