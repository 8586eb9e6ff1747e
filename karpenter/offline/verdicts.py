"""Synth's verdict: the guardrail rules the policy pack enforces, run over every resource a synth
registered and every manifest it rendered, so what synth accepts the pack accepts too."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import yaml

from karpenter.guardrails.rules import RULES

# libyaml's parser where PyYAML was built with it: the same objects (the constructor is PyYAML's own
# either way), parsed several times faster.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _manifests(rendered: Mapping[str, str]) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """(type token, name, object) of every rendered Kubernetes object, typed as the Pulumi
    Kubernetes provider would register it."""
    for path, text in sorted(rendered.items()):
        if not path.startswith("manifests/"):
            continue
        for document in yaml.load_all(text, Loader=_LOADER):
            if isinstance(document, dict) and document.get("apiVersion") and document.get("kind"):
                name = str((document.get("metadata") or {}).get("name", ""))
                yield f"kubernetes:{document['apiVersion']}:{document['kind']}", name, document


def guardrail_violations(resources: list[tuple[str, str, Mapping[str, Any]]], rendered: Mapping[str, str]) -> list[str]:
    """`policy <name>: <violation>` for each rule a resource (type, name, inputs) or a rendered
    manifest breaks, in rule order, then resource order."""
    subjects = [*resources, *_manifests(rendered)]
    return [
        f"guardrail {rule.name}: {message}"
        for rule in RULES
        for resource_type, name, props in subjects
        for message in rule.check(resource_type, name, props)
    ]
