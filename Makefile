# Two-command start: `make synth` then `make test`. Nothing here needs AWS or the Pulumi CLI.
# `make synth` renders every Pulumi.<stack>.yaml into build/synth/<stack>/; `make synth STACK=prod`
# renders one stack (into OUT, default build/synth/prod).
STACK ?=
OUT ?= build/synth/$(STACK)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := venv
BIN := $(VENV)/bin
# Rebuilt only when the requirements change, so a second run does not reinstall.
INSTALLED := $(VENV)/.installed
LINTED := karpenter tests policy examples __main__.py
RUFF_FLAGS := --line-length 120 --target-version py311

.PHONY: install synth check test lint typecheck workflows unit crds bench docs clean mutation catalog

install: $(INSTALLED)

$(INSTALLED): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

synth: $(INSTALLED)
ifeq ($(STACK),)
	$(BIN)/python -m karpenter synth --all --out build/synth
else
	$(BIN)/python -m karpenter synth --stack $(STACK) --out $(OUT)
endif

# Every stack file renders and passes the guardrails: one line per stack, non-zero if any is refused.
check: $(INSTALLED)
	$(BIN)/python -m karpenter synth --all --out build/synth

test: lint typecheck workflows unit check

lint: $(INSTALLED)
	$(BIN)/ruff check $(RUFF_FLAGS) --select E,F,W,I,B,UP,N,BLE $(LINTED)
	$(BIN)/ruff format $(RUFF_FLAGS) --check $(LINTED)

typecheck: $(INSTALLED)
	$(BIN)/mypy --config-file tests/mypy.ini karpenter __main__.py

# Offline: actionlint checks syntax, expressions and (with the venv's shellcheck on PATH) the run
# scripts; zizmor checks security.
workflows: $(INSTALLED)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/actionlint .github/workflows/*.yml
	$(BIN)/zizmor --offline .github/workflows/

# pytest-xdist spreads the tests over the machine's cores, an idle worker taking tests queued for a busy
# one (worksteal); PYTEST_WORKERS=0 runs them in one process.
PYTEST_WORKERS ?= auto
unit: $(INSTALLED)
	$(BIN)/python -m pytest -q -rs -n $(PYTEST_WORKERS) --dist worksteal tests

# The upstream CRDs the tests validate rendered manifests against: the karpenter-crd chart of the Karpenter
# version the program installs, pulled from its OCI registry by Helm's client (helm-python-sdk) into
# build/crds/<version>/. Without it, or KARPENTER_CRDS_DIR naming a folder that holds them, those tests skip.
crds: $(INSTALLED)
	$(BIN)/python -m tests.upstream_crds

# mutmut on one module's function bodies against the tests that exercise it (tests/mutation.py picks them;
# TESTS="..." overrides), then the module's code outside functions (field bounds, patterns, constants,
# validators) mutated in a copy of the project against the same tests: lists the mutants that survived and
# prints a score for each of the two. Works in build/mutation/<module>/. Minutes per module, so not part of
# `make test`.
MODULE ?=
TESTS ?=
mutation: $(INSTALLED)
	@test -n "$(MODULE)" || { echo "usage: make mutation MODULE=karpenter/<stage>/<module>.py [TESTS=...]" >&2; exit 2; }
	$(BIN)/python tests/mutation.py $(MODULE) $(TESTS)

bench: $(INSTALLED)
	$(BIN)/python -m karpenter.offline.bench

clean:
	rm -rf build

docs: $(INSTALLED)
	$(BIN)/python -m karpenter.offline.docs

# Maintainers: regenerate the instance-type snapshot (karpenter/catalog/data/) through the readers that
# read a live account, here against moto in server mode (AWS's instance-type data, bundled with moto),
# with the on-demand prices of Karpenter's own fallback table for us-east-1 applied to every region.
CATALOG_PRICES ?= ../shared/aws/on-demand-prices-us-east-1.json
catalog: $(INSTALLED)
	$(BIN)/python -m karpenter.offline.catalog --moto --prices $(CATALOG_PRICES)
