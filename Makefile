# The two commands a new user types: `make report` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
STUDY  ?= .

.PHONY: install report test lab bench clean-reports

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 of nieuwer is nodig")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,lab]'
	# BERTopic light install: no torch, no sentence-transformers (see README)
	$(PY) -m pip install --quiet --no-deps 'bertopic==0.17.4'
	@touch $(STAMP)

install: $(STAMP)

report: install
	$(VENV)/bin/klantreis run $(STUDY)

test: install
	$(PY) -m pytest -q

lab: install
	$(VENV)/bin/jupyter lab notebooks/

bench: install
	$(PY) benchmarks/run.py

clean-reports:
	rm -rf reports/*.docx reports/*.png reports/*.pdf reports/*.svg
