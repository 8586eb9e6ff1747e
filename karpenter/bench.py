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

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5
IMPORT_FLOOR = "import pulumi, pulumi_aws, pulumi_kubernetes"
# pulumi_aws loads a service's module only when the program first touches it, and the ec2 module
# alone costs more than the bare import; this second floor shows what the SDKs the program uses cost.
USED_SDK_FLOOR = (
    "import pulumi_aws as aws, pulumi_kubernetes as k8s, pulumi.runtime.mocks; "
    "aws.ec2.Tag, aws.iam.Role, aws.eks.AccessEntry, aws.sqs.Queue, aws.cloudwatch.EventRule, k8s.helm.v3.Release"
)
PEER = ("EKS Blueprints for CDK, cdk synth", 1.8, 231.0)


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


def _many_pools_project(folder: Path, pools: int) -> str:
    """A copy of the project whose stack has `pools` node pools."""
    for name in ("__main__.py", "Pulumi.yaml"):
        shutil.copy(ROOT / name, folder / name)
    document = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    template = document["config"]["karpenter:nodePools"]["cpu"]
    document["config"]["karpenter:nodePools"] = {f"pool-{i:02d}": dict(template) for i in range(pools)}
    (folder / f"Pulumi.pools{pools}.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    return f"pools{pools}"


def main() -> None:
    python = sys.executable
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        floor, floor_mb = _median([python, "-c", IMPORT_FLOOR], ROOT)
        used, used_mb = _median([python, "-c", USED_SDK_FLOOR], ROOT)
        synth = [python, "-m", "karpenter", "synth", "--project-dir"]
        dev, dev_mb = _median([*synth, str(ROOT), "--stack", "dev", "--out", str(work / "dev")], ROOT)
        many_dir = work / "many"
        many_dir.mkdir()
        stack = _many_pools_project(many_dir, 60)
        many, many_mb = _median([*synth, str(many_dir), "--stack", stack, "--out", str(work / "out60")], ROOT)

    peer_name, peer_s, peer_mb = PEER
    rows = [
        ("import floor (pulumi, pulumi_aws, pulumi_kubernetes)", floor, floor_mb),
        ("SDK modules the program uses (ec2, iam, eks, sqs, events, helm)", used, used_mb),
        ("synth dev stack", dev, dev_mb),
        ("synth 60-pool stack", many, many_mb),
        (f"peer: {peer_name}", peer_s, peer_mb),
    ]
    print(f"median of {RUNS} fresh processes each; peak = largest resident set seen\n")
    print(f"{'':64} {'wall s':>8} {'peak MB':>8}")
    for label, seconds, megabytes in rows:
        print(f"{label:64} {seconds:8.2f} {megabytes:8.0f}")
    print()
    goals = [
        ("synth ≤ 2.5 × import floor", dev / floor, 2.5),
        ("synth ≤ 2.5 × SDK modules it uses", dev / used, 2.5),
        ("synth peak ≤ 300 MB", dev_mb, 300.0),
        ("60 pools ≤ 1.5 × dev stack", many / dev, 1.5),
        ("synth ≤ half the peer's time", dev, peer_s / 2),
        ("synth peak ≤ half the peer's memory", dev_mb, peer_mb / 2),
    ]
    for label, value, limit in goals:
        verdict = "met" if value <= limit else "MISSED"
        print(f"{label:40} {value:8.2f} (goal {limit:g}) {verdict}")


if __name__ == "__main__":
    main()
