"""Synth's worker processes start from a fork server that has imported the SDKs, but not Helm's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from karpenter.offline.workers import PRELOAD
from tests.conftest import ROOT, make_project

_IMPORTS_THEN_RENDERS = """
import json, sys
from pathlib import Path
for name in {preload!r}:
    __import__(name)
preloaded = set(sys.modules)
from karpenter.offline.synth import render
render("runbook", Path({out!r}), Path({project!r}), False)
print(json.dumps({{"helm": "helm_python" in preloaded, "later": sorted(set(sys.modules) - preloaded)}}))
"""


def test_the_fork_server_imports_every_sdk_module_a_render_uses_but_not_helm(tmp_path: Path) -> None:
    """A process forked after helm_python is loaded hangs (tests/mutation.py, PRELOAD); each SDK
    module a worker had to load itself would cost every worker its first render's time again."""
    project = make_project(tmp_path / "project", fixtures=("runbook",))
    code = _IMPORTS_THEN_RENDERS.format(preload=PRELOAD, out=str(tmp_path / "out"), project=str(project))
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    found = json.loads(run.stdout.splitlines()[-1])
    assert found["helm"] is False
    sdk = ("pulumi.", "pulumi_aws.", "pulumi_kubernetes.")
    assert [name for name in found["later"] if name.startswith(sdk)] == []
    assert "helm_python" in found["later"]
