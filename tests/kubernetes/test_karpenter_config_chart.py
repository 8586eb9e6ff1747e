"""Tests for the karpenter-config chart: values from the stack config, real Helm rendering,
the upstream CRD schemas and the CEL rules the API server would enforce on what we render."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from karpenter.charts.digest import chart_digest
from karpenter.config.loading import parse_stack_config
from karpenter.config.stack_config import StackConfig
from karpenter.kubernetes.pool_values import karpenter_config_values
from karpenter.offline.chart_render import CHART_DIR, lint_chart, render_chart, validate_values
from tests import upstream_crds

Manifest = dict[str, Any]

REPO_ROOT = Path(__file__).resolve().parents[2]
RUNBOOK_STACK = REPO_ROOT / "tests" / "fixtures" / "Pulumi.runbook.yaml"
ZONES = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
PROFILE = "KarpenterNodeInstanceProfile-dev"
RELEASE = "karpenter-config"
NAMESPACE = "kube-system"


# --- helpers -----------------------------------------------------------------------------


def pulumi_settings_from(stack_file: Path) -> dict[str, str]:
    """`karpenter:*` keys as the Pulumi runtime hands them over: every value is text,
    structured values as JSON."""
    config = yaml.safe_load(stack_file.read_text())["config"]
    settings: dict[str, str] = {}
    for key, value in config.items():
        if not key.startswith("karpenter:"):
            continue
        if isinstance(value, dict | list):
            settings[key] = json.dumps(value)
        elif isinstance(value, bool):
            settings[key] = "true" if value else "false"
        else:
            settings[key] = str(value)
    return settings


def render(values: dict[str, Any]) -> list[Manifest]:
    return list(yaml.safe_load_all(render_chart(values, release_name=RELEASE, namespace=NAMESPACE)))


def of_kind(manifests: list[Manifest], kind: str) -> dict[str, Manifest]:
    return {m["metadata"]["name"]: m for m in manifests if m["kind"] == kind}


def requirement(pool: Manifest, key: str) -> Manifest:
    matches = [r for r in pool["spec"]["template"]["spec"]["requirements"] if r["key"] == key]
    assert len(matches) == 1, f"{pool['metadata']['name']}: expected one {key} requirement, got {matches}"
    return matches[0]


def config_with_pools(pools: dict[str, Any]) -> StackConfig:
    return parse_stack_config({"karpenter:clusterName": "dev", "karpenter:nodePools": json.dumps(pools)})


# --- CRD schemas -------------------------------------------------------------------------


def _closed(schema: Any) -> Any:
    """The schema with unknown fields refused, as `kubectl apply` (strict field validation)
    refuses them; plain OpenAPI would let a misspelt field through silently."""
    if isinstance(schema, list):
        return [_closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    closed = {key: _closed(value) for key, value in schema.items()}
    if (
        "properties" in closed
        and "additionalProperties" not in closed
        and not closed.get("x-kubernetes-preserve-unknown-fields")
    ):
        closed["additionalProperties"] = False
    return closed


class Crds:
    """The upstream CRDs: a schema validator per apiVersion/kind, and the CRD documents."""

    def __init__(self, folder: Path) -> None:
        self.documents: dict[str, Manifest] = {}
        self.validators: dict[tuple[str, str], jsonschema.Draft7Validator] = {}
        for path in sorted(folder.glob("*.yaml")):
            for crd in yaml.safe_load_all(path.read_text()):
                if not crd or crd.get("kind") != "CustomResourceDefinition":
                    continue
                kind = crd["spec"]["names"]["kind"]
                self.documents[kind] = crd
                for version in crd["spec"]["versions"]:
                    api_version = f"{crd['spec']['group']}/{version['name']}"
                    schema = _closed(version["schema"]["openAPIV3Schema"])
                    self.validators[(api_version, kind)] = jsonschema.Draft7Validator(schema)

    def schema_errors(self, manifest: Manifest) -> list[str]:
        validator = self.validators.get((manifest["apiVersion"], manifest["kind"]))
        if validator is None:
            return [f"no CRD for {manifest['apiVersion']} {manifest['kind']}"]
        return [
            f"{'.'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in validator.iter_errors(manifest)
        ]

    def allowed_label_keys(self, domain: str, kind: str = "NodePool") -> set[str]:
        """The keys of `domain` the CEL rules of the NodePool (or NodeOverlay) CRD let a requirement
        name, read from the rule."""
        key_schema = self.documents[kind]["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
        path = ("spec", "template", "spec", "requirements") if kind == "NodePool" else ("spec", "requirements")
        for part in path:
            key_schema = key_schema["properties"][part]
        key_schema = key_schema["items"]["properties"]["key"]
        for rule in key_schema["x-kubernetes-validations"]:
            if rule["message"] == f'label domain "{domain}" is restricted':
                listed = re.search(r"self in \[(.*?)\]", rule["rule"])
                assert listed, rule["rule"]
                return set(re.findall(r'"([^"]+)"', listed.group(1)))
        raise AssertionError(f"the {kind} CRD has no rule for the {domain} label domain")


@pytest.fixture(scope="module")
def crds() -> Crds:
    return Crds(upstream_crds.located())


# --- CEL rules, as explicit Python checks --------------------------------------------------


def _label_key_problems(key: str, crds: Crds, kind: str = "NodePool") -> list[str]:
    domain = key.split("/", 1)[0]
    problems = []
    # The NodeOverlay CRD lets a requirement name the pool; the NodePool CRD does not.
    restricted_keys = ("karpenter.sh/nodepool", "kubernetes.io/hostname") if kind == "NodePool" else ()
    if key in (*restricted_keys, "kubernetes.io/hostname"):
        problems.append(f"label {key!r} is restricted")
    for restricted in ("karpenter.sh", "karpenter.k8s.aws"):
        if domain.endswith(restricted) and key not in crds.allowed_label_keys(restricted, kind):
            problems.append(f"label domain {restricted!r} is restricted ({key})")
    return problems


def _requirement_problems(requirements: list[Manifest], crds: Crds, kind: str) -> list[str]:
    problems: list[str] = []
    for req in requirements:
        where = f"requirement {req['key']}"
        values = req.get("values", [])
        if req["operator"] in ("In", "NotIn") and not values:
            problems.append(f"{where}: {req['operator']} needs values")
        if req["operator"] in ("Gt", "Lt", "Gte", "Lte") and (len(values) != 1 or not values[0].isdigit()):
            problems.append(f"{where}: {req['operator']} needs one integer value ≥ 0, got {values}")
        if "minValues" in req and req["operator"] == "In" and len(values) < req["minValues"]:
            problems.append(f"{where}: fewer values than minValues")
        problems += [f"{where}: {p}" for p in _label_key_problems(req["key"], crds, kind)]
    return problems


def nodepool_cel_problems(pool: Manifest, crds: Crds) -> list[str]:
    spec = pool["spec"]
    template = spec["template"]
    problems = _requirement_problems(template["spec"]["requirements"], crds, "NodePool")
    for key in template.get("metadata", {}).get("labels", {}):
        problems += [f"labels: {p}" for p in _label_key_problems(key, crds)]
    ref = template["spec"]["nodeClassRef"]
    problems += [f"nodeClassRef.{field} may not be empty" for field in ("group", "kind", "name") if not ref.get(field)]
    for budget in spec.get("disruption", {}).get("budgets", []):
        if ("schedule" in budget) != ("duration" in budget):
            problems.append("budget: 'schedule' must be set with 'duration'")
    if "replicas" in spec and "weight" in spec:
        problems.append("'weight' is not supported on static NodePools")
    if "replicas" in spec and set(spec.get("limits") or {}) - {"nodes"}:
        problems.append("only 'limits.nodes' is supported on static NodePools")
    return problems


def nodeoverlay_cel_problems(overlay: Manifest, crds: Crds) -> list[str]:
    spec = overlay["spec"]
    problems = _requirement_problems(spec["requirements"], crds, "NodeOverlay")
    if "price" in spec and "priceAdjustment" in spec:
        problems.append("cannot set both 'price' and 'priceAdjustment'")
    problems += [
        f"capacity {name!r}: invalid resource restricted"
        for name in spec.get("capacity", {})
        if name in ("cpu", "memory", "ephemeral-storage", "pods")
    ]
    return problems


_RESTRICTED_TAGS = (
    "eks:eks-cluster-name",
    "karpenter.sh/nodepool",
    "karpenter.sh/nodeclaim",
    "karpenter.k8s.aws/ec2nodeclass",
)
_ALIAS_FAMILIES = ("al2", "al2023", "bottlerocket", "windows2019", "windows2022", "windows2025")


def ec2nodeclass_cel_problems(node_class: Manifest) -> list[str]:
    spec = node_class["spec"]
    problems: list[str] = []
    if ("role" in spec) == ("instanceProfile" in spec):
        problems.append("must specify exactly one of ['role', 'instanceProfile']")
    problems += [f"{field} cannot be empty" for field in ("role", "instanceProfile") if spec.get(field) == ""]

    terms = spec.get("amiSelectorTerms", [])
    aliases = [term["alias"] for term in terms if "alias" in term]
    if aliases and (len(terms) != 1 or set(terms[0]) != {"alias"}):
        problems.append("'alias' must stand alone in amiSelectorTerms")
    for alias in aliases:
        family = alias.split("@", 1)[0]
        if not re.match(r"^[a-zA-Z0-9]+@.+$", alias) or family not in _ALIAS_FAMILIES:
            problems.append(f"alias {alias!r} is not family@version with a supported family")
        elif "amiFamily" in spec and spec["amiFamily"].lower() not in (family, "custom"):
            problems.append(f"amiFamily {spec['amiFamily']} does not match alias {alias}")
    if not aliases and "amiFamily" not in spec:
        problems.append("must specify amiFamily if amiSelectorTerms does not contain an alias")

    for field, selectors in (
        ("subnetSelectorTerms", ("tags", "id")),
        ("securityGroupSelectorTerms", ("tags", "id", "name")),
    ):
        selector_terms = spec.get(field, [])
        if not selector_terms:
            problems.append(f"{field} cannot be empty")
        for term in selector_terms:
            if not any(s in term for s in selectors):
                problems.append(f"{field}: a term needs one of {selectors}")
            if any(not k or not v for k, v in term.get("tags", {}).items()):
                problems.append(f"{field}: empty tag keys or values")

    for key in spec.get("tags", {}):
        if not key or key in _RESTRICTED_TAGS or key.startswith("kubernetes.io/cluster"):
            problems.append(f"tag {key!r} is restricted")
    mappings = spec.get("blockDeviceMappings", [])
    if sum(1 for m in mappings if m.get("rootVolume")) > 1:
        problems.append("more than one blockDeviceMapping with rootVolume")
    for mapping in mappings:
        ebs = mapping.get("ebs", {})
        if "volumeSize" not in ebs and "snapshotID" not in ebs:
            problems.append(f"{mapping.get('deviceName')}: snapshotID or volumeSize must be defined")
        if "volumeInitializationRate" in ebs and not ebs.get("snapshotID"):
            problems.append(f"{mapping.get('deviceName')}: snapshotID must be set with volumeInitializationRate")
    return problems + _ec2nodeclass_selector_problems(spec) + _kubelet_problems(spec.get("kubelet", {}))


def _exclusive(term: Manifest, field: str, others: tuple[str, ...]) -> bool:
    return field in term and any(other in term for other in others)


def _ec2nodeclass_selector_problems(spec: Manifest) -> list[str]:
    problems: list[str] = []
    terms = spec.get("amiSelectorTerms", [])
    if any(not ({"tags", "id", "name", "alias", "ssmParameter"} & set(term)) for term in terms):
        problems.append("amiSelectorTerms: expected at least one of tags, id, name, alias, ssmParameter")
    if any(_exclusive(term, "id", ("alias", "tags", "name", "owner")) for term in terms):
        problems.append("amiSelectorTerms: 'id' is mutually exclusive")
    for term in spec.get("subnetSelectorTerms", []):
        if _exclusive(term, "id", ("tags",)):
            problems.append("subnetSelectorTerms: 'id' is mutually exclusive")
    for term in spec.get("securityGroupSelectorTerms", []):
        if _exclusive(term, "id", ("tags", "name")) or _exclusive(term, "name", ("tags", "id")):
            problems.append("securityGroupSelectorTerms: 'id' and 'name' are mutually exclusive")
    for term in spec.get("capacityReservationSelectorTerms", []):
        if not ({"tags", "id", "instanceMatchCriteria"} & set(term)):
            problems.append(
                "capacityReservationSelectorTerms: expected at least one of tags, id, instanceMatchCriteria"
            )
        # The CRD's rule reads `!self.all(...)`; a term mixing them is refused per term here, as meant.
        if _exclusive(term, "id", ("tags", "ownerID", "instanceMatchCriteria")):
            problems.append("capacityReservationSelectorTerms: 'id' is mutually exclusive")
        if any(not k or not v for k, v in term.get("tags", {}).items()):
            problems.append("capacityReservationSelectorTerms: empty tag keys or values")
    if "placementGroupSelector" in spec and len({"name", "id"} & set(spec["placementGroupSelector"])) != 1:
        problems.append("placementGroupSelector: exactly one of 'name' and 'id'")
    interfaces = spec.get("networkInterfaces", [])
    pairs = [(i["networkCardIndex"], i["deviceIndex"]) for i in interfaces]
    efa_cards = [i["networkCardIndex"] for i in interfaces if i["interfaceType"] == "efa-only"]
    primary = (0, 0, "interface")
    if interfaces and not any(
        (i["networkCardIndex"], i["deviceIndex"], i["interfaceType"]) == primary for i in interfaces
    ):
        problems.append("networkInterfaces must include a primary interface with interfaceType='interface'")
    if len(set(pairs)) != len(pairs) or len(set(efa_cards)) != len(efa_cards):
        problems.append("networkInterfaces: a card and device twice, or two efa-only devices on a card")
    return problems


_RESERVABLE = {"cpu", "memory", "ephemeral-storage", "pid"}
_SIGNALS = {
    "memory.available",
    "nodefs.available",
    "nodefs.inodesFree",
    "imagefs.available",
    "imagefs.inodesFree",
    "pid.available",
}


def _kubelet_problems(kubelet: Manifest) -> list[str]:
    problems: list[str] = []
    for field in ("systemReserved", "kubeReserved"):
        reserved = kubelet.get(field, {})
        if set(reserved) - _RESERVABLE:
            problems.append(f"kubelet.{field}: valid keys are {sorted(_RESERVABLE)}")
        if any(str(value).startswith("-") for value in reserved.values()):
            problems.append(f"kubelet.{field}: value cannot be a negative resource quantity")
    for field in ("evictionHard", "evictionSoft", "evictionSoftGracePeriod"):
        if set(kubelet.get(field, {})) - _SIGNALS:
            problems.append(f"kubelet.{field}: valid keys are {sorted(_SIGNALS)}")
    high, low = kubelet.get("imageGCHighThresholdPercent"), kubelet.get("imageGCLowThresholdPercent")
    if high is not None and low is not None and not high > low:
        problems.append("imageGCHighThresholdPercent must be greater than imageGCLowThresholdPercent")
    soft, grace = kubelet.get("evictionSoft"), kubelet.get("evictionSoftGracePeriod")
    # CEL reads the other map without has(): a soft threshold without any grace periods fails too.
    if soft is not None and (grace is None or set(soft) - set(grace)):
        problems.append("evictionSoft OwnerKey does not have a matching evictionSoftGracePeriod")
    if grace is not None and (soft is None or set(grace) - set(soft)):
        problems.append("evictionSoftGracePeriod OwnerKey does not have a matching evictionSoft")
    return problems


def cel_problems(manifest: Manifest, crds: Crds) -> list[str]:
    if manifest["kind"] == "NodePool":
        return nodepool_cel_problems(manifest, crds)
    if manifest["kind"] == "EC2NodeClass":
        return ec2nodeclass_cel_problems(manifest)
    if manifest["kind"] == "NodeOverlay":
        return nodeoverlay_cel_problems(manifest, crds)
    return [f"unexpected kind {manifest['kind']}"]


def assert_acceptable(manifests: list[Manifest], crds: Crds) -> None:
    problems = {
        f"{m['kind']}/{m['metadata']['name']}": crds.schema_errors(m) + cel_problems(m, crds) for m in manifests
    }
    assert not {name: found for name, found in problems.items() if found}


# --- fixtures ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dev_config() -> StackConfig:
    return parse_stack_config(pulumi_settings_from(RUNBOOK_STACK))


@pytest.fixture(scope="module")
def dev_values(dev_config: StackConfig) -> dict[str, Any]:
    return karpenter_config_values(dev_config, instance_profile_name=PROFILE, zones=ZONES)


@pytest.fixture(scope="module")
def dev_manifests(dev_values: dict[str, Any]) -> list[Manifest]:
    return render(dev_values)


@pytest.fixture
def extra_config() -> StackConfig:
    return config_with_pools(
        {
            "arm": {
                "capacityTypes": ["spot", "on-demand"],
                "architectures": ["arm64"],
                "zones": ["eu-west-1c"],
                "instanceFamilies": ["m7g", "c7g"],
                "minInstanceGeneration": 6,
                "weight": 50,
                "labels": {"team": "ml", "example.com/tier": "batch"},
                "taints": [{"key": "dedicated", "value": "batch", "effect": "NoExecute"}],
                "expireAfter": "168h",
                "disruption": {"consolidateAfter": "30s"},
            },
            "inference": {
                "gpu": True,
                "limits": {"cpu": "64", "memory": "512Gi"},
                "taints": [
                    {"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"},
                    {"key": "example.com/model", "effect": "PreferNoSchedule"},
                ],
            },
        }
    )


# --- the dev stack -----------------------------------------------------------------------


def test_dev_stack_renders_the_cpu_and_gpu_pools_and_their_node_classes(dev_manifests: list[Manifest]) -> None:
    assert sorted((m["kind"], m["metadata"]["name"]) for m in dev_manifests) == [
        ("EC2NodeClass", "default"),
        ("EC2NodeClass", "gpu"),
        ("NodePool", "cpu"),
        ("NodePool", "gpu"),
    ]
    assert {m["apiVersion"] for m in dev_manifests if m["kind"] == "NodePool"} == {"karpenter.sh/v1"}
    assert {m["apiVersion"] for m in dev_manifests if m["kind"] == "EC2NodeClass"} == {"karpenter.k8s.aws/v1"}


def test_cpu_pool_keeps_the_runbook_requirements_and_consolidates_underused_nodes(
    dev_manifests: list[Manifest],
) -> None:
    cpu = of_kind(dev_manifests, "NodePool")["cpu"]
    assert requirement(cpu, "karpenter.k8s.aws/instance-category") == {
        "key": "karpenter.k8s.aws/instance-category",
        "operator": "In",
        "values": ["c", "m", "r"],
    }
    assert requirement(cpu, "karpenter.k8s.aws/instance-generation")["operator"] == "Gt"
    assert requirement(cpu, "karpenter.k8s.aws/instance-generation")["values"] == ["2"]
    assert requirement(cpu, "kubernetes.io/arch")["values"] == ["amd64"]
    assert requirement(cpu, "kubernetes.io/os")["values"] == ["linux"]
    assert requirement(cpu, "karpenter.sh/capacity-type")["values"] == ["spot", "on-demand"]
    assert requirement(cpu, "topology.kubernetes.io/zone")["values"] == ["eu-west-1a", "eu-west-1b"]
    assert cpu["spec"]["disruption"] == {"consolidationPolicy": "WhenEmptyOrUnderutilized", "consolidateAfter": "1m"}
    assert cpu["spec"]["limits"] == {"cpu": "1000", "memory": "1000Gi"}
    assert cpu["spec"]["template"]["spec"]["expireAfter"] == "720h"
    assert cpu["spec"]["template"]["spec"]["nodeClassRef"] == {
        "group": "karpenter.k8s.aws",
        "kind": "EC2NodeClass",
        "name": "default",
    }
    assert "taints" not in cpu["spec"]["template"]["spec"]
    assert "weight" not in cpu["spec"]


def test_gpu_pool_is_tainted_limited_in_gpus_and_only_consolidates_empty_nodes(dev_manifests: list[Manifest]) -> None:
    gpu = of_kind(dev_manifests, "NodePool")["gpu"]
    assert gpu["spec"]["template"]["spec"]["taints"] == [
        {"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}
    ]
    assert requirement(gpu, "karpenter.k8s.aws/instance-category")["values"] == ["g", "p"]
    assert gpu["spec"]["limits"]["nvidia.com/gpu"] == "16"
    assert gpu["spec"]["disruption"] == {"consolidationPolicy": "WhenEmpty", "consolidateAfter": "5m"}
    assert gpu["spec"]["template"]["spec"]["nodeClassRef"]["name"] == "gpu"


def test_node_classes_use_the_instance_profile_imdsv2_and_encrypted_gp3_roots(dev_manifests: list[Manifest]) -> None:
    classes = of_kind(dev_manifests, "EC2NodeClass")
    for node_class in classes.values():
        spec = node_class["spec"]
        assert spec["instanceProfile"] == PROFILE
        assert "role" not in spec
        assert spec["amiSelectorTerms"] == [{"alias": "al2023@latest"}]
        discovery = [{"tags": {"karpenter.sh/discovery": "dev"}}]
        assert spec["subnetSelectorTerms"] == discovery
        assert spec["securityGroupSelectorTerms"] == discovery
        assert spec["metadataOptions"]["httpTokens"] == "required"
        assert spec["metadataOptions"]["httpPutResponseHopLimit"] == 1
        [root] = spec["blockDeviceMappings"]
        assert root["rootVolume"] is True
        assert root["deviceName"] == "/dev/xvda"
        assert root["ebs"]["volumeType"] == "gp3"
        assert root["ebs"]["encrypted"] is True
    assert classes["default"]["spec"]["blockDeviceMappings"][0]["ebs"]["volumeSize"] == "50Gi"
    assert classes["gpu"]["spec"]["blockDeviceMappings"][0]["ebs"]["volumeSize"] == "200Gi"


def test_every_object_carries_the_standard_helm_labels(dev_manifests: list[Manifest]) -> None:
    assert len(dev_manifests) == 4, "the runbook stack renders two node classes and two pools"
    for manifest in dev_manifests:
        assert manifest["metadata"]["labels"] == {
            "app.kubernetes.io/name": "karpenter-config",
            "app.kubernetes.io/instance": RELEASE,
            "app.kubernetes.io/managed-by": "Helm",
            "app.kubernetes.io/version": "1.14.1",
            "helm.sh/chart": "karpenter-config-0.1.0",
        }


# --- CRD schema and CEL rules --------------------------------------------------------------


@pytest.mark.parametrize(
    ("stack", "ami_alias"),
    [("dev", "al2023@latest"), ("extra", "al2023@latest"), ("dev", "bottlerocket@latest")],
    ids=["dev-stack", "extra-pools", "dev-stack-bottlerocket"],
)
def test_rendered_manifests_satisfy_the_upstream_crd_schemas_and_cel_rules(
    dev_config: StackConfig, extra_config: StackConfig, crds: Crds, stack: str, ami_alias: str
) -> None:
    config = dev_config if stack == "dev" else extra_config
    manifests = render(karpenter_config_values(config, instance_profile_name=PROFILE, zones=ZONES, ami_alias=ami_alias))
    assert len(manifests) == len(config.node_pools) + 2
    assert_acceptable(manifests, crds)


def _break_operator(m: Manifest) -> None:
    m["spec"]["template"]["spec"]["requirements"][0]["operator"] = "Maybe"


def _misspell_expire_after(m: Manifest) -> None:
    # An optional field, so only the closed schema can notice the typo.
    m["spec"]["template"]["spec"]["expireAftr"] = m["spec"]["template"]["spec"].pop("expireAfter")


def _bad_expire_after(m: Manifest) -> None:
    m["spec"]["template"]["spec"]["expireAfter"] = "30d"


@pytest.mark.parametrize(
    "breakage",
    [_break_operator, _misspell_expire_after, _bad_expire_after],
    ids=["operator-Maybe", "misspelt-field", "expireAfter-in-days"],
)
def test_crd_schema_validation_refuses_a_broken_nodepool(
    dev_manifests: list[Manifest], crds: Crds, breakage: Callable[[Manifest], None]
) -> None:
    broken = copy.deepcopy(of_kind(dev_manifests, "NodePool")["cpu"])
    breakage(broken)
    assert crds.schema_errors(broken)


def test_crd_schema_validation_refuses_an_unknown_volume_type(dev_manifests: list[Manifest], crds: Crds) -> None:
    broken = copy.deepcopy(of_kind(dev_manifests, "EC2NodeClass")["default"])
    broken["spec"]["blockDeviceMappings"][0]["ebs"]["volumeType"] = "gp4"
    assert any("gp4" in error for error in crds.schema_errors(broken))


def _requirements(m: Manifest) -> list[Manifest]:
    reqs: list[Manifest] = m["spec"]["template"]["spec"]["requirements"]
    return reqs


NODEPOOL_CEL_BREAKAGES: dict[str, Callable[[Manifest], None]] = {
    "In-without-values": lambda m: _requirements(m)[0].update(values=[]),
    "NotIn-without-values": lambda m: _requirements(m).append(
        {"key": "a.example/b", "operator": "NotIn", "values": []}
    ),
    "Gt-not-a-number": lambda m: _requirements(m)[4].update(values=["two"]),
    "Gt-two-values": lambda m: _requirements(m)[4].update(values=["2", "3"]),
    "nodepool-label-requirement": lambda m: _requirements(m).append(
        {"key": "karpenter.sh/nodepool", "operator": "In", "values": ["x"]}
    ),
    "unknown-karpenter-sh-label": lambda m: m["spec"]["template"].update(
        metadata={"labels": {"karpenter.sh/team": "x"}}
    ),
    "unknown-karpenter-k8s-aws-label": lambda m: _requirements(m).append(
        {"key": "karpenter.k8s.aws/instance-colour", "operator": "In", "values": ["red"]}
    ),
    "hostname-label": lambda m: m["spec"]["template"].update(metadata={"labels": {"kubernetes.io/hostname": "x"}}),
}


@pytest.mark.parametrize("breakage", NODEPOOL_CEL_BREAKAGES.values(), ids=NODEPOOL_CEL_BREAKAGES.keys())
def test_cel_checks_catch_a_nodepool_the_api_server_would_refuse(
    dev_manifests: list[Manifest], crds: Crds, breakage: Callable[[Manifest], None]
) -> None:
    broken = copy.deepcopy(of_kind(dev_manifests, "NodePool")["cpu"])
    breakage(broken)
    assert nodepool_cel_problems(broken, crds)


EC2NODECLASS_CEL_BREAKAGES: dict[str, Callable[[Manifest], None]] = {
    "role-and-instanceProfile": lambda m: m["spec"].update(role="KarpenterNodeRole-dev"),
    "neither-role-nor-instanceProfile": lambda m: m["spec"].pop("instanceProfile"),
    "alias-with-other-term": lambda m: m["spec"]["amiSelectorTerms"].append({"id": "ami-0123456789abcdef0"}),
    "alias-with-tags": lambda m: m["spec"]["amiSelectorTerms"][0].update(tags={"a": "b"}),
    "alias-unknown-family": lambda m: m["spec"]["amiSelectorTerms"][0].update(alias="ubuntu@latest"),
    "no-subnet-terms": lambda m: m["spec"].update(subnetSelectorTerms=[]),
    "no-security-group-terms": lambda m: m["spec"].update(securityGroupSelectorTerms=[]),
    "empty-discovery-tag": lambda m: m["spec"]["subnetSelectorTerms"][0]["tags"].update({"karpenter.sh/discovery": ""}),
    "restricted-tag": lambda m: m["spec"].update(tags={"kubernetes.io/cluster/dev": "owned"}),
}


@pytest.mark.parametrize("breakage", EC2NODECLASS_CEL_BREAKAGES.values(), ids=EC2NODECLASS_CEL_BREAKAGES.keys())
def test_cel_checks_catch_an_ec2nodeclass_the_api_server_would_refuse(
    dev_manifests: list[Manifest], breakage: Callable[[Manifest], None]
) -> None:
    broken = copy.deepcopy(of_kind(dev_manifests, "EC2NodeClass")["default"])
    breakage(broken)
    assert ec2nodeclass_cel_problems(broken)


def test_the_crd_allows_only_capacity_type_and_nodepool_in_the_karpenter_sh_domain(crds: Crds) -> None:
    # The rule lists karpenter.sh/nodepool only for a separate rule to refuse it.
    assert crds.allowed_label_keys("karpenter.sh") == {"karpenter.sh/capacity-type", "karpenter.sh/nodepool"}
    assert {"karpenter.k8s.aws/instance-category", "karpenter.k8s.aws/instance-family"} <= crds.allowed_label_keys(
        "karpenter.k8s.aws"
    )


# --- pools beyond the dev stack ------------------------------------------------------------


def test_pool_with_extra_settings_renders_them(extra_config: StackConfig) -> None:
    manifests = render(karpenter_config_values(extra_config, instance_profile_name=PROFILE, zones=ZONES))
    arm = of_kind(manifests, "NodePool")["arm"]
    spec = arm["spec"]
    assert spec["weight"] == 50
    assert spec["disruption"] == {"consolidationPolicy": "WhenEmptyOrUnderutilized", "consolidateAfter": "30s"}
    assert spec["template"]["metadata"]["labels"] == {"team": "ml", "example.com/tier": "batch"}
    assert spec["template"]["spec"]["taints"] == [{"key": "dedicated", "value": "batch", "effect": "NoExecute"}]
    assert spec["template"]["spec"]["expireAfter"] == "168h"
    assert requirement(arm, "kubernetes.io/arch")["values"] == ["arm64"]
    assert requirement(arm, "topology.kubernetes.io/zone")["values"] == ["eu-west-1c"]
    assert requirement(arm, "karpenter.sh/capacity-type")["values"] == ["spot", "on-demand"]
    assert requirement(arm, "karpenter.k8s.aws/instance-family")["values"] == ["m7g", "c7g"]
    assert requirement(arm, "karpenter.k8s.aws/instance-generation")["values"] == ["6"]


def test_gpu_pool_defaults_keep_a_configured_gpu_taint_once_and_add_a_gpu_limit(extra_config: StackConfig) -> None:
    manifests = render(karpenter_config_values(extra_config, instance_profile_name=PROFILE, zones=ZONES))
    inference = of_kind(manifests, "NodePool")["inference"]
    spec = inference["spec"]
    assert spec["template"]["spec"]["taints"] == [
        {"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"},
        {"key": "example.com/model", "effect": "PreferNoSchedule"},
    ]
    assert spec["limits"] == {"cpu": "64", "memory": "512Gi", "nvidia.com/gpu": "8"}
    assert spec["disruption"] == {"consolidationPolicy": "WhenEmpty", "consolidateAfter": "1m"}
    assert spec["template"]["spec"]["nodeClassRef"]["name"] == "gpu"
    assert requirement(inference, "karpenter.k8s.aws/instance-category")["values"] == ["g", "p"]
    assert requirement(inference, "topology.kubernetes.io/zone")["values"] == ZONES
    assert requirement(inference, "karpenter.sh/capacity-type")["values"] == ["on-demand"]


def test_cpu_only_config_gets_no_gpu_node_class() -> None:
    values = karpenter_config_values(config_with_pools({"cpu": {}}), instance_profile_name=PROFILE, zones=ZONES)
    assert list(values["nodeClasses"]) == ["default"]
    assert list(of_kind(render(values), "EC2NodeClass")) == ["default"]


def test_bottlerocket_alias_puts_the_root_volume_on_the_data_device_and_encrypts_the_os_volume() -> None:
    values = karpenter_config_values(
        config_with_pools({"cpu": {}}), instance_profile_name=PROFILE, zones=ZONES, ami_alias="bottlerocket@latest"
    )
    manifests = render(values)
    assert of_kind(manifests, "EC2NodeClass")["default"]["spec"]["amiSelectorTerms"] == [
        {"alias": "bottlerocket@latest"}
    ]
    os_volume, root = of_kind(manifests, "EC2NodeClass")["default"]["spec"]["blockDeviceMappings"]
    assert root["deviceName"] == "/dev/xvdb"
    assert root["rootVolume"] is True
    assert os_volume == {
        "deviceName": "/dev/xvda",
        "ebs": {"volumeSize": "4Gi", "volumeType": "gp3", "encrypted": True, "deleteOnTermination": True},
    }


def test_pool_zone_outside_the_subnet_zones_is_refused_with_its_config_key() -> None:
    config = config_with_pools({"cpu": {"zones": ["eu-west-1d"]}})
    with pytest.raises(ValueError, match=r"karpenter:nodePools\.cpu\.zones: eu-west-1d"):
        karpenter_config_values(config, instance_profile_name=PROFILE, zones=ZONES)


SUBNET_IDS = ["subnet-0a1b2c3d4e5f6a7b1", "subnet-0a1b2c3d4e5f6a7b2"]
SECURITY_GROUP_IDS = ["sg-0a1b2c3d4e5f6a7b8"]


def test_node_classes_given_ids_select_by_id_and_the_others_by_discovery_tag(
    dev_config: StackConfig, crds: Crds
) -> None:
    values = karpenter_config_values(
        dev_config,
        instance_profile_name=PROFILE,
        zones=ZONES,
        subnet_ids=SUBNET_IDS,
        security_group_ids=SECURITY_GROUP_IDS,
    )
    manifests = render(values)
    for node_class in of_kind(manifests, "EC2NodeClass").values():
        assert node_class["spec"]["subnetSelectorTerms"] == [{"id": subnet} for subnet in SUBNET_IDS]
        assert node_class["spec"]["securityGroupSelectorTerms"] == [{"id": group} for group in SECURITY_GROUP_IDS]
    assert_acceptable(manifests, crds)
    # One class by id, the other by tag: the chart decides per class.
    del values["nodeClasses"]["gpu"]["subnetIds"], values["nodeClasses"]["gpu"]["securityGroupIds"]
    gpu = of_kind(render(values), "EC2NodeClass")["gpu"]
    discovery = [{"tags": {"karpenter.sh/discovery": "dev"}}]
    assert gpu["spec"]["subnetSelectorTerms"] == gpu["spec"]["securityGroupSelectorTerms"] == discovery


@pytest.mark.parametrize(
    ("subnet_ids", "security_group_ids", "message"),
    [
        (SUBNET_IDS, None, "go together"),
        (None, SECURITY_GROUP_IDS, "go together"),
        ([], SECURITY_GROUP_IDS, "must not be empty"),
        (SUBNET_IDS, [], "must not be empty"),
    ],
)
def test_ids_come_in_pairs_and_are_never_empty(
    dev_config: StackConfig, subnet_ids: list[str] | None, security_group_ids: list[str] | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        karpenter_config_values(
            dev_config,
            instance_profile_name=PROFILE,
            zones=ZONES,
            subnet_ids=subnet_ids,
            security_group_ids=security_group_ids,
        )


@pytest.mark.parametrize(
    ("key", "ids"),
    [("subnetIds", ["sg-0a1b2c3d4e5f6a7b8"]), ("subnetIds", []), ("securityGroupIds", ["subnet-0a1b2c3d4e5f6a7b1"])],
    ids=["group-as-subnet", "empty", "subnet-as-group"],
)
def test_values_schema_refuses_ids_of_the_wrong_kind(dev_values: dict[str, Any], key: str, ids: list[str]) -> None:
    bad = copy.deepcopy(dev_values)
    bad["nodeClasses"]["default"][key] = ids
    with pytest.raises(ValueError, match=key):
        validate_values(bad)


@pytest.mark.parametrize("alias", ["ubuntu@latest", "al2023", "windows2022@latest", "al2023@" + "v" * 30])
def test_unusable_ami_alias_is_refused(alias: str) -> None:
    with pytest.raises(ValueError, match="ami_alias"):
        karpenter_config_values(
            config_with_pools({"cpu": {}}), instance_profile_name=PROFILE, zones=ZONES, ami_alias=alias
        )


# --- chart hygiene -----------------------------------------------------------------------


@pytest.mark.parametrize("with_dev_values", [False, True], ids=["chart-defaults", "dev-values"])
def test_helm_lint_finds_no_errors_or_warnings(dev_values: dict[str, Any], with_dev_values: bool) -> None:
    report = lint_chart(dev_values if with_dev_values else None)
    assert report["errors"] == []
    assert [m for m in report["messages"] if m["severity"] >= 2] == []


def _misspelt(values: dict[str, Any], path: tuple[str, ...], wrong: str) -> dict[str, Any]:
    bad = copy.deepcopy(values)
    parent = bad
    for part in path[:-1]:
        parent = parent[part]
    parent[wrong] = parent.pop(path[-1])
    return bad


TYPOS = {
    "nodePools.cpu.limts": (("nodePools", "cpu", "limits"), "limts"),
    "nodePools.gpu.disruption.consolidateAftr": (
        ("nodePools", "gpu", "disruption", "consolidateAfter"),
        "consolidateAftr",
    ),
    "nodeClasses.default.rootVolume.encypted": (("nodeClasses", "default", "rootVolume", "encrypted"), "encypted"),
    "clustername": (("clusterName",), "clustername"),
}


@pytest.mark.parametrize(("path", "wrong"), TYPOS.values(), ids=TYPOS.keys())
def test_values_schema_refuses_a_misspelt_value_and_names_it(
    dev_values: dict[str, Any], path: tuple[str, ...], wrong: str
) -> None:
    bad = _misspelt(dev_values, path, wrong)
    with pytest.raises(ValueError, match=re.escape(wrong)):
        validate_values(bad)
    with pytest.raises(ValueError, match=re.escape(wrong)):
        render_chart(bad, release_name=RELEASE, namespace=NAMESPACE)


def test_values_schema_refuses_a_bad_consolidation_policy(dev_values: dict[str, Any]) -> None:
    bad = copy.deepcopy(dev_values)
    bad["nodePools"]["cpu"]["disruption"]["consolidationPolicy"] = "Sometimes"
    with pytest.raises(ValueError, match="consolidationPolicy"):
        validate_values(bad)


def test_pool_naming_a_missing_node_class_does_not_render(dev_values: dict[str, Any]) -> None:
    bad = copy.deepcopy(dev_values)
    bad["nodePools"]["cpu"]["nodeClass"] = "arm"
    with pytest.raises(ValueError, match=r"nodePools\.cpu\.nodeClass"):
        render_chart(bad, release_name=RELEASE, namespace=NAMESPACE)


def test_chart_values_pass_the_values_schema(dev_values: dict[str, Any], extra_config: StackConfig) -> None:
    validate_values(dev_values)
    validate_values(karpenter_config_values(extra_config, instance_profile_name=PROFILE, zones=ZONES))


def test_values_with_the_chart_digest_pass_the_schema_lint_and_render_the_same_objects(
    dev_config: StackConfig, dev_values: dict[str, Any], dev_manifests: list[Manifest], crds: Crds
) -> None:
    """The digest is only there to change the release's inputs: no object carries it, so Karpenter
    sees nothing to drift (a NodePool's template, an EC2NodeClass's spec stay as they were)."""
    digest = chart_digest(CHART_DIR)
    values = karpenter_config_values(dev_config, instance_profile_name=PROFILE, zones=ZONES, chart_digest=digest)
    assert values["chartDigest"] == digest
    assert {key: value for key, value in values.items() if key != "chartDigest"} == dev_values
    validate_values(values)
    report = lint_chart(values)
    assert report["errors"] == []
    assert [m for m in report["messages"] if m["severity"] >= 2] == []
    manifests = render(values)
    assert manifests == dev_manifests
    assert digest not in render_chart(values, release_name=RELEASE, namespace=NAMESPACE)
    assert_acceptable(manifests, crds)


@pytest.mark.parametrize(
    "digest",
    ["abc", "sha256:" + "A" * 64, "sha1:" + "0" * 40, "sha256:" + "0" * 63],
    ids=["bare", "upper", "sha1", "short"],
)
def test_values_schema_refuses_a_chart_digest_that_is_not_a_sha256(dev_values: dict[str, Any], digest: str) -> None:
    with pytest.raises(ValueError, match="chartDigest"):
        validate_values(dev_values | {"chartDigest": digest})


def test_chart_metadata_pins_karpenter_1_14_1() -> None:
    chart = yaml.safe_load((CHART_DIR / "Chart.yaml").read_text())
    assert (chart["apiVersion"], chart["name"], chart["version"], chart["appVersion"]) == (
        "v2",
        "karpenter-config",
        "0.1.0",
        "1.14.1",
    )


def _value_lines(values_yaml: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(values_yaml.splitlines()):
        if line.strip() and not line.lstrip().startswith("#"):
            yield number, line


def test_every_value_in_values_yaml_has_a_comment_above_it() -> None:
    lines = (CHART_DIR / "values.yaml").read_text().splitlines()
    for number, line in _value_lines("\n".join(lines)):
        assert number > 0 and lines[number - 1].lstrip().startswith("#"), f"no comment above {line!r}"


# --- determinism -------------------------------------------------------------------------


def test_values_and_rendering_are_deterministic(dev_config: StackConfig) -> None:
    first = karpenter_config_values(dev_config, instance_profile_name=PROFILE, zones=ZONES)
    second = karpenter_config_values(dev_config, instance_profile_name=PROFILE, zones=ZONES)
    assert json.dumps(first) == json.dumps(second)
    assert list(first["nodePools"]) == ["cpu", "gpu"]
    text = render_chart(first, release_name=RELEASE, namespace=NAMESPACE)
    assert text == render_chart(second, release_name=RELEASE, namespace=NAMESPACE)
    assert text.startswith("---\n") and "\n---\n---" not in text
