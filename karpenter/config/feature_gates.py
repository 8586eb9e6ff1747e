"""Karpenter's feature gates as the stack uses them: which gates its pools, node classes, overlays and
controller settings need, and `helmValues` that would turn one of them off."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from karpenter.config.controller import Controller
from karpenter.config.node_class import NodeClass
from karpenter.config.node_overlay import NodeOverlay
from karpenter.config.node_pool import NodePool
from karpenter.config.values import CapacityType

STATIC_CAPACITY = "staticCapacity"
NODE_OVERLAY = "nodeOverlay"
RESERVED_CAPACITY = "reservedCapacity"
SPOT_TO_SPOT_CONSOLIDATION = "spotToSpotConsolidation"
# The gates' names as Karpenter's documentation writes them, by their key in settings.featureGates.
GATE_NAMES = {
    STATIC_CAPACITY: "StaticCapacity",
    NODE_OVERLAY: "NodeOverlay",
    RESERVED_CAPACITY: "ReservedCapacity",
    SPOT_TO_SPOT_CONSOLIDATION: "SpotToSpotConsolidation",
}
# On in the karpenter chart 1.14.1 by default: needed, but never set just to turn it on.
ON_BY_DEFAULT = frozenset({RESERVED_CAPACITY})


def gates_in_use(
    pools: Mapping[str, NodePool],
    classes: Mapping[str, NodeClass],
    overlays: Mapping[str, NodeOverlay],
    controller: Controller,
) -> dict[str, str]:
    """Each gate the stack needs, with the first key (below `karpenter:`) that needs it."""
    needed: dict[str, str] = {}
    for name, pool in pools.items():
        if pool.replicas is not None:
            needed.setdefault(STATIC_CAPACITY, f"nodePools.{name}.replicas")
        if pool.gpu_sharing is not None:
            needed.setdefault(NODE_OVERLAY, f"nodePools.{name}.gpuSharing")
        if CapacityType.RESERVED in pool.capacity_types:
            needed.setdefault(RESERVED_CAPACITY, f"nodePools.{name}.capacityTypes")
    for name, chosen in classes.items():
        if chosen.selects_reservations:
            needed.setdefault(RESERVED_CAPACITY, f"nodeClasses.{name}.capacityReservationSelectorTerms")
    if overlays:
        needed.setdefault(NODE_OVERLAY, f"nodeOverlays.{next(iter(overlays))}")
    if controller.spot_to_spot_consolidation:
        needed[SPOT_TO_SPOT_CONSOLIDATION] = "controller.spotToSpotConsolidation"
    return {gate: needed[gate] for gate in GATE_NAMES if gate in needed}


def gates_to_set(needed: Mapping[str, str]) -> dict[str, bool]:
    """The settings.featureGates values the karpenter chart must be given: those off by default."""
    return {gate: True for gate in needed if gate not in ON_BY_DEFAULT}


def gate_contradiction(helm_values: Mapping[str, Any], needed: Mapping[str, str]) -> tuple[str, str] | None:
    """A gate `helmValues` turns off that the stack needs, as (its key, why); or None."""
    settings = helm_values.get("settings")
    gates = settings.get("featureGates") if isinstance(settings, Mapping) else None
    if not isinstance(gates, Mapping):
        return None
    for gate, user in needed.items():
        if gates.get(gate) is False:
            return (
                f"helmValues.settings.featureGates.{gate}",
                f"false turns off {GATE_NAMES[gate]}, which karpenter:{user} needs; remove it",
            )
    return None
