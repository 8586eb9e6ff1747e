"""Where `helmValues` may put the Karpenter controller: never on nodes Karpenter launches, nor waiting
for them, since the controller is what launches them. Each check returns (the key below
`karpenter:`, why) or None. Imports the vocabulary only.

The chart keeps the controller off those nodes with a required node affinity on
`karpenter.sh/nodepool DoesNotExist` (CHART_AFFINITY). Helm lays the values it is given over the
chart's map by map: a list or a null given for a key replaces, or drops, the chart's.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from karpenter.vocabulary.node_labels import HOSTNAME, KARPENTER_DOMAINS, KARPENTER_TAINTS, NODE_POOL, in_domain

# The karpenter chart's own affinity (charts/karpenter/values.yaml at v1.14.1): a required node affinity
# that keeps the controller off every node Karpenter launches (they all carry karpenter.sh/nodepool), and
# one controller per node.
CHART_AFFINITY: dict[str, Any] = {
    "nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [{"matchExpressions": [{"key": NODE_POOL, "operator": "DoesNotExist"}]}]
        }
    },
    "podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [{"topologyKey": HOSTNAME}]},
}

Problem = tuple[str, str] | None
# A taint as Kubernetes matches it: key, value ("" for none) and effect; and where it comes from.
PoolTaint = tuple[str, str, str, str]

_REQUIRED = ("nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms")
_KEEP_OFF = {"key": NODE_POOL, "operator": "DoesNotExist"}
_KEEP_OFF_TEXT = json.dumps(_KEEP_OFF).replace('"', "")
# Operators that match only nodes that carry the label.
_NEEDS_LABEL = ("In", "Exists", "Gt", "Lt")
# Why: the controller could disrupt the node it runs on, and nothing would then launch nodes.
_NOT_THERE = "where the controller must not run"


def _quoted(part: str) -> str:
    return f'"{part}"' if "." in part or "/" in part else part


def _helm_merge(chart: Any, given: Any) -> Any:
    """`given` laid over `chart` as Helm does: maps key by key, a null dropping the chart's key."""
    if not isinstance(given, Mapping) or not isinstance(chart, Mapping):
        return given
    merged = dict(chart)
    for key, value in given.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = _helm_merge(merged.get(key), value)
    return merged


def _keeps_off(term: Any) -> bool:
    expressions = term.get("matchExpressions") if isinstance(term, Mapping) else None
    return isinstance(expressions, list) and any(
        isinstance(e, Mapping)
        and e.get("key") == NODE_POOL
        and e.get("operator") == "DoesNotExist"
        and not e.get("values")
        for e in expressions
    )


def _needs_karpenter_node(term: Any) -> int | None:
    """The index of an expression of the term only a node Karpenter launches can meet, or None."""
    expressions = term.get("matchExpressions") if isinstance(term, Mapping) else None
    for index, expression in enumerate(expressions if isinstance(expressions, list) else []):
        if (
            isinstance(expression, Mapping)
            and in_domain(str(expression.get("key", "")), KARPENTER_DOMAINS)
            and expression.get("operator") in _NEEDS_LABEL
        ):
            return index
    return None


def affinity_problem(helm_values: Mapping[str, Any]) -> Problem:
    """An `affinity` that replaces or drops the chart's required node affinity without keeping its
    `karpenter.sh/nodepool DoesNotExist` in every term (the terms are alternatives), or that asks
    for a label only nodes Karpenter launches carry."""
    if "affinity" not in helm_values:
        return None
    given = helm_values["affinity"]
    # The deepest key the user gave on the way to the terms is the one that replaced the chart's.
    path, node = ["affinity"], given
    for part in _REQUIRED:
        if not isinstance(node, Mapping) or part not in node:
            break
        path.append(part)
        node = node[part]
    terms = _helm_merge(CHART_AFFINITY, given) if given is not None else None
    for part in _REQUIRED:
        terms = terms.get(part) if isinstance(terms, Mapping) else None
    key = "helmValues." + ".".join(path)
    if not isinstance(terms, list) or not terms:
        return (
            key,
            "drops the chart's required node affinity, which keeps the controller off the nodes Karpenter launches; "
            f"keep {_KEEP_OFF_TEXT} in every nodeSelectorTerm, or leave nodeAffinity to the chart",
        )
    for index, term in enumerate(terms):
        needs = _needs_karpenter_node(term)
        if needs is not None:
            expression = term["matchExpressions"][needs]
            return (
                f"helmValues.affinity.{'.'.join(_REQUIRED)}[{index}].matchExpressions[{needs}]",
                f"{expression.get('key')} {expression.get('operator')} matches only nodes Karpenter launches, "
                f"{_NOT_THERE}; remove it",
            )
        if not _keeps_off(term):
            return (
                f"helmValues.affinity.{'.'.join(_REQUIRED)}[{index}]",
                f"lets the controller onto the nodes Karpenter launches, {_NOT_THERE}; add {_KEEP_OFF_TEXT} to this "
                "term (the terms are alternatives, so to every one)",
            )
    return None


def node_selector_problem(helm_values: Mapping[str, Any]) -> Problem:
    """A `nodeSelector` on a label of Karpenter's domains, which only nodes Karpenter launches carry."""
    selector = helm_values.get("nodeSelector")
    for label in selector if isinstance(selector, Mapping) else {}:
        if in_domain(str(label), KARPENTER_DOMAINS):
            return (
                f"helmValues.nodeSelector.{_quoted(str(label))}",
                f"only nodes Karpenter launches carry {label}, and the controller must not run on them (the chart's "
                "affinity keeps it off them, so it would stay Pending); select the nodes it should run on by a label "
                "of theirs",
            )
    return None


def _tolerates(toleration: Mapping[str, Any], key: str, value: str, effect: str) -> bool:
    """As Kubernetes matches a toleration to a taint (k8s.io/api core/v1 Toleration.ToleratesTaint)."""
    if toleration.get("effect") and toleration["effect"] != effect:
        return False
    if toleration.get("key") and toleration["key"] != key:
        return False
    if toleration.get("operator") == "Exists":
        return True
    return str(toleration.get("value") or "") == value


def tolerations_problem(helm_values: Mapping[str, Any], pool_taints: Iterable[PoolTaint]) -> Problem:
    """A toleration of a taint Karpenter puts on its nodes, or of a node pool's taint; a bare `Exists`
    tolerates them all."""
    tolerations = helm_values.get("tolerations")
    taints = [(key, "", effect, "Karpenter puts on the nodes it launches") for key, effect in KARPENTER_TAINTS]
    taints += list(pool_taints)
    for index, toleration in enumerate(tolerations if isinstance(tolerations, list) else []):
        if not isinstance(toleration, Mapping):
            continue
        where = f"helmValues.tolerations[{index}]"
        if not toleration.get("key") and toleration.get("operator") == "Exists" and not toleration.get("effect"):
            return (
                where,
                "operator Exists without a key tolerates every taint, Karpenter's own "
                f"({', '.join(key for key, _ in KARPENTER_TAINTS)}) among them; name the taints of the nodes the "
                "controller should run on",
            )
        for key, value, effect, source in taints:
            if _tolerates(toleration, key, value, effect):
                taint = f"{key}={value}:{effect}" if value else f"{key}:{effect}"
                return where, f"tolerates {taint}, which {source}, {_NOT_THERE}; remove it"
    return None


def placement_problem(helm_values: Mapping[str, Any], pool_taints: Iterable[PoolTaint]) -> Problem:
    """The first `helmValues` key that would put the controller on nodes Karpenter launches, or make it
    wait for them; or None."""
    return (
        affinity_problem(helm_values)
        or node_selector_problem(helm_values)
        or tolerations_problem(helm_values, pool_taints)
    )
