"""Synth writes pools.json (per pool: the instance types it may launch, its smallest and largest, and
the most its limits let it cost per hour on demand, with the prices' source and date) and prints a
line per pool in its summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from karpenter.offline.cli import main
from tests.conftest import make_project

STACK = {
    "aws:region": "us-east-1",
    "karpenter:clusterName": "ml",
    "karpenter:nodePools": {
        "gpu": {
            "gpu": True,
            "instanceFamilies": ["g6"],
            "limits": {"cpu": "4", "memory": "16Gi", "nvidia.com/gpu": "1"},
        }
    },
}


def test_synth_writes_each_pools_types_and_cost_ceiling(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path / "project", {"ml": STACK})
    out = tmp_path / "out"
    assert main(["synth", "--stack", "ml", "--project-dir", str(project), "--out", str(out)]) == 0
    pools = json.loads((out / "pools.json").read_text())
    assert list(pools) == ["gpu"]
    gpu = pools["gpu"]
    # One g6.xlarge at $0.8048/h fills the limits; one more may launch past them.
    assert {key: gpu[key] for key in ("instanceTypes", "smallestInstanceType", "largestInstanceType")} == {
        "instanceTypes": ["g6.xlarge"],
        "smallestInstanceType": "g6.xlarge",
        "largestInstanceType": "g6.xlarge",
    }
    assert gpu["maxHourlyCostUSD"] == pytest.approx(2 * 0.8048)
    assert gpu["priceDate"] == "2026-07-20"
    assert "zz_generated.pricing_aws.go" in gpu["priceSource"]
    printed = capsys.readouterr().out
    assert "\n  gpu: 1 type, g6.xlarge, at most $1.61/h on demand\n" in printed
