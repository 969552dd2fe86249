# Thin wrappers: the logic lives in scripts/ so that the same commands work where make is not installed.
.PHONY: run test setup demo-data

run:        ## set up, then open the workstation on the default (demo) database
	./scripts/run.sh

test:       ## set up, then run the whole test suite offscreen
	./scripts/test.sh

setup:      ## system packages, .venv, pip install -e .[test] (idempotent)
	./scripts/setup.sh

demo-data:  ## regenerate resources/demo (deterministic)
	.venv/bin/python tools/make_demo_data.py
