"""Every bound of the config model at both edges: the last value it accepts and the first it refuses.

Where a key renders into a field of an upstream CRD, the edges are read from that CRD (its minimum,
maximum, maxItems, maxProperties, maxLength, pattern, list type or CEL rule), so the config and the CRD
cannot drift apart. The bounds no CRD field holds (EC2's, EKS's, the Pulumi CLI's, the stack's own) are
written out below with where they come from."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest
import yaml

from karpenter.config.errors import ConfigError
from karpenter.config.loading import parse_stack_config, validate_settings
from karpenter.kubernetes.pool_values import node_pool_values
from tests import upstream_crds
from tests.conftest import settings_for

NODE_POOLS = "karpenter.sh_nodepools.yaml"
NODE_CLASSES = "karpenter.k8s.aws_ec2nodeclasses.yaml"
NODE_OVERLAYS = "karpenter.sh_nodeoverlays.yaml"

Build = Callable[[Any], dict[str, Any]]


@cache
def _spec(crd_file: str) -> dict[str, Any]:
    crd = yaml.safe_load((upstream_crds.located() / crd_file).read_text())
    [version] = crd["spec"]["versions"]
    spec: dict[str, Any] = version["schema"]["openAPIV3Schema"]["properties"]["spec"]
    return spec


def crd_field(crd_file: str, path: str) -> dict[str, Any]:
    """The schema of one field of a CRD's spec, by a path such as `template/spec/requirements/[]/key`
    (`[]` steps into a list's items, `{}` into a map's values)."""
    node = _spec(crd_file)
    for part in path.split("/"):
        node = (
            node["items"]
            if part == "[]"
            else node["additionalProperties"]
            if part == "{}"
            else node["properties"][part]
        )
    return node


def refusal(settings: dict[str, Any]) -> str | None:
    """The config's refusal of `settings` (beside a cluster name), or None when it accepts them."""
    try:
        validate_settings({"clusterName": "dev", **settings})
    except ConfigError as error:
        return str(error)
    return None


def assert_edges(build: Build, key: str, accepted: Any, refused: Any) -> None:
    """`accepted` passes; `refused`, which the same settings hold in its place, is refused naming `key`."""
    assert refusal(build(accepted)) is None, accepted
    message = refusal(build(refused))
    assert message is not None, f"{refused!r} was accepted"
    assert message.startswith(f"karpenter:{key}"), message


def pool(**fields: Any) -> dict[str, Any]:
    return {"nodePools": {"cpu": fields}}


def gpu_pool(**fields: Any) -> dict[str, Any]:
    return {"nodePools": {"gpu": {"gpu": True, **fields}}}


def node_class(**fields: Any) -> dict[str, Any]:
    return {"nodeClasses": {"x": fields}}


def overlay(**fields: Any) -> dict[str, Any]:
    return {"nodeOverlays": {"o": {"price": "1", **fields}}}


PRIMARY = {"networkCardIndex": 0, "deviceIndex": 0, "interfaceType": "interface"}


def _requirement_values(n: int) -> dict[str, Any]:
    return {"key": "example.com/team", "operator": "In", "values": [f"t{i}" for i in range(max(n, 1))], "minValues": n}


# --- numbers: the CRD's minimum and maximum -----------------------------------------------------


@dataclass(frozen=True)
class Numeric:
    crd_file: str
    path: str
    key: str
    build: Build


NUMERIC = {
    "pool-weight": Numeric(NODE_POOLS, "weight", "nodePools.cpu.weight", lambda v: pool(weight=v)),
    "pool-replicas": Numeric(NODE_POOLS, "replicas", "nodePools.cpu.replicas", lambda v: pool(replicas=v)),
    "requirement-min-values": Numeric(
        NODE_POOLS,
        "template/spec/requirements/[]/minValues",
        "nodePools.cpu.requirements[0].minValues",
        lambda v: pool(requirements=[_requirement_values(v)]),
    ),
    "overlay-weight": Numeric(NODE_OVERLAYS, "weight", "nodeOverlays.o.weight", lambda v: overlay(weight=v)),
    "hop-limit": Numeric(
        NODE_CLASSES,
        "metadataOptions/httpPutResponseHopLimit",
        "nodeClasses.x.metadataOptions.httpPutResponseHopLimit",
        lambda v: node_class(metadataOptions={"httpPutResponseHopLimit": v}),
    ),
    "max-pods": Numeric(
        NODE_CLASSES, "kubelet/maxPods", "nodeClasses.x.kubelet.maxPods", lambda v: node_class(kubelet={"maxPods": v})
    ),
    "pods-per-core": Numeric(
        NODE_CLASSES,
        "kubelet/podsPerCore",
        "nodeClasses.x.kubelet.podsPerCore",
        lambda v: node_class(kubelet={"podsPerCore": v}),
    ),
    "image-gc-high": Numeric(
        NODE_CLASSES,
        "kubelet/imageGCHighThresholdPercent",
        "nodeClasses.x.kubelet.imageGCHighThresholdPercent",
        lambda v: node_class(kubelet={"imageGCHighThresholdPercent": v}),
    ),
    "image-gc-low": Numeric(
        NODE_CLASSES,
        "kubelet/imageGCLowThresholdPercent",
        "nodeClasses.x.kubelet.imageGCLowThresholdPercent",
        lambda v: node_class(kubelet={"imageGCLowThresholdPercent": v}),
    ),
    "network-card-index": Numeric(
        NODE_CLASSES,
        "networkInterfaces/[]/networkCardIndex",
        "nodeClasses.x.networkInterfaces[1].networkCardIndex",
        lambda v: node_class(
            networkInterfaces=[PRIMARY, {"networkCardIndex": v, "deviceIndex": 1, "interfaceType": "interface"}]
        ),
    ),
    "device-index": Numeric(
        NODE_CLASSES,
        "networkInterfaces/[]/deviceIndex",
        "nodeClasses.x.networkInterfaces[1].deviceIndex",
        lambda v: node_class(
            networkInterfaces=[PRIMARY, {"networkCardIndex": 1, "deviceIndex": v, "interfaceType": "efa-only"}]
        ),
    ),
}


@pytest.mark.parametrize("case", NUMERIC.values(), ids=NUMERIC.keys())
def test_a_number_is_accepted_up_to_the_crds_minimum_and_maximum_and_refused_past_them(case: Numeric) -> None:
    field = crd_field(case.crd_file, case.path)
    assert "minimum" in field or "maximum" in field, field
    if "minimum" in field:
        assert_edges(case.build, case.key, field["minimum"], field["minimum"] - 1)
    if "maximum" in field:
        assert_edges(case.build, case.key, field["maximum"], field["maximum"] + 1)


def test_min_instance_generation_is_accepted_down_to_what_the_crds_requirement_rule_takes() -> None:
    # The pool renders it as the value of an instance-generation Gt requirement, which the CRD's CEL rule
    # reads as an integer of at least this.
    rules = [rule["rule"] for rule in crd_field(NODE_POOLS, "template/spec/requirements")["x-kubernetes-validations"]]
    [least] = [
        int(m) for rule in rules for m in re.findall(r"x\.operator == 'Gt'.*int\(x\.values\[0\]\) >= (\d+)", rule)
    ]
    assert_edges(lambda v: pool(minInstanceGeneration=v), "nodePools.cpu.minInstanceGeneration", least, least - 1)


# --- how many: the CRD's maxItems, minItems and maxProperties -----------------------------------


@dataclass(frozen=True)
class Count:
    crd_file: str
    path: str
    key: str
    build: Build  # settings holding a list or map of n valid entries


def _tags(n: int) -> dict[str, str]:
    return {f"team{i}": "ml" for i in range(n)}


COUNTS = {
    "ami-selector-terms": Count(
        NODE_CLASSES,
        "amiSelectorTerms",
        "nodeClasses.x.amiSelectorTerms",
        lambda n: node_class(amiFamily="al2023", amiSelectorTerms=[{"id": f"ami-{i}"} for i in range(n)]),
    ),
    "subnet-selector-terms": Count(
        NODE_CLASSES,
        "subnetSelectorTerms",
        "nodeClasses.x.subnetSelectorTerms",
        lambda n: node_class(subnetSelectorTerms=[{"tags": {"team": f"t{i}"}} for i in range(n)]),
    ),
    "security-group-selector-terms": Count(
        NODE_CLASSES,
        "securityGroupSelectorTerms",
        "nodeClasses.x.securityGroupSelectorTerms",
        lambda n: node_class(securityGroupSelectorTerms=[{"id": f"sg-{i}"} for i in range(n)]),
    ),
    "capacity-reservation-selector-terms": Count(
        NODE_CLASSES,
        "capacityReservationSelectorTerms",
        "nodeClasses.x.capacityReservationSelectorTerms",
        lambda n: node_class(capacityReservationSelectorTerms=[{"id": f"cr-{i}"} for i in range(n)]),
    ),
    "network-interfaces": Count(
        NODE_CLASSES,
        "networkInterfaces",
        "nodeClasses.x.networkInterfaces",
        lambda n: node_class(
            networkInterfaces=[
                {"networkCardIndex": 0, "deviceIndex": i, "interfaceType": "interface"} for i in range(n)
            ]
        ),
    ),
    "ami-selector-tags": Count(
        NODE_CLASSES,
        "amiSelectorTerms/[]/tags",
        "nodeClasses.x.amiSelectorTerms[0].tags",
        lambda n: node_class(amiFamily="al2023", amiSelectorTerms=[{"tags": _tags(n)}]),
    ),
    "subnet-selector-tags": Count(
        NODE_CLASSES,
        "subnetSelectorTerms/[]/tags",
        "nodeClasses.x.subnetSelectorTerms[0].tags",
        lambda n: node_class(subnetSelectorTerms=[{"tags": _tags(n)}]),
    ),
    "security-group-selector-tags": Count(
        NODE_CLASSES,
        "securityGroupSelectorTerms/[]/tags",
        "nodeClasses.x.securityGroupSelectorTerms[0].tags",
        lambda n: node_class(securityGroupSelectorTerms=[{"tags": _tags(n)}]),
    ),
    "capacity-reservation-selector-tags": Count(
        NODE_CLASSES,
        "capacityReservationSelectorTerms/[]/tags",
        "nodeClasses.x.capacityReservationSelectorTerms[0].tags",
        lambda n: node_class(capacityReservationSelectorTerms=[{"tags": _tags(n)}]),
    ),
    "budgets": Count(
        NODE_POOLS,
        "disruption/budgets",
        "nodePools.cpu.disruption.budgets",
        lambda n: pool(disruption={"budgets": [{"nodes": str(i)} for i in range(n)]}),
    ),
    "overlay-requirements": Count(
        NODE_OVERLAYS,
        "requirements",
        "nodeOverlays.o.requirements",
        lambda n: overlay(requirements=[{"key": f"example.com/k{i}", "operator": "Exists"} for i in range(n)]),
    ),
}


@pytest.mark.parametrize("case", COUNTS.values(), ids=COUNTS.keys())
def test_a_list_or_map_holds_as_many_entries_as_the_crd_allows_and_no_more(case: Count) -> None:
    field = crd_field(case.crd_file, case.path)
    most = field.get("maxItems", field.get("maxProperties"))
    assert most is not None, field
    assert_edges(case.build, case.key, most, most + 1)
    assert refusal(case.build(most + 1)) == (
        f"karpenter:{case.key}: holds {most + 1} entries, and at most {most} are allowed; remove some"
    )
    if field.get("minItems"):
        assert_edges(case.build, case.key, field["minItems"], field["minItems"] - 1)


def _fullest_pool(**fields: Any) -> dict[str, Any]:
    # A GPU pool with instance families, time-sliced GPUs and retired: every requirement and label the
    # pool's own settings add to the NodePool.
    return gpu_pool(instanceFamilies=["g6"], gpuSharing={"timeSlicing": {"replicas": 2}}, retired=True, **fields)


def _rendered(settings: dict[str, Any]) -> dict[str, Any]:
    config = parse_stack_config(settings_for({"clusterName": "dev", **settings}))
    [(name, parsed)] = config.node_pools.items()
    return node_pool_values(name, parsed, ["eu-west-1a"])


def test_a_pools_requirements_and_its_own_fill_the_crds_max_items_and_one_more_is_refused() -> None:
    most = crd_field(NODE_POOLS, "template/spec/requirements")["maxItems"]

    def extra(n: int) -> dict[str, Any]:
        return _fullest_pool(requirements=[{"key": f"example.com/k{i}", "operator": "Exists"} for i in range(n)])

    own = len(_rendered(extra(0))["requirements"])
    assert len(_rendered(extra(most - own))["requirements"]) == most
    assert_edges(extra, "nodePools.gpu.requirements", most - own, most - own + 1)


def test_a_pools_labels_and_its_own_fill_the_crds_max_properties_and_one_more_is_refused() -> None:
    most = crd_field(NODE_POOLS, "template/metadata/labels")["maxProperties"]

    def labels(n: int) -> dict[str, Any]:
        return _fullest_pool(labels={f"example.com/l{i}": "x" for i in range(n)})

    own = len(_rendered(labels(0))["labels"])
    assert len(_rendered(labels(most - own))["labels"]) == most
    assert_edges(labels, "nodePools.gpu.labels", most - own, most - own + 1)


def test_budget_reasons_are_a_set_in_the_crd_so_a_repeated_reason_is_refused() -> None:
    reasons = crd_field(NODE_POOLS, "disruption/budgets/[]/reasons")
    assert reasons["x-kubernetes-list-type"] == "set"
    every = reasons["items"]["enum"]
    assert_edges(
        lambda r: pool(disruption={"budgets": [{"nodes": "1", "reasons": r}]}),
        "nodePools.cpu.disruption.budgets[0].reasons",
        every,
        [*every, every[0]],
    )


# --- text: the CRD's pattern and maxLength ------------------------------------------------------


@dataclass(frozen=True)
class Text:
    crd_file: str
    path: str
    key: str
    build: Build
    accepted: tuple[str, ...]  # each the last the pattern takes before a refused neighbour
    refused: tuple[str, ...]


TEXTS = {
    "termination-grace-period": Text(
        NODE_POOLS,
        "template/spec/terminationGracePeriod",
        "nodePools.cpu.terminationGracePeriod",
        lambda v: pool(terminationGracePeriod=v),
        ("1s", "24h", "1h30m"),
        ("1d", "Never", "1.5h", "", "1h ", "h", "ms", "1hs"),
    ),
    "expire-after": Text(
        NODE_POOLS,
        "template/spec/expireAfter",
        "nodePools.cpu.expireAfter",
        lambda v: pool(expireAfter=v),
        ("1s", "720h", "Never"),
        ("1d", "never", "1.5h", "", "h", "ms", "1hs"),
    ),
    "consolidate-after": Text(
        NODE_POOLS,
        "disruption/consolidateAfter",
        "nodePools.cpu.disruption.consolidateAfter",
        lambda v: pool(disruption={"consolidateAfter": v}),
        ("0s", "1h30m", "Never"),
        ("1d", "30", "", "h", "ms"),
    ),
    "budget-nodes": Text(
        NODE_POOLS,
        "disruption/budgets/[]/nodes",
        "nodePools.cpu.disruption.budgets[0].nodes",
        lambda v: pool(disruption={"budgets": [{"nodes": v}]}),
        ("100%", "0%", "0", "1000"),
        ("101%", "100.0%", "-1", "1.5", ""),
    ),
    "budget-duration": Text(
        NODE_POOLS,
        "disruption/budgets/[]/duration",
        "nodePools.cpu.disruption.budgets[0].duration",
        lambda v: pool(disruption={"budgets": [{"nodes": "1", "schedule": "0 9 * * *", "duration": v}]}),
        ("30m", "8h", "1h30m", "1h30m0s"),
        ("30s", "1h30m5s", "1d", "1m1h"),
    ),
    "limit": Text(
        NODE_POOLS,
        "limits/{}",
        "nodePools.cpu.limits",
        lambda v: pool(limits={"cpu": v}),
        ("1", ".5", "1.", "1.5", "+1", "1Ki", "1Ei", "500m", "1E", "1e3", "1e+3", "1e-3", "1E.5"),
        (".", "a", "15i", "15+3", "1ea", "1e", "1Ki5", "1.5.5", "1e.", "1e1.a", "1e.a", "1.a", ".a"),
    ),
    "label-value": Text(
        NODE_POOLS,
        "template/metadata/labels/{}",
        "nodePools.cpu.labels",
        lambda v: pool(labels={"example.com/team": v}),
        ("a" * 63, "a-b.c_d", ""),
        ("a" * 64, "-a", "a-", "a b"),
    ),
    "taint-key": Text(
        NODE_POOLS,
        "template/spec/taints/[]/key",
        "nodePools.cpu.taints[0].key",
        lambda v: pool(taints=[{"key": v, "effect": "NoSchedule"}]),
        ("a", "example.com/a"),
        ("", "-a", "example.com/"),
    ),
    "startup-taint-key": Text(
        NODE_POOLS,
        "template/spec/startupTaints/[]/key",
        "nodePools.cpu.startupTaints[0].key",
        lambda v: pool(startupTaints=[{"key": v, "effect": "NoSchedule"}]),
        ("a", "example.com/a"),
        ("", "-a", "example.com/"),
    ),
    "requirement-value": Text(
        NODE_POOLS,
        "template/spec/requirements/[]/values",
        "nodePools.cpu.requirements[0].values",
        lambda v: pool(requirements=[{"key": "example.com/team", "operator": "In", "values": [v]}]),
        ("a" * 63, "a"),
        ("a" * 64, "-a"),
    ),
    "requirement-key": Text(
        NODE_POOLS,
        "template/spec/requirements/[]/key",
        "nodePools.cpu.requirements[0].key",
        lambda v: pool(requirements=[{"key": v, "operator": "Exists"}]),
        # The longest a key may be: a 252-character domain, a slash and a 63-character name.
        (".".join(["a" * 63] * 3 + ["a" * 60]) + "/" + "a" * 63, "a"),
        (".".join(["a" * 63] * 3 + ["a" * 61]) + "/" + "a" * 63, "-a", "example.com/"),
    ),
    "root-volume-size": Text(
        NODE_CLASSES,
        "blockDeviceMappings/[]/ebs/volumeSize",
        "nodeClasses.x.rootVolume.size",
        lambda v: node_class(rootVolume={"size": v}),
        ("1Gi", "59000Gi", "64000G", "58Ti", "64T"),
        ("0Gi", "59001Gi", "64001G", "59Ti", "65T", "100GiB"),
    ),
    "ami-id": Text(
        NODE_CLASSES,
        "amiSelectorTerms/[]/id",
        "nodeClasses.x.amiSelectorTerms[0].id",
        lambda v: node_class(amiFamily="al2023", amiSelectorTerms=[{"id": v}]),
        ("ami-0", "ami-0123456789abcdef0"),
        ("ami-", "ami_0"),
    ),
    "ami-alias": Text(
        NODE_CLASSES,
        "amiSelectorTerms/[]/alias",
        "nodeClasses.x.amiAlias",
        lambda v: node_class(amiAlias=v),
        ("al2023@" + "v" * 23,),
        ("al2023@" + "v" * 24, "al2023@", "al2023"),
    ),
    "security-group-id": Text(
        NODE_CLASSES,
        "securityGroupSelectorTerms/[]/id",
        "nodeClasses.x.securityGroupSelectorTerms[0].id",
        lambda v: node_class(securityGroupSelectorTerms=[{"id": v}]),
        ("sg-0", "sg-0123456789abcdef0"),
        ("sg-", "sg_0"),
    ),
    "capacity-reservation-id": Text(
        NODE_CLASSES,
        "capacityReservationSelectorTerms/[]/id",
        "nodeClasses.x.capacityReservationSelectorTerms[0].id",
        lambda v: node_class(capacityReservationSelectorTerms=[{"id": v}]),
        ("cr-0", "cr-0123456789abcdef0"),
        ("cr-", "cr-0A", "cr-0 "),
    ),
    "capacity-reservation-owner": Text(
        NODE_CLASSES,
        "capacityReservationSelectorTerms/[]/ownerID",
        "nodeClasses.x.capacityReservationSelectorTerms[0].ownerID",
        lambda v: node_class(capacityReservationSelectorTerms=[{"tags": {"team": "ml"}, "ownerID": v}]),
        ("111122223333",),
        ("11112222333", "1111222233334", "11112222333a"),
    ),
    "placement-group-id": Text(
        NODE_CLASSES,
        "placementGroupSelector/id",
        "nodeClasses.x.placementGroupSelector.id",
        lambda v: node_class(placementGroupSelector={"id": v}),
        ("pg-0", "pg-0123456789abcdef0"),
        ("pg-", "pg-0A"),
    ),
    "placement-group-name": Text(
        NODE_CLASSES,
        "placementGroupSelector/name",
        "nodeClasses.x.placementGroupSelector.name",
        lambda v: node_class(placementGroupSelector={"name": v}),
        ("a",),
        ("",),
    ),
    "eviction-hard": Text(
        NODE_CLASSES,
        "kubelet/evictionHard/{}",
        "nodeClasses.x.kubelet.evictionHard.memory.available",
        lambda v: node_class(kubelet={"evictionHard": {"memory.available": v}}),
        ("100%", "100.00%", "99.99%", "0%", "100Mi"),
        ("100.01%", "101%", "99.999%", "5 %"),
    ),
    "eviction-soft": Text(
        NODE_CLASSES,
        "kubelet/evictionSoft/{}",
        "nodeClasses.x.kubelet.evictionSoft.memory.available",
        lambda v: node_class(
            kubelet={"evictionSoft": {"memory.available": v}, "evictionSoftGracePeriod": {"memory.available": "1m"}}
        ),
        ("100%", "99.99%", "100Mi"),
        ("100.01%", "101%"),
    ),
    "overlay-price": Text(
        NODE_OVERLAYS,
        "price",
        "nodeOverlays.o.price",
        lambda v: {"nodeOverlays": {"o": {"price": v}}},
        ("0", "0.25", "12"),
        ("0.", ".5", "-1", "+1", "1e3"),
    ),
    "overlay-price-adjustment": Text(
        NODE_OVERLAYS,
        "priceAdjustment",
        "nodeOverlays.o.priceAdjustment",
        lambda v: {"nodeOverlays": {"o": {"priceAdjustment": v}}},
        ("-100%", "-99.99%", "-1%", "+10%", "+150%", "-0.05", "+.5"),
        ("-101%", "-100.5%", "10%", "0.05", "-"),
    ),
}


def _crd_matches(field: dict[str, Any], value: str) -> bool:
    # The API server searches for an OpenAPI pattern anywhere in the value (ECMA-262), anchored or not.
    return len(value) <= field.get("maxLength", len(value)) and (
        "pattern" not in field or re.search(field["pattern"], value) is not None
    )


def _crd_alias_matches(field: dict[str, Any], value: str) -> bool:
    form = field["x-kubernetes-validations"][0]["rule"]
    [pattern] = re.findall(r"self\.matches\('(.+)'\)", form)
    return len(value) <= field["maxLength"] and re.search(pattern, value) is not None


@pytest.mark.parametrize("case", TEXTS.values(), ids=TEXTS.keys())
def test_text_is_accepted_exactly_where_the_crds_pattern_and_length_accept_it(case: Text) -> None:
    field = crd_field(case.crd_file, case.path)
    matches = _crd_alias_matches if case.path.endswith("alias") else _crd_matches
    assert "pattern" in field or "maxLength" in field or "minLength" in field or "x-kubernetes-validations" in field
    for value in case.accepted:
        assert matches(field, value) and len(value) >= field.get("minLength", 0), f"the CRD refuses {value!r}"
        assert refusal(case.build(value)) is None, value
    for value in case.refused:
        assert not matches(field, value) or len(value) < field.get("minLength", 0), f"the CRD accepts {value!r}"
        message = refusal(case.build(value))
        assert message is not None and message.startswith(f"karpenter:{case.key}"), (value, message)


# --- bounds no CRD field holds -------------------------------------------------------------------


@dataclass(frozen=True)
class Own:
    key: str
    build: Build
    accepted: Any
    refused: Any
    beside: dict[str, Any] = dataclasses.field(default_factory=dict)  # other settings the edges need


def new_cluster(**fields: Any) -> dict[str, Any]:
    network = {"vpcId": "vpc-01234567", "subnetIds": ["subnet-01234567", "subnet-89abcdef"]}
    return {"cluster": {"create": True, **network, **fields}}


# Each with where it comes from. Repeats: the pool's lists render as the values of `In` requirements,
# which the CRD keeps as written (list type atomic), so a repeat would only show as a doubled value.
OWN = {
    "pool-capacity-types-repeat": Own(
        "nodePools.cpu.capacityTypes", lambda v: pool(capacityTypes=v), ["spot", "on-demand"], ["spot", "spot"]
    ),
    "pool-capacity-types-empty": Own("nodePools.cpu.capacityTypes", lambda v: pool(capacityTypes=v), ["spot"], []),
    "pool-architectures-repeat": Own(
        "nodePools.cpu.architectures", lambda v: pool(architectures=v), ["amd64", "arm64"], ["arm64", "arm64"]
    ),
    "pool-architectures-empty": Own("nodePools.cpu.architectures", lambda v: pool(architectures=v), ["arm64"], []),
    "pool-zones-repeat": Own(
        "nodePools.cpu.zones", lambda v: pool(zones=v), ["eu-west-1a", "eu-west-1b"], ["eu-west-1a", "eu-west-1a"]
    ),
    "pool-instance-categories-repeat": Own(
        "nodePools.cpu.instanceCategories", lambda v: pool(instanceCategories=v), ["c", "m"], ["c", "c"]
    ),
    # EC2's instance category is the letters before a type's generation digit (c in c7i).
    "pool-instance-categories-letters": Own(
        "nodePools.cpu.instanceCategories", lambda v: pool(instanceCategories=v), ["c"], ["c7"]
    ),
    "pool-instance-categories-empty": Own(
        "nodePools.cpu.instanceCategories", lambda v: pool(instanceCategories=v), ["r"], [""]
    ),
    "pool-instance-categories-digits": Own(
        "nodePools.cpu.instanceCategories", lambda v: pool(instanceCategories=v), ["m"], ["7"]
    ),
    "pool-instance-families-repeat": Own(
        "nodePools.cpu.instanceFamilies", lambda v: pool(instanceFamilies=v), ["m7i", "c7i"], ["m7i", "m7i"]
    ),
    "pool-max-hourly-cost": Own("nodePools.cpu.maxHourlyCost", lambda v: pool(maxHourlyCost=v), 0.001, 0),
    # The NVIDIA device plugin's time-slicing takes 2 replicas or more; 256 is the stack's own ceiling.
    "time-slicing-replicas-least": Own(
        "nodePools.gpu.gpuSharing.timeSlicing.replicas",
        lambda v: gpu_pool(gpuSharing={"timeSlicing": {"replicas": v}}),
        2,
        1,
    ),
    "time-slicing-replicas-most": Own(
        "nodePools.gpu.gpuSharing.timeSlicing.replicas",
        lambda v: gpu_pool(gpuSharing={"timeSlicing": {"replicas": v}}),
        256,
        257,
    ),
    "budgets-empty": Own(
        "nodePools.cpu.disruption.budgets", lambda v: pool(disruption={"budgets": v}), [{"nodes": "1"}], []
    ),
    "budget-reasons-empty": Own(
        "nodePools.cpu.disruption.budgets[0].reasons",
        lambda v: pool(disruption={"budgets": [{"nodes": "1", "reasons": v}]}),
        ["Empty"],
        [],
    ),
    "controller-replicas": Own("controller.replicas", lambda v: {"controller": {"replicas": v}}, 1, 0),
    "eviction-max-pod-grace-period": Own(
        "nodeClasses.x.kubelet.evictionMaxPodGracePeriod",
        lambda v: node_class(kubelet={"evictionMaxPodGracePeriod": v}),
        0,
        -1,
    ),
    "cluster-dns-empty": Own(
        "nodeClasses.x.kubelet.clusterDNS", lambda v: node_class(kubelet={"clusterDNS": v}), ["10.100.0.10"], []
    ),
    # EC2's tag limits: keys of 1 to 128 characters, values of at most 256.
    "tag-key-longest": Own("nodeClasses.x.tags", lambda v: node_class(tags={v: "x"}), "k" * 128, "k" * 129),
    "tag-key-empty": Own("nodeClasses.x.tags", lambda v: node_class(tags={v: "x"}), "k", ""),
    "tag-value-longest": Own("nodeClasses.x.tags", lambda v: node_class(tags={"team": v}), "v" * 256, "v" * 257),
    # EBS: gp3 starts at 3000 IOPS and 125 MiB/s, io1 and io2 at 100 IOPS.
    "gp3-iops": Own("nodeClasses.x.rootVolume.iops", lambda v: node_class(rootVolume={"iops": v}), 3000, 2999),
    "gp3-throughput": Own(
        "nodeClasses.x.rootVolume.throughput", lambda v: node_class(rootVolume={"throughput": v}), 125, 124
    ),
    "io2-iops": Own(
        "nodeClasses.x.rootVolume.iops", lambda v: node_class(rootVolume={"type": "io2", "iops": v}), 100, 99
    ),
    "ami-name-empty": Own(
        "nodeClasses.x.amiSelectorTerms[0].name",
        lambda v: node_class(amiFamily="al2023", amiSelectorTerms=[{"name": v}]),
        "a",
        "",
    ),
    "security-group-name-empty": Own(
        "nodeClasses.x.securityGroupSelectorTerms[0].name",
        lambda v: node_class(securityGroupSelectorTerms=[{"name": v}]),
        "a",
        "",
    ),
    # EC2's subnet ids: 8 or 17 hexadecimal digits.
    "subnet-term-id": Own(
        "nodeClasses.x.subnetSelectorTerms[0].id",
        lambda v: node_class(subnetSelectorTerms=[{"id": v}]),
        "subnet-0123456789abcdef0",
        "subnet-0123456789abcdef",
    ),
    "subnet-ids-repeat": Own(
        "subnetIds",
        lambda v: {"subnetIds": v},
        ["subnet-01234567", "subnet-89abcdef"],
        ["subnet-01234567", "subnet-01234567"],
    ),
    "subnet-ids-empty": Own("subnetIds", lambda v: {"subnetIds": v}, ["subnet-01234567"], []),
    # Kubernetes names: DNS labels of at most 63 characters.
    "pool-name": Own("nodePools", lambda v: {"nodePools": {v: {}}}, "p" * 63, "p" * 64),
    "node-class-name": Own("nodeClasses", lambda v: {"nodeClasses": {v: {}}}, "c" * 63, "c" * 64),
    "namespace": Own("namespace", lambda v: {"namespace": v}, "n" * 63, "n" * 64),
    "pool-name-end": Own("nodePools", lambda v: {"nodePools": {v: {}}}, "p-1", "p-"),
    # EKS CreateCluster: letters, digits, - and _, starting with a letter or digit.
    "cluster-name-characters": Own("clusterName", lambda v: {"clusterName": v}, "dev_1-a", "dev.1"),
    "cluster-name-shortest": Own("clusterName", lambda v: {"clusterName": v}, "a", ""),
    # The stack's own: the AMI families it writes user data for, and a version of letters, digits, . _ -.
    "ami-alias-version": Own("amiAlias", lambda v: {"amiAlias": v}, "al2023@v1.2_3-4", "al2023@v1!"),
    "pools-empty": Own("nodePools", lambda v: {"nodePools": v}, {"cpu": {}}, {}),
    # EC2's availability zone names: region, then a letter.
    "pool-zone": Own("nodePools.cpu.zones[0]", lambda v: pool(zones=[v]), "eu-west-1a", "eu-west-1"),
    # The stack's own: Karpenter 1.x versions it knows, written without leading zeros.
    "karpenter-version": Own("version", lambda v: {"version": v}, "1.14.1", "1.14.01"),
    # A new cluster: EKS managed node groups take sizes from 1 (the controllers need a node); EC2 VPC ids have 8
    # or 17 hexadecimal digits; EKS versions are 1.<minor>; instance types are <family>.<size>.
    "system-min-size": Own(
        "cluster.systemNodeGroup.minSize", lambda v: new_cluster(systemNodeGroup={"minSize": v, "desiredSize": 2}), 1, 0
    ),
    "system-desired-size": Own(
        "cluster.systemNodeGroup.desiredSize",
        lambda v: new_cluster(systemNodeGroup={"minSize": 1, "desiredSize": v}),
        1,
        0,
        {"controller": {"replicas": 1}},
    ),
    "system-max-size": Own(
        "cluster.systemNodeGroup.maxSize",
        lambda v: new_cluster(systemNodeGroup={"minSize": 1, "desiredSize": 1, "maxSize": v}),
        1,
        0,
        {"controller": {"replicas": 1}},
    ),
    "system-instance-types-empty": Own(
        "cluster.systemNodeGroup.instanceTypes",
        lambda v: new_cluster(systemNodeGroup={"instanceTypes": v}),
        ["m7i.large"],
        [],
    ),
    "system-instance-type": Own(
        "cluster.systemNodeGroup.instanceTypes[0]",
        lambda v: new_cluster(systemNodeGroup={"instanceTypes": [v]}),
        "m7i-flex.large",
        "m7i",
    ),
    "vpc-id": Own("cluster.vpcId", lambda v: new_cluster(vpcId=v), "vpc-0123456789abcdef0", "vpc-0123456789abcdef"),
    "kubernetes-version": Own(
        "cluster.kubernetesVersion", lambda v: new_cluster(kubernetesVersion=v), "1.33", "1.33.1"
    ),
}


@pytest.mark.parametrize("case", OWN.values(), ids=OWN.keys())
def test_a_bound_of_the_stack_itself_is_held_at_both_edges(case: Own) -> None:
    assert_edges(lambda v: {**case.beside, **case.build(v)}, case.key, case.accepted, case.refused)


def test_a_cluster_name_is_accepted_up_to_eks_100_characters() -> None:
    # EKS CreateCluster: 1 to 100 characters, starting with a letter or digit.
    assert refusal({"clusterName": "c" * 100}) is None
    assert (
        refusal({"clusterName": "c" * 101})
        == "karpenter:clusterName: " + repr("c" * 101) + " is longer than 100 characters"
    )


def test_a_number_past_a_bound_is_refused_naming_the_bound() -> None:
    assert refusal(pool(maxHourlyCost=0)) == "karpenter:nodePools.cpu.maxHourlyCost: 0 must be a number > 0"
    assert refusal(pool(weight=0)) == "karpenter:nodePools.cpu.weight: 0 must be a number ≥ 1"
    assert refusal(pool(weight=101)) == "karpenter:nodePools.cpu.weight: 101 must be a number ≤ 100"


UNKNOWN = "memory.free"


@pytest.mark.parametrize(
    ("field", "settings"),
    [
        pytest.param("kubeReserved", lambda k: {"kubeReserved": {k: "1"}}, id="kube-reserved"),
        pytest.param("systemReserved", lambda k: {"systemReserved": {k: "1"}}, id="system-reserved"),
        pytest.param("evictionHard", lambda k: {"evictionHard": {k: "5%"}}, id="eviction-hard"),
        pytest.param(
            "evictionSoft",
            lambda k: {"evictionSoft": {k: "5%"}, "evictionSoftGracePeriod": {k: "1m"}},
            id="eviction-soft",
        ),
        pytest.param(
            "evictionSoftGracePeriod",
            # A grace period needs its soft threshold; the refused key is left to the grace periods alone.
            lambda k: {"evictionSoftGracePeriod": {k: "1m"}} | ({"evictionSoft": {k: "5%"}} if k != UNKNOWN else {}),
            id="eviction-soft-grace-period",
        ),
    ],
)
def test_a_kubelet_map_takes_exactly_the_keys_the_crds_rule_lists(
    field: str, settings: Callable[[str], dict[str, Any]]
) -> None:
    [rule, *_] = [rule["rule"] for rule in crd_field(NODE_CLASSES, f"kubelet/{field}")["x-kubernetes-validations"]]
    keys = re.findall(r"'([^']+)'", rule)
    assert len(keys) >= 4, rule
    for key in keys:
        assert refusal(node_class(kubelet=settings(key))) is None, key
    message = refusal(node_class(kubelet=settings(UNKNOWN)))
    assert message is not None and message.startswith(f"karpenter:nodeClasses.x.kubelet.{field}.{UNKNOWN}: "), message
    assert sorted(message.split(" is not one of ")[1].split(", ")) == sorted(keys)


def test_an_eviction_grace_period_is_a_go_duration() -> None:
    # The kubelet parses evictionSoftGracePeriod with Go's time.ParseDuration; the CRD only types it a string.
    def grace(value: str) -> dict[str, Any]:
        return node_class(
            kubelet={"evictionSoft": {"memory.available": "5%"}, "evictionSoftGracePeriod": {"memory.available": value}}
        )

    for accepted in ("1m30s", "1.5h", "500ms", "90s"):
        assert refusal(grace(accepted)) is None, accepted
    for refused in ("1d", "90", "s", ""):
        message = refusal(grace(refused))
        assert message is not None
        assert message.startswith("karpenter:nodeClasses.x.kubelet.evictionSoftGracePeriod.memory.available"), message
