"""The Karpenter controller as config: replicas and container resources."""

from __future__ import annotations

from pydantic import Field, model_validator

from karpenter.config.refusal import refusal
from karpenter.config.strict_model import StrictModel
from karpenter.config.values import Quantity, quantity_value


class Resources(StrictModel):
    cpu: Quantity = Field(default="1", description="CPU quantity.")
    memory: Quantity = Field(default="1Gi", description="Memory quantity.")


class ControllerResources(StrictModel):
    requests: Resources = Field(default_factory=Resources, description="Controller requests (upstream: 1 CPU, 1Gi).")
    limits: Resources = Field(default_factory=Resources, description="Controller limits (upstream: 1 CPU, 1Gi).")


def _requests_within_limits(controller: Controller) -> Controller:
    # The API server refuses a pod whose request exceeds its limit, halfway through `pulumi up`.
    requests, limits = controller.resources.requests, controller.resources.limits
    for resource in ("cpu", "memory"):
        request, limit = getattr(requests, resource), getattr(limits, resource)
        if quantity_value(request) > quantity_value(limit):
            raise refusal(
                "'{request}' is more than the limit '{limit}' (karpenter:controller.resources.limits.{resource}); "
                "Kubernetes refuses a request above its limit: lower the request or raise the limit",
                {"key": f"resources.requests.{resource}", "request": request, "limit": limit, "resource": resource},
            )
    return controller


class Controller(StrictModel):
    replicas: int = Field(default=2, ge=1, description="Controller replicas (upstream default 2, one per zone).")
    resources: ControllerResources = Field(
        default_factory=ControllerResources, description="Controller container resources."
    )
    spot_to_spot_consolidation: bool = Field(
        default=False,
        description="Let consolidation replace spot nodes with cheaper spot nodes (SpotToSpotConsolidation gate).",
    )

    _check_requests_within_limits = model_validator(mode="after")(_requests_within_limits)
