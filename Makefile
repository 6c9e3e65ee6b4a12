# The two commands a newcomer needs: `make demo` and `make test`. Both set themselves up.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PULUMI_BIN = $(shell bash scripts/install-pulumi.sh | tail -n1)
# pytest-xdist workers for `make test`: most of the suite's wall time is spent waiting on subprocesses
# (ansible-playbook, the Pulumi engine, ansible-test) and loopback HTTP, so 3 workers keep 2 cores busy.
PYTEST_WORKERS ?= 3

.PHONY: demo test lint typecheck pytest setup pulumi-cli bench clean

setup:
	@bash scripts/bootstrap.sh

pulumi-cli:
	@bash scripts/install-pulumi.sh >/dev/null

## The main job: the quickstart against b3os-local, with Pulumi and with Ansible.
demo: setup
	@PATH="$(PULUMI_BIN):$$PATH" $(PY) scripts/demo.py

## The whole test suite: lint, types, unit, b3os-local, Pulumi, Ansible, end to end.
# On a new machine the Pulumi CLI build (~15 min) runs in the background while lint, types and the
# tests that do not need it run; the Pulumi tests wait for it (tests/pulumi/conftest.py). Its log:
# ~/.cache/b3os-iac/install-pulumi.log. The build is waited for, never left running.
test: setup
	@mkdir -p "$(HOME)/.cache/b3os-iac"; \
	bash scripts/install-pulumi.sh >/dev/null 2>"$(HOME)/.cache/b3os-iac/install-pulumi.log" & build=$$!; \
	$(MAKE) --no-print-directory lint typecheck \
	&& B3OS_REQUIRE_PULUMI=1 B3OS_PULUMI_WAIT=1 PATH="$$(bash scripts/install-pulumi.sh --print-bin):$(CURDIR)/$(VENV)/bin:$$PATH" \
		$(PY) -m pytest -n $(PYTEST_WORKERS) --durations=25 $(PYTEST_ARGS); \
	rc=$$?; wait $$build || true; exit $$rc

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
