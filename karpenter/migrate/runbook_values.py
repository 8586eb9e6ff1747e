"""The runbook's two Helm values documents, read into what they say: the karpenter chart's v0 values
(`settings.aws.*`, the IRSA annotation, controller resources) and the karpenter-config chart's values
(the cluster, the instance profile, the CPU provisioner's spec and the GPU provisioner's switches).
Every key is accounted for; one the stack cannot carry over is refused, named as the file has it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from karpenter.config.errors import ConfigError

# What the runbook writes where the reader's own values go: the example values' upper-case words, the
# endpoint's run of x, and, pasted from its shell commands, <names> and unexpanded $VARIABLES.
_PLACEHOLDER = re.compile(
    r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?"
    r"|<[^<>\s]+>"
    r"|(?<![A-Za-z0-9_])(?:REGION|CLUSTER_NAME|ACCOUNT_ID)(?![A-Za-z0-9_])"
    r"|(?<![A-Za-z0-9])x{4,}(?![A-Za-z0-9])"
)
_PUT_IN = {
    "REGION": "the cluster's region, such as eu-west-1",
    "CLUSTER_NAME": "the cluster's name",
    "ACCOUNT_ID": "the AWS account id (aws sts get-caller-identity)",
}
_ENDPOINT = "the cluster's endpoint (aws eks describe-cluster --name <cluster> --query cluster.endpoint)"


def _put_in(placeholder: str) -> str:
    if placeholder in _PUT_IN:
        return _PUT_IN[placeholder]
    if placeholder.startswith("$"):
        return f"the value the runbook's commands gave {placeholder.strip('${}')}"
    if placeholder.startswith("<"):
        return f"the {placeholder.strip('<>').replace('_', ' ')}"
    return _ENDPOINT


def _placeholders(data: Any, path: str = "") -> list[tuple[str, list[str]]]:
    """Each key (as a refusal names it) whose value holds placeholders, with them, in document order."""
    found: list[tuple[str, list[str]]] = []
    if isinstance(data, dict):
        for name, value in data.items():
            found += _placeholders(value, f"{path}.{name}" if path else str(name))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            found += _placeholders(item, f"{path}[{index}]")
    elif isinstance(data, str):
        held = list(dict.fromkeys(_PLACEHOLDER.findall(data)))
        if held:
            found.append((path or "the document", held))
    return found


def refuse_placeholders(data: Any, file: str) -> None:
    """Refuses a values document that still holds the runbook's placeholders, naming the first key,
    its placeholders and what to put in, and every other key that holds one."""
    found = _placeholders(data)
    if not found:
        return
    key, held = found[0]
    names = " and ".join(held)
    verb = "is the runbook's placeholder" if len(held) == 1 else "are the runbook's placeholders"
    message = f"{file}: {key}: {names} {verb}; put in {' and '.join(_put_in(p) for p in held)}"
    if len(found) > 1:
        message += f" (placeholders are also left in {', '.join(other for other, _ in found[1:])})"
    raise ConfigError(message)


class Values:
    """A mapping of a values file, read key by key; what is never read is left over and refused."""

    def __init__(self, data: Any, file: str, path: str = "") -> None:
        if data is not None and not isinstance(data, dict):
            raise ConfigError(f"{file}: {path or 'the document'}: expected a mapping, not {type(data).__name__}")
        self.data: dict[str, Any] = data or {}
        self.file, self.path = file, path
        self.read: set[str] = set()
        self.children: list[Values] = []

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def get(self, name: str, default: Any = None) -> Any:
        self.read.add(name)
        return self.data.get(name, default)

    def child(self, name: str) -> Values:
        found = Values(self.get(name), self.file, self.key(name))
        self.children.append(found)
        return found

    def refuse(self, name: str, why: str) -> ConfigError:
        return ConfigError(f"{self.file}: {self.key(name)}: {why}")

    def check_all_read(self) -> None:
        for name in self.data:
            if name not in self.read:
                raise self.refuse(name, "has no equivalent in the stack; remove it, or set it by hand after converting")
        for child in self.children:
            child.check_all_read()


@dataclass(frozen=True)
class ProvisionerSpec:
    """One v0 Provisioner as the values describe it, with the file key each part came from."""

    source: str
    requirements: list[dict[str, Any]] = field(default_factory=list)
    capacity_types: list[str] | None = None
    zones: list[str] | None = None
    instance_families: list[str] | None = None
    consolidation: bool | None = None
    ttl_seconds_after_empty: int | None = None
    ttl_seconds_until_expired: int | None = None
    limits: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    taints: list[dict[str, Any]] = field(default_factory=list)
    weight: int | None = None


@dataclass(frozen=True)
class RunbookInstall:
    cluster_name: str
    endpoint: str | None
    instance_profile: str | None
    controller_role_arn: str | None
    interruption_queue: str | None
    controller_resources: dict[str, dict[str, str]]
    replicas: int | None
    cpu: ProvisionerSpec | None
    gpu: ProvisionerSpec | None


def _karpenter_chart(data: Any, file: str) -> Values:
    """The chart's values, also when nested under `karpenter:` (an umbrella chart, as in the runbook)."""
    top = Values(data, file)
    if set(top.data) == {"karpenter"}:
        return top.child("karpenter")
    return top


def _text(value: Any) -> str:
    return str(value)


def read_karpenter_values(data: Any, file: str) -> tuple[dict[str, Any], Values]:
    values = _karpenter_chart(data, file)
    account = values.child("serviceAccount")
    annotations = account.child("annotations")
    role_arn = annotations.get("eks.amazonaws.com/role-arn")
    if account.get("name", "karpenter") != "karpenter" or account.get("create", True) is not True:
        raise account.refuse("name", "the stack's controller runs as service account karpenter, which it creates")
    aws = values.child("settings").child("aws")
    resources = values.child("controller").child("resources")
    controller_resources: dict[str, dict[str, str]] = {}
    for part in ("requests", "limits"):
        section = resources.child(part)
        if section.data:
            controller_resources[part] = {key: _text(section.get(key)) for key in list(section.data)}
    found = {
        "cluster_name": aws.get("clusterName"),
        "endpoint": aws.get("clusterEndpoint"),
        "instance_profile": aws.get("defaultInstanceProfile"),
        "controller_role_arn": role_arn,
        "interruption_queue": aws.get("interruptionQueueName"),
        "controller_resources": controller_resources,
        "replicas": values.get("replicas"),
    }
    if not found["cluster_name"]:
        raise values.refuse("settings.aws.clusterName", "required: the cluster the v0 controller ran for")
    return found, values


def read_provisioner(spec: Values, *, flat: bool) -> ProvisionerSpec | None:
    """A provisioner's spec: the CPU one is a Provisioner spec (requirements...), the GPU one a few
    switches (enabled, capacityTypes, zones, instanceFamilies); either may use the other's keys."""
    if spec.get("enabled", True if not flat else False) is False:
        spec.read.update(spec.data)
        return None
    consolidation = spec.child("consolidation").get("enabled")
    limits = spec.child("limits")
    # The chart points the Provisioner at its AWSNodeTemplate; the stack's node classes replace both.
    spec.get("providerRef")
    spec.get("providerRefName")
    return ProvisionerSpec(
        source=spec.path,
        requirements=list(spec.get("requirements") or []),
        capacity_types=spec.get("capacityTypes"),
        zones=spec.get("zones"),
        instance_families=spec.get("instanceFamilies"),
        consolidation=consolidation,
        ttl_seconds_after_empty=spec.get("ttlSecondsAfterEmpty"),
        ttl_seconds_until_expired=spec.get("ttlSecondsUntilExpired"),
        limits={k: _text(v) for k, v in (limits.get("resources") or {}).items()},
        labels={k: _text(v) for k, v in (spec.get("labels") or {}).items()},
        taints=list(spec.get("taints") or []),
        weight=spec.get("weight"),
    )


def read_install(karpenter_data: Any, karpenter_file: str, config_data: Any, config_file: str) -> RunbookInstall:
    """Both documents, checked against each other; raises ConfigError naming the file and key."""
    # Before anything else: a placeholder would otherwise pass as a name (a cluster called CLUSTER_NAME).
    refuse_placeholders(karpenter_data, karpenter_file)
    refuse_placeholders(config_data, config_file)
    found, karpenter_values = read_karpenter_values(karpenter_data, karpenter_file)
    config = Values(config_data, config_file)
    cluster = config.child("cluster")
    name = cluster.get("name")
    if name not in (None, "", found["cluster_name"]):
        raise cluster.refuse("name", f"{name!r} is not the cluster {found['cluster_name']!r} the karpenter values name")
    chart = config.child("karpenter")
    profile = chart.get("instanceProfile") or found["instance_profile"]
    if chart.data.get("instanceProfile") and found["instance_profile"] not in (None, chart.data["instanceProfile"]):
        raise chart.refuse("instanceProfile", "is not the defaultInstanceProfile of the karpenter values")
    for key in ("defaultProvisionerSpec", "cpuProvisionerSpec"):
        if key in chart.data:
            cpu_key = key
            break
    else:
        cpu_key = "defaultProvisionerSpec"
    install = RunbookInstall(
        cluster_name=str(found["cluster_name"]),
        endpoint=found["endpoint"] or cluster.get("endpoint"),
        instance_profile=profile,
        controller_role_arn=found["controller_role_arn"],
        interruption_queue=found["interruption_queue"],
        controller_resources=found["controller_resources"],
        replicas=found["replicas"],
        cpu=read_provisioner(chart.child(cpu_key), flat=False) if cpu_key in chart.data else None,
        gpu=read_provisioner(chart.child("gpuProvisionerSpec"), flat=True)
        if "gpuProvisionerSpec" in chart.data
        else None,
    )
    cluster.get("endpoint")
    karpenter_values.check_all_read()
    config.check_all_read()
    return install
