"""Node classes as config: how Karpenter launches instances (AMI, volumes, kubelet, user data, tags,
instance metadata, network, subnets, security groups, reservations, placement group), rendered as
one EC2NodeClass each. Rules that need the AMI family a class inherits live in `stack_rules`."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field, field_validator, model_validator

from karpenter.config.block_devices import RootVolume
from karpenter.config.kubelet import Kubelet
from karpenter.config.metadata_options import MetadataOptions
from karpenter.config.network_interfaces import NetworkInterface, network_interfaces_problem
from karpenter.config.refusal import refusal
from karpenter.config.selector_terms import (
    AmiSelectorTerm,
    CapacityReservationSelectorTerm,
    PlacementGroupSelector,
    SecurityGroupSelectorTerm,
    SubnetSelectorTerm,
)
from karpenter.config.strict_model import StrictModel
from karpenter.config.values import AMI_ALIAS

# Tags Karpenter, EKS or this stack put on what a node class launches (the CRD refuses some of them,
# Karpenter overwrites the others), and AWS's own prefix.
OWNED_TAG_PREFIXES = ("kubernetes.io/cluster", "karpenter.sh/", "karpenter.k8s.aws/", "aws:")
OWNED_TAGS = ("eks:eks-cluster-name",)
_OWNED_TAGS_TEXT = "kubernetes.io/cluster/*, karpenter.sh/*, karpenter.k8s.aws/*, eks:eks-cluster-name, aws:*"
MAX_TAG_KEY, MAX_TAG_VALUE = 128, 256


class AmiFamily(StrEnum):
    AL2023 = "al2023"
    BOTTLEROCKET = "bottlerocket"


def alias_family(alias: str) -> AmiFamily:
    return AmiFamily(alias.split("@", 1)[0])


# The checks of a node class, plain functions that the model below runs as its validators.


def _ami_alias(v: str | None) -> str | None:
    if v is not None and (len(v) > 30 or not AMI_ALIAS.match(v)):
        raise refusal("'{v}' is not an AMI alias such as al2023@latest or bottlerocket@v1.40.0", {"v": v})
    return v


def _own_tags(v: dict[str, str]) -> dict[str, str]:
    for key, value in v.items():
        if not key or len(key) > MAX_TAG_KEY:
            raise refusal("tag keys are 1 to {n} characters", {"key": key, "n": MAX_TAG_KEY})
        if key in OWNED_TAGS or key.startswith(OWNED_TAG_PREFIXES):
            raise refusal(
                "'{k}' is a tag Karpenter, EKS, AWS or this stack sets ({owned}); choose another key",
                {"key": key, "k": key, "owned": _OWNED_TAGS_TEXT},
            )
        if len(value) > MAX_TAG_VALUE:
            raise refusal("tag values are at most {n} characters", {"key": key, "n": MAX_TAG_VALUE})
    return v


def _one_ami_choice(node_class: NodeClass) -> NodeClass:
    if node_class.ami_alias is not None and node_class.ami_selector_terms is not None:
        raise refusal("give amiAlias or amiSelectorTerms, not both", {"key": "amiSelectorTerms"})
    if node_class.ami_selector_terms is not None and node_class.ami_family is None:
        raise refusal(
            "required with amiSelectorTerms: al2023 or bottlerocket, the family of the selected AMIs, which "
            "decides their user data and volumes",
            {"key": "amiFamily"},
        )
    if node_class.ami_selector_terms is None and node_class.ami_family is not None:
        raise refusal(
            "an alias names its family; amiFamily goes only with amiSelectorTerms, so remove it",
            {"key": "amiFamily"},
        )
    problem = network_interfaces_problem(node_class.network_interfaces or [])
    if problem:
        key, message = problem
        raise refusal("{message}", {"key": key, "message": message})
    return node_class


class NodeClass(StrictModel):
    ami_alias: str | None = Field(
        default=None,
        description="AMI alias family@version (al2023 or bottlerocket), pinned such as al2023@v20250920; "
        "default: karpenter:amiAlias.",
    )
    ami_selector_terms: list[AmiSelectorTerm] | None = Field(
        default=None,
        min_length=1,
        max_length=30,
        description="AMIs by id, name (and owner) or tags, instead of amiAlias.",
    )
    ami_family: AmiFamily | None = Field(
        default=None, description="With amiSelectorTerms: al2023 or bottlerocket, the family of those AMIs."
    )
    root_volume: RootVolume = Field(default_factory=RootVolume, description="The root EBS volume.")
    instance_store_policy: Literal["RAID0"] | None = Field(
        default=None, description="RAID0: NVMe instance-store disks hold the kubelet root and images."
    )
    kubelet: Kubelet | None = Field(default=None, description="Kubelet settings (optional).")
    user_data: str | None = Field(
        default=None,
        description="User data Karpenter merges its own into: MIME multi-part, a NodeConfig YAML or a #! script "
        "on AL2023; TOML on Bottlerocket.",
    )
    tags: dict[str, str] = Field(
        default_factory=dict, description="AWS tags on instances, volumes and network interfaces."
    )
    metadata_options: MetadataOptions = Field(
        default_factory=MetadataOptions, description="Instance metadata; IMDSv2 with one hop unless relaxed here."
    )
    associate_public_ip_address: bool | None = Field(
        default=None, alias="associatePublicIPAddress", description="Give nodes public IPs (default: the subnet's)."
    )
    detailed_monitoring: bool | None = Field(default=None, description="CloudWatch detailed (1-minute) monitoring.")
    subnet_selector_terms: list[SubnetSelectorTerm] | None = Field(
        default=None,
        min_length=1,
        max_length=30,
        description="Subnets of this class: ids among the stack's node subnets, or tags (default: all node subnets).",
    )
    security_group_selector_terms: list[SecurityGroupSelectorTerm] | None = Field(
        default=None,
        min_length=1,
        max_length=30,
        description="Security groups by id, name or tags (default: the cluster security group).",
    )
    capacity_reservation_selector_terms: list[CapacityReservationSelectorTerm] | None = Field(
        default=None,
        min_length=1,
        max_length=30,
        description="Capacity reservations and Capacity Blocks for ML, by id or tags (and ownerID); pools of "
        "the class may then use capacity type reserved.",
    )
    placement_group_selector: PlacementGroupSelector | None = Field(
        default=None, description="A placement group, by name or id."
    )
    network_interfaces: list[NetworkInterface] | None = Field(
        default=None, max_length=150, description="Network interfaces, such as EFA devices for p4d and p5 nodes."
    )

    _check_alias = field_validator("ami_alias")(_ami_alias)
    _check_tags = field_validator("tags")(_own_tags)
    _check_ami_choice = model_validator(mode="after")(_one_ami_choice)

    def family(self, default_alias: str) -> AmiFamily:
        """The AMI family of this class, whose alias defaults to `default_alias` (karpenter:amiAlias)."""
        if self.ami_family is not None:
            return self.ami_family
        return alias_family(self.ami_alias or default_alias)

    @property
    def selects_reservations(self) -> bool:
        return self.capacity_reservation_selector_terms is not None
