"""Benchmark (`make bench`): synth wall time and peak memory beside the SDK import floor, one stack
and a fleet of ten, in one process and on every core, and a peer's ten-cluster render when pointed at one.
Prints figures and how they compare with the goals; it never fails on them."""

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

from karpenter.offline.tree_memory import tree_peak
from karpenter.offline.workers import default_jobs

ROOT = Path(__file__).resolve().parents[2]
RUNS = 5
IMPORT_FLOOR = "import pulumi, pulumi_aws, pulumi_kubernetes"
# pulumi_aws loads a service's package only when the program first touches it, and the ec2 package
# alone costs more than the bare import; this second floor is the SDK classes the program declares,
# imported the plain way, each package whole.
USED_SDK_FLOOR = "from karpenter.offline.sdk_classes import DECLARED, load; load(DECLARED)"
# The same classes loaded as synth loads them, each package name by name (lazy_packages).
USED_SDK_BY_NAME = "from karpenter.offline import lazy_packages as l, sdk_classes as s; l.install(); s.load(s.DECLARED)"
FLEET = 10
# A peer is measured only in the same run, never quoted: point this at an EKS Blueprints for CDK app
# (with its node_modules installed) of ten clusters and its `npx cdk synth` is timed beside ours.
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
    (found,) = _interleaved([(command, cwd)])
    return found


def _interleaved(commands: list[tuple[list[str], Path]]) -> list[tuple[float, float]]:
    """Each command's median wall time and largest peak, the commands run in turn, so that what else
    the machine does weighs on each alike: the figures the goals compare are measured so."""
    for command, cwd in commands:
        _measure(command, cwd)  # writes the bytecode caches (where Python may) and warms the disk cache
    samples: list[list[tuple[float, float]]] = [[] for _ in commands]
    for _ in range(RUNS):
        for (command, cwd), taken in zip(commands, samples, strict=True):
            taken.append(_measure(command, cwd))
    return [(statistics.median(s[0] for s in taken), max(s[1] for s in taken)) for taken in samples]


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


def _fleet_project(folder: Path, count: int) -> None:
    """A project of `count` stack files, each a copy of the runbook's stack with its own cluster name."""
    _project(folder, "cluster-00", RUNBOOK_POOLS)
    text = (folder / "Pulumi.cluster-00.yaml").read_text()
    for index in range(1, count):
        name = f"cluster-{index:02d}"
        (folder / f"Pulumi.{name}.yaml").write_text(text.replace("clusterName: bench", f"clusterName: {name}"))


def _peer_command() -> tuple[list[str], Path] | None:
    folder = os.environ.get(PEER_DIR_VARIABLE)
    return (["npx", "cdk", "synth", "--quiet"], Path(folder)) if folder else None


def _cached_bytecode(folder: Path) -> bool:
    """Let every measured process keep the bytecode it compiles, in `folder`: an installed package
    carries its modules compiled, and the SDKs' are, so the program's modules are timed so too rather
    than compiled from source in every process. Whether PYTHONDONTWRITEBYTECODE was set (and lifted)."""
    os.environ["PYTHONPYCACHEPREFIX"] = str(folder)
    return os.environ.pop("PYTHONDONTWRITEBYTECODE", None) is not None


def main() -> None:
    python = sys.executable
    cores = default_jobs()
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        lifted = _cached_bytecode(work / "bytecode")
        synth = [python, "-m", "karpenter", "synth", "--project-dir"]
        example = _example_project(work / "example", "dev")
        dev_example, dev_example_mb = (
            _median([*synth, str(work / "example"), "--stack", example, "--out", str(work / "out-example")], ROOT)
            if example
            else (float("nan"), float("nan"))
        )
        runbook = _project(work / "runbook", "runbook", RUNBOOK_POOLS)
        _fleet_project(work / "fleet", FLEET)
        fleet = [*synth, str(work / "fleet"), "--all", "--out", str(work / "out-fleet")]
        many = _project(work / "many", "pools60", {f"pool-{i:02d}": dict(RUNBOOK_POOLS["cpu"]) for i in range(60)})
        classes, class_pools = _classes_and_pools(20, 60)
        platform = _project(work / "platform", "classes20", class_pools, classes)
        # Every figure a goal compares, taken in turn: the import floors, one stack, the larger stacks,
        # ten in one process and on every core, and the peer's ten clusters.
        compared = [
            ([python, "-c", IMPORT_FLOOR], ROOT),
            ([python, "-c", USED_SDK_FLOOR], ROOT),
            ([python, "-c", USED_SDK_BY_NAME], ROOT),
            ([*synth, str(work / "runbook"), "--stack", runbook, "--out", str(work / "out")], ROOT),
            ([*synth, str(work / "many"), "--stack", many, "--out", str(work / "out60")], ROOT),
            ([*synth, str(work / "platform"), "--stack", platform, "--out", str(work / "out20")], ROOT),
            ([*fleet, "--jobs", "1"], ROOT),
            ([*fleet, "--jobs", str(cores)], ROOT),
        ]
        peer_command = _peer_command()
        found = _interleaved(compared + ([peer_command] if peer_command else []))
        (floor, floor_mb), (used, used_mb), (by_name, by_name_mb), (dev, dev_mb) = found[:4]
        (many_s, many_mb), (platform_s, platform_mb), (one_job, one_job_mb), (all_jobs, all_jobs_largest) = found[4:8]
        peer = (*found[8], *tree_peak(*peer_command)[:2]) if peer_command else None
        all_jobs_tree, all_jobs_resident, all_jobs_worker = tree_peak([*fleet, "--jobs", str(cores)], ROOT)
    after = os.getloadavg()

    rows = [
        ("import floor (pulumi, pulumi_aws, pulumi_kubernetes)", floor, floor_mb),
        ("SDK import floor: the classes the program declares", used, used_mb),
        ("the same classes, loaded name by name as synth loads them", by_name, by_name_mb),
        ("synth, the dev example (Pulumi.dev.yaml)", dev_example, dev_example_mb),
        ("synth, the runbook's two pools: one stack", dev, dev_mb),
        ("synth, 60 pools", many_s, many_mb),
        ("synth, 60 pools on 20 node classes", platform_s, platform_mb),
        (f"synth --all, {FLEET} runbook stacks, --jobs 1", one_job, one_job_mb),
        (
            f"synth --all, {FLEET} runbook stacks, --jobs {cores} (all cores)",
            all_jobs,
            max(all_jobs_largest, all_jobs_worker),
        ),
    ]
    if peer:
        rows.append((f"peer: {PEER_NAME}, {FLEET} clusters", peer[0], peer[1]))
    print(f"median of {RUNS} fresh processes each, after one unmeasured, on {cores} cores; the runs the goals")
    print(f"compare taken in turn; load average {load[0]:.2f} before, {after[0]:.2f} after; peak MB = the largest")
    print("resident set of any one process")
    print(
        "bytecode cached (in a scratch folder, the first unmeasured run writing it) for every module, as an "
        "install has it" + ("; PYTHONDONTWRITEBYTECODE, set here, lifted for the measured processes" if lifted else "")
    )
    print()
    print(f"{'':64} {'wall s':>8} {'peak MB':>8}")
    for label, seconds, megabytes in rows:
        print(f"{label:64} {seconds:8.2f} {megabytes:8.0f}")
    marginal_one = (one_job - dev) / (FLEET - 1)
    marginal_all = (all_jobs - dev) / (FLEET - 1)
    print(f"\nper extra stack: {marginal_one:.3f} s with --jobs 1, {marginal_all:.3f} s with --jobs {cores}")
    print(
        f"memory of {FLEET} stacks on {cores} cores, whole process tree, sampled: {all_jobs_tree:.0f} MB "
        f"proportional set size ({all_jobs_resident:.0f} MB resident sets added up); the largest worker or "
        f"helper process: {all_jobs_worker:.0f} MB resident"
    )
    if peer:
        print(
            f"memory of the peer's {FLEET} clusters, whole process tree, sampled: {peer[2]:.0f} MB proportional "
            f"set size ({peer[3]:.0f} MB resident sets added up)"
        )
    else:
        print(f"\npeer ({PEER_NAME}): not measured; set {PEER_DIR_VARIABLE} to such an app to time it in this run")
    print(
        f"one stack against the classes it declares loaded name by name, as synth loads them: {dev / by_name:.2f}×"
        " (the goal below is against the plain import)"
    )
    print()
    goals = [
        ("synth ≤ 2.5 × import floor", dev / floor, 2.5),
        ("one stack ≤ 1.1 × SDK import floor", dev / used, 1.1),
        ("synth peak ≤ 300 MB", dev_mb, 300.0),
        ("60 pools ≤ 1.5 × two pools", many_s / dev, 1.5),
        ("60 pools, 20 classes ≤ 1.5 × two pools", platform_s / dev, 1.5),
        ("per extra stack, all cores ≤ 0.1 s", marginal_all, 0.1),
    ]
    if peer:
        goals += [
            (f"{FLEET} stacks ≤ 0.3 × the peer's time", all_jobs / peer[0], 0.3),
            (f"{FLEET} stacks' memory ≤ 0.5 × the peer's", all_jobs_tree / peer[2], 0.5),
        ]
    for label, value, limit in goals:
        verdict = "met" if value <= limit else "MISSED"
        print(f"{label:40} {value:8.2f} (goal {limit:g}) {verdict}")


if __name__ == "__main__":
    main()
