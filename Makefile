# Two-command start: `make synth` then `make test`. Nothing here needs AWS or the Pulumi CLI.
STACK ?= dev
OUT ?= build/synth/$(STACK)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := venv
BIN := $(VENV)/bin
# Rebuilt only when the requirements change, so a second run does not reinstall.
INSTALLED := $(VENV)/.installed
LINTED := karpenter tests policy __main__.py
RUFF_FLAGS := --line-length 120 --target-version py311

.PHONY: install synth test lint typecheck unit bench docs clean

install: $(INSTALLED)

$(INSTALLED): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

synth: $(INSTALLED)
	$(BIN)/python -m karpenter synth --stack $(STACK) --out $(OUT)

test: lint typecheck unit

lint: $(INSTALLED)
	$(BIN)/ruff check $(RUFF_FLAGS) --select E,F,W,I,B,UP,N,BLE $(LINTED)
	$(BIN)/ruff format $(RUFF_FLAGS) --check $(LINTED)

typecheck: $(INSTALLED)
	$(BIN)/mypy --config-file tests/mypy.ini karpenter __main__.py

unit: $(INSTALLED)
	$(BIN)/python -m pytest -q -rs tests

bench: $(INSTALLED)
	$(BIN)/python -m karpenter.bench

clean:
	rm -rf build

docs: $(INSTALLED)
	$(BIN)/python -m karpenter.docs
