"""`helmValues` may not put the Karpenter controller on the nodes Karpenter launches, nor make it wait
for them: the controller launches those nodes, and could disrupt the one it runs on.

What the chart does, read at the v1.14.1 tag of aws/karpenter-provider-aws: charts/karpenter/values.yaml
sets `affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms` to one
term, `{key: karpenter.sh/nodepool, operator: DoesNotExist}`, beside a pod anti-affinity on
kubernetes.io/hostname, `nodeSelector: {kubernetes.io/os: linux}` and `tolerations: [{key:
CriticalAddonsOnly, operator: Exists}]`; templates/deployment.yaml renders `.Values.affinity`,
`.Values.nodeSelector` and `.Values.tolerations` as they are. Helm lays the release's values over the
chart's map by map, a list or a null replacing (dropping) the chart's value. The taints Karpenter puts on
its nodes: sigs.k8s.io/karpenter v1.14.1 pkg/apis/v1/taints.go (`karpenter.sh/disrupted:NoSchedule`,
`karpenter.sh/unregistered:NoExecute`); a toleration matches a taint as k8s.io/api core/v1
`Toleration.ToleratesTaint` does (an effect, when given, must match; no key with Exists matches every key).
"""

from __future__ import annotations

from typing import Any

import pytest

from karpenter.config.errors import ConfigError
from karpenter.config.loading import parse_stack_config
from karpenter.config.stack_config import StackConfig
from tests.conftest import Run, settings_for

TERMS = "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms"
KEEP_OFF = {"key": "karpenter.sh/nodepool", "operator": "DoesNotExist"}
DROPS = (
    "drops the chart's required node affinity, which keeps the controller off the nodes Karpenter launches; keep "
    "{key: karpenter.sh/nodepool, operator: DoesNotExist} in every nodeSelectorTerm, or leave nodeAffinity to the chart"
)


def _terms(*terms: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [{"matchExpressions": expressions} for expressions in terms]
                }
            }
        }
    }


def _parse(**config: Any) -> StackConfig:
    return parse_stack_config(settings_for({"clusterName": "dev", **config}))


def _refusal(**config: Any) -> str:
    with pytest.raises(ConfigError) as caught:
        _parse(**config)
    return str(caught.value)


@pytest.mark.parametrize(
    ("helm_values", "message"),
    [
        ({"affinity": None}, f"karpenter:helmValues.affinity: {DROPS}"),
        ({"affinity": {"nodeAffinity": None}}, f"karpenter:helmValues.affinity.nodeAffinity: {DROPS}"),
        (
            {"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": None}}},
            f"karpenter:helmValues.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution: {DROPS}",
        ),
        (_terms(), f"karpenter:helmValues.{TERMS}: {DROPS}"),
        (
            _terms([{"key": "node-role", "operator": "In", "values": ["system"]}]),
            f"karpenter:helmValues.{TERMS}[0]: lets the controller onto the nodes Karpenter launches, where the "
            "controller must not run; add {key: karpenter.sh/nodepool, operator: DoesNotExist} to this term (the "
            "terms are alternatives, so to every one)",
        ),
        (
            # Terms are alternatives: a second term without the rule lets Karpenter's nodes in again.
            _terms([KEEP_OFF], [{"key": "node-role", "operator": "In", "values": ["system"]}]),
            f"karpenter:helmValues.{TERMS}[1]: lets the controller onto the nodes Karpenter launches, where the "
            "controller must not run; add {key: karpenter.sh/nodepool, operator: DoesNotExist} to this term (the "
            "terms are alternatives, so to every one)",
        ),
        (
            _terms([KEEP_OFF, {"key": "karpenter.sh/capacity-type", "operator": "In", "values": ["on-demand"]}]),
            f"karpenter:helmValues.{TERMS}[0].matchExpressions[1]: karpenter.sh/capacity-type In matches only nodes "
            "Karpenter launches, where the controller must not run; remove it",
        ),
    ],
)
def test_an_affinity_that_replaces_the_charts_node_affinity_is_refused_naming_the_key(
    helm_values: dict[str, Any], message: str
) -> None:
    assert _refusal(helmValues=helm_values) == message


@pytest.mark.parametrize(
    "helm_values",
    [
        # Helm merges these beside the chart's node affinity, which stays.
        {"affinity": {"podAntiAffinity": None}},
        {"affinity": {"podAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": []}}},
        {
            "affinity": {
                "nodeAffinity": {
                    "preferredDuringSchedulingIgnoredDuringExecution": [
                        {"weight": 1, "preference": {"matchExpressions": [{"key": "tier", "operator": "Exists"}]}}
                    ]
                }
            }
        },
        # Every term keeps the chart's rule.
        _terms([KEEP_OFF, {"key": "node-role", "operator": "In", "values": ["system"]}]),
        _terms([KEEP_OFF, {"key": "tier", "operator": "In", "values": ["a"]}], [KEEP_OFF]),
        # NotIn and DoesNotExist match nodes without the label, which Karpenter's nodes are not.
        _terms([KEEP_OFF, {"key": "karpenter.sh/capacity-type", "operator": "NotIn", "values": ["spot"]}]),
    ],
)
def test_an_affinity_that_keeps_karpenters_nodes_out_is_accepted(helm_values: dict[str, Any]) -> None:
    assert _parse(helmValues=helm_values).helm_values == helm_values


@pytest.mark.parametrize(
    "label", ["karpenter.sh/nodepool", "karpenter.sh/capacity-type", "karpenter.k8s.aws/ec2nodeclass"]
)
def test_a_node_selector_on_a_label_only_karpenters_nodes_carry_is_refused(label: str) -> None:
    assert _refusal(helmValues={"nodeSelector": {"node-role": "system", label: "default"}}) == (
        f'karpenter:helmValues.nodeSelector."{label}": only nodes Karpenter launches carry {label}, and the '
        "controller must not run on them (the chart's affinity keeps it off them, so it would stay Pending); select "
        "the nodes it should run on by a label of theirs"
    )


@pytest.mark.parametrize(
    ("toleration", "taint"),
    [
        ({"key": "karpenter.sh/disrupted", "operator": "Exists"}, "karpenter.sh/disrupted:NoSchedule"),
        (
            {"key": "karpenter.sh/unregistered", "operator": "Exists", "effect": "NoExecute"},
            "karpenter.sh/unregistered:NoExecute",
        ),
        # No key but an effect: every taint of that effect.
        ({"operator": "Exists", "effect": "NoSchedule"}, "karpenter.sh/disrupted:NoSchedule"),
    ],
)
def test_a_toleration_of_karpenters_own_taints_is_refused(toleration: dict[str, str], taint: str) -> None:
    tolerations = [{"key": "CriticalAddonsOnly", "operator": "Exists"}, toleration]
    assert _refusal(helmValues={"tolerations": tolerations}) == (
        f"karpenter:helmValues.tolerations[1]: tolerates {taint}, which Karpenter puts on the nodes it launches, "
        "where the controller must not run; remove it"
    )


def test_a_toleration_of_every_taint_is_refused() -> None:
    assert _refusal(helmValues={"tolerations": [{"operator": "Exists"}]}) == (
        "karpenter:helmValues.tolerations[0]: operator Exists without a key tolerates every taint, Karpenter's own "
        "(karpenter.sh/disrupted, karpenter.sh/unregistered) among them; name the taints of the nodes the controller "
        "should run on"
    )


@pytest.mark.parametrize(
    ("pool", "toleration", "taint"),
    [
        (
            {"taints": [{"key": "team", "value": "ml", "effect": "NoSchedule"}]},
            {"key": "team", "operator": "Equal", "value": "ml"},
            "team=ml:NoSchedule",
        ),
        (
            {"startupTaints": [{"key": "example.com/agent-not-ready", "effect": "NoExecute"}]},
            {"key": "example.com/agent-not-ready", "operator": "Exists"},
            "example.com/agent-not-ready:NoExecute",
        ),
        ({"gpu": True}, {"key": "nvidia.com/gpu", "operator": "Exists"}, "nvidia.com/gpu=true:NoSchedule"),
    ],
)
def test_a_toleration_of_a_pools_taint_is_refused_naming_the_pool(
    pool: dict[str, Any], toleration: dict[str, str], taint: str
) -> None:
    assert _refusal(nodePools={"batch": pool}, helmValues={"tolerations": [toleration]}) == (
        f"karpenter:helmValues.tolerations[0]: tolerates {taint}, which karpenter:nodePools.batch puts on its nodes, "
        "where the controller must not run; remove it"
    )


@pytest.mark.parametrize(
    "tolerations",
    [
        [{"key": "CriticalAddonsOnly", "operator": "Exists"}],
        [{"key": "dedicated", "operator": "Equal", "value": "system", "effect": "NoSchedule"}],
        # Another effect than the taint's does not tolerate it.
        [{"key": "karpenter.sh/unregistered", "operator": "Exists", "effect": "NoSchedule"}],
        # Another value than the pool's taint's does not tolerate it.
        [{"key": "team", "operator": "Equal", "value": "platform"}],
    ],
)
def test_tolerations_of_other_taints_are_accepted(tolerations: list[dict[str, str]]) -> None:
    pools = {"batch": {"taints": [{"key": "team", "value": "ml", "effect": "NoSchedule"}]}}
    assert _parse(nodePools=pools, helmValues={"tolerations": tolerations}).helm_values == {"tolerations": tolerations}


def test_an_accepted_affinity_reaches_the_chart_as_given(run: Run) -> None:
    helm_values = _terms([KEEP_OFF, {"key": "node-role", "operator": "In", "values": ["system"]}])
    result = run({"helmValues": helm_values})
    (release,) = [r for r in result.of_type("kubernetes:helm.sh/v3:Release") if r.inputs["name"] == "karpenter"]
    assert release.inputs["values"]["affinity"] == helm_values["affinity"]
