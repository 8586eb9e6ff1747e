"""The URNs of what each recorded stack registers, as the Pulumi engine names them, and the checked-in
record of them under tests/fixtures/urns (one sorted file per stack).

The engine knows a deployed resource by its URN: `urn:pulumi:<stack>::<project>::<parent types, $-joined,
then the resource's type>::<name>`. A resource whose URN changes is a new resource: the engine creates
it and deletes the one under the old URN, unless the new one declares the old URN as an alias. Pulumi's
docs (https://www.pulumi.com/docs/iac/concepts/resources/options/aliases/): "If you're changing the name,
type, or parent path of a resource or component resource, you can add the old name to the list of
aliases for a resource to ensure that existing resources will be migrated to the new name instead of
being deleted and replaced with the new named resource."

Regenerate the record after adding resources, or after a change meant to replace one:
`venv/bin/python -m tests.urn_record`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from karpenter.offline import program
from karpenter.offline.monitor import Registration
from karpenter.offline.program import SynthResult
from tests.conftest import FIXTURES, ROOT, facts_with, fixture_settings

RECORD = FIXTURES / "urns"
ROOT_STACK_TYPE = "pulumi:pulumi:Stack"


@dataclass(frozen=True)
class RecordedStack:
    """A stack shape whose resources deployed stacks have: `render` runs it offline."""

    name: str
    render: Callable[[], SynthResult]
    # An example stack file of the project folder, which its user may delete.
    example: Path | None = None


def _fixture(stack: str, **changes: Any) -> Callable[[], SynthResult]:
    def render() -> SynthResult:
        settings = fixture_settings(stack)
        settings.update({f"karpenter:{key}": value for key, value in changes.items()})
        facts = facts_with(authentication_mode="CONFIG_MAP") if changes.get("nodeAccess") == "aws-auth" else None
        return program.run_program(stack, settings, facts)

    return render


def _example(stack: str) -> Callable[[], SynthResult]:
    return lambda: program.run_program(stack, program.stack_settings(stack, ROOT), project_dir=ROOT)


STACKS = (
    # Attach, IRSA, access entry, interruption, spot role, CPU and GPU pools.
    RecordedStack("runbook", _fixture("runbook")),
    RecordedStack("runbook-aws-auth", _fixture("runbook", nodeAccess="aws-auth")),
    RecordedStack("runbook-pod-identity", _fixture("runbook", identity="pod-identity")),
    # Create mode with Pod Identity.
    RecordedStack("create", _fixture("create")),
    *(
        RecordedStack(name, _example(name), ROOT / f"Pulumi.{name}.yaml")
        for name in ("dev", "bottlerocket", "ml-platform", "new-cluster")
    ),
)


def engine_urns(result: SynthResult) -> dict[str, str]:
    """Each registration's URN as the engine makes it, by the mock engine's URN (which qualifies a
    type with its parent's type only, where the engine qualifies it with every ancestor's but the
    stack's)."""
    by_urn = {r.urn: r for r in result.resources}

    def qualified(urn: str) -> str:
        found = by_urn.get(urn)
        if found is None:
            return ""  # the stack itself
        parent = qualified(found.parent)
        return f"{parent}${found.type}" if parent else found.type

    return {r.urn: _urn(result.stack, qualified(r.parent), r.type, r.name) for r in result.resources}


def _urn(stack: str, parent_type: str, typ: str, name: str) -> str:
    qualified = f"{parent_type}${typ}" if parent_type and parent_type != ROOT_STACK_TYPE else typ
    return f"urn:pulumi:{stack}::{program.PROJECT}::{qualified}::{name}"


def _qualified_type(engine_urn: str) -> str:
    return engine_urn.split("::")[2]


def alias_urns(result: SynthResult) -> dict[str, set[str]]:
    """The URNs each resource (by engine URN) answers to besides its own, as the engine derives them
    (pulumi/pulumi pkg/resource/deploy/step_generator.go, `generateAliases`): those its aliases name,
    and, for each URN its parent answers to, the same again under that parent, the parent's former
    name taking the place of its name where the child's name starts with it (`inheritedChildAlias`)."""
    engine = engine_urns(result)
    by_urn = {r.urn: r for r in result.resources}
    answers: dict[str, set[str]] = {}

    def own_aliases(registration: Registration, parent: Registration | None) -> set[str]:
        found: set[str] = set()
        for alias in registration.options.get("aliases", []):
            if "urn" in alias:
                found.add(alias["urn"])
                continue
            if alias.get("noParent") or parent is None:
                parent_type = ""
            else:
                given = alias.get("parentUrn", parent.urn)
                parent_type = _qualified_type(engine.get(given, given))
            typ, name = alias.get("type", registration.type), alias.get("name", registration.name)
            found.add(_urn(alias.get("stack", result.stack), parent_type, typ, name))
        return found

    def of(registration: Registration) -> set[str]:
        own = engine[registration.urn]
        if own in answers:
            return answers[own]
        parent = by_urn.get(registration.parent)
        found = own_aliases(registration, parent)
        if parent is not None:
            for parent_alias in of(parent):
                for urn in {own, *found}:
                    name, former = urn.rsplit("::", 1)[-1], parent_alias.rsplit("::", 1)[-1]
                    if name.startswith(parent.name):
                        name = former + name.removeprefix(parent.name)
                    typ = _qualified_type(urn).rsplit("$", 1)[-1]
                    found.add(_urn(result.stack, _qualified_type(parent_alias), typ, name))
        found.discard(own)
        answers[own] = found
        return found

    for registration in result.resources:
        of(registration)
    return answers


def record_path(stack: RecordedStack) -> Path:
    return RECORD / f"{stack.name}.txt"


def recorded(stack: RecordedStack) -> list[str]:
    return record_path(stack).read_text().splitlines()


def urns(result: SynthResult) -> list[str]:
    return sorted(engine_urns(result).values())


def unanswered(record: list[str], result: SynthResult) -> list[str]:
    """The recorded URNs that no resource of `result` has, as its own URN or an alias: the engine
    would delete each of those resources, and create its successor, if any, anew."""
    answered = set(engine_urns(result).values()).union(*alias_urns(result).values())
    return [urn for urn in record if urn not in answered]


def unrecorded(record: list[str], result: SynthResult) -> list[str]:
    """The URNs of `result` that the record lacks: resources new to the stack."""
    return [urn for urn in urns(result) if urn not in set(record)]


def write_record() -> list[Path]:
    """Render every recorded stack whose file exists and write its URNs."""
    RECORD.mkdir(exist_ok=True)
    written = []
    for stack in STACKS:
        if stack.example is not None and not stack.example.exists():
            continue
        path = record_path(stack)
        path.write_text("".join(f"{urn}\n" for urn in urns(stack.render())))
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_record():
        sys.stdout.write(f"wrote {path.relative_to(ROOT)}\n")
