# The two commands a newcomer needs: `make corpus` and `make test`.
# Both create the virtual environment first, from pinned versions (constraints.txt).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The Label Studio server of the live tests has a venv of its own: label-studio 1.23.2 pins
# pyarrow<25, newsclaims pins pyarrow 26 (docs/label-studio-notes.md).
LS_VENV  := .venv-labelstudio
LS_STAMP := $(LS_VENV)/.installed
export HF_HUB_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1

.PHONY: venv corpus test test-fast lint typecheck layers extension schema constraints clean labelstudio labelstudio-constraints

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt src/newsclaims/validation/_clean.c src/newsclaims/core/_jsonscan.c
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $(STAMP)

labelstudio: $(LS_STAMP)

$(LS_STAMP): constraints-labelstudio.txt
	$(PYTHON) -m venv $(LS_VENV)
	$(LS_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -c constraints-labelstudio.txt label-studio==1.23.2
	touch $(LS_STAMP)

corpus: venv
	$(BIN)/newsclaims build
	$(BIN)/newsclaims schema
	$(BIN)/newsclaims validate

test: venv lint typecheck extension
	@$(MAKE) --no-print-directory labelstudio || echo "warning: $(LS_VENV) could not be installed: the live Label Studio tests will be skipped"
	$(BIN)/newsclaims schema --check
	$(BIN)/pytest

# The quick loop while editing: no live server, no benchmark, no slow tests (make test runs them all).
test-fast: venv
	$(BIN)/pytest -m "not live and not benchmark and not slow"

lint: venv
	$(BIN)/ruff check
	$(BIN)/ruff format --check

typecheck: venv
	$(BIN)/mypy

# The layers of the package (pyproject.toml, [tool.importlinter]): no upward import, no cycle,
# function-level and TYPE_CHECKING imports included. tests/test_install.py runs the same check.
layers: venv
	$(BIN)/lint-imports

# Where the machine has a C compiler, the validator's compiled screen must have been built:
# a compile failure must not pass as "the screen is optional".
extension: venv
	$(BIN)/python scripts/check_extension.py

schema: venv
	$(BIN)/newsclaims schema

constraints: venv
	( sed -n '1,2p' constraints.txt; $(BIN)/pip freeze --exclude-editable ) > constraints.txt.new
	mv constraints.txt.new constraints.txt

labelstudio-constraints: labelstudio
	( sed -n '1,2p' constraints-labelstudio.txt; $(LS_VENV)/bin/pip freeze ) > constraints-labelstudio.txt.new
	mv constraints-labelstudio.txt.new constraints-labelstudio.txt

clean:
	rm -rf $(VENV) $(LS_VENV) .pytest_cache .mypy_cache .ruff_cache
