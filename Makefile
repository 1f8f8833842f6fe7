# The two commands a newcomer needs: `make corpus` and `make test`.
# Both create the virtual environment first, from pinned versions (constraints.txt).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1

.PHONY: venv corpus test lint typecheck schema constraints clean

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $(STAMP)

corpus: venv
	$(BIN)/newsclaims build
	$(BIN)/newsclaims schema
	$(BIN)/newsclaims validate

test: venv lint typecheck
	$(BIN)/newsclaims schema --check
	$(BIN)/pytest

lint: venv
	$(BIN)/ruff check
	$(BIN)/ruff format --check

typecheck: venv
	$(BIN)/mypy

schema: venv
	$(BIN)/newsclaims schema

constraints: venv
	( sed -n '1,2p' constraints.txt; $(BIN)/pip freeze --exclude-editable ) > constraints.txt.new
	mv constraints.txt.new constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
