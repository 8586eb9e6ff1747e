"""Shared test fixtures: run the real program under the mock engine with chosen config and facts."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from karpenter.config import stack_file
from karpenter.offline import monitor, program
from karpenter.offline.facts import OfflineFacts, sample_facts

ROOT = Path(__file__).resolve().parent.parent
# The tests' own stack files: the project folder's examples are the user's to delete.
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# What a project folder needs besides its stack files.
PROGRAM_FILES = ("__main__.py", "Pulumi.yaml")

Run = Callable[..., program.SynthResult]


def settings_for(config: dict[str, Any], region: str = "eu-west-1") -> dict[str, str]:
    """Config written the way the Pulumi CLI hands it to the program."""
    settings = {"aws:region": region}
    for key, value in config.items():
        settings[f"karpenter:{key}"] = stack_file.as_cli_text(value)
    return settings


def fixture_settings(stack: str) -> dict[str, str]:
    """The settings of a test stack under tests/fixtures, read as synth reads any stack file."""
    return program.stack_settings(stack, FIXTURES)


def make_project(folder: Path, stacks: dict[str, dict[str, Any]] | None = None, fixtures: tuple[str, ...] = ()) -> Path:
    """A project folder holding the program and the given stack files: `stacks` as config maps,
    `fixtures` copied from tests/fixtures."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in PROGRAM_FILES:
        shutil.copy(ROOT / name, folder / name)
    for stack in fixtures:
        shutil.copy(FIXTURES / f"Pulumi.{stack}.yaml", folder / f"Pulumi.{stack}.yaml")
    for stack, config in (stacks or {}).items():
        (folder / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": config}))
    return folder


def facts_with(**changes: Any) -> OfflineFacts:
    return sample_facts("eu-west-1").model_copy(update=changes)


@pytest.fixture
def run() -> Run:
    """`run(config_overrides, facts=..., preview=...)`: the program evaluated afresh."""

    def _run(
        config: dict[str, Any] | None = None, *, facts: OfflineFacts | None = None, preview: bool = False
    ) -> program.SynthResult:
        merged = {"clusterName": "dev", **(config or {})}
        return program.run_program("test", settings_for(merged), facts or facts_with(), preview=preview)

    return _run


@pytest.fixture
def monitors(monkeypatch: pytest.MonkeyPatch) -> list[monitor.RecordingMonitor]:
    """Every recording monitor the program runs of a test make, to see what a refused run did."""
    made: list[monitor.RecordingMonitor] = []

    class Watched(monitor.RecordingMonitor):
        def __init__(self, mocks: Any) -> None:
            super().__init__(mocks)
            made.append(self)

    monkeypatch.setattr(program, "RecordingMonitor", Watched)
    return made


def policy(resource: monitor.Registration, key: str = "policy") -> dict[str, Any]:
    document: dict[str, Any] = json.loads(resource.inputs[key])
    return document
