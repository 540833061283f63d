# The two commands of the README. Each creates .venv (Python 3 and make are all they need).
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
OUT    ?= dca_output/demo

.PHONY: demo test notebook docs clean
CASE   ?= sandstone_berea
NB     ?= case_studies/$(CASE)/notebook.ipynb

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

## demo: install, then run the default pipeline on the embedded sample (results in $(OUT)/)
demo: $(VENV)/.installed
	$(BIN)/dca demo --out $(OUT)

## test: install with test extras, then run the whole test suite
test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

$(VENV)/.installed-notebook: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[notebook]"
	touch $@ $(VENV)/.installed

## notebook: install with the notebook extras, then open a notebook in JupyterLab
##           (CASE=<case study>, or NB=docs/tutorials/01_volumes.ipynb)
notebook: $(VENV)/.installed-notebook
	$(BIN)/jupyter lab $(NB)

$(VENV)/.installed-docs: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[docs]"
	touch $@ $(VENV)/.installed

## docs: install with the docs extras, then build the site (tutorials and gallery executed,
##       warnings as errors) into docs/_build/html; open docs/_build/html/index.html
docs: $(VENV)/.installed-docs
	$(BIN)/python -m sphinx -W --keep-going -b html docs docs/_build/html
	@echo "open docs/_build/html/index.html"

clean:
	rm -rf $(VENV) dca_output .pytest_cache docs/_build docs/auto_examples docs/api/generated
