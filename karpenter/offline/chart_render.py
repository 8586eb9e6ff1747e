"""Render, lint and schema-check the local karpenter-config chart in-process with Helm's Go SDK.

No helm binary and no cluster: helm-python-sdk binds Helm itself, so what is rendered here is
what a Helm release of the chart would apply.
"""

from __future__ import annotations

import json
import re
from typing import Any

import helm_python as helm

from karpenter.charts import CONFIG_CHART_DIR as CHART_DIR
from karpenter.charts.digest import chart_digest

# Helm splits a template's output into documents the same way.
_DOCUMENT_SEPARATOR = re.compile(r"^---[ \t]*$", re.MULTILINE)
# Renders kept per process, by chart digest, values, release and namespace: the stacks a worker
# renders, and a diff's base and head, often hand the chart the same values.
_RENDERED: dict[tuple[str, str, str, str], str] = {}
_KEPT = 64
# How Helm's render introduces the schema's refusal (Helm's ValidateAgainstSchema, which an install
# runs too); what follows it is what validate_schema says.
_SCHEMA_REFUSAL = "values don't meet the specifications of the schema(s) in the following chart(s):\n"


def validate_values(values: dict[str, Any]) -> None:
    """Check values (merged with the chart defaults, as an install would) against
    values.schema.json; raise ValueError naming the refused value."""
    with helm.Chart.load(CHART_DIR) as chart:
        _validate(chart, values)


def _validate(chart: helm.Chart, values: dict[str, Any]) -> None:
    try:
        chart.validate_schema(chart.merge_values(values))
    except helm.HelmValuesError as exc:
        raise ValueError(f"karpenter-config values refused: {exc.detail}") from None


def render_chart(values: dict[str, Any], *, release_name: str, namespace: str) -> str:
    """The chart's manifests as one multi-document YAML string.

    Documents are ordered by template path, then by their order in the template; empty
    documents and NOTES.txt are dropped, so the text is stable for diffs and tests.
    Raises ValueError when the values break the schema or a template refuses them.
    Rendered once per process for the same chart files, values, release and namespace.
    """
    key = (chart_digest(CHART_DIR), json.dumps(values, sort_keys=True), release_name, namespace)
    if key not in _RENDERED:
        if len(_RENDERED) >= _KEPT:
            _RENDERED.clear()
        _RENDERED[key] = _render(values, release_name, namespace)
    return _RENDERED[key]


def _render(values: dict[str, Any], release_name: str, namespace: str) -> str:
    # Helm's render checks the values against values.schema.json itself, as an install does: checking
    # them first as well took a third of the render.
    with helm.Chart.load(CHART_DIR) as chart:
        try:
            rendered = chart.render(values, name=release_name, namespace=namespace)
        except helm.HelmValuesError as exc:
            raise ValueError(f"karpenter-config values refused: {exc.detail.removeprefix(_SCHEMA_REFUSAL)}") from None
        except helm.HelmError as exc:
            raise ValueError(f"karpenter-config did not render: {exc.detail}") from None

    documents: list[str] = []
    for path in sorted(rendered):
        if not path.endswith((".yaml", ".yml")):
            continue
        for document in _DOCUMENT_SEPARATOR.split(rendered[path]):
            if _has_content(document):
                documents.append(document.strip("\n") + "\n")
    return "".join(f"---\n{document}" for document in documents)


def lint_chart(values: dict[str, Any] | None = None) -> dict[str, Any]:
    """`helm lint` of the chart, with the given values or its defaults.

    Returns Helm's report: `messages` ({severity, path, error}; severity 3 is an error)
    and `errors`.
    """
    return helm.lint(CHART_DIR, values)


def _has_content(document: str) -> bool:
    return any(line.strip() and not line.lstrip().startswith("#") for line in document.splitlines())
