"""NodeOverlays as config: what Karpenter's scheduling simulation should assume about some instance
types beyond what EC2 reports: another price (a Savings Plans discount, say) or extra extended
resources. Rendered as karpenter.sh/v1alpha1 NodeOverlays, with the NodeOverlay feature gate on."""

from __future__ import annotations

import re

from pydantic import Field, field_validator, model_validator

from karpenter.config.refusal import refusal
from karpenter.config.requirements import OverlayRequirement
from karpenter.config.strict_model import StrictModel
from karpenter.config.values import Quantity
from karpenter.vocabulary.nvidia_device_plugin import GPU_RESOURCE
from karpenter.vocabulary.resource_names import HUGEPAGES_PREFIX, STANDARD_RESOURCES, resource_name_problem

# The NodeOverlay CRD's patterns: an absolute price; a signed change, or a percentage (down to -100%).
_PRICE = re.compile(r"^\d+(\.\d+)?$")
_PRICE_ADJUSTMENT = re.compile(r"^(([+-]{1}(\d*\.?\d+))|(\+{1}\d*\.?\d+%)|(^(-\d{1,2}(\.\d+)?%)$)|(-100%))$")


# The checks of an overlay, plain functions that the model below runs as its validators.


def _price(v: str | None) -> str | None:
    if v is not None and not _PRICE.match(v):
        raise refusal("'{v}' is not a price such as 0.25 or 3", {"v": v})
    return v


def _price_adjustment(v: str | None) -> str | None:
    if v is not None and not _PRICE_ADJUSTMENT.match(v):
        raise refusal(
            "'{v}' is not a price change such as -20%, +10% or -0.05 (a cut is at most -100%)",
            {"v": v},
        )
    return v


def _extended_capacity(v: dict[str, str]) -> dict[str, str]:
    for name in v:
        if name in STANDARD_RESOURCES:
            raise refusal(
                "an overlay adds extended resources only, and {name} is EC2's to report; remove it",
                {"key": name, "name": name},
            )
        if name == GPU_RESOURCE:
            raise refusal(
                "GPU capacity follows karpenter:nodePools.<pool>.gpuSharing, which renders the overlays the "
                "device plugin agrees with; use that",
                {"key": name},
            )
        problem = resource_name_problem(name)
        if problem is None and "/" not in name and not name.startswith(HUGEPAGES_PREFIX):
            problem = "not an extended resource (domain/name, such as example.com/fpga) or hugepages-<size>"
        if problem:
            raise refusal("{problem}", {"key": name, "problem": problem})
    return v


def _does_something(overlay: NodeOverlay) -> NodeOverlay:
    if overlay.price is not None and overlay.price_adjustment is not None:
        raise refusal("give price or priceAdjustment, not both", {"key": "priceAdjustment"})
    if overlay.price is None and overlay.price_adjustment is None and not overlay.capacity:
        raise refusal("sets nothing; give price, priceAdjustment or capacity")
    return overlay


class NodeOverlay(StrictModel):
    requirements: list[OverlayRequirement] = Field(
        default_factory=list,
        max_length=100,
        description="Which instance types (and pools, by karpenter.sh/nodepool) it applies to; none: all.",
    )
    price: str | None = Field(default=None, description="Price to assume instead of EC2's, such as '0.25'.")
    price_adjustment: str | None = Field(
        default=None, description="Change to EC2's price: '-20%', '+10%', '-0.05' (not with price)."
    )
    capacity: dict[str, Quantity] = Field(
        default_factory=dict, description="Extended resources the nodes also have, such as example.com/fpga: 1."
    )
    weight: int | None = Field(
        default=None, ge=1, le=10000, description="Precedence when overlays overlap; higher wins (optional)."
    )

    _check_price = field_validator("price")(_price)
    _check_adjustment = field_validator("price_adjustment")(_price_adjustment)
    _check_capacity = field_validator("capacity")(_extended_capacity)
    _check_does_something = model_validator(mode="after")(_does_something)
