"""The `nodeClasses` values of the local karpenter-config chart: one EC2NodeClass per class the stack
renders, with the defaults filled in (AMI, root volume size and device, IMDSv2) and only what differs
from them written out. Pure data: no Pulumi, no I/O."""

from __future__ import annotations

from typing import Any

from karpenter.config.block_devices import RootVolume
from karpenter.config.node_class import AmiFamily, NodeClass
from karpenter.config.node_class_choice import node_class, pool_node_class, used_node_classes
from karpenter.config.stack_config import StackConfig

# The CPU root volume holds images and emptyDirs of ordinary workloads; GPU images (CUDA,
# model servers) are often tens of GiB each, so GPU nodes get four times as much.
DEFAULT_ROOT_VOLUME_SIZE = "50Gi"
GPU_ROOT_VOLUME_SIZE = "200Gi"

# The device the kubelet root dir lives on differs per AMI family: Bottlerocket keeps its
# OS on /dev/xvda and containers on the data volume /dev/xvdb.
ROOT_DEVICE_BY_FAMILY = {AmiFamily.AL2023: "/dev/xvda", AmiFamily.BOTTLEROCKET: "/dev/xvdb"}
# Bottlerocket's OS volume, as Karpenter 1.14.1 sizes it by default (amifamily/bottlerocket.go),
# written out so that it is encrypted like the data volume, whatever the account's default.
BOTTLEROCKET_OS_DEVICE = "/dev/xvda"
BOTTLEROCKET_OS_VOLUME_SIZE = "4Gi"
# How the EC2NodeClass CRD spells each family in amiFamily.
CRD_AMI_FAMILY = {AmiFamily.AL2023: "AL2023", AmiFamily.BOTTLEROCKET: "Bottlerocket"}


def node_classes_values(
    config: StackConfig, *, instance_profile_name: str, ami_alias: str, by_id: dict[str, list[str]]
) -> dict[str, dict[str, Any]]:
    """Chart values of every class the stack renders, by name. `ami_alias` is the AMI of classes that
    choose none; `by_id` holds subnetIds and securityGroupIds when classes select those by id."""
    gpu_classes = {pool_node_class(pool) for pool in config.node_pools.values() if pool.gpu}
    return {
        name: _node_class(
            node_class(config.node_classes, name),
            instance_profile_name,
            ami_alias,
            GPU_ROOT_VOLUME_SIZE if name in gpu_classes else DEFAULT_ROOT_VOLUME_SIZE,
            by_id,
        )
        for name in used_node_classes(config.node_classes, config.node_pools)
    }


def _node_class(
    chosen: NodeClass, instance_profile: str, ami_alias: str, default_size: str, by_id: dict[str, list[str]]
) -> dict[str, Any]:
    family = chosen.family(ami_alias)
    values: dict[str, Any] = {"instanceProfile": instance_profile}
    if chosen.ami_selector_terms is not None:
        values["amiSelectorTerms"] = [_plain(term) for term in chosen.ami_selector_terms]
        values["amiFamily"] = CRD_AMI_FAMILY[family]
    else:
        values["amiAlias"] = chosen.ami_alias or ami_alias
    values["rootVolume"] = _volume(chosen.root_volume, ROOT_DEVICE_BY_FAMILY[family], default_size)
    if family is AmiFamily.BOTTLEROCKET:
        values["osVolume"] = _volume(
            RootVolume(), BOTTLEROCKET_OS_DEVICE, BOTTLEROCKET_OS_VOLUME_SIZE, chosen.root_volume.kms_key_id
        )
    # Lists of their own for each class, so that a YAML dump does not write anchors.
    if chosen.subnet_selector_terms is not None:
        values["subnetSelectorTerms"] = [_plain(term) for term in chosen.subnet_selector_terms]
    elif "subnetIds" in by_id:
        values["subnetIds"] = list(by_id["subnetIds"])
    if chosen.security_group_selector_terms is not None:
        values["securityGroupSelectorTerms"] = [_plain(term) for term in chosen.security_group_selector_terms]
    elif "securityGroupIds" in by_id:
        values["securityGroupIds"] = list(by_id["securityGroupIds"])
    if chosen.tags:
        values["tags"] = dict(chosen.tags)
    if not chosen.metadata_options.is_default():
        values["metadataOptions"] = _plain(chosen.metadata_options)
    optional = {
        "kubelet": _plain(chosen.kubelet) if chosen.kubelet is not None else None,
        "userData": chosen.user_data,
        "instanceStorePolicy": chosen.instance_store_policy,
        "associatePublicIPAddress": chosen.associate_public_ip_address,
        "detailedMonitoring": chosen.detailed_monitoring,
        "capacityReservationSelectorTerms": (
            [_plain(term) for term in chosen.capacity_reservation_selector_terms]
            if chosen.capacity_reservation_selector_terms is not None
            else None
        ),
        "placementGroupSelector": (
            _plain(chosen.placement_group_selector) if chosen.placement_group_selector is not None else None
        ),
        "networkInterfaces": (
            [_plain(interface) for interface in chosen.network_interfaces]
            if chosen.network_interfaces is not None
            else None
        ),
    }
    values.update((key, value) for key, value in optional.items() if value is not None)
    return values


def _volume(volume: RootVolume, device: str, default_size: str, kms_key_id: str | None = None) -> dict[str, Any]:
    values: dict[str, Any] = {
        "deviceName": device,
        "size": volume.size or default_size,
        "type": volume.type.value,
        "encrypted": True,
    }
    extra = {"iops": volume.iops, "throughput": volume.throughput, "kmsKeyID": kms_key_id or volume.kms_key_id}
    values.update((key, value) for key, value in extra.items() if value is not None)
    return values


def _plain(model: Any) -> Any:
    """A config model as the CRD spells it: its keys, without the unset ones."""
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)
