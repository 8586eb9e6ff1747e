"""The names, types and parents of what the stack registers, written out: Pulumi knows a deployed
resource by them, so a change to any of them replaces it (a new role, a deleted tag) on the next
`pulumi up` of every stack already deployed."""

from __future__ import annotations

from karpenter.offline.program import SynthResult
from tests.conftest import FIXTURES, Run, facts_with


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
