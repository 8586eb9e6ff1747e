"""karpenter.testing, the mocks for a program's own tests of the component: the README's example test
runs as written, and the mocks answer from the facts a test gives."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pydantic import ValidationError

from karpenter.testing import KarpenterMocks, sample_facts
from tests.conftest import ROOT

README_SECTION = "### Testing your program"
# Seconds a pytest run of a test file may take, on a busy machine, before it counts as hung.
SUBPROCESS_TIMEOUT = 300
# A cluster the component creates: pulumi-eks's cluster is handed to its node group as a resource.
CREATING = """
import pulumi
from karpenter import Karpenter, KarpenterArgs
from karpenter.testing import KarpenterMocks, sample_facts, set_mocks

FACTS = sample_facts("eu-west-1", cluster_name="dev")
set_mocks(KarpenterMocks(FACTS))
PRIVATE = [subnet.id for subnet in FACTS.subnets if not subnet.public]


@pulumi.runtime.test
def test_creates_its_cluster():
    cluster = {"create": True, "vpcId": FACTS.vpc_id, "subnetIds": PRIVATE}
    outputs = Karpenter("karpenter", KarpenterArgs({"clusterName": "dev", "cluster": cluster})).outputs
    return outputs["nodeRoleName"].apply(lambda name: print("node role", name))
"""


def readme_test() -> str:
    section = (ROOT / "README.md").read_text().split(README_SECTION, 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def pytest_in(folder: Path, files: dict[str, str]) -> str:
    """Run pytest, as a program's own tests run, on each of `files` written into `folder` (a process
    each: a test module sets the mocks for the whole process), with the package importable from this
    checkout; pytest's reports, each test's outcome on a line of its own."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    command = [sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", "-p", "no:xdist", "-s"]
    reports = []
    for name, text in files.items():
        (folder / name).write_text(text)
        done = subprocess.run(
            [*command, name],
            cwd=folder,
            env={**env, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=SUBPROCESS_TIMEOUT,
        )
        reports.append(done.stdout)
    return "\n".join(reports)


def outcomes(report: str) -> set[str]:
    return {" ".join(line.split()[:2]) for line in report.splitlines() if line.startswith(("PASSED ", "FAILED "))}


def test_the_readmes_example_test_passes_as_written_and_fails_when_its_expectation_is_wrong(tmp_path: Path) -> None:
    """Its assertions run inside `apply`: a wrong zone must fail it, or it would pass whatever happened."""
    written = readme_test()
    assert "set_mocks(KarpenterMocks(FACTS))" in written
    wrong = written.replace('"eu-west-1c"]', '"eu-west-1d"]')
    assert wrong != written
    report = pytest_in(tmp_path, {"test_as_written.py": written, "test_wrong_zone.py": wrong})
    assert outcomes(report) == {
        "PASSED test_as_written.py::test_nodes_go_into_the_private_subnets_of_three_zones",
        "PASSED test_as_written.py::test_a_pool_with_an_unknown_capacity_type_is_refused",
        "FAILED test_wrong_zone.py::test_nodes_go_into_the_private_subnets_of_three_zones",
        "PASSED test_wrong_zone.py::test_a_pool_with_an_unknown_capacity_type_is_refused",
    }, report


def test_a_cluster_the_component_creates_runs_under_the_helpers_engine(tmp_path: Path) -> None:
    """The SDK's own mock monitor supports resource references: it rebuilds a resource passed to
    another (`get_resource` in pulumi/runtime/resource.py, reached from the deserialization in
    pulumi/runtime/rpc.py) inside the mocks, on another event loop than `@pulumi.runtime.test`'s, and
    such a test fails "attached to a different loop" (or, now and then, never ends). The helper's
    engine passes such a resource as its URN, as offline synth does (karpenter/offline/monitor.py)."""
    report = pytest_in(tmp_path, {"test_creating.py": CREATING})
    assert outcomes(report) == {"PASSED test_creating.py::test_creates_its_cluster"}, report
    assert "node role karpenter-node-role-dev" in report


def test_sample_facts_take_changes_by_the_facts_files_keys_and_refuse_unknown_ones() -> None:
    facts = sample_facts("eu-central-1", cluster_name="ml", kubernetesVersion="1.32")
    assert (facts.cluster_name, facts.kubernetes_version, facts.region) == ("ml", "1.32", "eu-central-1")
    assert [subnet.zone for subnet in facts.subnets][:3] == ["eu-central-1a", "eu-central-1b", "eu-central-1c"]
    with pytest.raises(ValidationError, match="clusterNmae"):
        sample_facts(clusterNmae="ml")


def _cluster_named(mocks: KarpenterMocks, name: str) -> Any:
    return mocks.call(pulumi.runtime.MockCallArgs("aws:eks/getCluster:getCluster", {"name": name}, ""))


def test_the_mocks_find_the_cluster_under_the_name_the_facts_or_the_test_give() -> None:
    named = KarpenterMocks(sample_facts(cluster_name="dev"))
    assert _cluster_named(named, "dev")["name"] == "dev"
    assert _cluster_named(named, "prod") == ({}, [("name", "couldn't find resource: EKS cluster prod")])
    assert _cluster_named(KarpenterMocks(cluster_name="prod"), "prod")["name"] == "prod"
    with pytest.raises(ValueError, match=r"name the cluster the facts describe: sample_facts\(cluster_name=\.\.\.\)"):
        KarpenterMocks(sample_facts())
    with pytest.raises(ValueError, match="cluster_name 'prod', but the facts describe 'dev'; give one of them"):
        KarpenterMocks(sample_facts(cluster_name="dev"), cluster_name="prod")


def test_a_lookup_the_mocks_do_not_know_says_how_to_answer_it() -> None:
    mocks = KarpenterMocks(cluster_name="dev")
    with pytest.raises(Exception, match="^KarpenterMocks has no answer for the lookup aws:ec2/getVpc:getVpc: answer"):
        mocks.call(pulumi.runtime.MockCallArgs("aws:ec2/getVpc:getVpc", {}, ""))
