"""drain-legacy against the kubernetes client talking to a local API with recorded responses, and EC2
in moto: nodes go one at a time, evictions honour PodDisruptionBudgets (a 429 is retried), DaemonSet
and static pods stay, the instance is terminated only once the node is empty, and --detach-only drops
the owner references to the Provisioners and nothing else."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from karpenter.migrate.drain import Drainer, DrainStoppedError
from karpenter.migrate.drain_plan import detach_patch, to_evict
from tests.kube_api import KubeApi, recorded, serve, status
from tests.preflight.aws_seed import Clients

PODS = "GET /api/v1/pods?fieldSelector=spec.nodeName="
PDB_REFUSAL = status(429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.")
EVICTED = (201, {"kind": "Status", "apiVersion": "v1", "status": "Success", "code": 201})


def pod(name: str, node: str, owner: str = "ReplicaSet", **metadata: Any) -> dict[str, Any]:
    return {
        "metadata": {
            "name": name,
            "namespace": "apps",
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": owner, "name": f"{name}-owner", "uid": f"u-{name}"}],
            **metadata,
        },
        "spec": {"nodeName": node},
        "status": {"phase": "Running"},
    }


def pod_list(*pods: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return 200, {"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "1"}, "items": list(pods)}


class Clock:
    """Time that passes only when the drain sleeps: no test waits."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def legacy_cluster(instances: list[str], pdb_refusals: int = 1) -> tuple[KubeApi, list[str]]:
    nodes = recorded("nodes-legacy.json")
    names = [node["metadata"]["name"] for node in nodes["items"]]
    for node, instance in zip(nodes["items"], instances, strict=True):
        node["spec"]["providerID"] = f"aws:///{node['metadata']['labels']['topology.kubernetes.io/zone']}/{instance}"
    first, second = names
    daemon = pod("aws-node-x1", first, owner="DaemonSet")
    mirror = pod("kube-proxy-static", first, annotations={"kubernetes.io/config.mirror": "abc"})
    routes: dict[str, Any] = {
        "GET /api/v1/nodes?labelSelector=karpenter.sh/provisioner-name": (200, nodes),
        f"{PODS}{first}": [pod_list(pod("web-1", first), daemon, mirror), pod_list(daemon, mirror)],
        f"{PODS}{second}": [pod_list(pod("train-7", second)), pod_list()],
        "POST /api/v1/namespaces/apps/pods/web-1/eviction": [*[PDB_REFUSAL] * pdb_refusals, EVICTED],
        "POST /api/v1/namespaces/apps/pods/train-7/eviction": EVICTED,
    }
    for name in names:
        routes[f"PATCH /api/v1/nodes/{name}"] = (200, {"metadata": {"name": name}})
        routes[f"DELETE /api/v1/nodes/{name}"] = (200, {"kind": "Status", "status": "Success"})
    return KubeApi(routes=routes), names


def instances(aws: Clients, count: int = 2) -> list[str]:
    started = aws("ec2").run_instances(ImageId="ami-12c6146b", MinCount=count, MaxCount=count, InstanceType="m5.large")
    return [i["InstanceId"] for i in started["Instances"]]


def states(aws: Clients) -> dict[str, str]:
    reservations = aws("ec2").describe_instances()["Reservations"]
    return {i["InstanceId"]: i["State"]["Name"] for r in reservations for i in r["Instances"]}


def drainer(api: KubeApi, aws: Clients, clock: Clock, **options: Any) -> Drainer:
    from kubernetes import client

    said: list[str] = []
    return Drainer(
        core=client.CoreV1Api(api.client()),
        ec2=aws("ec2"),
        say=said.append,
        sleep=clock.sleep,
        clock=lambda: clock.now,
        **options,
    )


def mutations(api: KubeApi) -> list[tuple[str, str]]:
    return [(method, path) for method, path, _ in api.requests if method != "GET"]


def test_nodes_are_drained_one_at_a_time_and_their_instances_terminated(aws: Clients) -> None:
    started = instances(aws)
    api, (first, second) = legacy_cluster(started)
    clock = Clock()
    with serve(api):
        run = drainer(api, aws, clock)
        run.drain_all()
    assert mutations(api) == [
        ("PATCH", f"/api/v1/nodes/{first}"),
        ("POST", "/api/v1/namespaces/apps/pods/web-1/eviction"),
        ("POST", "/api/v1/namespaces/apps/pods/web-1/eviction"),
        ("PATCH", f"/api/v1/nodes/{first}"),
        ("DELETE", f"/api/v1/nodes/{first}"),
        ("PATCH", f"/api/v1/nodes/{second}"),
        ("POST", "/api/v1/namespaces/apps/pods/train-7/eviction"),
        ("PATCH", f"/api/v1/nodes/{second}"),
        ("DELETE", f"/api/v1/nodes/{second}"),
    ]
    # The budget refused once; the drain waited and asked again.
    assert clock.slept == [5.0]
    assert states(aws) == {started[0]: "terminated", started[1]: "terminated"}
    assert run.done == [first, second]


def test_the_node_is_cordoned_evicted_through_the_api_and_released_from_v0s_finalizer(aws: Clients) -> None:
    api, (first, _) = legacy_cluster(instances(aws))
    with serve(api):
        drainer(api, aws, Clock()).drain_all()
    bodies = [
        body
        for method, path, body in api.requests
        if method in ("PATCH", "POST") and (first in path or "web-1" in path)
    ]
    assert bodies[0] == {"spec": {"unschedulable": True}}
    assert bodies[1] == {
        "apiVersion": "policy/v1",
        "kind": "Eviction",
        "metadata": {"name": "web-1", "namespace": "apps"},
    }
    assert bodies[-1] == [
        {"op": "test", "path": "/metadata/finalizers", "value": ["karpenter.sh/termination"]},
        {"op": "replace", "path": "/metadata/finalizers", "value": []},
    ]


def test_a_budget_that_never_allows_the_eviction_stops_before_terminating(aws: Clients) -> None:
    started = instances(aws)
    api, (first, _) = legacy_cluster(started, pdb_refusals=10_000)
    clock = Clock()
    with serve(api), pytest.raises(DrainStoppedError) as stopped:
        drainer(api, aws, clock, timeout=60).drain_all()
    assert str(stopped.value) == "eviction of apps/web-1 refused (429 Too Many Requests)"
    assert ("DELETE", f"/api/v1/nodes/{first}") not in mutations(api)
    assert states(aws) == {started[0]: "running", started[1]: "running"}


def test_detach_only_drops_the_owner_references_to_the_provisioners_and_nothing_else(aws: Clients) -> None:
    api, names = legacy_cluster(instances(aws))
    with serve(api):
        assert drainer(api, aws, Clock()).detach() == 2
    assert [(m, p) for m, p, _ in api.requests if m != "GET"] == [("PATCH", f"/api/v1/nodes/{n}") for n in names]
    (_, _, body) = next(r for r in api.requests if r[0] == "PATCH")
    assert [op["op"] for op in body] == ["test", "remove"]


def test_a_dry_run_changes_nothing(aws: Clients) -> None:
    started = instances(aws)
    api, _ = legacy_cluster(started)
    with serve(api):
        drainer(api, aws, Clock(), dry_run=True).drain_all()
        drainer(api, aws, Clock(), dry_run=True).detach()
    assert mutations(api) == []
    assert set(states(aws).values()) == {"running"}


def test_owner_references_to_other_owners_are_kept() -> None:
    node = copy.deepcopy(recorded("nodes-legacy.json")["items"][0])
    other = {"apiVersion": "example.com/v1", "kind": "Keeper", "name": "k", "uid": "u-k"}
    node["metadata"]["ownerReferences"].append(other)
    patch = detach_patch(node)
    assert patch is not None and patch[1] == {"op": "replace", "path": "/metadata/ownerReferences", "value": [other]}


def test_finished_and_terminating_pods_are_not_evicted() -> None:
    done = pod("job-1", "n")
    done["status"]["phase"] = "Succeeded"
    going = pod("web-2", "n", deletionTimestamp="2026-01-01T00:00:00Z")
    assert to_evict([done, going, pod("web-3", "n")]) == [("apps", "web-3")]


def test_pods_that_do_not_leave_in_time_stop_the_drain_naming_them(aws: Clients) -> None:
    started = instances(aws)
    api, (first, _) = legacy_cluster(started)
    stuck = pod("web-1", first)
    api.routes[f"{PODS}{first}"] = pod_list(stuck)
    clock = Clock()
    with serve(api), pytest.raises(DrainStoppedError) as stopped:
        drainer(api, aws, clock, timeout=30).drain_all()
    assert str(stopped.value) == f"{first}: pods still running after 30s: apps/web-1"
    assert states(aws)[started[0]] == "running"


def test_drain_legacy_without_its_stack_file_is_one_line_and_exit_2(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from karpenter.offline.cli import main
    from tests.conftest import make_project

    assert main(["drain-legacy", "--stack", "prod", "--project-dir", str(make_project(tmp_path))]) == 2
    assert capsys.readouterr().err == f"error: no stack file Pulumi.prod.yaml in {tmp_path}\n"


def test_the_clients_reach_the_clusters_endpoint_with_a_token_signed_for_each_request(
    aws: Clients, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from karpenter.migrate.cluster_client import cluster_clients
    from tests.preflight.aws_seed import seed_runbook_account

    seed_runbook_account(aws, runbook_iam=False)
    for name, value in {
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    core, ec2 = cluster_clients("dev", "eu-west-1")
    configuration = core.api_client.configuration
    assert configuration.host == aws("eks").describe_cluster(name="dev")["cluster"]["endpoint"]
    first = configuration.get_api_key_with_prefix("authorization")
    assert first.startswith("Bearer k8s-aws-v1.")
    configuration.refresh_api_key_hook(configuration)
    assert configuration.api_key["authorization"].startswith("k8s-aws-v1.")
    assert ec2.describe_instances()["Reservations"] == []
