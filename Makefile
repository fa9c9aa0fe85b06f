# The two entry points of the README. Both create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
CORES ?= 4
CONFIG ?= config.yaml
# passed on to pytest: make test PYTEST_ARGS="-k vae --durations=25"
PYTEST_ARGS ?=

.PHONY: study report-pdf test test-fast test-workflow lint

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

# Every test, in two pytest processes side by side: the tests on the smoke study
# (it takes both cores while it is built, first in line for them: the others run
# under nice) and all the others, the fast tier first.
# The first one's output follows the second's; exit status 5 is "none selected".
test: $(VENV)/installed
	@mkdir -p logs; \
	$(VENV)/bin/pytest -m uses_smoke_study $(PYTEST_ARGS) > logs/tests-smoke-study.log 2>&1 & \
	smoke=$$!; \
	nice -n 10 $(VENV)/bin/pytest -m "not uses_smoke_study" $(PYTEST_ARGS); others=$$?; \
	wait $$smoke; smoke=$$?; \
	echo "--- the tests on the smoke study (logs/tests-smoke-study.log):"; \
	cat logs/tests-smoke-study.log; \
	[ $$smoke -eq 5 ] && [ $$others -eq 0 ] && smoke=0; \
	[ $$others -eq 5 ] && [ $$smoke -eq 0 ] && others=0; \
	[ $$smoke -eq 0 ] && [ $$others -eq 0 ]

# No snakemake job and no training in a process of its own: a check for every change.
test-fast: $(VENV)/installed
	$(VENV)/bin/pytest -m "not workflow" $(PYTEST_ARGS)

# The real snakemake runs: the smoke study, its report, faults, SLURM, the browser.
test-workflow: $(VENV)/installed
	$(VENV)/bin/pytest -m workflow $(PYTEST_ARGS)

lint: $(VENV)/installed
	$(VENV)/bin/snakemake --lint
	$(VENV)/bin/snakefmt --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
