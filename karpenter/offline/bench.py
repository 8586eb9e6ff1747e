"""Benchmark (`make bench`): synth wall time and peak memory beside the bare SDK import floor.

Prints figures and how they compare with the goals; it never fails on them.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
RUNS = 5
IMPORT_FLOOR = "import pulumi, pulumi_aws, pulumi_kubernetes"
# pulumi_aws loads a service's module only when the program first touches it, and the ec2 module
# alone costs more than the bare import; this second floor shows what the SDKs the program uses cost.
USED_SDK_FLOOR = (
    "import pulumi_aws as aws, pulumi_kubernetes as k8s, pulumi.runtime.mocks; "
    "aws.ec2.Tag, aws.iam.Role, aws.eks.AccessEntry, aws.sqs.Queue, aws.cloudwatch.EventRule, k8s.helm.v3.Release"
)
# A peer is measured only in the same run, never quoted: point this at an EKS Blueprints for CDK app
# (with its node_modules installed) and its `npx cdk synth` is timed beside ours.
PEER_DIR_VARIABLE = "KARPENTER_BENCH_PEER_DIR"
PEER_NAME = "EKS Blueprints for CDK, npx cdk synth"
# The runbook's two provisioners, the stack the figures are for; written here so that the benchmark
# does not depend on which example stacks a project keeps.
RUNBOOK_POOLS: dict[str, dict[str, object]] = {
    "cpu": {
        "capacityTypes": ["spot", "on-demand"],
        "instanceCategories": ["c", "m", "r"],
        "limits": {"cpu": "1000", "memory": "1000Gi"},
    },
    "gpu": {
        "gpu": True,
        "capacityTypes": ["spot", "on-demand"],
        "instanceCategories": ["g", "p"],
        "limits": {"cpu": "256", "memory": "2048Gi", "nvidia.com/gpu": "16"},
    },
}


def _measure(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak resident MB of one fresh process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        error = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"benchmark command failed: {' '.join(command)}\n{error}")
    return elapsed, usage.ru_maxrss / 1024


def _median(command: list[str], cwd: Path) -> tuple[float, float]:
    samples = [_measure(command, cwd) for _ in range(RUNS)]
    return statistics.median(s[0] for s in samples), max(s[1] for s in samples)


def _project(
    folder: Path, stack: str, pools: dict[str, dict[str, object]], classes: dict[str, dict[str, object]] | None = None
) -> str:
    """A project folder holding the program and one attach stack with these pools (and node classes)."""
    folder.mkdir()
    for name in ("__main__.py", "Pulumi.yaml"):
        shutil.copy(ROOT / name, folder / name)
    config = {"aws:region": "eu-west-1", "karpenter:clusterName": "bench", "karpenter:nodePools": pools}
    if classes:
        config["karpenter:nodeClasses"] = classes
    (folder / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": config}, sort_keys=False))
    return stack


def _example_project(folder: Path, stack: str) -> str | None:
    """A project folder holding the program and the project's own example stack file (None without one)."""
    if not (ROOT / f"Pulumi.{stack}.yaml").exists():
        return None
    folder.mkdir()
    for name in ("__main__.py", "Pulumi.yaml", f"Pulumi.{stack}.yaml"):
        shutil.copy(ROOT / name, folder / name)
    return stack


def _classes_and_pools(classes: int, pools: int) -> tuple[dict[str, dict[str, object]], dict[str, dict[str, object]]]:
    """Node classes with kubelet settings, tags and their own volumes, and CPU pools spread over them
    with budgets and requirements: what a platform team's stack holds."""
    node_classes: dict[str, dict[str, object]] = {
        f"class-{i:02d}": {
            "rootVolume": {"size": f"{50 + i}Gi", "iops": 4000, "throughput": 250},
            "kubelet": {"maxPods": 110, "systemReserved": {"cpu": "100m", "memory": "200Mi"}},
            "tags": {"team": f"team-{i:02d}"},
        }
        for i in range(classes)
    }
    node_pools: dict[str, dict[str, object]] = {
        f"pool-{i:02d}": {
            **RUNBOOK_POOLS["cpu"],
            "nodeClass": f"class-{i % classes:02d}",
            "requirements": [{"key": "karpenter.k8s.aws/instance-cpu", "operator": "Gte", "values": ["4"]}],
            "disruption": {"budgets": [{"nodes": "10%"}]},
        }
        for i in range(pools)
    }
    return node_classes, node_pools


def _peer() -> tuple[float, float] | None:
    folder = os.environ.get(PEER_DIR_VARIABLE)
    if not folder:
        return None
    return _median(["npx", "cdk", "synth", "--quiet"], Path(folder))


def main() -> None:
    python = sys.executable
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        floor, floor_mb = _median([python, "-c", IMPORT_FLOOR], ROOT)
        used, used_mb = _median([python, "-c", USED_SDK_FLOOR], ROOT)
        synth = [python, "-m", "karpenter", "synth", "--project-dir"]
        example = _example_project(work / "example", "dev")
        dev_example, dev_example_mb = (
            _median([*synth, str(work / "example"), "--stack", example, "--out", str(work / "out-example")], ROOT)
            if example
            else (float("nan"), float("nan"))
        )
        runbook = _project(work / "runbook", "runbook", RUNBOOK_POOLS)
        dev, dev_mb = _median([*synth, str(work / "runbook"), "--stack", runbook, "--out", str(work / "out")], ROOT)
        many_pools = {f"pool-{i:02d}": dict(RUNBOOK_POOLS["cpu"]) for i in range(60)}
        many = _project(work / "many", "pools60", many_pools)
        many_s, many_mb = _median([*synth, str(work / "many"), "--stack", many, "--out", str(work / "out60")], ROOT)
        classes, class_pools = _classes_and_pools(20, 60)
        platform = _project(work / "platform", "classes20", class_pools, classes)
        platform_s, platform_mb = _median(
            [*synth, str(work / "platform"), "--stack", platform, "--out", str(work / "out20")], ROOT
        )
        peer = _peer()

    rows = [
        ("import floor (pulumi, pulumi_aws, pulumi_kubernetes)", floor, floor_mb),
        ("SDK modules the program uses (ec2, iam, eks, sqs, events, helm)", used, used_mb),
        ("synth, the dev example (Pulumi.dev.yaml)", dev_example, dev_example_mb),
        ("synth, the runbook's two pools", dev, dev_mb),
        ("synth, 60 pools", many_s, many_mb),
        ("synth, 60 pools on 20 node classes", platform_s, platform_mb),
    ]
    if peer:
        rows.append((f"peer: {PEER_NAME}", *peer))
    print(f"median of {RUNS} fresh processes each, measured now; peak = largest resident set seen\n")
    print(f"{'':64} {'wall s':>8} {'peak MB':>8}")
    for label, seconds, megabytes in rows:
        print(f"{label:64} {seconds:8.2f} {megabytes:8.0f}")
    if not peer:
        print(f"\npeer ({PEER_NAME}): not measured; set {PEER_DIR_VARIABLE} to such an app to time it in this run")
    print()
    goals = [
        ("synth ≤ 2.5 × import floor", dev / floor, 2.5),
        ("synth ≤ 2.5 × SDK modules it uses", dev / used, 2.5),
        ("synth peak ≤ 300 MB", dev_mb, 300.0),
        ("60 pools ≤ 1.5 × two pools", many_s / dev, 1.5),
        ("60 pools, 20 classes ≤ 1.5 × two pools", platform_s / dev, 1.5),
    ]
    if peer:
        goals += [
            ("synth ≤ half the peer's time", dev, peer[0] / 2),
            ("synth peak ≤ half the peer's memory", dev_mb, peer[1] / 2),
        ]
    for label, value, limit in goals:
        verdict = "met" if value <= limit else "MISSED"
        print(f"{label:40} {value:8.2f} (goal {limit:g}) {verdict}")


if __name__ == "__main__":
    main()
