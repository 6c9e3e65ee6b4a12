# The two commands a newcomer needs: `make demo` and `make test`. Both set themselves up.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PULUMI_BIN = $(shell bash scripts/install-pulumi.sh | tail -n1)

.PHONY: demo test lint typecheck pytest setup pulumi-cli bench clean

setup:
	@bash scripts/bootstrap.sh

pulumi-cli:
	@bash scripts/install-pulumi.sh >/dev/null

## The main job: the quickstart against b3os-local, with Pulumi and with Ansible.
demo: setup
	@PATH="$(PULUMI_BIN):$$PATH" $(PY) scripts/demo.py

## The whole test suite: lint, types, unit, b3os-local, Pulumi, Ansible, end to end.
test: setup lint typecheck
	@B3OS_REQUIRE_PULUMI=1 PATH="$(PULUMI_BIN):$(CURDIR)/$(VENV)/bin:$$PATH" $(PY) -m pytest $(PYTEST_ARGS)

lint: setup
	@$(VENV)/bin/ruff check b3os pulumi_b3os tests bench examples scripts
	@$(VENV)/bin/ruff format --check b3os pulumi_b3os tests bench examples scripts

typecheck: setup
	@$(VENV)/bin/mypy
	@$(VENV)/bin/mypy scripts/demo.py scripts/ansible_kinds.py scripts/pulumi_langhost.py

bench: setup
	@PATH="$(PULUMI_BIN):$(CURDIR)/$(VENV)/bin:$$PATH" $(PY) -m bench

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
