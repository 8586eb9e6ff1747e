"""Rules that span the stack's pools, node classes and overlays: a pool's class must exist and fit
what the pool asks of it (reservations, GPU sharing), a class's user data and kubelet settings must
suit the AMI family it ends up with, and generated overlays keep their names. Each returns
(the key below `karpenter:`, why) or None; `warnings` lists what is allowed but risky."""

from __future__ import annotations

from collections.abc import Mapping

from karpenter.config.gpu_sharing import sharing_overlay_prefix
from karpenter.config.node_class import AmiFamily, NodeClass, alias_family
from karpenter.config.node_class_choice import IMPLICIT_NODE_CLASSES, node_class, pool_node_class, used_node_classes
from karpenter.config.node_overlay import NodeOverlay
from karpenter.config.node_pool import NodePool
from karpenter.config.pool_rules import reserved_capacity_problem
from karpenter.config.user_data import user_data_problem

Problem = tuple[str, str] | None


def pool_class_problem(name: str, pool: NodePool, classes: Mapping[str, NodeClass], default_alias: str) -> Problem:
    class_name = pool_node_class(pool)
    if class_name not in classes and class_name not in IMPLICIT_NODE_CLASSES:
        known = ", ".join(dict.fromkeys([*IMPLICIT_NODE_CLASSES, *classes]))
        return (
            f"nodePools.{name}.nodeClass",
            f"'{class_name}' is not a key of karpenter:nodeClasses (node classes: {known}); define it there or "
            "name one of those",
        )
    chosen = node_class(classes, class_name)
    problem = reserved_capacity_problem(
        [c.value for c in pool.capacity_types],
        node_class=class_name,
        selects_reservations=chosen.selects_reservations,
    )
    if problem:
        key, message = problem
        return f"nodePools.{name}.{key}", message
    family = chosen.family(default_alias)
    if pool.gpu_sharing is not None and family is not AmiFamily.AL2023:
        own_ami = chosen.ami_alias is not None or chosen.ami_selector_terms is not None
        source = f"karpenter:nodeClasses.{class_name}" if own_ami else "karpenter:amiAlias"
        return (
            f"nodePools.{name}.gpuSharing",
            f"time-slicing is set through the NVIDIA device plugin this stack installs on AL2023 nodes, and node "
            f"class '{class_name}' is {family.value} (from {source}), whose own plugin this stack does not "
            "configure; use an al2023 node class",
        )
    return None


def class_family_problem(name: str, chosen: NodeClass, default_alias: str) -> Problem:
    family = chosen.family(default_alias)
    where = f"nodeClasses.{name}"
    if chosen.user_data is not None:
        problem = user_data_problem(family.value, chosen.user_data)
        if problem:
            return f"{where}.userData", f"{problem} (the class's AMI family is {family.value})"
    kubelet = chosen.kubelet
    if family is AmiFamily.BOTTLEROCKET and kubelet is not None:
        # Karpenter 1.14.1 (amifamily/bottlerocket.go) passes neither on to Bottlerocket's settings.
        if kubelet.pods_per_core is not None:
            return (
                f"{where}.kubelet.podsPerCore",
                "Bottlerocket ignores podsPerCore (Karpenter does not pass it on); use maxPods",
            )
        if kubelet.cluster_dns is not None and len(kubelet.cluster_dns) > 1:
            return (
                f"{where}.kubelet.clusterDNS",
                "Bottlerocket takes one cluster DNS address, and Karpenter passes on only the first; give one",
            )
    return None


def overlay_name_problem(overlays: Mapping[str, NodeOverlay], pools: Mapping[str, NodePool]) -> Problem:
    for pool_name, pool in pools.items():
        if pool.gpu_sharing is None:
            continue
        prefix = sharing_overlay_prefix(pool_name)
        for overlay_name in overlays:
            if overlay_name.startswith(prefix):
                return (
                    f"nodeOverlays.{overlay_name}",
                    f"names starting {prefix} are the overlays karpenter:nodePools.{pool_name}.gpuSharing renders; "
                    "choose another name",
                )
    return None


# A version of each family's alias to show as the pinned form (the examples of the config reference).
_PINNED_EXAMPLE = {AmiFamily.AL2023: "al2023@v20250920", AmiFamily.BOTTLEROCKET: "bottlerocket@v1.40.0"}


def warnings(classes: Mapping[str, NodeClass], pools: Mapping[str, NodePool], default_alias: str) -> list[str]:
    """What the config allows but weakens, one line each, naming the key."""
    lines = []
    for name, chosen in classes.items():
        for key, why in chosen.metadata_options.relaxations():
            lines.append(f"WARNING: karpenter:nodeClasses.{name}.metadataOptions.{key}: {why}")
    unpinned = unpinned_ami_aliases(classes, pools, default_alias)
    if unpinned:
        # One line for the stack, however many classes take the alias.
        (key, alias), *others = unpinned
        also = f" (also {', '.join(f'karpenter:{k} {a}' for k, a in others)})" if others else ""
        pinned = _PINNED_EXAMPLE[alias_family(alias)]
        lines.append(
            f"WARNING: karpenter:{key}: {alias} takes each new AMI as it is released, and Karpenter then replaces "
            f"every node launched from the old one{also}; pin a version, such as {pinned}, "
            "and move it on in stages, as Karpenter's documentation recommends for production"
        )
    return lines


def unpinned_ami_aliases(
    classes: Mapping[str, NodeClass], pools: Mapping[str, NodePool], default_alias: str
) -> list[tuple[str, str]]:
    """(key below `karpenter:`, alias) of each `@latest` alias a rendered node class takes, once per key."""
    found: dict[str, str] = {}
    for name in used_node_classes(classes, pools):
        chosen = node_class(classes, name)
        if chosen.ami_selector_terms is not None:
            continue  # AMIs chosen by id, name or tags: not an alias
        key = f"nodeClasses.{name}.amiAlias" if chosen.ami_alias else "amiAlias"
        alias = chosen.ami_alias or default_alias
        if alias.endswith("@latest"):
            found.setdefault(key, alias)
    return list(found.items())
