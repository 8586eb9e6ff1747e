"""examples/existing-cluster: a program that owns its EKS cluster and adds Karpenter to it gets
the same IAM, releases and dependency edges as the stack attaching to that cluster; its first
preview completes; and the README shows it as it is."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from karpenter.guardrails.rules import RULES
from karpenter.offline import created_cluster, monitor, program, report
from karpenter.offline.verdicts import guardrail_violations
from tests.conftest import ROOT, facts_with, settings_for

EXAMPLE = ROOT / "examples" / "existing-cluster"
PROJECT = yaml.safe_load((EXAMPLE / "Pulumi.yaml").read_text())["name"]
FACTS = facts_with(authentication_mode="API")
# The cluster the example creates, as the stack attaching to it finds it once it exists.
_MADE = created_cluster.computed_by_eks(FACTS, "dev")
AS_CREATED = FACTS.model_copy(
    update={
        "endpoint": _MADE.endpoint,
        "certificate_authority": _MADE.certificate_authority,
        "oidc_issuer": _MADE.oidc_issuer,
        "cluster_security_group_id": _MADE.security_group_id,
    }
)
# The cluster's subnets, public ones too: as a VPC's subnets are often all given to EKS.
SUBNETS = [subnet.id for subnet in FACTS.subnets]
PRIVATE = [subnet.id for subnet in FACTS.subnets if not subnet.public]
# The settings the example passes the component.
POOLS = {
    "cpu": {"capacityTypes": ["spot", "on-demand"]},
    "gpu": {"gpu": True, "instanceFamilies": ["g5", "g6"], "limits": {"cpu": "200", "memory": "800Gi"}},
}
STACK_TYPE = "karpenter:stack:Karpenter"
RELEASE = "kubernetes:helm.sh/v3:Release"


def run_example(preview: bool = False) -> program.SynthResult:
    settings = {
        "aws:region": FACTS.region,
        f"{PROJECT}:clusterName": "dev",
        f"{PROJECT}:subnetIds": json.dumps(SUBNETS),
    }
    return program.run_mocked(
        EXAMPLE / "__main__.py", "example", settings, FACTS, cluster_name="dev", project=PROJECT, preview=preview
    )


@pytest.fixture(scope="module")
def example() -> program.SynthResult:
    return run_example()


@pytest.fixture(scope="module")
def attached() -> program.SynthResult:
    """The stack attaching to the same cluster, with the same settings."""
    return program.run_program("attach", settings_for({"clusterName": "dev", "nodePools": POOLS}), AS_CREATED)


def karpenters(result: program.SynthResult) -> list[monitor.Registration]:
    """The component and everything under it, leaving out what the program declares itself."""
    (root,) = result.of_type(STACK_TYPE)
    inside = {root.urn}
    for resource in result.resources:
        if resource.parent in inside:
            inside.add(resource.urn)
    return [r for r in result.resources if r.urn in inside]


def iam(result: program.SynthResult) -> dict[str, Any]:
    documents = {}
    for resource in karpenters(result):
        if resource.type == "aws:iam/role:Role":
            documents[resource.inputs["name"]] = json.loads(resource.inputs["assumeRolePolicy"])
        elif resource.type == "aws:iam/policy:Policy":
            documents[resource.inputs["name"]] = json.loads(resource.inputs["policy"])
    return documents


def releases(result: program.SynthResult) -> dict[str, monitor.Registration]:
    return {r.inputs["name"]: r for r in result.of_type(RELEASE)}


def waits_for(result: program.SynthResult, release: str) -> set[str]:
    """What a release depends on, by resource name, among the component's own resources."""
    names = {r.urn: r.name for r in karpenters(result)}
    return {names[urn] for urn in releases(result)[release].dependencies if urn in names}


def test_the_example_declares_its_cluster_and_oidc_provider(example: program.SynthResult) -> None:
    (cluster,) = example.of_type("aws:eks/cluster:Cluster")
    assert cluster.inputs["vpcConfig"]["subnetIds"] == SUBNETS
    assert cluster.inputs["accessConfig"]["authenticationMode"] == "API"
    (oidc,) = example.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    assert oidc.inputs["url"] == AS_CREATED.oidc_issuer
    # Its cluster, node group and OIDC provider stay its own: none is inside the component.
    assert not {r.type for r in karpenters(example)} & {"aws:eks/cluster:Cluster", "aws:eks/nodeGroup:NodeGroup"}


def test_the_component_keeps_its_type_token_and_child_names(
    example: program.SynthResult, attached: program.SynthResult
) -> None:
    in_example = [(r.type, r.name) for r in karpenters(example)]
    in_stack = [(r.type, r.name) for r in karpenters(attached)]
    assert in_example[0] == in_stack[0] == (STACK_TYPE, "karpenter")
    # The stack's discovery tags are the only difference: the example selects subnets by id.
    assert [entry for entry in in_stack if "discovery" not in entry[1]] == in_example


def test_the_example_makes_the_same_iam_as_the_stack(
    example: program.SynthResult, attached: program.SynthResult
) -> None:
    documents = iam(example)
    assert set(documents) >= {"karpenter-node-role-dev", "karpenter-controller-role-dev"}
    assert documents == iam(attached)


def test_the_example_makes_the_same_releases_as_the_stack(
    example: program.SynthResult, attached: program.SynthResult
) -> None:
    ours, theirs = releases(example), releases(attached)
    assert list(ours) == list(theirs) == ["karpenter-crd", "karpenter", "nvidia-device-plugin", "karpenter-config"]
    for name in ours:
        for key in ("chart", "version", "namespace", "repositoryOpts", "skipCrds", "timeout"):
            assert ours[name].inputs.get(key) == theirs[name].inputs.get(key), (name, key)
    for name in ("karpenter-crd", "karpenter", "nvidia-device-plugin"):
        assert ours[name].inputs["values"] == theirs[name].inputs["values"], name
    # The node pools differ only where they select subnets and the security group: by id.
    pools, stack_pools = ours["karpenter-config"].inputs["values"], theirs["karpenter-config"].inputs["values"]
    by_id = {"subnetIds": PRIVATE, "securityGroupIds": [AS_CREATED.cluster_security_group_id]}
    assert pools["nodeClasses"] == {name: {**value, **by_id} for name, value in stack_pools["nodeClasses"].items()}
    assert pools["nodePools"] == stack_pools["nodePools"]
    assert pools["clusterName"] == stack_pools["clusterName"] == "dev"


def test_the_example_keeps_the_stacks_dependency_edges(
    example: program.SynthResult, attached: program.SynthResult
) -> None:
    controller = waits_for(example, "karpenter")
    assert controller == waits_for(attached, "karpenter")
    assert {"karpenter-crd", "controller-role", "node-access-access-entry", "interruption-queue"} <= controller
    pools = waits_for(example, "karpenter-config")
    tags = {r.name for r in attached.of_type("aws:ec2/tag:Tag")}
    assert pools == waits_for(attached, "karpenter-config") - tags
    assert {"karpenter", "node-instance-profile", "nvidia-device-plugin"} <= pools
    # What needs the cluster waits for it, through the outputs the program passes.
    cluster = example.named("cluster", "aws:eks/cluster:Cluster").urn
    (provider,) = [r for r in karpenters(example) if r.type == "pulumi:providers:kubernetes"]
    assert cluster in provider.dependencies
    assert example.named("system-nodes").urn in provider.dependencies
    assert example.named("oidc").urn in example.named("controller-role").dependencies


def test_the_example_breaks_no_guardrail(example: program.SynthResult) -> None:
    rendered = report.rendered_files(example)
    assert "subnetSelectorTerms:\n    - id: " in rendered["manifests/karpenter-config.yaml"]
    subjects = [(r.type, r.name, r.inputs) for r in example.resources]
    assert RULES and guardrail_violations(subjects, rendered) == []


def test_a_first_preview_of_the_example_completes() -> None:
    result = run_example(preview=True)
    (cluster,) = result.of_type("aws:eks/cluster:Cluster")
    values = releases(result)["karpenter-config"].inputs["values"]
    # The security group is known only once the cluster exists, and the node classes with it.
    assert values == monitor.COMPUTED
    assert releases(result)["karpenter"].inputs["values"]["settings"]["clusterEndpoint"] == monitor.COMPUTED
    assert result.named("controller-role").inputs["assumeRolePolicy"] == monitor.COMPUTED
    assert result.outputs["nodeRoleName"] == "karpenter-node-role-dev"
    assert cluster.inputs["name"] == "dev"


def test_the_readme_shows_the_example_program_as_it_is() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Use it from your own Pulumi program", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    assert code == (EXAMPLE / "__main__.py").read_text()


def test_the_example_installs_the_package_from_this_checkout() -> None:
    lines = (EXAMPLE / "requirements.txt").read_text().splitlines()
    requirements = [line for line in lines if line and not line.startswith("#")]
    assert requirements == ["../.."]
    assert (EXAMPLE / requirements[0] / "pyproject.toml").resolve() == ROOT / "pyproject.toml"
