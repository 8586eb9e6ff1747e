"""Synth's worker processes start from a fork server that has imported the SDKs, but not Helm's."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from karpenter.offline.workers import PRELOAD
from tests.conftest import ROOT, make_project
from tests.offline.test_synth_all import ATTACH

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


_HANDS_OUT = """
import json, sys, threading
from karpenter.offline.cli import main
# A second thread: this process may not fork itself, so a fork server forks the workers.
stop = threading.Event()
threading.Thread(target=stop.wait).start()
status = main(["synth", "--all", "--jobs", "2", "--project-dir", {project!r}, "--out", {out!r}])
stop.set()
heavy = ("pulumi", "pulumi_aws", "pydantic", "yaml", "helm_python", "karpenter.config", "karpenter.stack")
print(json.dumps({{"status": status, "loaded": sorted(name for name in heavy if name in sys.modules)}}))
"""


def test_beside_a_fork_server_the_process_that_hands_out_the_stacks_loads_neither_the_sdks_nor_the_config(
    tmp_path: Path,
) -> None:
    """It only lists the stack files, prints the workers' lines and removes stale folders: every SDK
    or model it loaded would be one more copy in memory beside the workers' (`make bench`)."""
    project = make_project(tmp_path / "project", fixtures=("runbook", "create"))
    code = _HANDS_OUT.format(project=str(project), out=str(tmp_path / "out"))
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(run.stdout.splitlines()[-1]) == {"status": 0, "loaded": []}
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == ["create", "runbook"]


_RENDERS_TOO = """
import json, sys
from karpenter.offline.cli import main
status = main(["synth", "--all", "--jobs", {jobs!r}, "--project-dir", {project!r}, "--out", {out!r}])
print(json.dumps({{"status": status, "rendered here": "helm_python" in sys.modules}}))
"""


@pytest.mark.skipif(sys.platform != "linux", reason="only on Linux does synth fork its workers itself")
def test_a_process_that_may_fork_renders_beside_the_workers_it_forks_and_says_and_writes_what_one_process_does(
    tmp_path: Path,
) -> None:
    """One thread and Helm not loaded yet: it loads the SDKs once, forks, and takes its own share of
    the stacks (it loaded Helm to render them). The example stacks, the tests' runbook and created-
    cluster stacks and a refused one: the same lines, status and folders, byte for byte, as --jobs 1."""
    refused = {"karpenter:nodePools": {"cpu": {"capacityTypes": ["preemptible"]}}}
    project = make_project(tmp_path / "project", {"refused": {**ATTACH, **refused}}, fixtures=("runbook", "create"))
    for example in ROOT.glob("Pulumi.*.yaml"):
        shutil.copy(example, project / example.name)
    runs = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"out-{jobs}"
        code = _RENDERS_TOO.format(jobs=jobs, project=str(project), out=str(out))
        run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
        *lines, last = run.stdout.replace(str(out), "<out>").splitlines()
        runs[jobs] = (json.loads(last), lines, run.stderr, _files(out))
    assert runs["2"][0] == {"status": 2, "rendered here": True}
    assert runs["2"][1:] == runs["1"][1:]
    assert "  refused  karpenter:nodePools.cpu.capacityTypes[0]: 'preemptible'" in "\n".join(runs["2"][1])
    assert {"create", "runbook", "dev"} <= {path.split("/")[0] for path in runs["2"][3]}


def _files(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}
