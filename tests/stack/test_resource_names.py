"""The names, types and parents of what the stack registers, written out: Pulumi knows a deployed
resource by them, so a change to any of them replaces it (a new role, a deleted tag) on the next
`pulumi up` of every stack already deployed."""

from __future__ import annotations

from karpenter.offline import program
from karpenter.offline.program import SynthResult
from tests.conftest import FIXTURES, Run, facts_with, fixture_settings


def registered(result: SynthResult) -> list[str]:
    """One line per resource, in the order registered: `type name <- parent name`."""
    return [f"{r.type} {r.name} <- {r.parent.split('::')[-1]}" for r in result.resources]


def test_the_default_stack_registers_exactly_these_resources_under_these_parents(run: Run) -> None:
    expected = (FIXTURES / "resources" / "dev.txt").read_text().splitlines()
    assert registered(run()) == expected


def test_aws_auth_node_access_swaps_the_access_entry_for_the_mapping_alone(run: Run) -> None:
    expected = (FIXTURES / "resources" / "dev.txt").read_text().splitlines()
    entry = "aws:eks/accessEntry:AccessEntry node-access-access-entry <- node-access"
    mapping = "pulumi-python:dynamic:Resource node-access-aws-auth <- node-access"
    result = run({"nodeAccess": "aws-auth"}, facts=facts_with(authentication_mode="CONFIG_MAP"))
    assert registered(result) == [mapping if line == entry else line for line in expected]


def test_a_created_cluster_registers_exactly_these_resources_beside_the_karpenter_component() -> None:
    result = program.run_program("create", fixture_settings("create"))
    attachment = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
    assert registered(result)[:10] == [
        "karpenter:cluster:NewCluster cluster <- karpenter-create",
        "eks:index:Cluster cluster-eks <- cluster",
        "aws:iam/role:Role cluster-system-node-role <- cluster",
        f"{attachment} cluster-system-node-AmazonEKSWorkerNodePolicy <- cluster",
        f"{attachment} cluster-system-node-AmazonEKS_CNI_Policy <- cluster",
        f"{attachment} cluster-system-node-AmazonEC2ContainerRegistryPullOnly <- cluster",
        f"{attachment} cluster-system-node-AmazonSSMManagedInstanceCore <- cluster",
        "eks:index:ManagedNodeGroup cluster-system-nodes <- cluster",
        "aws:eks/addon:Addon cluster-pod-identity-agent <- cluster",
        "karpenter:stack:Karpenter karpenter <- karpenter-create",
    ]
