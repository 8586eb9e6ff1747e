"""What synth does once per process instead of once per stack, and what it skips of the SDK's work,
changes nothing it writes."""

from __future__ import annotations

import concurrent.futures
import contextlib
from pathlib import Path
from typing import Any

import pytest
import yaml

from karpenter.config import stack_yaml
from karpenter.offline import chart_render, program, report, verdicts
from karpenter.offline.cli import main
from karpenter.offline.replacements import HELM_RELEASE
from tests.conftest import Run, make_project


def _files(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def _uncached(values: dict[str, Any], *, release_name: str, namespace: str) -> str:
    return chart_render._render(values, release_name, namespace)


def test_synth_writes_the_same_bytes_with_every_shortcut_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two stacks rendered twice in one process, the second time with the kept chart renders, the calls
    made in place, the skipped stack traces and libyaml's parser and emitter all off: the same files,
    byte for byte."""
    project = make_project(tmp_path / "project", fixtures=("runbook", "create"))
    argv = ["synth", "--all", "--jobs", "1", "--project-dir", str(project), "--out"]
    assert main([*argv, str(tmp_path / "fast")]) == 0
    monkeypatch.setattr(chart_render, "render_chart", _uncached)
    monkeypatch.setattr(program, "_CallsInPlace", concurrent.futures.ThreadPoolExecutor)
    monkeypatch.setattr(program, "without_source_positions", contextlib.nullcontext)
    monkeypatch.setattr(verdicts, "_LOADER", yaml.SafeLoader)
    monkeypatch.setattr(report, "_FAST_DUMPER", None)
    monkeypatch.setattr(stack_yaml, "FastStrictLoader", None)
    assert main([*argv, str(tmp_path / "slow")]) == 0
    fast, slow = _files(tmp_path / "fast"), _files(tmp_path / "slow")
    assert "runbook/manifests/karpenter-config.yaml" in fast
    assert fast == slow


def test_a_kept_chart_render_is_given_only_for_the_same_values_and_release(run: Run) -> None:
    (release,) = [r for r in run().of_type(HELM_RELEASE) if r.inputs["name"] == "karpenter-config"]
    values = release.inputs["values"]
    other = {**values, "nodePools": {}}
    renders = []
    for chosen, name in [(values, "karpenter-config"), (values, "nodes"), (other, "karpenter-config")]:
        kept = chart_render.render_chart(chosen, release_name=name, namespace="kube-system")
        assert kept == _uncached(chosen, release_name=name, namespace="kube-system")
        renders.append(kept)
    assert len(set(renders)) == 3
