"""What a synth run produced, as files and text: the IAM documents, the rendered Helm values and
manifests, and the summary."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import yaml

from karpenter.offline.facts import sample_cluster_note
from karpenter.offline.monitor import COMPUTED, Registration
from karpenter.offline.program import SynthResult

# libyaml's emitter, where PyYAML has it: for the values it is given (see _written_alike) it writes
# byte for byte what PyYAML's pure-Python emitter writes, several times faster.
_FAST_DUMPER: Any = getattr(yaml, "CSafeDumper", None)
_POLICY_INPUTS = {
    "aws:iam/role:Role": "assumeRolePolicy",
    "aws:iam/policy:Policy": "policy",
    "aws:sqs/queuePolicy:QueuePolicy": "policy",
}


def policy_documents(result: SynthResult) -> dict[str, Any]:
    """Every IAM policy document the stack registers, trust and permissions, by resource name."""
    documents: dict[str, Any] = {}
    for resource in result.resources:
        key = _POLICY_INPUTS.get(resource.type)
        text = resource.inputs.get(key) if key else None
        if isinstance(text, str) and text != COMPUTED:
            documents[resource.name] = json.loads(text)
    return documents


def as_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def _infrastructure(result: SynthResult) -> list[Registration]:
    # Our own components only group; pulumi-eks components are real infrastructure.
    return [r for r in result.resources if r.custom or not r.type.startswith("karpenter:")]


def resource_count(result: SynthResult) -> int:
    """How many resources the stack would create (component groupings aside)."""
    return len(_infrastructure(result))


def summary(result: SynthResult) -> str:
    """A short table of what the stack would create."""
    custom = _infrastructure(result)
    counts = Counter(r.type for r in custom)
    mode = "preview (first run: computed values unknown)" if result.preview else "deployment"
    lines = [f"stack {result.stack} ({result.region}), {mode}: {len(custom)} resources"]
    if result.sample_cluster:
        lines.append(sample_cluster_note(result.stack))
    lines += ["", "  count  type"]
    lines += [f"  {count:>5}  {typ}" for typ, count in sorted(counts.items())]
    catalog = result.pools.catalog
    if catalog is not None and result.pools.pools:
        lines += ["", f"node pools (instance types of {catalog.date}, on-demand prices of {catalog.price_date}):"]
        lines += [f"  {line}" for line in result.pools.summary_lines()]
    if result.warnings:
        lines += ["", *result.warnings]
    return "\n".join(lines) + "\n"


def rendered_files(result: SynthResult) -> dict[str, str]:
    """Helm values of every release and, for the local chart, its manifests rendered with real
    Helm, by output path. Values still unknown (preview) are written as <computed>."""
    from karpenter.kubernetes.releases import config_chart_path
    from karpenter.offline.chart_render import render_chart

    files: dict[str, str] = {}
    for release in result.of_type("kubernetes:helm.sh/v3:Release"):
        name = release.inputs["name"]
        values = release.inputs.get("values") or {}
        files[f"helm/{name}.values.yaml"] = values_yaml(values)
        if release.inputs.get("chart") == config_chart_path():
            files[f"manifests/{name}.yaml"] = render_chart(
                values, release_name=name, namespace=release.inputs.get("namespace", "default")
            )
    return files


def values_yaml(values: dict[str, Any]) -> str:
    """Helm values as the values file synth writes: keys sorted, block style."""
    fast = _FAST_DUMPER is not None and _written_alike(values)
    return yaml.dump(values, Dumper=_FAST_DUMPER if fast else yaml.SafeDumper, sort_keys=True, default_flow_style=False)


def _written_alike(value: Any) -> bool:
    """Whether both emitters write `value` the same. They differ where a long text is double-quoted
    (one holding a line break, a tab or another control or non-ASCII character: each folds it its own
    way) and on an empty key; tests/offline/test_values_yaml.py searches for any other difference."""
    if isinstance(value, dict):
        return all(
            isinstance(key, str) and key and _plain_text(key) and _written_alike(item) for key, item in value.items()
        )
    if isinstance(value, list):
        return all(_written_alike(item) for item in value)
    if isinstance(value, str):
        return _plain_text(value)
    return value is None or isinstance(value, bool | int | float)


def _plain_text(text: str) -> bool:
    return text.isascii() and text.isprintable()
