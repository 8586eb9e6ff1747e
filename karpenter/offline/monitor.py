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
from pulumi.runtime import resource as runtime_resource
from pulumi.runtime import rpc
from pulumi.runtime.proto import resource_pb2, source_pb2

from karpenter.offline.default_providers import DisabledDefaultProviders

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


@dataclass
class Providers:
    """The providers a registration names: `provider`, the reference of the one a custom resource (or
    a remote component of that provider's package) is managed by, "" for the default one; and
    `providers`, by package, those a component hands its children (a remote component's plugin
    gets them)."""

    provider: str
    providers: dict[str, str]


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """The mock monitor, also keeping each registration's parent, dependencies, inputs and providers
    (MockResourceArgs carries neither parent nor dependencies) and each lookup's provider, and
    refusing, as the engine does, a lookup or resource with no provider whose package's default
    provider is disabled."""

    # What `pulumi:disable-default-providers` refuses; the run sets it from the stack's settings.
    disabled_defaults = DisabledDefaultProviders()

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        # Each lookup's token and the provider reference it went through ("": the default provider),
        # as the mocks get it (MockCallArgs.provider).
        self.invokes: list[tuple[str, str]] = []
        self.registrations: dict[str, Registration] = {}
        self.providers: dict[str, Providers] = {}
        # The engine's errors for resources that name no provider where the default one is disabled.
        self.refusals: list[str] = []
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

    def Invoke(self, request: Any) -> Any:  # noqa: N802 - the engine's method name
        self.invokes.append((request.tok, request.provider))
        package = request.tok.split(":")[0]
        if not request.provider and (refusal := self.disabled_defaults.refusal(package, request.tok)):
            raise Exception(refusal)
        return super().Invoke(request)

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - the engine's method name
        package = request.type.split(":")[0]
        # Provider resources are served by the engine itself; components by nobody.
        managed = (request.custom or request.remote) and not request.type.startswith("pulumi:providers:")
        if managed and not request.provider:
            refusal = self.disabled_defaults.refusal(package, self.make_urn(request.parent, request.type, request.name))
            if refusal:
                # The run fails with it once the program returns: an exception raised here takes
                # the SDK's failed-registration path, which leaves the interpreter unfit to go on.
                self.refusals.append(refusal)
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            self.providers[response.urn] = Providers(provider=request.provider, providers=dict(request.providers))
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
    aliases = [_alias(alias) for alias in request.aliases]
    if aliases:
        # The engine updates, rather than replaces, a deployed resource whose URN one of these names.
        options["aliases"] = aliases
    return options


def _alias(alias: Any) -> dict[str, Any]:
    """An alias as the SDK sends it: a whole URN, or the parts that differ from the resource's own
    (`name`, `type`, `parentUrn`, `noParent`, `stack`, `project`); the parts it leaves out are the
    resource's."""
    if alias.HasField("urn"):
        return {"urn": alias.urn}
    spec = alias.spec
    fields = ("name", "type", "stack", "project", "parentUrn")
    found: dict[str, Any] = {key: getattr(spec, key) for key in fields if getattr(spec, key)}
    if spec.noParent:
        found["noParent"] = True
    return found


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


@contextlib.contextmanager
def without_source_positions() -> Iterator[None]:
    """Registrations without the program's stack trace, which the SDK walks and converts frame by
    frame for each resource (a tenth of a render) for the engine to show where a resource was
    declared; nothing here reads it."""
    original = getattr(runtime_resource, "_get_stack_trace", None)
    if original is None:
        yield  # an SDK that no longer sends them
        return
    runtime_resource._get_stack_trace = source_pb2.StackTrace
    try:
        yield
    finally:
        runtime_resource._get_stack_trace = original
