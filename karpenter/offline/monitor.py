"""The recording monitor: every registration's type, name, parent, dependencies, inputs and options,
in the order the program declares them, and the outputs each component registers, as plain JSON data."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi.output
import pulumi.resource
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime.proto import resource_pb2

COMPUTED = "<computed>"


@dataclass
class Registration:
    urn: str
    type: str
    name: str
    custom: bool
    parent: str
    dependencies: list[str]
    inputs: dict[str, Any]
    options: dict[str, Any]


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """The mock monitor, also keeping each registration's parent, dependencies and inputs
    (MockResourceArgs carries neither parent nor dependencies)."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.registrations: dict[str, Registration] = {}
        # What each component registers as its outputs (what `pulumi stack` shows under it), by URN.
        self.component_outputs: dict[str, dict[str, Any]] = {}

    def GetDeploymentInfo(self, request: Any) -> Any:  # noqa: N802 - the engine's method name
        """Without resource references, a resource passed as an input (a pulumi-eks cluster to
        its node group) crosses as its URN; rebuilding it inside the mock would need the
        provider plugins this engine runs without."""
        info = super().GetDeploymentInfo(request)
        features = [f for f in info.supportedFeatures if f != resource_pb2.RESOURCE_MONITOR_FEATURE_RESOURCE_REFERENCES]
        return resource_pb2.DeploymentInfo(supportedFeatures=features)

    def SupportsFeature(self, request: Any) -> Any:  # noqa: N802 - the engine's method name
        if request.id == "resourceReferences":
            return type("SupportsFeatureResponse", (object,), {"hasSupport": False})
        return super().SupportsFeature(request)

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - the engine's method name
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            inputs = rpc.deserialize_properties(request.object, keep_unknowns=True)
            self.registrations[response.urn] = Registration(
                urn=response.urn,
                type=request.type,
                name=request.name,
                custom=bool(request.custom),
                parent=request.parent,
                dependencies=sorted(set(request.dependencies)),
                inputs=plain(inputs),
                options=_options(request),
            )
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:  # noqa: N802 - the engine's method name
        outputs = rpc.deserialize_properties(request.outputs, keep_unknowns=True)
        self.component_outputs[request.urn] = plain(outputs)
        return super().RegisterResourceOutputs(request)


def _options(request: Any) -> dict[str, Any]:
    """The resource options a reviewer should see: those that change what update and destroy do."""
    options: dict[str, Any] = {}
    if request.HasField("protect") and request.protect:
        options["protect"] = True
    if request.HasField("retainOnDelete") and request.retainOnDelete:
        options["retainOnDelete"] = True
    if request.importId:
        options["importId"] = request.importId
    if request.ignoreChanges:
        options["ignoreChanges"] = sorted(request.ignoreChanges)
    if request.deleteBeforeReplace:
        options["deleteBeforeReplace"] = True
    return options


def plain(value: Any) -> Any:
    """Inputs as JSON data: unknowns written as <computed>."""
    if isinstance(value, pulumi.output.Unknown):
        return COMPUTED
    if isinstance(value, dict):
        if "__provider" in value:
            value = {**value, "__provider": "<serialized dynamic provider>"}
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, pulumi.Resource):
        return "<resource>"
    if isinstance(value, float) and value.is_integer():
        # Numbers cross the engine as doubles; 300 should read as 300.
        return int(value)
    return value


@contextlib.contextmanager
def construction_order() -> Iterator[list[tuple[str, str]]]:
    """Record resources in the order the program constructs them, which, unlike the order
    the engine's calls arrive in, does not vary from run to run."""
    order: list[tuple[str, str]] = []
    original = pulumi.resource.register_resource

    def recording(res: Any, ty: str, name: str, *args: Any, **kwargs: Any) -> Any:
        order.append((ty, name))
        return original(res, ty, name, *args, **kwargs)

    pulumi.resource.register_resource = recording
    try:
        yield order
    finally:
        pulumi.resource.register_resource = original
