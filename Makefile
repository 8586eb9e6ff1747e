# Two-command start: `make synth` then `make test`. Nothing here needs AWS or the Pulumi CLI.
# `make synth` renders every Pulumi.<stack>.yaml into build/synth/<stack>/; `make synth STACK=prod`
# renders one stack (into OUT, default build/synth/prod).
STACK ?=
OUT ?= build/synth/$(STACK)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := venv
BIN := $(VENV)/bin
# Two installs, each redone only when its requirements change: `make synth` installs what synth needs
# (requirements-synth.txt), the test and audit targets add the tools of requirements-dev.txt once.
SYNTH_INSTALLED := $(VENV)/.installed-synth
DEV_INSTALLED := $(VENV)/.installed-dev
PIP := $(BIN)/python -m pip install --disable-pip-version-check --progress-bar on
LINTED := karpenter tests policy examples __main__.py
RUFF_FLAGS := --line-length 120 --target-version py311

.PHONY: install synth check test lint typecheck workflows unit crds bench docs clean mutation catalog

# Everything: synth, the tests and the audits.
install: $(DEV_INSTALLED)

$(BIN)/python:
	@echo "==> creating the virtualenv $(VENV)/ with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)

# pip's own lines show each package as it is downloaded and installed.
$(SYNTH_INSTALLED): requirements.txt requirements-synth.txt | $(BIN)/python
	@echo "==> installing what synth needs into $(VENV)/ (requirements-synth.txt: Pulumi, its AWS, Kubernetes and"
	@echo "    EKS SDKs, Helm's SDK): about 850 MB, a minute or two the first time"
	$(PIP) -r requirements-synth.txt
	@touch $@
	@echo "==> synth's requirements installed"

$(DEV_INSTALLED): requirements-dev.txt $(SYNTH_INSTALLED)
	@echo "==> installing the test and audit tools into $(VENV)/ (requirements-dev.txt: pytest, ruff, mypy, moto,"
	@echo "    zizmor, actionlint, mutmut...): about 450 MB more, once"
	$(PIP) -r requirements-dev.txt
	@touch $@
	@echo "==> test and audit tools installed"

synth: $(SYNTH_INSTALLED)
ifeq ($(STACK),)
	$(BIN)/python -m karpenter synth --all --out build/synth
else
	$(BIN)/python -m karpenter synth --stack $(STACK) --out $(OUT)
endif

# Every stack file renders and passes the guardrails: one line per stack, non-zero if any is refused.
check: $(SYNTH_INSTALLED)
	$(BIN)/python -m karpenter synth --all --out build/synth

test: lint typecheck workflows unit check

lint: $(DEV_INSTALLED)
	$(BIN)/ruff check $(RUFF_FLAGS) --select E,F,W,I,B,UP,N,BLE $(LINTED)
	$(BIN)/ruff format $(RUFF_FLAGS) --check $(LINTED)

typecheck: $(DEV_INSTALLED)
	$(BIN)/mypy --config-file tests/mypy.ini karpenter __main__.py

# Offline: actionlint checks syntax, expressions and (with the venv's shellcheck on PATH) the run
# scripts; zizmor checks security.
workflows: $(DEV_INSTALLED)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/actionlint .github/workflows/*.yml
	$(BIN)/zizmor --offline .github/workflows/

# pytest-xdist spreads the tests over the machine's cores, an idle worker taking tests queued for a busy
# one (worksteal); PYTEST_WORKERS=0 runs them in one process.
PYTEST_WORKERS ?= auto
unit: $(DEV_INSTALLED)
	$(BIN)/python -m pytest -q -rs -n $(PYTEST_WORKERS) --dist worksteal tests

# The upstream CRDs the tests validate rendered manifests against: the karpenter-crd chart of the Karpenter
# version the program installs, pulled from its OCI registry by Helm's client (helm-python-sdk) into
# build/crds/<version>/. Without it, or KARPENTER_CRDS_DIR naming a folder that holds them, those tests skip.
crds: $(DEV_INSTALLED)
	$(BIN)/python -m tests.upstream_crds

# mutmut on one module's function bodies against the tests that exercise it (tests/mutation.py picks them;
# TESTS="..." overrides), then the module's code outside functions (field bounds, patterns, constants,
# validators) mutated in a copy of the project against the same tests: lists the mutants that survived and
# prints a score for each of the two. Works in build/mutation/<module>/. Minutes per module, so not part of
# `make test`.
MODULE ?=
TESTS ?=
mutation: $(DEV_INSTALLED)
	@test -n "$(MODULE)" || { echo "usage: make mutation MODULE=karpenter/<stage>/<module>.py [TESTS=...]" >&2; exit 2; }
	$(BIN)/python tests/mutation.py $(MODULE) $(TESTS)

bench: $(SYNTH_INSTALLED)
	$(BIN)/python -m karpenter.offline.bench

clean:
	rm -rf build

docs: $(SYNTH_INSTALLED)
	$(BIN)/python -m karpenter.offline.docs

# Maintainers: regenerate the instance-type snapshot (karpenter/catalog/data/) through the readers that
# read a live account, here against moto in server mode (AWS's instance-type data, bundled with moto),
# with the on-demand prices of Karpenter's own fallback table for us-east-1 applied to every region.
CATALOG_PRICES ?= ../shared/aws/on-demand-prices-us-east-1.json
catalog: $(DEV_INSTALLED)
	$(BIN)/python -m karpenter.offline.catalog --moto --prices $(CATALOG_PRICES)
