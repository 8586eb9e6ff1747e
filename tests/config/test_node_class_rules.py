"""Node classes as config: every refusal pinned by its exact message (checked as the EC2NodeClass CRD
of Karpenter 1.14.1 checks it, or stricter), and the neighbours each one lets through."""

from __future__ import annotations

from typing import Any

import pytest

from karpenter.config.errors import ConfigError
from karpenter.config.loading import parse_stack_config
from karpenter.config.node_class import AmiFamily
from karpenter.config.stack_config import StackConfig
from tests.conftest import settings_for

MIME = (
    "MIME-Version: 1.0\n"
    'Content-Type: multipart/mixed; boundary="BOUNDARY"\n'
    "\n"
    "--BOUNDARY\n"
    'Content-Type: text/x-shellscript; charset="us-ascii"\n'
    "\n"
    "#!/bin/bash\n"
    "echo ready\n"
    "\n"
    "--BOUNDARY--\n"
)
NODE_CONFIG = "apiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\nspec:\n  kubelet:\n    config:\n      maxPods: 50\n"
TOML = '[settings.kubernetes]\nmax-pods = 50\n\n[settings.kernel]\nlockdown = "integrity"\n'
AL2023_FORMAT = (
    "AL2023 takes MIME multi-part (MIME-Version and Content-Type: multipart/mixed headers), a nodeadm "
    "NodeConfig YAML (apiVersion node.eks.aws/v1alpha1, kind NodeConfig) or a shell script starting with #!"
)


def _parsed(classes: dict[str, Any], **more: Any) -> StackConfig:
    # A pinned AMI, so that the warnings are those of the classes alone.
    config = {"clusterName": "dev", "amiAlias": "al2023@v20250920", "nodeClasses": classes, **more}
    return parse_stack_config(settings_for(config))


def _refusal(classes: dict[str, Any], **more: Any) -> str:
    with pytest.raises(ConfigError) as refused:
        _parsed(classes, **more)
    return str(refused.value)


@pytest.mark.parametrize(
    ("node_class", "message"),
    [
        pytest.param(
            {"amiAlias": "al2023@latest", "amiSelectorTerms": [{"id": "ami-0123456789abcdef0"}]},
            "karpenter:nodeClasses.x.amiSelectorTerms: give amiAlias or amiSelectorTerms, not both",
            id="alias-and-terms",
        ),
        pytest.param(
            {"amiSelectorTerms": [{"name": "my-ami-*", "owner": "self"}]},
            "karpenter:nodeClasses.x.amiFamily: required with amiSelectorTerms: al2023 or bottlerocket, the family "
            "of the selected AMIs, which decides their user data and volumes",
            id="terms-without-family",
        ),
        pytest.param(
            {"amiAlias": "bottlerocket@latest", "amiFamily": "bottlerocket"},
            "karpenter:nodeClasses.x.amiFamily: an alias names its family; amiFamily goes only with "
            "amiSelectorTerms, so remove it",
            id="family-with-alias",
        ),
        pytest.param(
            {"amiAlias": "windows2022@latest"},
            "karpenter:nodeClasses.x.amiAlias: 'windows2022@latest' is not an AMI alias such as al2023@latest or "
            "bottlerocket@v1.40.0",
            id="windows-alias",
        ),
        pytest.param(
            {"amiSelectorTerms": [{"id": "ami-0123456789abcdef0", "name": "x"}], "amiFamily": "al2023"},
            "karpenter:nodeClasses.x.amiSelectorTerms[0].name: id stands alone in a term, and this one also sets "
            "name; make them two terms",
            id="id-with-name",
        ),
        pytest.param(
            {"amiSelectorTerms": [{"id": "ami-0123456789abcdef0", "owner": "self"}], "amiFamily": "al2023"},
            "karpenter:nodeClasses.x.amiSelectorTerms[0].owner: an id names one AMI, so an owner adds nothing; "
            "remove owner",
            id="ami-id-with-owner",
        ),
        pytest.param(
            {"amiSelectorTerms": [{"id": "AMI-0123"}], "amiFamily": "al2023"},
            "karpenter:nodeClasses.x.amiSelectorTerms[0].id: 'AMI-0123' is not an AMI id like ami-0123456789abcdef0",
            id="ami-id-form",
        ),
        pytest.param(
            {"amiSelectorTerms": [{"name": "my-ami-*", "owner": "microsoft"}], "amiFamily": "al2023"},
            "karpenter:nodeClasses.x.amiSelectorTerms[0].owner: 'microsoft' is not an account id, self, amazon or "
            "aws-marketplace",
            id="ami-owner-form",
        ),
        pytest.param(
            {"amiSelectorTerms": [{"owner": "self"}], "amiFamily": "al2023"},
            "karpenter:nodeClasses.x.amiSelectorTerms[0]: a term selects by one of id, name, tags; give one",
            id="owner-alone",
        ),
        pytest.param(
            {"amiSelectorTerms": [{"tags": {"team": ""}}], "amiFamily": "al2023"},
            "karpenter:nodeClasses.x.amiSelectorTerms[0].tags: empty tag keys or values select nothing; '*' "
            "matches any value of a key",
            id="empty-tag-value",
        ),
        pytest.param(
            {"rootVolume": {"encrypted": False}},
            "karpenter:nodeClasses.x.rootVolume.encrypted: node volumes are always encrypted (with the account's "
            "EBS key, or kmsKeyId); remove encrypted: false",
            id="unencrypted",
        ),
        pytest.param(
            {"rootVolume": {"size": "50"}},
            "karpenter:nodeClasses.x.rootVolume.size: '50' is not a volume size such as 50Gi, 500G or 2Ti "
            "(at most 64T)",
            id="size-without-unit",
        ),
        pytest.param(
            {"rootVolume": {"type": "io2"}},
            "karpenter:nodeClasses.x.rootVolume.iops: io2 volumes need iops; set rootVolume.iops",
            id="io2-without-iops",
        ),
        pytest.param(
            {"rootVolume": {"type": "gp2", "iops": 3000}},
            "karpenter:nodeClasses.x.rootVolume.iops: gp2 volumes take no iops (their IOPS follow their size); use gp3",
            id="gp2-iops",
        ),
        pytest.param(
            {"rootVolume": {"iops": 1000}},
            "karpenter:nodeClasses.x.rootVolume.iops: 1000 is below the 3000 IOPS gp3 starts at",
            id="gp3-iops-below-baseline",
        ),
        pytest.param(
            {"rootVolume": {"type": "io1", "iops": 4000, "throughput": 500}},
            "karpenter:nodeClasses.x.rootVolume.throughput: only gp3 volumes take a throughput, and this one is io1",
            id="io1-throughput",
        ),
        pytest.param(
            {"rootVolume": {"throughput": 124}},
            "karpenter:nodeClasses.x.rootVolume.throughput: 124 is below gp3's baseline of 125 MiB/s",
            id="gp3-throughput-below-baseline",
        ),
        pytest.param(
            {"rootVolume": {"type": "io1", "iops": 99}},
            "karpenter:nodeClasses.x.rootVolume.iops: 99 is below the 100 IOPS io1 starts at",
            id="io1-iops-below-minimum",
        ),
        pytest.param(
            {"rootVolume": {"kmsKeyId": "my-key"}},
            "karpenter:nodeClasses.x.rootVolume.kmsKeyId: 'my-key' is not a KMS key id, alias (alias/name) or key "
            "or alias ARN",
            id="kms-key-name",
        ),
        pytest.param(
            {"instanceStorePolicy": "RAID1"},
            "karpenter:nodeClasses.x.instanceStorePolicy: 'RAID1' is not one of RAID0",
            id="raid1",
        ),
        pytest.param(
            {"tags": {"karpenter.sh/discovery": "dev"}},
            "karpenter:nodeClasses.x.tags.karpenter.sh/discovery: 'karpenter.sh/discovery' is a tag Karpenter, EKS, "
            "AWS or this stack sets (kubernetes.io/cluster/*, karpenter.sh/*, karpenter.k8s.aws/*, "
            "eks:eks-cluster-name, aws:*); choose another key",
            id="discovery-tag",
        ),
        pytest.param(
            {"tags": {"kubernetes.io/cluster/dev": "owned"}},
            "karpenter:nodeClasses.x.tags.kubernetes.io/cluster/dev: 'kubernetes.io/cluster/dev' is a tag Karpenter, "
            "EKS, AWS or this stack sets (kubernetes.io/cluster/*, karpenter.sh/*, karpenter.k8s.aws/*, "
            "eks:eks-cluster-name, aws:*); choose another key",
            id="cluster-tag",
        ),
        pytest.param(
            {"tags": {"eks:eks-cluster-name": "dev"}},
            "karpenter:nodeClasses.x.tags.eks:eks-cluster-name: 'eks:eks-cluster-name' is a tag Karpenter, EKS, AWS "
            "or this stack sets (kubernetes.io/cluster/*, karpenter.sh/*, karpenter.k8s.aws/*, eks:eks-cluster-name, "
            "aws:*); choose another key",
            id="eks-cluster-name-tag",
        ),
        pytest.param(
            {"tags": {"karpenter.k8s.aws/ec2nodeclass": "x"}},
            "karpenter:nodeClasses.x.tags.karpenter.k8s.aws/ec2nodeclass: 'karpenter.k8s.aws/ec2nodeclass' is a tag "
            "Karpenter, EKS, AWS or this stack sets (kubernetes.io/cluster/*, karpenter.sh/*, karpenter.k8s.aws/*, "
            "eks:eks-cluster-name, aws:*); choose another key",
            id="node-class-tag",
        ),
        pytest.param(
            {"metadataOptions": {"httpTokens": "sometimes"}},
            "karpenter:nodeClasses.x.metadataOptions.httpTokens: 'sometimes' is not one of required, optional",
            id="http-tokens",
        ),
        pytest.param(
            {"metadataOptions": {"httpPutResponseHopLimit": 65}},
            "karpenter:nodeClasses.x.metadataOptions.httpPutResponseHopLimit: 65 must be a number ≤ 64",
            id="hop-limit",
        ),
        pytest.param(
            {"subnetSelectorTerms": [{"id": "subnet-0a1b2c3d4e5f6a7b1", "tags": {"tier": "private"}}]},
            "karpenter:nodeClasses.x.subnetSelectorTerms[0].tags: id stands alone in a term, and this one also sets "
            "tags; make them two terms",
            id="subnet-id-with-tags",
        ),
        pytest.param(
            {"securityGroupSelectorTerms": [{"name": "nodes", "tags": {"a": "b"}}]},
            "karpenter:nodeClasses.x.securityGroupSelectorTerms[0].tags: name stands alone in a term, and this one "
            "also sets tags; make them two terms",
            id="security-group-name-with-tags",
        ),
        pytest.param(
            {"capacityReservationSelectorTerms": [{"id": "cr-0123456789abcdef0", "ownerID": "111122223333"}]},
            "karpenter:nodeClasses.x.capacityReservationSelectorTerms[0].ownerID: an id names one reservation, so an "
            "owner adds nothing; remove ownerID",
            id="reservation-id-with-owner",
        ),
        pytest.param(
            {"capacityReservationSelectorTerms": [{"ownerID": "111122223333"}]},
            "karpenter:nodeClasses.x.capacityReservationSelectorTerms[0]: a term selects by one of id, tags; give one",
            id="reservation-owner-alone",
        ),
        pytest.param(
            {"capacityReservationSelectorTerms": [{"id": "odcr-1"}]},
            "karpenter:nodeClasses.x.capacityReservationSelectorTerms[0].id: 'odcr-1' is not a capacity reservation id "
            "like cr-0123456789abcdef0",
            id="reservation-id-form",
        ),
        pytest.param(
            {"capacityReservationSelectorTerms": [{"tags": {"purpose": "training"}, "ownerID": "1111"}]},
            "karpenter:nodeClasses.x.capacityReservationSelectorTerms[0].ownerID: '1111' is not an AWS account id "
            "(12 digits)",
            id="reservation-owner-form",
        ),
        pytest.param(
            {"securityGroupSelectorTerms": [{"id": "nodes"}]},
            "karpenter:nodeClasses.x.securityGroupSelectorTerms[0].id: 'nodes' is not a security group id like "
            "sg-0123456789abcdef0",
            id="security-group-id-form",
        ),
        pytest.param(
            {"placementGroupSelector": {"id": "training"}},
            "karpenter:nodeClasses.x.placementGroupSelector.id: 'training' is not a placement group id like "
            "pg-0123456789abcdef0",
            id="placement-group-id-form",
        ),
        pytest.param(
            {"placementGroupSelector": {"name": "training", "id": "pg-0123456789abcdef0"}},
            "karpenter:nodeClasses.x.placementGroupSelector: give the placement group's name or its id, one of them",
            id="placement-group-name-and-id",
        ),
        pytest.param(
            {"networkInterfaces": [{"networkCardIndex": 1, "deviceIndex": 0, "interfaceType": "efa-only"}]},
            "karpenter:nodeClasses.x.networkInterfaces: no primary interface; add one with networkCardIndex 0, "
            "deviceIndex 0 and interfaceType interface",
            id="efa-without-primary",
        ),
        pytest.param(
            {
                "networkInterfaces": [
                    {"networkCardIndex": 0, "deviceIndex": 0, "interfaceType": "interface"},
                    {"networkCardIndex": 1, "deviceIndex": 0, "interfaceType": "interface"},
                    {"networkCardIndex": 1, "deviceIndex": 0, "interfaceType": "efa-only"},
                ]
            },
            "karpenter:nodeClasses.x.networkInterfaces[2]: network card 1 device 0 is taken by an earlier interface; "
            "give each its own pair",
            id="card-and-device-twice",
        ),
        pytest.param(
            {
                "networkInterfaces": [
                    {"networkCardIndex": 0, "deviceIndex": 0, "interfaceType": "interface"},
                    {"networkCardIndex": 2, "deviceIndex": 0, "interfaceType": "efa-only"},
                    {"networkCardIndex": 2, "deviceIndex": 3, "interfaceType": "efa-only"},
                ]
            },
            "karpenter:nodeClasses.x.networkInterfaces[2]: network card 2 already has an efa-only device, and a card "
            "takes one; use another card",
            id="two-efa-devices-on-a-card",
        ),
        pytest.param(
            {"networkInterfaces": [{"networkCardIndex": 0, "deviceIndex": 0, "interfaceType": "efa"}]},
            "karpenter:nodeClasses.x.networkInterfaces[0].interfaceType: 'efa' is not one of interface, efa-only",
            id="interface-type",
        ),
    ],
)
def test_node_class_settings_the_crd_or_ec2_would_refuse_are_refused(node_class: dict[str, Any], message: str) -> None:
    assert _refusal({"x": node_class}) == message


@pytest.mark.parametrize(
    ("kubelet", "message"),
    [
        pytest.param(
            {"evictionSoft": {"memory.available": "10%"}},
            "karpenter:nodeClasses.x.kubelet.evictionSoft.memory.available: 'memory.available' has no grace period; "
            "add evictionSoftGracePeriod.memory.available, such as 1m",
            id="soft-without-grace-period",
        ),
        pytest.param(
            {
                "evictionSoft": {"memory.available": "10%"},
                "evictionSoftGracePeriod": {"memory.available": "1m", "nodefs.available": "1m"},
            },
            "karpenter:nodeClasses.x.kubelet.evictionSoftGracePeriod.nodefs.available: 'nodefs.available' has no "
            "soft threshold to wait for; add evictionSoft.nodefs.available, or remove this",
            id="grace-period-without-soft",
        ),
        pytest.param(
            {"evictionHard": {"memory.free": "5%"}},
            "karpenter:nodeClasses.x.kubelet.evictionHard.memory.free: 'memory.free' is not one of memory.available, "
            "nodefs.available, nodefs.inodesFree, imagefs.available, imagefs.inodesFree, pid.available",
            id="unknown-signal",
        ),
        pytest.param(
            {"evictionHard": {"memory.available": "five percent"}},
            "karpenter:nodeClasses.x.kubelet.evictionHard.memory.available: 'five percent' is not a threshold such "
            "as 10%, 5.5% or 100Mi",
            id="threshold-form",
        ),
        pytest.param(
            {"evictionSoft": {"memory.available": "5%"}, "evictionSoftGracePeriod": {"memory.available": "a while"}},
            "karpenter:nodeClasses.x.kubelet.evictionSoftGracePeriod.memory.available: 'a while' is not a duration "
            "such as 30s, 1m30s or 2m",
            id="grace-period-form",
        ),
        pytest.param(
            {"imageGCHighThresholdPercent": 70, "imageGCLowThresholdPercent": 70},
            "karpenter:nodeClasses.x.kubelet.imageGCLowThresholdPercent: 70 is not below imageGCHighThresholdPercent "
            "70; garbage collection frees disk down to the low threshold once use passes the high one, so lower this "
            "or raise the other",
            id="image-gc-low-not-below-high",
        ),
        pytest.param(
            {"imageGCHighThresholdPercent": 101},
            "karpenter:nodeClasses.x.kubelet.imageGCHighThresholdPercent: 101 must be a number ≤ 100",
            id="image-gc-above-100",
        ),
        pytest.param(
            {"systemReserved": {"gpu": "1"}},
            "karpenter:nodeClasses.x.kubelet.systemReserved.gpu: 'gpu' is not one of cpu, memory, ephemeral-storage, "
            "pid",
            id="reserved-key",
        ),
        pytest.param(
            {"kubeReserved": {"memory": "-1Gi"}},
            "karpenter:nodeClasses.x.kubelet.kubeReserved.memory: '-1Gi' is not a Kubernetes quantity ≥ 0 such as "
            "100, 500m or 64Gi",
            id="negative-reserved",
        ),
        pytest.param(
            {"maxPods": -1},
            "karpenter:nodeClasses.x.kubelet.maxPods: -1 must be a number ≥ 0",
            id="negative-max-pods",
        ),
        pytest.param(
            {"clusterDNS": ["kube-dns"]},
            "karpenter:nodeClasses.x.kubelet.clusterDNS: 'kube-dns' is not an IP address such as 10.100.0.10",
            id="cluster-dns-name",
        ),
    ],
)
def test_kubelet_settings_the_crd_refuses_are_refused(kubelet: dict[str, Any], message: str) -> None:
    assert _refusal({"x": {"kubelet": kubelet}}) == message


@pytest.mark.parametrize(
    ("node_class", "more", "message"),
    [
        pytest.param(
            {"userData": "foo: [bar"},
            {},
            f"karpenter:nodeClasses.x.userData: is neither MIME nor valid YAML at line 1; {AL2023_FORMAT} (the "
            "class's AMI family is al2023)",
            id="al2023-broken-yaml",
        ),
        pytest.param(
            {"userData": "echo hello"},
            {},
            f"karpenter:nodeClasses.x.userData: is not a YAML map; {AL2023_FORMAT} (the class's AMI family is al2023)",
            id="al2023-script-without-shebang",
        ),
        pytest.param(
            {"userData": "apiVersion: v1\nkind: ConfigMap\n"},
            {},
            f"karpenter:nodeClasses.x.userData: is YAML with apiVersion v1 and kind ConfigMap, not a NodeConfig; "
            f"{AL2023_FORMAT} (the class's AMI family is al2023)",
            id="al2023-other-yaml",
        ),
        pytest.param(
            {"userData": "MIME-Version: 1.0\nContent-Type: text/plain\n\nhello\n"},
            {},
            "karpenter:nodeClasses.x.userData: starts as MIME but is not multipart/mixed with a boundary; "
            f"{AL2023_FORMAT} (the class's AMI family is al2023)",
            id="al2023-mime-not-multipart",
        ),
        pytest.param(
            {"userData": NODE_CONFIG},
            {"amiAlias": "bottlerocket@latest"},
            "karpenter:nodeClasses.x.userData: is not TOML (Expected '=' after a key in a key/value pair (at line "
            "1, column 11)); Bottlerocket takes TOML settings, such as [settings.kubernetes] with max-pods = 110 "
            "(the class's AMI family is bottlerocket)",
            id="bottlerocket-inherited-yaml",
        ),
        pytest.param(
            {"amiAlias": "bottlerocket@v1.40.0", "kubelet": {"podsPerCore": 10}},
            {},
            "karpenter:nodeClasses.x.kubelet.podsPerCore: Bottlerocket ignores podsPerCore (Karpenter does not pass "
            "it on); use maxPods",
            id="bottlerocket-pods-per-core",
        ),
        pytest.param(
            {
                "amiSelectorTerms": [{"tags": {"os": "bottlerocket"}}],
                "amiFamily": "bottlerocket",
                "kubelet": {"clusterDNS": ["10.100.0.10", "10.100.0.11"]},
            },
            {},
            "karpenter:nodeClasses.x.kubelet.clusterDNS: Bottlerocket takes one cluster DNS address, and Karpenter "
            "passes on only the first; give one",
            id="bottlerocket-two-dns-servers",
        ),
    ],
)
def test_user_data_and_kubelet_settings_must_suit_the_class_ami_family(
    node_class: dict[str, Any], more: dict[str, Any], message: str
) -> None:
    assert _refusal({"x": node_class}, **more) == message


@pytest.mark.parametrize(
    ("node_class", "more", "family"),
    [
        pytest.param({"userData": MIME}, {}, AmiFamily.AL2023, id="al2023-mime"),
        pytest.param({"userData": NODE_CONFIG}, {}, AmiFamily.AL2023, id="al2023-node-config"),
        pytest.param({"userData": "#!/bin/bash\necho ready\n"}, {}, AmiFamily.AL2023, id="al2023-shell-script"),
        pytest.param({"userData": TOML}, {"amiAlias": "bottlerocket@latest"}, AmiFamily.BOTTLEROCKET, id="toml"),
        pytest.param(
            {"amiAlias": "bottlerocket@v1.40.0", "userData": TOML, "kubelet": {"clusterDNS": ["10.100.0.10"]}},
            {},
            AmiFamily.BOTTLEROCKET,
            id="bottlerocket-one-dns-server",
        ),
        pytest.param(
            {"amiSelectorTerms": [{"name": "al2023-ami-*", "owner": "amazon"}], "amiFamily": "al2023"},
            {"amiAlias": "bottlerocket@latest"},
            AmiFamily.AL2023,
            id="selected-amis-keep-their-family",
        ),
        pytest.param(
            {"amiSelectorTerms": [{"id": "ami-0123456789abcdef0"}, {"tags": {"team": "*"}}], "amiFamily": "al2023"},
            {},
            AmiFamily.AL2023,
            id="id-and-tags-as-two-terms",
        ),
        pytest.param(
            {
                "kubelet": {
                    "maxPods": 110,
                    "podsPerCore": 10,
                    "systemReserved": {"cpu": "100m", "memory": "200Mi", "pid": "1000"},
                    "kubeReserved": {"cpu": "200m", "ephemeral-storage": "1Gi"},
                    "evictionHard": {"memory.available": "5%", "nodefs.available": "10.5%", "pid.available": "100"},
                    "evictionSoft": {"memory.available": "500Mi"},
                    "evictionSoftGracePeriod": {"memory.available": "1m30s"},
                    "evictionMaxPodGracePeriod": 60,
                    "imageGCHighThresholdPercent": 85,
                    "imageGCLowThresholdPercent": 80,
                    "clusterDNS": ["10.100.0.10", "fd00::a"],
                }
            },
            {},
            AmiFamily.AL2023,
            id="every-kubelet-setting",
        ),
        pytest.param(
            {
                "rootVolume": {"size": "2Ti", "type": "io2", "iops": 64000, "kmsKeyId": "alias/ebs-nodes"},
                "instanceStorePolicy": "RAID0",
                "tags": {"team": "ml", "kubernetes.io/name": "x"},
                "associatePublicIPAddress": False,
                "detailedMonitoring": True,
                "metadataOptions": {"httpEndpoint": "disabled"},
                "subnetSelectorTerms": [{"tags": {"tier": "training"}}],
                "securityGroupSelectorTerms": [{"name": "nodes"}, {"id": "sg-0123456789abcdef0"}],
                "capacityReservationSelectorTerms": [
                    {"id": "cr-0123456789abcdef0"},
                    {"tags": {"purpose": "training"}, "ownerID": "111122223333"},
                ],
                "placementGroupSelector": {"id": "pg-0123456789abcdef0"},
                "networkInterfaces": [
                    {"networkCardIndex": 0, "deviceIndex": 0, "interfaceType": "interface"},
                    {"networkCardIndex": 0, "deviceIndex": 1, "interfaceType": "efa-only"},
                    {"networkCardIndex": 1, "deviceIndex": 0, "interfaceType": "efa-only"},
                ],
            },
            {},
            AmiFamily.AL2023,
            id="every-other-setting",
        ),
    ],
)
def test_node_classes_within_the_rules_are_accepted_with_their_family(
    node_class: dict[str, Any], more: dict[str, Any], family: AmiFamily
) -> None:
    config = _parsed({"x": node_class}, **more)
    assert config.node_classes["x"].family(config.ami_alias) is family


@pytest.mark.parametrize(
    ("gp3", "refusal"),
    [
        pytest.param({"iops": 3000, "throughput": 125}, None, id="gp3-baseline"),
        pytest.param({"type": "io1", "iops": 100}, None, id="io1-minimum"),
        pytest.param(
            {"iops": 2999},
            "karpenter:nodeClasses.x.rootVolume.iops: 2999 is below the 3000 IOPS gp3 starts at",
            id="gp3-iops-just-below",
        ),
        pytest.param(
            {"throughput": 124},
            "karpenter:nodeClasses.x.rootVolume.throughput: 124 is below gp3's baseline of 125 MiB/s",
            id="gp3-throughput-just-below",
        ),
    ],
)
def test_gp3_performance_starts_at_the_baseline(gp3: dict[str, int], refusal: str | None) -> None:
    if refusal is None:
        assert _parsed({"x": {"rootVolume": gp3}}).node_classes["x"].root_volume.iops == gp3["iops"]
    else:
        assert _refusal({"x": {"rootVolume": gp3}}) == refusal


def test_relaxed_instance_metadata_is_allowed_with_a_warning_per_key() -> None:
    config = _parsed({"legacy": {"metadataOptions": {"httpTokens": "optional", "httpPutResponseHopLimit": 2}}})
    assert config.warnings() == [
        "WARNING: karpenter:nodeClasses.legacy.metadataOptions.httpTokens: optional lets IMDSv1 answer without a "
        "session token, so a request forged through any pod or proxy can read the node role's credentials",
        "WARNING: karpenter:nodeClasses.legacy.metadataOptions.httpPutResponseHopLimit: 2 lets pods outside the "
        "host network reach instance metadata and the node role's credentials",
    ]


@pytest.mark.parametrize(
    "metadata_options",
    [
        pytest.param({}, id="defaults"),
        pytest.param({"httpTokens": "required", "httpPutResponseHopLimit": 1}, id="defaults-written-out"),
        pytest.param({"httpEndpoint": "disabled", "httpTokens": "optional"}, id="endpoint-disabled"),
        pytest.param({"httpProtocolIPv6": "enabled"}, id="ipv6-endpoint"),
    ],
)
def test_instance_metadata_that_keeps_credentials_from_pods_warns_of_nothing(
    metadata_options: dict[str, Any],
) -> None:
    assert _parsed({"x": {"metadataOptions": metadata_options}}).warnings() == []


def test_only_instance_metadata_as_upstream_defaults_it_counts_as_default() -> None:
    classes = _parsed(
        {
            "written-out": {"metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 1}},
            "two-hops": {"metadataOptions": {"httpPutResponseHopLimit": 2}},
        }
    ).node_classes
    assert classes["written-out"].metadata_options.is_default() is True
    assert classes["two-hops"].metadata_options.is_default() is False


@pytest.mark.parametrize(
    ("node_class", "message"),
    [
        pytest.param(
            {"tags": {"": "x"}}, "karpenter:nodeClasses.x.tags.: tag keys are 1 to 128 characters", id="empty"
        ),
        pytest.param(
            {"tags": {"k" * 129: "x"}},
            f"karpenter:nodeClasses.x.tags.{'k' * 129}: tag keys are 1 to 128 characters",
            id="key-of-129",
        ),
        pytest.param(
            {"tags": {"team": "v" * 257}},
            "karpenter:nodeClasses.x.tags.team: tag values are at most 256 characters",
            id="value-of-257",
        ),
        pytest.param(
            {"amiAlias": "al2023@" + "1" * 24},
            "karpenter:nodeClasses.x.amiAlias: 'al2023@111111111111111111111111' is not an AMI alias such as "
            "al2023@latest or bottlerocket@v1.40.0",
            id="alias-of-31",
        ),
    ],
)
def test_tags_and_aliases_past_the_ec2_limits_are_refused(node_class: dict[str, Any], message: str) -> None:
    assert _refusal({"x": node_class}) == message


def test_tags_and_aliases_at_the_ec2_limits_are_accepted() -> None:
    config = _parsed({"x": {"tags": {"k" * 128: "v" * 256}, "amiAlias": "al2023@" + "1" * 23}})
    assert config.node_classes["x"].tags == {"k" * 128: "v" * 256}
    assert config.node_classes["x"].ami_alias == "al2023@11111111111111111111111"
