"""Network interfaces of a node class as config: the primary interface and EFA devices for training
nodes (p4d, p5), checked as the EC2NodeClass CRD of Karpenter 1.14.1 checks them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from karpenter.config.strict_model import StrictModel


class NetworkInterface(StrictModel):
    network_card_index: int = Field(ge=0, description="Network card the interface attaches to.")
    device_index: int = Field(ge=0, description="Device index on that card (0 for the primary interface).")
    interface_type: Literal["interface", "efa-only"] = Field(
        description="interface (an ENA interface, with EFA where the type supports it) or efa-only."
    )


def network_interfaces_problem(interfaces: list[NetworkInterface]) -> tuple[str, str] | None:
    """The CRD's rules: a primary interface (card 0, device 0, interface), no card and device twice,
    at most one efa-only device per card. Returns (the key below the class, why) or None."""
    if not interfaces:
        return None
    primary = (0, 0, "interface")
    if not any((i.network_card_index, i.device_index, i.interface_type) == primary for i in interfaces):
        return (
            "networkInterfaces",
            "no primary interface; add one with networkCardIndex 0, deviceIndex 0 and interfaceType interface",
        )
    seen: set[tuple[int, int]] = set()
    efa_cards: set[int] = set()
    for index, interface in enumerate(interfaces):
        pair = (interface.network_card_index, interface.device_index)
        if pair in seen:
            return (
                f"networkInterfaces[{index}]",
                f"network card {pair[0]} device {pair[1]} is taken by an earlier interface; give each its own pair",
            )
        seen.add(pair)
        if interface.interface_type == "efa-only":
            if interface.network_card_index in efa_cards:
                return (
                    f"networkInterfaces[{index}]",
                    f"network card {pair[0]} already has an efa-only device, and a card takes one; use another card",
                )
            efa_cards.add(interface.network_card_index)
    return None
