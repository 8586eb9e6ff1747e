"""`python -m karpenter diff --stack NAME [--base REF] [--json]`: render a stack offline with its
stack file and facts file as at a base commit and as they are now, both with the current program,
and say what `pulumi up` and Karpenter would do. Exit 0: nothing dangerous; 3: dangerous; 2: bad input."""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import yaml

from karpenter.config import stack_file
from karpenter.config.errors import ConfigError
from karpenter.config.loading import parse_stack_config
from karpenter.config.values import NAMESPACE
from karpenter.offline import git_base, program, report
from karpenter.offline.dangers import Identity, Verdict, verdicts
from karpenter.offline.errors import SynthError
from karpenter.offline.object_changes import (
    DEVICE_PLUGIN_CONFIG,
    NODE_POOL,
    NOTHING,
    ObjectChange,
    object_changes,
    show,
)
from karpenter.offline.replacements import HELM_RELEASE
from karpenter.offline.resource_changes import REPLACE, UPDATE, ResourceChange, resource_changes

DANGEROUS = 3
BAD_INPUT = 2
_DEVICE_PLUGIN_RELEASE = "nvidia-device-plugin"
_EFFECTS = {
    "drained": "all its nodes are drained at once; disruption budgets do not apply",
    "drift": "nodes drift and are replaced, at most as fast as the pools' disruption budgets allow",
    "new-nodes": "applies to what Karpenter launches or consolidates next; no node is replaced",
    "nothing": "no effect on nodes",
}
_CREATED = "new; used for what Karpenter launches next"


@dataclass
class Rendered:
    result: program.SynthResult
    identity: Identity
    objects: dict[tuple[str, str], dict[str, Any]]


def rendered_objects(result: program.SynthResult) -> dict[tuple[str, str], dict[str, Any]]:
    """The Kubernetes objects the charts render, and the device plugin's config, by (kind, name)."""
    objects: dict[tuple[str, str], dict[str, Any]] = {}
    for path, text in report.rendered_files(result).items():
        if path.startswith("manifests/"):
            for document in yaml.safe_load_all(text):
                if isinstance(document, dict):
                    objects[(document["kind"], document["metadata"]["name"])] = document
    for release in result.of_type(HELM_RELEASE):
        values = release.inputs.get("values") or {}
        if release.inputs.get("name") == _DEVICE_PLUGIN_RELEASE and isinstance(values.get("config"), dict):
            objects[(DEVICE_PLUGIN_CONFIG, _DEVICE_PLUGIN_RELEASE)] = values["config"]
    return objects


def _settings(stack_path: Path) -> dict[str, str]:
    try:
        return stack_file.read_settings(stack_path)
    except stack_file.StackFileError as exc:
        raise SynthError(str(exc)) from exc


def render(stack: str, settings: dict[str, str], folder: Path, project_dir: Path) -> Rendered:
    """The stack as these settings say, its facts file read from `folder`, with the current program."""
    config = parse_stack_config({k: v for k, v in settings.items() if k.startswith(f"{NAMESPACE}:")})
    facts = program.offline_facts(config, settings, folder)
    result = program.run_program(stack, settings, facts, project_dir=project_dir)
    retired = frozenset(name for name, pool in config.node_pools.items() if pool.retired)
    identity = Identity(config.cluster_name, config.namespace, retired)
    return Rendered(result, identity, rendered_objects(result))


def render_base(stack: str, project_dir: Path, repo: Path, commit: str) -> Rendered | None:
    """The stack at `commit`: its stack file and facts file written to a scratch folder."""
    stack_path = project_dir / f"Pulumi.{stack}.yaml"
    text = git_base.file_at(repo, commit, stack_path)
    if text is None:
        return None
    with tempfile.TemporaryDirectory(prefix="karpenter-diff-") as scratch:
        folder = Path(scratch)
        (folder / stack_path.name).write_text(text)
        settings = _settings(folder / stack_path.name)
        named = settings.get(f"{NAMESPACE}:synthFacts")
        if named:
            facts_text = git_base.file_at(repo, commit, project_dir / named)
            if facts_text is not None:
                target = folder / named
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(facts_text)
        return render(stack, settings, folder, project_dir)


@dataclass
class Diff:
    stack: str
    base: str
    resources: list[ResourceChange]
    objects: list[ObjectChange]
    verdicts: list[Verdict]

    @property
    def dangerous(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.dangerous]

    def as_data(self) -> dict[str, Any]:
        changed = self.resources or self.objects
        return {
            "stack": self.stack,
            "base": self.base,
            "verdict": "dangerous" if self.dangerous else ("change" if changed else "no change"),
            "resources": [r.as_data() for r in self.resources],
            "objects": [o.as_data() for o in self.objects],
            "dangers": [{"what": v.what, "safeWay": v.safe_way} for v in self.dangerous],
            "cautions": [{"what": v.what, "safeWay": v.safe_way} for v in self.verdicts if not v.dangerous],
        }


def diff(stack: str, project_dir: Path, base_ref: str | None) -> Diff:
    repo = git_base.repository_root(project_dir)
    commit, chosen = git_base.resolve_base(repo, base_ref)
    described = f"{commit[:12]} ({chosen})"
    try:
        base = render_base(stack, project_dir, repo, commit)
    except (pulumi.RunError, SynthError) as exc:
        raise SynthError(f"at {described}: {exc}") from exc
    head_path = project_dir / f"Pulumi.{stack}.yaml"
    head = render(stack, _settings(head_path), project_dir, project_dir) if head_path.is_file() else None
    if base is None and head is None:
        raise SynthError(f"--stack {stack}: no stack file Pulumi.{stack}.yaml in {project_dir}, now or at {described}")
    resources = resource_changes(base.result.resources if base else [], head.result.resources if head else [])
    objects = object_changes(base.objects if base else {}, head.objects if head else {})
    found = verdicts(resources, objects, base.identity if base else None, head.identity if head else None)
    if base is None:
        described += "; the stack file is new there: the whole stack is created"
    return Diff(stack, described, resources, objects, found)


def _resource_line(change: ResourceChange) -> str:
    line = f"  {change.action:<8} {change.type} {change.name}"
    if change.action == UPDATE:
        line += f" ({', '.join(change.details or change.keys)})"
    if change.action == REPLACE:
        order = "delete-before-replace" if change.delete_first else "create-before-delete"
        line += f" ({', '.join(change.replacing)} forces it; {order})"
    return line


def text(result: Diff) -> str:
    lines = [
        f"stack {result.stack}: base {result.base} → working tree",
        "both rendered with the current program (program changes: the URN and alias test covers them)",
    ]
    if not result.resources and not result.objects:
        return "\n".join([*lines, "", "no change"]) + "\n"
    if result.resources:
        lines += ["", "resources:", *(_resource_line(change) for change in result.resources)]
    if result.objects:
        lines += ["", "Kubernetes objects:"]
        for change in result.objects:
            named = change.kind != NODE_POOL and change.pools and change.effect != NOTHING
            pools = f" (pools: {', '.join(change.pools)})" if named else ""
            effect = _CREATED if change.action == "create" else _EFFECTS[change.effect]
            lines.append(f"  {change.kind} {change.name}: {change.action}d{pools}: {effect}")
            for item in change.fields:
                lines.append(f"    {item.path}: {show(item.before)} → {show(item.after)}  [{item.why}]")
    dangerous = result.dangerous
    cautions = [v for v in result.verdicts if not v.dangerous]
    for verdict in cautions:
        lines += ["", f"caution: {verdict.what}", f"  safe way: {verdict.safe_way}"]
    if dangerous:
        lines += ["", f"DANGEROUS ({len(dangerous)}):"]
        for verdict in dangerous:
            lines += [f"- {verdict.what}", f"  safe way: {verdict.safe_way}"]
    else:
        lines += ["", "nothing dangerous"]
    return "\n".join(lines) + "\n"


def run_command(stack: str, project_dir: Path, base_ref: str | None, as_json: bool) -> int:
    try:
        result = diff(stack, project_dir, base_ref)
    except (ConfigError, SynthError, pulumi.RunError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return BAD_INPUT
    if as_json:
        sys.stdout.write(json.dumps(result.as_data(), indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(text(result))
    return DANGEROUS if result.dangerous else 0
