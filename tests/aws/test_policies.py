"""Tests for karpenter.policies: size limits, least-privilege scoping and partition/region hygiene."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from fnmatch import fnmatchcase
from typing import Any

import pytest

from karpenter.aws.iam.controller import controller_policy_documents
from karpenter.aws.iam.documents import MAX_MANAGED_POLICY_SIZE, document_size
from karpenter.aws.iam.node import node_managed_policy_arns
from karpenter.aws.iam.queue import interruption_queue_policy
from karpenter.aws.iam.trust import irsa_trust_policy, node_trust_policy, pod_identity_trust_policy

Doc = dict[str, Any]

PARTITION = "aws"
REGION = "eu-west-1"
ACCOUNT = "111122223333"
CLUSTER = "demo"
NODE_ROLE_ARN = f"arn:{PARTITION}:iam::{ACCOUNT}:role/KarpenterNodeRole-{CLUSTER}"
QUEUE_ARN = f"arn:{PARTITION}:sqs:{REGION}:{ACCOUNT}:{CLUSTER}"
CLUSTER_ARN = f"arn:{PARTITION}:eks:{REGION}:{ACCOUNT}:cluster/{CLUSTER}"
# What upstream's AllowScopedEC2InstanceAccessActions grants RunInstances/CreateFleet on without tag conditions:
# resources Karpenter launches into but never creates, so they carry no cluster tag.
UNOWNED_EC2_RESOURCE_TYPES = (
    "image",
    "snapshot",
    "security-group",
    "subnet",
    "capacity-reservation",
    "placement-group",
)

EXPECTED_KEYS = [
    "NodeLifecycle",
    "IAMIntegration",
    "EKSIntegration",
    "Interruption",
    "ZonalShift",
    "ResourceDiscovery",
]

CLUSTER_SCOPED_EC2_ACTIONS = [
    "ec2:RunInstances",
    "ec2:CreateFleet",
    "ec2:CreateLaunchTemplate",
    "ec2:CreateTags",
    "ec2:TerminateInstances",
    "ec2:DeleteLaunchTemplate",
]

INSTANCE_PROFILE_MUTATIONS = [
    "iam:CreateInstanceProfile",
    "iam:TagInstanceProfile",
    "iam:UntagInstanceProfile",
    "iam:AddRoleToInstanceProfile",
    "iam:RemoveRoleFromInstanceProfile",
    "iam:DeleteInstanceProfile",
]


def render(**overrides: Any) -> dict[str, Doc]:
    kwargs: dict[str, Any] = {
        "partition": PARTITION,
        "region": REGION,
        "account_id": ACCOUNT,
        "cluster_name": CLUSTER,
        "node_role_arn": NODE_ROLE_ARN,
        "interruption_queue_arn": QUEUE_ARN,
    }
    kwargs.update(overrides)
    return controller_policy_documents(**kwargs)


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statements(docs: dict[str, Doc]) -> Iterator[Doc]:
    for doc in docs.values():
        yield from doc["Statement"]


def grants(statement: Doc, action: str) -> bool:
    """True if the statement's Action patterns (wildcards included) match ``action``."""
    return any(fnmatchcase(action.lower(), p.lower()) for p in as_list(statement.get("Action", [])))


def both_profile_modes() -> Iterator[dict[str, Doc]]:
    for manage in (True, False):
        yield render(manage_instance_profiles=manage)


# --------------------------------------------------------------------------- shape


@pytest.mark.parametrize("manage", [True, False])
def test_controller_policy_keys_are_in_upstream_order(manage: bool) -> None:
    assert list(render(manage_instance_profiles=manage)) == EXPECTED_KEYS


def test_interruption_policy_is_absent_without_a_queue() -> None:
    docs = render(interruption_queue_arn=None)
    assert list(docs) == [k for k in EXPECTED_KEYS if k != "Interruption"]
    assert not [s for s in statements(docs) if any(grants(s, a) for a in ("sqs:ReceiveMessage", "sqs:DeleteMessage"))]


@pytest.mark.parametrize("manage", [True, False])
def test_permission_statements_are_well_formed_allows_with_sids(manage: bool) -> None:
    docs = render(manage_instance_profiles=manage)
    sids: list[str] = []
    for doc in docs.values():
        assert doc["Version"] == "2012-10-17"
        assert doc["Statement"]
    for st in statements(docs):
        assert st["Effect"] == "Allow"
        assert isinstance(st["Action"], list) and st["Action"]
        assert "Resource" in st
        assert not {"NotAction", "NotResource", "Principal"} & st.keys()
        sids.append(st["Sid"])
    assert len(sids) == len(set(sids))


def test_node_managed_policy_arns_use_partition() -> None:
    assert node_managed_policy_arns("aws-us-gov") == [
        "arn:aws-us-gov:iam::aws:policy/AmazonEKSWorkerNodePolicy",
        "arn:aws-us-gov:iam::aws:policy/AmazonEKS_CNI_Policy",
        "arn:aws-us-gov:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
        "arn:aws-us-gov:iam::aws:policy/AmazonSSMManagedInstanceCore",
    ]


# --------------------------------------------------------------------------- size


def test_document_size_counts_json_without_whitespace() -> None:
    assert document_size({"a": ["b c", 1], "d": {}}) == len('{"a":["b c",1],"d":{}}')


def _long_input_documents(manage: bool) -> Iterator[tuple[str, Doc]]:
    cluster, region, account = "a" * 100, "ap-southeast-4", "123456789012"
    queue = f"arn:aws-us-gov:sqs:{region}:{account}:{cluster[:80]}"
    role = f"arn:aws-us-gov:iam::{account}:role/{'r' * 64}"
    docs = render(
        partition="aws-us-gov",
        region=region,
        account_id=account,
        cluster_name=cluster,
        node_role_arn=role,
        interruption_queue_arn=queue,
        manage_instance_profiles=manage,
    )
    yield from docs.items()
    yield "node-trust", node_trust_policy()
    yield "pod-identity-trust", pod_identity_trust_policy()
    oidc_host = f"oidc.eks.{region}.amazonaws.com/id/{'F' * 32}"
    yield (
        "irsa-trust",
        irsa_trust_policy(
            oidc_provider_arn=f"arn:aws-us-gov:iam::{account}:oidc-provider/{oidc_host}",
            issuer_host=oidc_host,
            namespace="k" * 63,
            service_account="s" * 253,
        ),
    )
    yield "queue", interruption_queue_policy(queue_arn=queue)


@pytest.mark.parametrize("manage", [True, False])
def test_every_document_fits_the_managed_policy_limit_with_long_inputs(
    manage: bool,
) -> None:
    docs = list(_long_input_documents(manage))
    assert len(docs) == len(EXPECTED_KEYS) + 4
    sizes = {name: document_size(doc) for name, doc in docs}
    assert all(size <= MAX_MANAGED_POLICY_SIZE for size in sizes.values()), sizes


def test_managed_policy_limit_is_the_aws_value() -> None:
    assert MAX_MANAGED_POLICY_SIZE == 6144


# --------------------------------------------------------------------------- iam:PassRole


@pytest.mark.parametrize("docs", list(both_profile_modes()), ids=["managed-profiles", "own-profile"])
def test_pass_role_is_limited_to_node_role_and_ec2(docs: dict[str, Doc]) -> None:
    passing = [s for s in statements(docs) if grants(s, "iam:PassRole")]
    assert len(passing) == 1
    (st,) = passing
    assert as_list(st["Resource"]) == [NODE_ROLE_ARN]
    assert st["Condition"] == {"StringEquals": {"iam:PassedToService": ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"]}}
    assert "*" not in json.dumps(st)


# --------------------------------------------------------------------------- EC2 cluster-tag scoping

_UNOWNED_ARN = re.compile(
    rf"^arn:[a-z-]+:ec2:[a-z0-9-]+:\*?:({'|'.join(map(re.escape, UNOWNED_EC2_RESOURCE_TYPES))})/\*$"
)


def unscoped_ec2_grants(docs: dict[str, Doc], cluster: str) -> list[tuple[str, str]]:
    """(Sid, action) for every Allow of a cluster-scoped EC2 action on an owned resource without tag scoping."""
    owned_keys = {
        f"aws:RequestTag/kubernetes.io/cluster/{cluster}",
        f"aws:ResourceTag/kubernetes.io/cluster/{cluster}",
    }
    nodepool_keys = {
        "aws:RequestTag/karpenter.sh/nodepool",
        "aws:ResourceTag/karpenter.sh/nodepool",
    }
    bad: list[tuple[str, str]] = []
    for st in statements(docs):
        if st["Effect"] != "Allow":
            continue
        for action in CLUSTER_SCOPED_EC2_ACTIONS:
            if not grants(st, action):
                continue
            if all(_UNOWNED_ARN.match(r) for r in as_list(st["Resource"])):
                continue
            cond = st.get("Condition", {})
            owned = any(cond.get("StringEquals", {}).get(k) == "owned" for k in owned_keys)
            nodepool = any(cond.get("StringLike", {}).get(k) == "*" for k in nodepool_keys)
            if not (owned and nodepool):
                bad.append((st.get("Sid", "?"), action))
    return bad


@pytest.mark.parametrize("docs", list(both_profile_modes()), ids=["managed-profiles", "own-profile"])
def test_cluster_scoped_ec2_actions_carry_cluster_tag_conditions(
    docs: dict[str, Doc],
) -> None:
    assert unscoped_ec2_grants(docs, CLUSTER) == []
    for action in CLUSTER_SCOPED_EC2_ACTIONS:  # the scan is not vacuous
        assert any(grants(s, action) for s in statements(docs)), action


@pytest.mark.parametrize(
    "statement",
    [
        {
            "Sid": "Bare",
            "Effect": "Allow",
            "Action": ["ec2:TerminateInstances"],
            "Resource": "*",
        },
        {
            "Sid": "Wild",
            "Effect": "Allow",
            "Action": ["ec2:*"],
            "Resource": f"arn:aws:ec2:{REGION}:*:instance/*",
        },
        {
            "Sid": "OtherCluster",
            "Effect": "Allow",
            "Action": ["ec2:CreateTags"],
            "Resource": f"arn:aws:ec2:{REGION}:*:volume/*",
            "Condition": {
                "StringEquals": {"aws:RequestTag/kubernetes.io/cluster/other": "owned"},
                "StringLike": {"aws:RequestTag/karpenter.sh/nodepool": "*"},
            },
        },
        {
            "Sid": "MixedResources",
            "Effect": "Allow",
            "Action": ["ec2:RunInstances"],
            "Resource": [
                f"arn:aws:ec2:{REGION}:*:subnet/*",
                f"arn:aws:ec2:{REGION}:*:instance/*",
            ],
        },
    ],
)
def test_cluster_tag_scan_flags_an_unconditioned_statement(statement: Doc) -> None:
    docs = render()
    docs["NodeLifecycle"]["Statement"].append(statement)
    assert unscoped_ec2_grants(docs, CLUSTER)


def test_only_unowned_resource_types_are_granted_without_conditions() -> None:
    (st,) = [s for s in statements(render()) if s["Sid"] == "AllowScopedEC2InstanceAccessActions"]
    assert "Condition" not in st
    assert sorted(st["Action"]) == ["ec2:CreateFleet", "ec2:RunInstances"]
    assert {r.rsplit(":", 1)[1] for r in st["Resource"]} == {f"{t}/*" for t in UNOWNED_EC2_RESOURCE_TYPES}
    assert all(r.startswith(f"arn:{PARTITION}:ec2:{REGION}:") for r in st["Resource"])


# --------------------------------------------------------------------------- SQS / EKS


def test_sqs_actions_only_on_the_queue() -> None:
    sqs = [s for s in statements(render()) if any(a.lower().startswith("sqs:") or a == "*" for a in s["Action"])]
    assert len(sqs) == 1
    assert as_list(sqs[0]["Resource"]) == [QUEUE_ARN]
    assert sorted(sqs[0]["Action"]) == [
        "sqs:DeleteMessage",
        "sqs:GetQueueUrl",
        "sqs:ReceiveMessage",
    ]


def test_describe_cluster_only_on_the_cluster_arn() -> None:
    eks = [s for s in statements(render()) if grants(s, "eks:DescribeCluster")]
    assert len(eks) == 1
    assert as_list(eks[0]["Resource"]) == [CLUSTER_ARN]
    assert eks[0]["Action"] == ["eks:DescribeCluster"]


def test_zonal_shift_read_is_conditioned_on_the_cluster() -> None:
    (st,) = render()["ZonalShift"]["Statement"]
    assert st["Action"] == ["arc-zonal-shift:GetManagedResource"]
    assert st["Condition"] == {"StringEquals": {"arc-zonal-shift:ResourceIdentifier": CLUSTER_ARN}}


# --------------------------------------------------------------------------- partition / region hygiene


@pytest.mark.parametrize("manage", [True, False])
def test_partition_region_and_account_come_from_arguments(manage: bool) -> None:
    partition, region, account = "aws-cn", "cn-north-1", "123456789012"
    docs = render(
        partition=partition,
        region=region,
        account_id=account,
        node_role_arn=f"arn:{partition}:iam::{account}:role/node",
        interruption_queue_arn=f"arn:{partition}:sqs:{region}:{account}:q",
        manage_instance_profiles=manage,
    )
    text = json.dumps([docs, node_managed_policy_arns(partition)])
    assert "arn:aws:" not in text
    assert set(re.findall(r"arn:([a-z-]+):", text)) == {partition}
    assert set(re.findall(r"\b[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d\b", text)) == {region}
    assert set(re.findall(r"\d{12}", text)) == {account}
    assert ACCOUNT not in text and REGION not in text

    def first(sid: str) -> Doc:
        return next(s for s in statements(docs) if s["Sid"] == sid)

    assert first("AllowRegionalReadActions")["Condition"] == {"StringEquals": {"aws:RequestedRegion": region}}
    assert first("AllowSSMReadActions")["Resource"] == f"arn:{partition}:ssm:{region}::parameter/aws/service/*"
    assert first("AllowAPIServerEndpointDiscovery")["Resource"] == (
        f"arn:{partition}:eks:{region}:{account}:cluster/{CLUSTER}"
    )
    for sid in (
        "AllowScopedEC2InstanceAccessActions",
        "AllowScopedEC2InstanceActionsWithTags",
        "AllowScopedDeletion",
    ):
        assert all(r.startswith(f"arn:{partition}:ec2:{region}:") for r in as_list(first(sid)["Resource"]))
    assert first("AllowInstanceProfileReadActions")["Resource"] == f"arn:{partition}:iam::{account}:instance-profile/*"
    if manage:
        cond = first("AllowScopedInstanceProfileCreationActions")["Condition"]["StringEquals"]
        assert cond["aws:RequestTag/topology.kubernetes.io/region"] == region


# --------------------------------------------------------------------------- instance profiles


def _granted(docs: dict[str, Doc], action: str) -> bool:
    return any(grants(s, action) for s in statements(docs))


@pytest.mark.parametrize("action", INSTANCE_PROFILE_MUTATIONS)
def test_own_instance_profile_mode_drops_profile_mutations(action: str) -> None:
    assert not _granted(render(manage_instance_profiles=False), action)


@pytest.mark.parametrize(
    ("action", "when_managed"),
    [
        ("iam:CreateInstanceProfile", True),
        ("iam:TagInstanceProfile", True),
        ("iam:AddRoleToInstanceProfile", True),
        ("iam:RemoveRoleFromInstanceProfile", True),
        ("iam:DeleteInstanceProfile", True),
        ("iam:UntagInstanceProfile", False),
    ],
)
def test_managed_instance_profile_mode_keeps_upstream_grants(action: str, when_managed: bool) -> None:
    assert _granted(render(manage_instance_profiles=True), action) is when_managed


@pytest.mark.parametrize("manage", [True, False])
@pytest.mark.parametrize("action", ["iam:GetInstanceProfile", "iam:ListInstanceProfiles", "iam:PassRole"])
def test_instance_profile_reads_and_pass_role_remain(manage: bool, action: str) -> None:
    assert _granted(render(manage_instance_profiles=manage), action)


def test_instance_profile_mutations_are_tag_scoped_to_cluster_and_region() -> None:
    key = f"aws:ResourceTag/kubernetes.io/cluster/{CLUSTER}"
    mutating = [st for st in statements(render()) if any(grants(st, a) for a in INSTANCE_PROFILE_MUTATIONS)]
    assert sorted(st["Sid"] for st in mutating) == [
        "AllowScopedInstanceProfileActions",
        "AllowScopedInstanceProfileCreationActions",
        "AllowScopedInstanceProfileTagActions",
    ]
    for st in mutating:
        assert st["Resource"] == f"arn:{PARTITION}:iam::{ACCOUNT}:instance-profile/*"
        eq = st["Condition"]["StringEquals"]
        assert eq.get(key) == "owned" or eq.get(key.replace("ResourceTag", "RequestTag")) == "owned"
        assert REGION in eq.values()


# --------------------------------------------------------------------------- queue policy


def test_queue_policy_allows_service_principals_and_denies_plain_http() -> None:
    doc = interruption_queue_policy(queue_arn=QUEUE_ARN)
    allow, deny = doc["Statement"]
    assert allow["Effect"] == "Allow"
    assert sorted(allow["Principal"]["Service"]) == [
        "events.amazonaws.com",
        "sqs.amazonaws.com",
    ]
    assert allow["Action"] == ["sqs:SendMessage"]
    assert allow["Resource"] == QUEUE_ARN
    assert "Condition" not in allow
    assert deny == {
        "Sid": "DenyHTTP",
        "Effect": "Deny",
        "Principal": "*",
        "Action": ["sqs:*"],
        "Resource": QUEUE_ARN,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


# --------------------------------------------------------------------------- trust policies


def test_irsa_trust_policy_conditions_are_exact() -> None:
    host = "oidc.eks.eu-west-1.amazonaws.com/id/ABC"
    provider = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{host}"
    doc = irsa_trust_policy(
        oidc_provider_arn=provider,
        issuer_host=host,
        namespace="kube-system",
        service_account="karpenter",
    )
    assert doc["Version"] == "2012-10-17"
    assert doc["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Federated": provider},
            "Action": ["sts:AssumeRoleWithWebIdentity"],
            "Condition": {
                "StringEquals": {
                    f"{host}:aud": "sts.amazonaws.com",
                    f"{host}:sub": "system:serviceaccount:kube-system:karpenter",
                }
            },
        }
    ]


def test_irsa_trust_policy_rejects_issuer_with_scheme() -> None:
    with pytest.raises(ValueError, match="scheme"):
        irsa_trust_policy(
            oidc_provider_arn="arn:aws:iam::1:oidc-provider/x",
            issuer_host="https://oidc.example",
            namespace="ns",
            service_account="sa",
        )


def test_pod_identity_trust_policy() -> None:
    (st,) = pod_identity_trust_policy()["Statement"]
    assert st["Effect"] == "Allow"
    assert st["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    assert sorted(st["Action"]) == ["sts:AssumeRole", "sts:TagSession"]
    assert "Condition" not in st


@pytest.mark.parametrize(
    ("kwargs", "principal"),
    [
        ({}, "ec2.amazonaws.com"),
        ({"url_suffix": "amazonaws.com.cn"}, "ec2.amazonaws.com.cn"),
    ],
)
def test_node_trust_policy(kwargs: dict[str, str], principal: str) -> None:
    doc = node_trust_policy(**kwargs)
    assert doc["Version"] == "2012-10-17"
    assert doc["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": principal},
            "Action": ["sts:AssumeRole"],
        }
    ]
