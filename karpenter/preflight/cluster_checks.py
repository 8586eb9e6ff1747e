"""Checks of what already runs in the cluster: a Karpenter installed by Helm, CRDs the stack's release
would collide with, the v0 Provisioners and the nodes they launched, and aws-auth entries for the node
role. Pure: facts in, verdicts out."""

from __future__ import annotations

from karpenter.preflight.observations import KubeObservations, Unread
from karpenter.preflight.verdicts import Verdict, failed, passed, warned

KARPENTER_CHART = "karpenter"
CRD_RELEASE = "karpenter-crd"
KARPENTER_RELEASE = "karpenter"
# The CRDs the karpenter-crd release installs and the CRDs a v0.x install leaves.
V1_CRDS = (
    "nodepools.karpenter.sh",
    "nodeclaims.karpenter.sh",
    "ec2nodeclasses.karpenter.k8s.aws",
    "nodeoverlays.karpenter.sh",
    "capacitybuffers.autoscaling.x-k8s.io",
)
V0_CRDS = ("provisioners.karpenter.sh", "machines.karpenter.sh", "awsnodetemplates.karpenter.k8s.aws")
LEGACY_LABEL = "karpenter.sh/provisioner-name"


def unreachable(reason: Unread) -> Verdict:
    return warned(
        "cluster-api",
        f"the cluster's API cannot be read, so the Kubernetes checks did not run: {reason.reason}",
        "give your identity read access to the cluster (access entry or aws-auth), then run doctor again",
    )


def check_existing_karpenter(kube: KubeObservations, namespace: str, stack: str = "<stack>") -> Verdict:
    check = "existing-karpenter"
    legacy = [r for r in kube.helm_releases if r.legacy]
    if legacy:
        described = ", ".join(f"{r.name} ({r.chart} {r.chart_version}, namespace {r.namespace})" for r in legacy)
        commands = "; ".join(f"helm uninstall {r.name} -n {r.namespace}" for r in legacy)
        return failed(
            check,
            f"the v0 install is still there: {described}",
            f"detach the v0 nodes from their Provisioners (python -m karpenter drain-legacy --stack {stack} "
            f"--detach-only), then uninstall before pulumi up: {commands}; the nodes keep running",
        )
    controllers = [r for r in kube.helm_releases if r.chart == KARPENTER_CHART]
    others = [r for r in controllers if (r.name, r.namespace) != (KARPENTER_RELEASE, namespace)]
    if others:
        described = ", ".join(f"{r.name} (namespace {r.namespace})" for r in others)
        return failed(
            check,
            f"another Karpenter controller is installed: {described}",
            "two controllers would both launch nodes for the same pods: uninstall the other one first",
        )
    if controllers:
        return passed(check, f"only the stack's own karpenter release (namespace {namespace})")
    return passed(check, "no Helm release of Karpenter")


def check_crds(kube: KubeObservations, namespace: str) -> Verdict:
    check = "crds"
    foreign = [
        c.name for c in kube.crds if c.name in V1_CRDS and (c.release, c.release_namespace) != (CRD_RELEASE, namespace)
    ]
    if foreign:
        return failed(
            check,
            f"{', '.join(foreign)} exist outside the {CRD_RELEASE} release; Helm refuses to install over them",
            f"let the release adopt them: label each with app.kubernetes.io/managed-by=Helm and annotate "
            f"meta.helm.sh/release-name={CRD_RELEASE} meta.helm.sh/release-namespace={namespace}",
        )
    legacy = [c.name for c in kube.crds if c.name in V0_CRDS]
    if legacy:
        return warned(
            check,
            f"v0 CRDs remain: {', '.join(legacy)}",
            "delete them last, once no v0 node remains (kubectl delete crd ...)",
        )
    return passed(check, "no CRD in the way of the karpenter-crd release")


def check_legacy_objects(kube: KubeObservations) -> Verdict:
    if not kube.provisioners and not kube.node_templates:
        return passed("v0-objects", "no Provisioner or AWSNodeTemplate")
    parts = []
    if kube.provisioners:
        parts.append(f"Provisioners {', '.join(kube.provisioners)}")
    if kube.node_templates:
        parts.append(f"AWSNodeTemplates {', '.join(kube.node_templates)}")
    return warned(
        "v0-objects",
        f"{' and '.join(parts)} remain; without a v0 controller nothing acts on them",
        "python -m karpenter convert turns the runbook's values into node pools; delete these objects after "
        "the v0 nodes are drained",
    )


def check_legacy_nodes(kube: KubeObservations, stack: str = "<stack>") -> Verdict:
    nodes = kube.legacy_nodes
    if not nodes:
        return passed("v0-nodes", f"no node labelled {LEGACY_LABEL}")
    by_provisioner: dict[str, int] = {}
    for node in nodes:
        by_provisioner[node.provisioner] = by_provisioner.get(node.provisioner, 0) + 1
    counts = ", ".join(f"{count} of {name}" for name, count in sorted(by_provisioner.items()))
    return warned(
        "v0-nodes",
        f"{len(nodes)} nodes launched by v0 Provisioners ({counts}); the v1 controller's policy cannot terminate them",
        f"after pulumi up, drain them one at a time: python -m karpenter drain-legacy --stack {stack}",
    )


def check_aws_auth(kube: KubeObservations, node_role_arn: str, authentication_mode: str | None) -> Verdict:
    check = "aws-auth"
    if kube.aws_auth_roles is None:
        return passed(check, "no aws-auth ConfigMap")
    if node_role_arn not in kube.aws_auth_roles:
        return passed(check, "aws-auth has no entry for the node role")
    if (authentication_mode or "CONFIG_MAP") == "API":
        return warned(
            check,
            "aws-auth maps the node role, but authentication mode API ignores aws-auth",
            "nodes join by the stack's access entry; remove the entry once no v0 node remains",
        )
    return passed(check, "aws-auth maps the node role (v0 nodes join by it); keep it until no v0 node remains")
