"""Doctor's Kubernetes side: the real kubernetes client against a local API answering with recorded
responses of a cluster as the runbook leaves it (tests/fixtures/kubernetes), and of an empty one."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

from kubernetes import client

from karpenter.preflight import cluster_checks
from karpenter.preflight.cluster_reader import decode_release, read_cluster_state
from karpenter.preflight.cluster_reader import read_crds as read_crds_of
from karpenter.preflight.observations import Crd, KubeObservations
from karpenter.preflight.verdicts import Status
from tests.kube_api import KubeApi, recorded, serve, status

NODE_ROLE_ARN = "arn:aws:iam::123456789012:role/karpenter-node-role-dev"
EMPTY = {"metadata": {"resourceVersion": "1"}, "items": []}


def runbook_cluster() -> KubeApi:
    return KubeApi(
        routes={
            "GET /api/v1/secrets?fieldSelector=type=helm.sh/release.v1": (200, recorded("secrets-helm-releases.json")),
            "GET /apis/apiextensions.k8s.io/v1/customresourcedefinitions": (200, recorded("crds.json")),
            "GET /apis/karpenter.sh/v1alpha5/provisioners": (200, recorded("provisioners.json")),
            "GET /apis/karpenter.k8s.aws/v1alpha1/awsnodetemplates": (200, recorded("awsnodetemplates.json")),
            "GET /api/v1/nodes?labelSelector=karpenter.sh/provisioner-name": (200, recorded("nodes-legacy.json")),
            "GET /api/v1/namespaces/kube-system/configmaps/aws-auth": (200, recorded("configmap-aws-auth.json")),
        }
    )


def read(api: KubeApi) -> KubeObservations:
    with serve(api):
        return read_cluster_state(api.client())


def test_the_runbooks_cluster_is_read_through_the_kubernetes_client() -> None:
    observed = read(runbook_cluster())
    assert [(r.name, r.chart, r.chart_version, r.legacy) for r in observed.helm_releases] == [
        ("karpenter", "karpenter", "v0.27.3", True),
        ("karpenter-config", "tfy-karpenter-config", "0.1.1", True),
    ]
    assert [c.name for c in observed.crds] == ["awsnodetemplates.karpenter.k8s.aws", "provisioners.karpenter.sh"]
    assert observed.provisioners == ("default", "gpu-provisioner")
    assert observed.node_templates == ("default",)
    assert [(n.provisioner, n.instance_id) for n in observed.legacy_nodes] == [
        ("default", "i-0a1b2c3d4e5f60001"),
        ("gpu-provisioner", "i-0a1b2c3d4e5f60002"),
    ]
    assert observed.aws_auth_roles is not None and NODE_ROLE_ARN in observed.aws_auth_roles


def test_the_v0_install_fails_and_says_to_detach_then_uninstall() -> None:
    found = cluster_checks.check_existing_karpenter(read(runbook_cluster()), "karpenter")
    assert found.status is Status.FAIL
    assert found.summary == (
        "the v0 install is still there: karpenter (karpenter v0.27.3, namespace karpenter), "
        "karpenter-config (tfy-karpenter-config 0.1.1, namespace karpenter)"
    )
    assert found.action.endswith(
        "helm uninstall karpenter -n karpenter; helm uninstall karpenter-config -n karpenter; the nodes keep running"
    )


def test_what_v0_leaves_is_warned_about_with_what_to_do() -> None:
    observed = read(runbook_cluster())
    crds = cluster_checks.check_crds(observed, "karpenter")
    assert (crds.status, crds.summary) == (
        Status.WARN,
        "v0 CRDs remain: awsnodetemplates.karpenter.k8s.aws, provisioners.karpenter.sh",
    )
    assert cluster_checks.check_legacy_objects(observed).summary == (
        "Provisioners default, gpu-provisioner and AWSNodeTemplates default remain; without a v0 controller "
        "nothing acts on them"
    )
    nodes = cluster_checks.check_legacy_nodes(observed)
    assert nodes.status is Status.WARN
    assert nodes.summary.startswith("2 nodes launched by v0 Provisioners (1 of default, 1 of gpu-provisioner)")
    assert "drain-legacy" in nodes.action
    aws_auth = cluster_checks.check_aws_auth(observed, NODE_ROLE_ARN, "API_AND_CONFIG_MAP")
    assert (aws_auth.status, aws_auth.summary) == (
        Status.PASS,
        "aws-auth maps the node role (v0 nodes join by it); keep it until no v0 node remains",
    )
    assert cluster_checks.check_aws_auth(observed, NODE_ROLE_ARN, "API").status is Status.WARN


def release_secret(name: str, namespace: str, chart: str, version: str, manifest: str = "") -> dict[str, Any]:
    release = {
        "name": name,
        "version": 1,
        "chart": {"metadata": {"name": chart, "version": version}},
        "manifest": manifest,
    }
    stored = base64.b64encode(gzip.compress(json.dumps(release).encode())).decode()
    return {
        "metadata": {
            "name": f"sh.helm.release.v1.{name}.v1",
            "namespace": namespace,
            "labels": {"name": name, "owner": "helm", "status": "deployed", "version": "1"},
        },
        "type": "helm.sh/release.v1",
        "data": {"release": base64.b64encode(stored.encode()).decode()},
    }


def crd(name: str, release: str | None) -> dict[str, Any]:
    """A CRD as a Helm release leaves it (its label and annotations), or, without a release, as kubectl does."""
    annotations = (
        {"meta.helm.sh/release-name": release, "meta.helm.sh/release-namespace": "karpenter"} if release else {}
    )
    labels = {"app.kubernetes.io/managed-by": "Helm"} if release else {}
    group = name.split(".", 1)[1]
    return {
        "metadata": {"name": name, "annotations": annotations, "labels": labels},
        "spec": {
            "group": group,
            "scope": "Cluster",
            "names": {"plural": name.split(".", 1)[0], "kind": "X"},
            "versions": [{"name": "v1", "served": True, "storage": True}],
        },
    }


def v1_cluster(crd_release: str | None) -> KubeApi:
    secrets = [release_secret("karpenter", "karpenter", "karpenter", "1.14.1")]
    crds = [crd(name, crd_release) for name in ("nodepools.karpenter.sh", "ec2nodeclasses.karpenter.k8s.aws")]
    return KubeApi(
        routes={
            "GET /api/v1/secrets": (200, {**EMPTY, "items": secrets}),
            "GET /apis/apiextensions.k8s.io/v1/customresourcedefinitions": (200, {**EMPTY, "items": crds}),
            "GET /api/v1/nodes": (200, EMPTY),
            "GET /api/v1/namespaces/kube-system/configmaps/aws-auth": status(
                404, "NotFound", 'configmaps "aws-auth" not found'
            ),
        }
    )


def test_a_cluster_the_stack_already_runs_on_passes() -> None:
    observed = read(v1_cluster("karpenter-crd"))
    assert cluster_checks.check_existing_karpenter(observed, "karpenter").summary == (
        "only the stack's own karpenter release (namespace karpenter)"
    )
    assert cluster_checks.check_crds(observed, "karpenter").status is Status.PASS
    assert cluster_checks.check_legacy_nodes(observed).status is Status.PASS
    assert cluster_checks.check_aws_auth(observed, NODE_ROLE_ARN, "API").summary == "no aws-auth ConfigMap"
    # Another namespace is another controller.
    assert cluster_checks.check_existing_karpenter(observed, "kube-system").status is Status.FAIL


def test_v1_crds_no_release_owns_fail_with_the_labels_that_let_helm_adopt_them() -> None:
    found = cluster_checks.check_crds(read(v1_cluster(None)), "karpenter")
    assert found.status is Status.FAIL
    assert found.summary.startswith("ec2nodeclasses.karpenter.k8s.aws, nodepools.karpenter.sh exist without")
    assert "meta.helm.sh/release-name=karpenter-crd meta.helm.sh/release-namespace=karpenter" in found.action


def recorded_crds(fixture: str) -> KubeApi:
    return KubeApi(routes={"GET /apis/apiextensions.k8s.io/v1/customresourcedefinitions": (200, recorded(fixture))})


def read_crds(fixture: str) -> KubeObservations:
    api = recorded_crds(fixture)
    with serve(api):
        crds, _ = read_crds_of(client.ApiextensionsV1Api(api.client()))
    return KubeObservations(crds=crds)


def test_helms_ownership_metadata_is_read_with_each_crd() -> None:
    observed = read_crds("crds-other-namespace.json")
    # The load balancer controller's CRD is not Karpenter's.
    assert [(c.name, c.managed_by, c.release, c.release_namespace) for c in observed.crds] == [
        (name, "Helm", "karpenter-crd", "karpenter")
        for name in (
            "capacitybuffers.autoscaling.x-k8s.io",
            "ec2nodeclasses.karpenter.k8s.aws",
            "nodeclaims.karpenter.sh",
            "nodeoverlays.karpenter.sh",
            "nodepools.karpenter.sh",
        )
    ]


def test_crds_applied_with_kubectl_fail_with_the_commands_that_hand_them_to_the_release() -> None:
    """Helm installs over an existing object only if its label `app.kubernetes.io/managed-by` is `Helm`
    and its annotations `meta.helm.sh/release-name` and `meta.helm.sh/release-namespace` name the
    installing release, else "invalid ownership metadata" (helm/helm pkg/action/validate.go,
    `checkOwnership`, called by `existingResourceConflict` on install). `kubectl apply` sets none of
    them, so the karpenter-crd release would fail; setting all three lets Helm adopt the CRDs."""
    found = cluster_checks.check_crds(read_crds("crds-kubectl-applied.json"), "karpenter")
    names = (
        "capacitybuffers.autoscaling.x-k8s.io ec2nodeclasses.karpenter.k8s.aws nodeclaims.karpenter.sh "
        "nodeoverlays.karpenter.sh nodepools.karpenter.sh"
    )
    assert (found.status, found.summary, found.action) == (
        Status.FAIL,
        "capacitybuffers.autoscaling.x-k8s.io, ec2nodeclasses.karpenter.k8s.aws, nodeclaims.karpenter.sh, "
        "nodeoverlays.karpenter.sh, nodepools.karpenter.sh exist without Helm's ownership metadata for the "
        "karpenter-crd release in namespace karpenter (applied with kubectl, or by another release); Helm refuses "
        "to install over them (invalid ownership metadata)",
        f"hand them to the release: kubectl label crd {names} app.kubernetes.io/managed-by=Helm --overwrite && "
        f"kubectl annotate crd {names} meta.helm.sh/release-name=karpenter-crd "
        "meta.helm.sh/release-namespace=karpenter --overwrite",
    )


def test_crds_of_the_karpenter_crd_release_in_another_namespace_are_named_with_it() -> None:
    """A namespace change: the CRDs name the old namespace in `meta.helm.sh/release-namespace`, which
    Helm's `checkOwnership` (helm/helm pkg/action/validate.go) requires to equal the installing release's."""
    observed = read_crds("crds-other-namespace.json")
    assert cluster_checks.check_crds(observed, "karpenter").status is Status.PASS
    found = cluster_checks.check_crds(observed, "kube-system")
    assert (found.status, found.summary, found.action) == (
        Status.FAIL,
        "capacitybuffers.autoscaling.x-k8s.io, ec2nodeclasses.karpenter.k8s.aws, nodeclaims.karpenter.sh, "
        "nodeoverlays.karpenter.sh, nodepools.karpenter.sh belong to the karpenter-crd release in namespace "
        "karpenter, not kube-system; a karpenter-crd release in kube-system cannot take them",
        "keep karpenter:namespace at karpenter, where that release runs, or move Karpenter as the README's "
        '"Moving Karpenter to another namespace" says',
    )


def test_each_crd_is_judged_by_all_three_marks_of_helms_ownership() -> None:
    stacks = Crd("nodepools.karpenter.sh", "karpenter-crd", "karpenter", "Helm")
    unlabelled = Crd("nodeclaims.karpenter.sh", "karpenter-crd", "karpenter", None)
    other_release = Crd("ec2nodeclasses.karpenter.k8s.aws", "karpenter", "karpenter", "Helm")
    moved = Crd("nodeoverlays.karpenter.sh", "karpenter-crd", "platform", "Helm")
    v0 = Crd("provisioners.karpenter.sh")
    found = cluster_checks.check_crds(
        KubeObservations(crds=(stacks, unlabelled, other_release, moved, v0)), "karpenter"
    )
    assert found.summary == (
        "nodeoverlays.karpenter.sh belongs to the karpenter-crd release in namespace platform, not karpenter; a "
        "karpenter-crd release in karpenter cannot take it; nodeclaims.karpenter.sh, "
        "ec2nodeclasses.karpenter.k8s.aws (release karpenter, namespace karpenter) exist without Helm's ownership "
        "metadata for the karpenter-crd release in namespace karpenter (applied with kubectl, or by another "
        "release); Helm refuses to install over them (invalid ownership metadata)"
    )
    assert "kubectl label crd nodeclaims.karpenter.sh ec2nodeclasses.karpenter.k8s.aws app" in found.action
    # Only the stack's own, and v0 leftovers: a warning about those.
    assert cluster_checks.check_crds(KubeObservations(crds=(stacks, v0)), "karpenter").status is Status.WARN


def test_a_release_is_decoded_as_helm_stores_it() -> None:
    secret = release_secret("x", "ns", "karpenter", "0.27.3")
    assert decode_release(secret["data"]["release"])["chart"]["metadata"]["version"] == "0.27.3"
