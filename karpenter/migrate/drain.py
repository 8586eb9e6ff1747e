"""`python -m karpenter drain-legacy --stack NAME`: the nodes v0 Provisioners launched, one at a time:
cordon, evict their pods through the eviction API (so PodDisruptionBudgets hold; a refused eviction
is retried), wait for them to go, terminate the instance with the operator's credentials (the v1
controller's policy cannot), and remove the Node object. `--detach-only` only drops the nodes' owner
references to the Provisioners, so that uninstalling the v0 releases leaves the nodes running."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from karpenter.migrate.drain_plan import LEGACY_LABEL, LegacyNode, detach_patch, legacy_nodes, release_patch, to_evict

# How long one node may take to empty before the drain stops, leaving it cordoned and running.
DEFAULT_TIMEOUT = 900.0
RETRY_SECONDS = 5.0


class DrainStoppedError(RuntimeError):
    """A node did not empty in time; it stays cordoned and its instance runs."""


@dataclass
class Drainer:
    core: Any  # kubernetes CoreV1Api
    ec2: Any  # boto3 EC2 client
    say: Callable[[str], None] = print
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    timeout: float = DEFAULT_TIMEOUT
    dry_run: bool = False
    done: list[str] = field(default_factory=list)

    def nodes(self) -> tuple[list[LegacyNode], dict[str, dict[str, Any]]]:
        listed = json.loads(self.core.list_node(label_selector=LEGACY_LABEL, _preload_content=False).data)
        raw = {node["metadata"]["name"]: node for node in listed["items"]}
        return legacy_nodes(list(raw.values())), raw

    def detach(self) -> int:
        """Drop every legacy node's owner references to v0 objects; returns how many changed."""
        changed = 0
        nodes, raw = self.nodes()
        for node in nodes:
            patch = detach_patch(raw[node.name])
            if patch is None:
                self.say(f"{node.name}: no owner reference to a v0 object")
                continue
            if not self.dry_run:
                self.core.patch_node(node.name, patch)
            changed += 1
            self.say(f"{node.name}: detached from Provisioner {node.provisioner}")
        return changed

    def pods_to_evict(self, node: str) -> list[tuple[str, str]]:
        listed = self.core.list_pod_for_all_namespaces(field_selector=f"spec.nodeName={node}", _preload_content=False)
        return to_evict(json.loads(listed.data)["items"])

    def evict(self, namespace: str, name: str, deadline: float) -> None:
        """Ask for the eviction until the API grants it; 429 means a PodDisruptionBudget says not yet."""
        from kubernetes import client
        from kubernetes.client.exceptions import ApiException

        body = client.V1Eviction(
            api_version="policy/v1", kind="Eviction", metadata=client.V1ObjectMeta(name=name, namespace=namespace)
        )
        while True:
            try:
                self.core.create_namespaced_pod_eviction(name, namespace, body)
                return
            except ApiException as exc:
                if exc.status == 404:
                    return
                if exc.status != 429 or self.clock() >= deadline:
                    refused = f"eviction of {namespace}/{name} refused ({exc.status} {exc.reason})"
                    raise DrainStoppedError(refused) from None
                self.sleep(RETRY_SECONDS)

    def drain(self, node: LegacyNode, raw: dict[str, Any]) -> None:
        deadline = self.clock() + self.timeout
        if self.dry_run:
            pods = len(self.pods_to_evict(node.name))
            self.say(f"{node.name}: would cordon, evict {pods} pods, terminate {node.instance_id}")
            return
        self.core.patch_node(node.name, {"spec": {"unschedulable": True}})
        for namespace, name in self.pods_to_evict(node.name):
            self.evict(namespace, name, deadline)
        while remaining := self.pods_to_evict(node.name):
            if self.clock() >= deadline:
                left = ", ".join(f"{ns}/{name}" for ns, name in remaining)
                raise DrainStoppedError(f"{node.name}: pods still running after {self.timeout:g}s: {left}")
            self.sleep(RETRY_SECONDS)
        if node.instance_id:
            self.ec2.terminate_instances(InstanceIds=[node.instance_id])
        patch = release_patch(raw)
        if patch:
            self.core.patch_node(node.name, patch)
        self.core.delete_node(node.name)
        self.done.append(node.name)
        self.say(f"{node.name}: drained, instance {node.instance_id} terminated, node removed")

    def drain_all(self) -> None:
        nodes, raw = self.nodes()
        if not nodes:
            self.say(f"no node labelled {LEGACY_LABEL}: nothing to drain")
        for node in nodes:
            self.drain(node, raw[node.name])


def run_command(
    stack: str,
    project_dir: Any,
    *,
    region: str | None = None,
    profile: str | None = None,
    detach_only: bool = False,
    dry_run: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
) -> int:
    """2 (one line on stderr) for a bad stack file, 1 when a node did not drain, else 0."""
    import sys

    from karpenter.config.errors import ConfigError
    from karpenter.config.stack_target import load_stack_target
    from karpenter.migrate.cluster_client import cluster_clients

    try:
        target = load_stack_target(stack, project_dir, region)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    core, ec2 = cluster_clients(target.config.cluster_name, target.region, profile)
    drainer = Drainer(core=core, ec2=ec2, timeout=timeout, dry_run=dry_run)
    try:
        if detach_only:
            drainer.detach()
        else:
            drainer.drain_all()
    except DrainStoppedError as exc:
        print(f"error: {exc}; the node stays cordoned and running: run drain-legacy again", file=sys.stderr)
        return 1
    return 0
