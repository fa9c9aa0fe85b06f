# The two entry points of the README. Both create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
CORES ?= 4
CONFIG ?= config.yaml

.PHONY: study report-pdf test lint

$(VENV)/installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -r requirements.txt
	touch $@

study: $(VENV)/installed
	$(VENV)/bin/snakemake --cores $(CORES) --configfile $(CONFIG)

# The report printed to PDF (needs Chromium); runs the study first if need be.
# The target goes before --configfile, which would read it as a second config file.
report-pdf: $(VENV)/installed
	$(VENV)/bin/snakemake results/report/report.pdf --cores $(CORES) --configfile $(CONFIG)

test: $(VENV)/installed
	$(VENV)/bin/pytest

lint: $(VENV)/installed
	$(VENV)/bin/snakemake --lint
	$(VENV)/bin/snakefmt --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
