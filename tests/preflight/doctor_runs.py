"""Running doctor's AWS side in tests: a target from stack settings, and the verdict of one check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from karpenter.config.loading import validate_settings
from karpenter.preflight.aws_reader import read_account
from karpenter.preflight.doctor import Target, judge
from karpenter.preflight.observations import AwsObservations
from karpenter.preflight.verdicts import Verdict
from tests.preflight.aws_seed import CLUSTER, REGION, Clients

RUNBOOK_POOLS = {
    "cpu": {"capacityTypes": ["spot", "on-demand"], "zones": ["eu-west-1a", "eu-west-1b"]},
    "gpu": {"gpu": True, "capacityTypes": ["spot", "on-demand"], "zones": ["eu-west-1a", "eu-west-1b"]},
}
Run = Callable[..., Any]


def target(**config: Any) -> Target:
    settings = {"clusterName": CLUSTER, "namespace": "karpenter", "nodePools": RUNBOOK_POOLS, **config}
    return Target(stack="prod", config=validate_settings(settings), region=REGION)


def verdict(verdicts: list[Verdict], check: str) -> Verdict:
    (found,) = [v for v in verdicts if v.check == check]
    return found


def doctor(clients: Clients, **config: Any) -> tuple[Any, list[Verdict]]:
    """What doctor reads with these clients, and its verdicts (no cluster API, a recent Pulumi CLI)."""
    chosen = target(**config)
    observed: AwsObservations = read_account(clients, chosen.config, REGION)
    return observed, judge(chosen, observed, None, "3.210.0")
