# Everything a fresh machine needs: a virtualenv with the project installed from pyproject.toml.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test bench fuzz clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@

run: $(BIN)/.installed
	$(BIN)/podquote run

test: $(BIN)/.installed
	$(BIN)/python -m pytest -q

bench: $(BIN)/.installed
	$(BIN)/python -m bench

# Not in CI: open-ended. FUZZ_SECONDS per target.
fuzz: $(BIN)/.installed
	$(BIN)/python -m bench.fuzz --seconds $${FUZZ_SECONDS:-60}

clean:
	rm -rf $(VENV) data
