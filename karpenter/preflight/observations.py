"""What doctor read from the account and the cluster, as plain data. A fact that could not be read
(no permission, no route to the API) is an `Unread` holding why, so that its check can say so."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from karpenter.cluster.adoption import ExistingIam


@dataclass(frozen=True)
class Unread:
    reason: str
    # What to do when the cause is not a permission (the network or DNS, throttling, a server error, the
    # credentials); empty when it is, or unknown, and the check names the permission it needs.
    hint: str = ""

    def action(self, permission: str) -> str:
        """The hint for the cause, else `permission`: what to allow."""
        return self.hint or permission


@dataclass(frozen=True)
class Caller:
    account: str
    arn: str


@dataclass(frozen=True)
class EksCluster:
    name: str
    status: str
    version: str
    endpoint: str = ""
    certificate_authority: str = ""
    # None when DescribeCluster gave no access configuration (a cluster from before access entries).
    authentication_mode: str | None = None
    oidc_issuer: str | None = None
    subnet_ids: tuple[str, ...] = ()
    security_group_id: str | None = None


@dataclass(frozen=True)
class SubnetInfo:
    id: str
    zone: str
    available_ips: int
    maps_public_ips: bool = False
    # Its route table (or the VPC's main one) sends 0.0.0.0/0 to an internet gateway.
    routes_to_internet_gateway: bool = False
    tags: Mapping[str, str] = field(default_factory=dict)
    vpc_id: str = ""

    @property
    def public(self) -> bool:
        return self.maps_public_ips or self.routes_to_internet_gateway


@dataclass(frozen=True)
class Vpc:
    id: str
    cidr: str
    dns_support: bool
    dns_hostnames: bool


@dataclass(frozen=True)
class CapacityReservation:
    id: str
    instance_type: str
    zone: str
    state: str
    available: int


@dataclass(frozen=True)
class PlacementGroup:
    name: str
    id: str
    strategy: str
    state: str


@dataclass(frozen=True)
class Image:
    id: str
    name: str
    state: str


@dataclass(frozen=True)
class KmsKey:
    # As the stack names it: a key id, an alias or an ARN.
    name: str
    arn: str
    state: str


@dataclass(frozen=True)
class BeforeCluster:
    """What a stack that creates its cluster needs to exist before the cluster does. The node classes'
    selections are by the key of the term that selects them (`nodeClasses.gpu.amiSelectorTerms[0]`);
    None where AWS says there is no such thing."""

    vpc: Vpc | None | Unread
    # Zone name -> the instance types offered there (DescribeInstanceTypeOfferings).
    offerings: Mapping[str, frozenset[str]] | Unread = field(default_factory=dict)
    reservations: Mapping[str, tuple[CapacityReservation, ...] | Unread] = field(default_factory=dict)
    placement_groups: Mapping[str, PlacementGroup | None | Unread] = field(default_factory=dict)
    images: Mapping[str, Image | None | Unread] = field(default_factory=dict)
    kms_keys: Mapping[str, KmsKey | None | Unread] = field(default_factory=dict)


@dataclass(frozen=True)
class Simulation:
    action: str
    decision: str
    # False when a service control policy denies the action; None when the simulator did not say.
    allowed_by_organizations: bool | None = None


@dataclass(frozen=True)
class AwsObservations:
    region: str
    caller: Caller | Unread
    # None: no cluster of that name in the region.
    cluster: EksCluster | None | Unread
    # None where the check does not apply (no cluster, or an identity that does not need it).
    oidc_provider_exists: bool | None | Unread = None
    pod_identity_agent: bool | None | Unread = None
    subnets: tuple[SubnetInfo, ...] | Unread = ()
    missing_subnets: tuple[str, ...] = ()
    spot_role_exists: bool | Unread = False
    # Service Quotas values in vCPUs, by quota code.
    quotas: Mapping[str, float | Unread] = field(default_factory=dict)
    existing_iam: ExistingIam | Unread = field(default_factory=ExistingIam)
    # None: the controller role does not exist yet, so there is nothing to simulate.
    simulations: tuple[Simulation, ...] | None | Unread = None
    # For a stack that creates its cluster: whether the system node role it names exists (None for others).
    system_node_role_exists: bool | None | Unread = None
    # For a stack that creates its cluster, while no cluster of its name exists.
    before_cluster: BeforeCluster | None = None


@dataclass(frozen=True)
class HelmRelease:
    name: str
    namespace: str
    status: str
    chart: str
    chart_version: str
    revision: int
    # Its manifest holds v0 objects (karpenter.sh/v1alpha5 Provisioners, AWSNodeTemplates), or its chart
    # is karpenter 0.x: what the runbook installed.
    legacy: bool = False


@dataclass(frozen=True)
class Crd:
    name: str
    # The Helm release that owns it (meta.helm.sh/release-name and -namespace), if any.
    release: str | None = None
    release_namespace: str | None = None
    # Its app.kubernetes.io/managed-by label, which Helm also requires ("Helm") before taking it over.
    managed_by: str | None = None


@dataclass(frozen=True)
class LegacyNode:
    name: str
    provisioner: str
    instance_id: str | None


@dataclass(frozen=True)
class KubeObservations:
    helm_releases: tuple[HelmRelease, ...] = ()
    crds: tuple[Crd, ...] = ()
    provisioners: tuple[str, ...] = ()
    node_templates: tuple[str, ...] = ()
    legacy_nodes: tuple[LegacyNode, ...] = ()
    # The rolearns of aws-auth's mapRoles; None when there is no aws-auth ConfigMap.
    aws_auth_roles: tuple[str, ...] | None = None
