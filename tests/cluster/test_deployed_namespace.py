"""A deployed stack's namespace, read from the controller role it made, and the refusal of a change.

Why a change is refused rather than deployed: pulumi-kubernetes' `helm.v3.Release` Diff
(provider/pkg/provider/helm_release.go) marks `forceNewFields := []string{".name", ".namespace"}` and
answers `DeleteBeforeReplace: false`, so a new namespace installs every release anew before the old one
is uninstalled. The new `karpenter-crd` install then meets CRDs the old release owns, and Helm's
`checkOwnership` (helm/helm pkg/action/validate.go) refuses them: "invalid ownership metadata", since
`meta.helm.sh/release-namespace` must equal the installing release's namespace. The mock engine shows
none of this; these tests pin that the program stops before anything is registered.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from karpenter import Karpenter
from karpenter.cluster.adoption import ExistingRole
from karpenter.cluster.deployed_namespace import check_namespace_unchanged, deployed_namespace, irsa_namespaces
from karpenter.config.errors import ConfigError
from karpenter.offline.facts import OfflineFacts, OfflineRole, load_facts_file
from karpenter.offline.program import SynthResult
from karpenter.vocabulary.node_labels import in_reserved_domain
from tests.conftest import Run, facts_with
from tests.stack.test_component import run_with_inputs

ROLE = "karpenter-controller-role-dev"
OURS = "Karpenter controller of EKS cluster dev"
TAG = "karpenter-stack/namespace"
ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE0123456789ABCDEF0123456789"
CREATE = {
    "create": True,
    "vpcId": "vpc-0a1b2c3d4e5f6a7b8",
    "subnetIds": ["subnet-0a1b2c3d4e5f6a7b1", "subnet-0a1b2c3d4e5f6a7b2"],
}


def irsa_trust(*subjects: str, operator: str = "StringEquals") -> dict[str, Any]:
    """An IRSA trust as the stack writes it (`trust.irsa_trust_policy`), naming these subjects."""
    sub: str | list[str] = subjects[0] if len(subjects) == 1 else list(subjects)
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": f"arn:aws:iam::123456789012:oidc-provider/{ISSUER}"},
                "Action": ["sts:AssumeRoleWithWebIdentity"],
                "Condition": {operator: {f"{ISSUER}:aud": "sts.amazonaws.com", f"{ISSUER}:sub": sub}},
            }
        ],
    }


POD_IDENTITY_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "pods.eks.amazonaws.com"}, "Action": ["sts:AssumeRole"]}
    ],
}


def with_controller_role(role: OfflineRole) -> OfflineFacts:
    return facts_with(existing_roles={ROLE: role})


def tagged(namespace: str, description: str = OURS) -> OfflineFacts:
    return with_controller_role(OfflineRole(description=description, tags={TAG: namespace}))


def refusal(deployed: str, evidence: str, wanted: str) -> str:
    return (
        f"karpenter:namespace: the deployed stack runs Karpenter in namespace {deployed!r} ({evidence} says so), "
        f"and the config says {wanted!r}; pulumi up would replace the karpenter-crd, karpenter and karpenter-config "
        "releases, new ones first, and stop halfway: the new karpenter-crd release cannot take the CRDs the old "
        "one owns, and a second controller would start beside the old one, which loses its IAM credentials. "
        f"Set karpenter:namespace back to {deployed!r}, or move Karpenter as the README's \"Moving Karpenter to "
        f'another namespace" says: hand the CRDs and node pools to {wanted!r}, make Helm and Pulumi forget the old '
        f"releases, uninstall the old controller, tag IAM role {ROLE} with {TAG}={wanted}, then pulumi up"
    )


def controller_role_tags(result: SynthResult) -> dict[str, str]:
    tags: dict[str, str] = result.named("controller-role").inputs["tags"]
    return tags


# --- the program ---------------------------------------------------------------------------------


def test_a_deployed_stack_tagged_with_another_namespace_is_refused_naming_it(run: Run) -> None:
    with pytest.raises(ConfigError) as refused:
        run({"namespace": "kube-system"}, facts=tagged("karpenter"))
    assert str(refused.value) == refusal("karpenter", f"tag {TAG} of IAM role {ROLE}", "kube-system")


def test_a_stack_deployed_before_the_tag_is_refused_by_the_namespace_its_irsa_trust_names(run: Run) -> None:
    facts = with_controller_role(
        OfflineRole(description=OURS, assume_role_policy=irsa_trust("system:serviceaccount:karpenter:karpenter"))
    )
    with pytest.raises(ConfigError) as refused:
        run(facts=facts)
    assert str(refused.value) == refusal("karpenter", f"the IRSA trust of IAM role {ROLE}", "kube-system")


def test_the_namespace_the_stack_runs_in_passes_and_stays_on_the_role(run: Run) -> None:
    result = run({"namespace": "karpenter"}, facts=tagged("karpenter"))
    assert controller_role_tags(result) == {TAG: "karpenter"}
    assert {r.inputs["namespace"] for r in result.of_type("kubernetes:helm.sh/v3:Release")} >= {"karpenter"}


def test_a_first_deploy_passes_and_tags_the_role_with_its_namespace(run: Run) -> None:
    """The tag is new on stacks made before it: pulumi-aws updates a role's tags in place (TagRole and
    UntagRole, hashicorp/terraform-provider-aws internal/service/iam/tags.go `roleUpdateTags`), so
    existing stacks get it without replacing the role."""
    result = run({"namespace": "karpenter"})
    assert controller_role_tags(result) == {TAG: "karpenter"}
    # Outside the domains Kubernetes and Karpenter reserve, where nothing else will write it.
    assert not in_reserved_domain(TAG) and not TAG.startswith("aws:")


def test_a_role_the_stack_did_not_make_is_not_read_as_its_own(run: Run) -> None:
    # A hand-made role that happens to carry the tag and an IRSA trust of another namespace: adopting
    # it is the adopt rules' business, and it says nothing about where this stack put Karpenter.
    foreign = OfflineRole(
        tags={TAG: "karpenter"}, assume_role_policy=irsa_trust("system:serviceaccount:karpenter:karpenter")
    )
    result = run({"adopt": True}, facts=with_controller_role(foreign))
    assert result.named("controller-role").options["importId"] == ROLE
    assert controller_role_tags(result) == {TAG: "kube-system"}
    result = run({"cluster": CREATE}, facts=with_controller_role(foreign))
    assert controller_role_tags(result) == {TAG: "kube-system"}


def test_a_pod_identity_role_made_before_the_tag_names_no_namespace_and_is_let_through_with_a_warning(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its trust is the EKS service's; the namespace is only in the association, which no data source reads.
    logged: list[tuple[str, Any]] = []
    monkeypatch.setattr(pulumi.log, "warn", lambda message, resource=None, **_: logged.append((message, resource)))
    facts = with_controller_role(OfflineRole(description=OURS, assume_role_policy=POD_IDENTITY_TRUST))
    # A pinned AMI, so that the only warning is the role's.
    pinned = {"identity": "pod-identity", "amiAlias": "al2023@v20250920"}
    result = run(pinned, facts=facts)
    assert controller_role_tags(result) == {TAG: "kube-system"}
    [(message, resource)] = logged
    assert message == (
        f"karpenter:namespace: IAM role {ROLE} names no namespace (made before the stack tagged it, and its trust "
        "names no single service account's, as a Pod Identity trust never does), so a namespace change "
        "cannot be refused in this run; if Karpenter runs in "
        "another namespace than 'kube-system', cancel and set karpenter:namespace to it. This run tags the role "
        f"with {TAG}=kube-system"
    )
    assert isinstance(resource, Karpenter)
    # Tagged, or a first deploy, or a foreign role: nothing to warn about.
    run(pinned, facts=tagged("kube-system"))
    run(pinned)
    run({**pinned, "adopt": True}, facts=with_controller_role(OfflineRole()))
    assert len(logged) == 1


def test_a_stack_that_creates_its_cluster_is_refused_on_its_next_run(run: Run) -> None:
    with pytest.raises(ConfigError) as refused:
        run({"cluster": CREATE}, facts=tagged("karpenter"))
    assert str(refused.value) == refusal("karpenter", f"tag {TAG} of IAM role {ROLE}", "kube-system")
    result = run({"cluster": CREATE, "namespace": "karpenter"}, facts=tagged("karpenter"))
    assert controller_role_tags(result) == {TAG: "karpenter"}
    # Its first run: no role yet.
    assert controller_role_tags(run({"cluster": CREATE})) == {TAG: "kube-system"}


@pytest.mark.parametrize("outputs", [(), ("subnet_ids",)], ids=["subnets-known", "subnets-at-deploy-time"])
def test_a_cluster_a_program_passes_in_is_refused_as_any(outputs: tuple[str, ...]) -> None:
    with pytest.raises(ConfigError) as refused:
        run_with_inputs(outputs=outputs, facts=tagged("karpenter"))
    assert str(refused.value) == refusal("karpenter", f"tag {TAG} of IAM role {ROLE}", "kube-system")
    result = run_with_inputs({"namespace": "karpenter"}, outputs=outputs, facts=tagged("karpenter"))
    assert controller_role_tags(result) == {TAG: "karpenter"}


# --- the rules -----------------------------------------------------------------------------------


def role(**fields: Any) -> ExistingRole:
    return ExistingRole(ROLE, **{"description": OURS, **fields})


def test_the_tag_wins_over_the_trust() -> None:
    # The tag is what a move by hand sets (README); the trust still names the old namespace then.
    found = deployed_namespace(
        role(tags={TAG: "platform"}, trust_policy=json.dumps(irsa_trust("system:serviceaccount:karpenter:karpenter"))),
        "dev",
    )
    assert found is not None and found.namespace == "platform"
    check_namespace_unchanged("platform", role(tags={TAG: "platform"}), "dev")


def test_a_role_of_another_cluster_is_not_this_stacks() -> None:
    assert deployed_namespace(role(tags={TAG: "karpenter"}), "prod") is None
    assert deployed_namespace(None, "dev") is None


@pytest.mark.parametrize(
    ("trust", "namespaces"),
    [
        (json.dumps(irsa_trust("system:serviceaccount:karpenter:karpenter")), {"karpenter"}),
        (json.dumps(irsa_trust("system:serviceaccount:karpenter:karpenter", operator="StringLike")), {"karpenter"}),
        (json.dumps(irsa_trust("system:serviceaccount:a:karpenter", "system:serviceaccount:b:karpenter")), {"a", "b"}),
        (json.dumps(irsa_trust("system:serviceaccount:*:karpenter", operator="StringLike")), set()),
        (json.dumps(irsa_trust("system:serviceaccount:karpenter")), set()),
        (json.dumps(POD_IDENTITY_TRUST), set()),
        ("{}", set()),
        ("", set()),
        ("not json", set()),
    ],
    ids=["equals", "like", "two", "wildcard", "no-account", "pod-identity", "empty", "unread", "garbage"],
)
def test_the_irsa_subject_names_the_namespace(trust: str, namespaces: set[str]) -> None:
    assert irsa_namespaces(trust) == namespaces


def test_a_trust_naming_two_namespaces_names_none() -> None:
    trust = json.dumps(irsa_trust("system:serviceaccount:a:karpenter", "system:serviceaccount:b:karpenter"))
    assert deployed_namespace(role(trust_policy=trust), "dev") is None


def test_a_facts_file_describes_the_role_in_the_keys_aws_uses(run: Run, tmp_path: Path) -> None:
    facts_file = tmp_path / "facts.yaml"
    written = facts_with().model_dump(by_alias=True, exclude={"existing_roles"})
    trust = irsa_trust("system:serviceaccount:karpenter:karpenter")
    written["existingRoles"] = {ROLE: {"description": OURS, "tags": {}, "assumeRolePolicy": trust}}
    facts_file.write_text(yaml.safe_dump(written))
    facts = load_facts_file(facts_file)
    assert facts.existing_roles[ROLE].assume_role_policy == trust
    with pytest.raises(
        ConfigError, match="^karpenter:namespace: the deployed stack runs Karpenter in namespace 'karpenter'"
    ):
        run(facts=facts)
