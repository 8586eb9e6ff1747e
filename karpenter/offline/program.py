"""Offline synth: run the real program under Pulumi's mock engine, with lookups answered from
cluster facts, and return what it registered. No AWS account, Pulumi CLI or network."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import runpy
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config
from pulumi.runtime import settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from karpenter.catalog.snapshot import standing_in
from karpenter.cluster.token_identity import IDENTITY_SETTINGS, token_identity
from karpenter.config import stack_file
from karpenter.config.errors import ConfigError
from karpenter.config.loading import parse_stack_config, unread_settings_warnings
from karpenter.config.stack_config import StackConfig
from karpenter.config.values import NAMESPACE
from karpenter.offline.default_providers import DisabledDefaultProviders
from karpenter.offline.errors import SynthError
from karpenter.offline.facts import OfflineFacts, check_existing_cluster, load_facts_file, sample_facts
from karpenter.offline.facts_catalog import facts_catalog
from karpenter.offline.mocks import OfflineMocks
from karpenter.offline.monitor import (
    Providers,
    RecordingMonitor,
    Registration,
    construction_order,
    plain,
    without_source_positions,
)
from karpenter.pool_plan import PoolsPlan, plan_pools
from karpenter.vocabulary.kubernetes_compatibility import SOURCE, compatibility_problem

PROJECT_DIR = Path(__file__).resolve().parents[2]
PROJECT = "karpenter"

_QUIET = logging.getLogger("karpenter.offline.program")
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False

SAMPLE_FACTS_HINT = (
    "offline synth checked this against its built-in sample cluster; describe your cluster in a facts file "
    "(`python -m karpenter facts --stack <stack>` reads one from the account) and name it in karpenter:synthFacts"
)


def stack_settings(stack: str, project_dir: Path = PROJECT_DIR) -> dict[str, str]:
    """A stack file's config as the Pulumi CLI hands it to a program: scalars as text,
    structured values as JSON text."""
    try:
        return stack_file.stack_settings(stack, project_dir)
    except stack_file.StackFileError as exc:
        raise SynthError(str(exc)) from exc


def offline_facts(config: StackConfig, settings_: dict[str, str], project_dir: Path = PROJECT_DIR) -> OfflineFacts:
    region = settings_.get("aws:region")
    if config.synth_facts:
        path = project_dir / config.synth_facts
        facts = load_facts_file(path)
        # Facts of another cluster would render a stack that `pulumi up` then points at the stack's own.
        if region and facts.region != region:
            raise ConfigError(
                f"karpenter:synthFacts: {path}: region is {facts.region}, but the stack's aws:region is {region}; "
                "describe the stack's cluster, or correct one of them"
            )
        if facts.cluster_name is not None and facts.cluster_name != config.cluster_name:
            raise ConfigError(
                f"karpenter:synthFacts: {path}: clusterName is {facts.cluster_name}, but the stack's "
                f"karpenter:clusterName is {config.cluster_name}; describe the stack's cluster, or correct one of them"
            )
        unsupported = (
            compatibility_problem(facts.kubernetes_version, config.version)
            if facts.kubernetes_version and not config.cluster.create
            else None
        )
        if unsupported:
            raise ConfigError(
                f"karpenter:synthFacts: {path}: kubernetesVersion: {unsupported}; upgrade the cluster first, or "
                f"correct the file ({SOURCE})"
            )
        return facts
    if not region:
        raise ConfigError("aws:region: required; the stack's AWS region, e.g. eu-west-1")
    return sample_facts(region)


class _CallsInPlace(concurrent.futures.ThreadPoolExecutor):
    """The SDK hands each call to the engine to a thread, so that the event loop runs on while the
    engine answers; the mock engine answers at once, in Python, and the hand-off and the switches of
    the interpreter lock between threads cost more than the answer. This runs the call in place."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 - handed to the coroutine awaiting the call, as a thread would
            future.set_exception(exc)
        return future


@dataclass
class SynthResult:
    stack: str
    region: str
    preview: bool
    resources: list[Registration]
    outputs: dict[str, Any] = field(default_factory=dict)
    # The outputs each component registered, by URN.
    component_outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    # What the config allows but weakens, one `WARNING: karpenter:<key>: ...` line each.
    warnings: list[str] = field(default_factory=list)
    # Each lookup's token and the provider reference it went through ("": the default provider).
    invokes: list[tuple[str, str]] = field(default_factory=list)
    # The providers each registration names, by URN.
    providers: dict[str, Providers] = field(default_factory=dict)
    # What each node pool may launch and cost (pools.json and the summary's pool lines).
    pools: PoolsPlan = field(default_factory=lambda: PoolsPlan(None))
    sample_cluster: bool = False  # rendered against the built-in sample cluster: the stack names no facts file

    def of_type(self, typ: str) -> list[Registration]:
        return [r for r in self.resources if r.type == typ]

    def named(self, name: str, typ: str | None = None) -> Registration:
        (found,) = [r for r in self.resources if r.name == name and typ in (None, r.type)]
        return found


def run_program(
    stack: str,
    settings_: dict[str, str],
    facts: OfflineFacts | None = None,
    *,
    preview: bool = False,
    project_dir: Path = PROJECT_DIR,
) -> SynthResult:
    """Evaluate `__main__.py` for these settings under the mock engine, in a fresh event loop."""
    config = parse_stack_config({k: v for k, v in settings_.items() if k.startswith(f"{NAMESPACE}:")})
    sample = facts is None and config.synth_facts is None
    from_file = project_dir / config.synth_facts if facts is None and config.synth_facts else None
    facts = facts or offline_facts(config, settings_, project_dir)
    if not config.cluster.create:
        check_existing_cluster(facts, from_file)
    # Node pools are checked against the facts' offerings and prices where they carry them: in the
    # program, and in what synth reports of them.
    with standing_in(facts_catalog(facts)):
        return _run_with_facts(stack, settings_, facts, config, preview=preview, sample=sample, project_dir=project_dir)


def _run_with_facts(
    stack: str,
    settings_: dict[str, str],
    facts: OfflineFacts,
    config: StackConfig,
    *,
    preview: bool,
    sample: bool,
    project_dir: Path,
) -> SynthResult:
    try:
        result = run_mocked(
            project_dir / "__main__.py", stack, settings_, facts, cluster_name=config.cluster_name, preview=preview
        )
    except pulumi.RunError as exc:
        if not sample:
            raise
        # The config is valid on its own; what failed was checked against a cluster that is not theirs.
        raise ConfigError(f"{exc} ({SAMPLE_FACTS_HINT})") from None
    # The program reads the aws: settings it carries into the Kubernetes side as pulumi.Config("aws") does.
    aws_settings = {key: settings_.get(f"aws:{key}") for key in IDENTITY_SETTINGS}
    result.pools = _pools(config, facts, result.outputs)
    result.sample_cluster = sample
    result.warnings = [
        *unread_settings_warnings(settings_),
        *config.warnings(),
        *token_identity(aws_settings).warnings,
        *result.pools.warnings,
    ]
    return result


def _pools(config: StackConfig, facts: OfflineFacts, outputs: dict[str, Any]) -> PoolsPlan:
    """The pools' plan as the program made it, for the node subnets it reported."""
    subnet_ids, zones = outputs.get("subnetIds"), outputs.get("zones")
    if not isinstance(subnet_ids, list) or not isinstance(zones, list) or not zones:
        return PoolsPlan(None)  # known only at deploy time
    subnet_zones = {subnet.id: subnet.zone for subnet in facts.subnets if subnet.id in subnet_ids}
    return plan_pools(config, facts.region, tuple(zones), subnet_zones)


def run_mocked(
    program: Path | Callable[[], object],
    stack: str,
    settings_: dict[str, str],
    facts: OfflineFacts,
    *,
    cluster_name: str,
    project: str = PROJECT,
    preview: bool = False,
) -> SynthResult:
    """Evaluate a Pulumi program of project `project` (a program file, or a function declaring
    resources) under the mock engine, in a fresh event loop, with these settings (`<namespace>:<key>`
    as the CLI gives them) and lookups answered from `facts` about cluster `cluster_name`."""

    def main() -> None:
        if callable(program):
            program()
        else:
            runpy.run_path(str(program))

    mocks = OfflineMocks(facts, cluster_name, preview)
    monitor = RecordingMonitor(mocks)
    monitor.disabled_defaults = DisabledDefaultProviders.from_settings(settings_)
    loop = asyncio.new_event_loop()
    loop.set_default_executor(_CallsInPlace())
    asyncio.set_event_loop(loop)
    try:
        settings.reset_options(project=project, stack=stack, preview=preview)
        runtime_config.set_all_config(dict(settings_), [])
        # The program's own log lines (pulumi.log) stay out of synth's output, which reports warnings itself.
        pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=preview, logger=_QUIET, monitor=monitor)
        with construction_order() as order, without_source_positions():
            _sync_await(run_pulumi_func(main))
        root = settings.get_root_resource()
        exported = getattr(root, "outputs", {}) or {}
        outputs = {
            key: plain(_sync_await(pulumi.Output.from_input(value).future(with_unknowns=True)))
            for key, value in exported.items()
        }
    finally:
        loop.close()
        asyncio.set_event_loop(None)
    if monitor.refusals:
        # The engine stops at the first such resource.
        raise SynthError(monitor.refusals[0])
    position = {key: index for index, key in enumerate(order)}
    resources = sorted(monitor.registrations.values(), key=lambda r: position[(r.type, r.name)])
    return SynthResult(
        stack=stack,
        region=facts.region,
        preview=preview,
        resources=resources,
        outputs=outputs,
        component_outputs=dict(monitor.component_outputs),
        invokes=list(monitor.invokes),
        providers=dict(monitor.providers),
    )
