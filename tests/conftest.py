"""Shared test fixtures: run the real program under the mock engine with chosen config and facts."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from karpenter import synth
from karpenter.offline_facts import OfflineFacts, sample_facts

ROOT = Path(__file__).resolve().parent.parent

Run = Callable[..., synth.SynthResult]


def settings_for(config: dict[str, Any], region: str = "eu-west-1") -> dict[str, str]:
    """Config written the way the Pulumi CLI hands it to the program."""
    settings = {"aws:region": region}
    for key, value in config.items():
        settings[f"karpenter:{key}"] = synth._as_cli_text(value)
    return settings


def facts_with(**changes: Any) -> OfflineFacts:
    return sample_facts("eu-west-1").model_copy(update=changes)


@pytest.fixture
def run() -> Run:
    """`run(config_overrides, facts=..., preview=...)`: the program evaluated afresh."""

    def _run(
        config: dict[str, Any] | None = None, *, facts: OfflineFacts | None = None, preview: bool = False
    ) -> synth.SynthResult:
        merged = {"clusterName": "dev", **(config or {})}
        return synth.run_program("test", settings_for(merged), facts or facts_with(), preview=preview)

    return _run


def policy(resource: synth.Registration, key: str = "policy") -> dict[str, Any]:
    document: dict[str, Any] = json.loads(resource.inputs[key])
    return document
