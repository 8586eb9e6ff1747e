"""Checks of what already runs in the cluster: a Karpenter installed by Helm, CRDs the stack's release
would collide with, the v0 Provisioners and the nodes they launched, and aws-auth entries for the node
role. Pure: facts in, verdicts out."""

from __future__ import annotations

from karpenter.preflight.observations import Crd, KubeObservations, Unread
from karpenter.preflight.verdicts import Verdict, failed, passed, warned

KARPENTER_CHART = "karpenter"
CRD_RELEASE = "karpenter-crd"
KARPENTER_RELEASE = "karpenter"
# The label value Helm sets, and requires, on every object of a release.
HELM_MANAGED_BY = "Helm"
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
        reason.action(
            "give your identity read access to the cluster (access entry or aws-auth), then run doctor again"
        ),
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


def _helm_owned(crd: Crd, namespace: str) -> bool:
    """Whether Helm lets the stack's karpenter-crd release take the CRD: its ownership check wants the
    managed-by label and both release annotations to name that release."""
    return crd.managed_by == HELM_MANAGED_BY and (crd.release, crd.release_namespace) == (CRD_RELEASE, namespace)


def _described(crd: Crd) -> str:
    if crd.release is None or crd.release == CRD_RELEASE:
        return crd.name
    return f"{crd.name} (release {crd.release}, namespace {crd.release_namespace})"


def check_crds(kube: KubeObservations, namespace: str) -> Verdict:
    check = "crds"
    v1 = [c for c in kube.crds if c.name in V1_CRDS]
    # Another namespace's karpenter-crd release: the stack's namespace changed, or Karpenter was installed
    # there by hand. Handing them over is a move, not a relabel.
    elsewhere: dict[str, list[str]] = {}
    for crd in v1:
        if crd.release == CRD_RELEASE and crd.release_namespace not in (None, namespace):
            elsewhere.setdefault(str(crd.release_namespace), []).append(crd.name)
    moved = {name for names in elsewhere.values() for name in names}
    unowned = [c for c in v1 if not _helm_owned(c, namespace) and c.name not in moved]
    problems, actions = [], []
    for other, names in sorted(elsewhere.items()):
        verb, them = ("belongs", "it") if len(names) == 1 else ("belong", "them")
        problems.append(
            f"{', '.join(names)} {verb} to the {CRD_RELEASE} release in namespace {other}, not {namespace}; "
            f"a {CRD_RELEASE} release in {namespace} cannot take {them}"
        )
        actions.append(
            f"keep karpenter:namespace at {other}, where that release runs, or move Karpenter as the README's "
            '"Moving Karpenter to another namespace" says'
        )
    if unowned:
        listed = " ".join(c.name for c in unowned)
        verb = "exists" if len(unowned) == 1 else "exist"
        problems.append(
            f"{', '.join(_described(c) for c in unowned)} {verb} without Helm's ownership metadata for the "
            f"{CRD_RELEASE} release in namespace {namespace} (applied with kubectl, or by another release); Helm "
            "refuses to install over them (invalid ownership metadata)"
        )
        actions.append(
            f"hand them to the release: kubectl label crd {listed} app.kubernetes.io/managed-by={HELM_MANAGED_BY} "
            f"--overwrite && kubectl annotate crd {listed} meta.helm.sh/release-name={CRD_RELEASE} "
            f"meta.helm.sh/release-namespace={namespace} --overwrite"
        )
    if problems:
        return failed(check, "; ".join(problems), "; ".join(actions))
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
