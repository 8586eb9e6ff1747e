"""Checks of the account and the EKS cluster: credentials, the cluster and its version, node access,
controller credentials, the spot role, the IAM names the stack uses, and what an SCP allows the
controller. Pure: facts in, verdicts out."""

from __future__ import annotations

from karpenter.cluster.adoption import ADOPT_KEY, ExistingIam, adoption_problem, foreign_resources
from karpenter.config.stack_config import StackConfig
from karpenter.config.values import Identity, NodeAccess, SpotServiceLinkedRole
from karpenter.preflight.observations import Caller, EksCluster, Simulation, Unread
from karpenter.preflight.verdicts import Verdict, failed, passed, warned
from karpenter.vocabulary.eks import ACCESS_ENTRY_MODES, CONFIG_MAP_MODES, POD_IDENTITY_AGENT, SPOT_SERVICE_LINKED_ROLE
from karpenter.vocabulary.kubernetes_compatibility import SOURCE, compatibility_problem, version_tuple

# Since this release the engine imports and then updates a resource in one deployment
# (pulumi/pulumi#19339); older CLIs refuse an import whose inputs differ from what exists.
PULUMI_IMPORT_UPDATE = "3.174.0"


def check_credentials(caller: Caller | Unread, region: str) -> Verdict:
    if isinstance(caller, Unread):
        # The network, throttling or a server error say nothing of the credentials.
        unknown = caller.hint and not caller.hint.startswith("credentials")
        return failed(
            "credentials",
            f"{'cannot ask AWS who you are' if unknown else 'no usable AWS credentials'}: {caller.reason}",
            caller.action("sign in (aws sso login, or set AWS_PROFILE)"),
        )
    return passed("credentials", f"account {caller.account} as {caller.arn}, region {region}")


def check_cluster(name: str, region: str, cluster: EksCluster | None | Unread) -> Verdict:
    if isinstance(cluster, Unread):
        return failed(
            "cluster",
            f"cluster {name} cannot be read: {cluster.reason}",
            cluster.action("allow eks:DescribeCluster"),
        )
    if cluster is None:
        return failed(
            "cluster", f"no EKS cluster {name} in {region}", "check karpenter:clusterName and aws:region of the stack"
        )
    if cluster.status != "ACTIVE":
        return failed("cluster", f"cluster {name} is {cluster.status}", "wait until it is ACTIVE")
    return passed("cluster", f"cluster {name} is ACTIVE")


def check_kubernetes_version(cluster: EksCluster, karpenter_version: str) -> Verdict:
    return kubernetes_version_verdict(cluster.version, karpenter_version)


def kubernetes_version_verdict(
    version: str, karpenter_version: str, *, whose: str = "", change: str = "the cluster's version"
) -> Verdict:
    """The Kubernetes `version` (`whose`, such as " (the new cluster's)") against upstream's matrix."""
    problem = compatibility_problem(version, karpenter_version)
    if problem is None:
        return passed(
            "kubernetes-version", f"Kubernetes {version}{whose} is supported by Karpenter {karpenter_version}"
        )
    return failed("kubernetes-version", problem, f"see {SOURCE}; change karpenter:version, or {change}")


def check_node_access(cluster: EksCluster, requested: NodeAccess) -> Verdict:
    mode = cluster.authentication_mode or "CONFIG_MAP"
    if requested is NodeAccess.AUTO:
        method = "access entry" if mode in ACCESS_ENTRY_MODES else "aws-auth entry"
        return passed("node-access", f"authentication mode {mode}: nodes join by {method} (nodeAccess auto)")
    allowed = ACCESS_ENTRY_MODES if requested is NodeAccess.ACCESS_ENTRY else CONFIG_MAP_MODES
    if mode not in allowed:
        return failed(
            "node-access",
            f"karpenter:nodeAccess {requested.value} does not work with authentication mode {mode}",
            f"set karpenter:nodeAccess to auto, or switch the cluster to {' or '.join(allowed)}",
        )
    return passed("node-access", f"authentication mode {mode} allows nodeAccess {requested.value}")


def check_controller_identity(
    config: StackConfig, oidc_exists: bool | None | Unread, agent: bool | None | Unread
) -> Verdict:
    check = "controller-identity"
    if config.identity is Identity.POD_IDENTITY:
        if isinstance(agent, Unread):
            return warned(
                check,
                f"the {POD_IDENTITY_AGENT} add-on cannot be read: {agent.reason}",
                agent.action("allow eks:DescribeAddon"),
            )
        if not agent:
            return failed(
                check,
                f"identity pod-identity, and the cluster has no {POD_IDENTITY_AGENT} add-on",
                f"install it (aws eks create-addon --addon-name {POD_IDENTITY_AGENT}), or use identity irsa",
            )
        return passed(check, f"identity pod-identity: the {POD_IDENTITY_AGENT} add-on is installed")
    if isinstance(oidc_exists, Unread):
        return warned(
            check,
            f"IAM OIDC providers cannot be listed: {oidc_exists.reason}",
            oidc_exists.action("allow iam:ListOpenIDConnectProviders"),
        )
    if not oidc_exists:
        if config.create_oidc_provider:
            return passed(check, "identity irsa: the cluster has no IAM OIDC provider, and the stack creates one")
        return failed(
            check,
            "identity irsa, and the account has no IAM OIDC provider for the cluster's issuer",
            "set karpenter:createOidcProvider to true, or use identity pod-identity",
        )
    return passed(check, "identity irsa: the cluster's IAM OIDC provider exists")


def check_spot_role(config: StackConfig, exists: bool | Unread) -> Verdict:
    if isinstance(exists, Unread):
        return warned(
            "spot-role",
            f"{SPOT_SERVICE_LINKED_ROLE} cannot be read: {exists.reason}",
            exists.action("allow iam:GetRole"),
        )
    uses_spot = any(any(c.value == "spot" for c in pool.capacity_types) for pool in config.node_pools.values())
    if exists:
        return passed("spot-role", f"{SPOT_SERVICE_LINKED_ROLE} exists (the stack adopts it, never deletes it)")
    if config.spot_service_linked_role is SpotServiceLinkedRole.ENSURE:
        return passed("spot-role", f"{SPOT_SERVICE_LINKED_ROLE} does not exist; the stack creates it")
    if uses_spot:
        return failed(
            "spot-role",
            f"{SPOT_SERVICE_LINKED_ROLE} does not exist, spotServiceLinkedRole is skip, and pools launch spot",
            "set karpenter:spotServiceLinkedRole to ensure, or create the role once per account",
        )
    return passed("spot-role", f"{SPOT_SERVICE_LINKED_ROLE} does not exist; no pool launches spot")


def check_iam_names(config: StackConfig, existing: ExistingIam | Unread) -> Verdict:
    check = "iam-names"
    if isinstance(existing, Unread):
        return warned(
            check,
            f"the stack's IAM names cannot be read: {existing.reason}",
            existing.action("allow iam:GetRole and iam:GetInstanceProfile"),
        )
    foreign = foreign_resources(existing, config.cluster_name)
    if not foreign:
        return passed(check, "no IAM name the stack creates is held by anything else")
    listed = ", ".join(foreign)
    if not config.adopt:
        return failed(
            check,
            f"{listed} already exist, not made by this stack; pulumi up would fail with EntityAlreadyExists",
            f"set {ADOPT_KEY} to true (python -m karpenter convert writes it) to take them over by import",
        )
    problem = adoption_problem(existing, config.cluster_name)
    if problem:
        return failed(
            check,
            f"{ADOPT_KEY} cannot take over {listed}: {problem}",
            "see the README, Moving from a hand-made install",
        )
    return passed(check, f"{listed} exist; {ADOPT_KEY} takes them over by import")


def check_controller_simulation(role_name: str, simulations: tuple[Simulation, ...] | None | Unread) -> Verdict:
    check = "controller-permissions"
    if isinstance(simulations, Unread):
        return warned(
            check,
            f"iam:SimulatePrincipalPolicy for {role_name} is not possible: {simulations.reason}",
            simulations.action(
                "ask someone who may simulate the role to run doctor, or check the organization's SCPs by hand"
            ),
        )
    if simulations is None:
        return passed(check, f"{role_name} does not exist yet, so there is nothing to simulate")
    denied_by_scp = [s.action for s in simulations if s.allowed_by_organizations is False]
    if denied_by_scp:
        return failed(
            check,
            f"a service control policy denies {role_name} {', '.join(denied_by_scp)}",
            "ask the organization's administrators to allow it for the controller role",
        )
    explicit = [s.action for s in simulations if s.decision == "explicitDeny"]
    if explicit:
        return failed(
            check, f"a policy explicitly denies {role_name} {', '.join(explicit)}", "remove the Deny statement"
        )
    implicit = [s.action for s in simulations if s.decision != "allowed"]
    if implicit:
        return warned(
            check,
            f"{role_name} is not allowed {', '.join(implicit)} in the simulation",
            "pulumi up attaches the stack's policies; run doctor again after it",
        )
    return passed(check, f"{role_name} may call {', '.join(s.action for s in simulations)}")


def check_pulumi_cli(config: StackConfig, version: str | None) -> Verdict:
    check = "pulumi-cli"
    if not config.adopt:
        return passed(check, f"pulumi {version or '(not found)'}; adopt is off, so any recent CLI works")
    if version is None:
        return warned(
            check,
            "the pulumi CLI is not on PATH",
            f"adopt needs Pulumi CLI {PULUMI_IMPORT_UPDATE} or later for pulumi up",
        )
    if version_tuple(version.split("-")[0]) < version_tuple(PULUMI_IMPORT_UPDATE):
        return failed(
            check,
            f"pulumi {version} refuses an import whose inputs differ from what exists",
            f"upgrade to Pulumi CLI {PULUMI_IMPORT_UPDATE} or later, which imports and updates in one deployment",
        )
    return passed(check, f"pulumi {version} imports and updates in one deployment")
