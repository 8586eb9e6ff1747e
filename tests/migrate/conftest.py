"""The migration tests use the preflight tests' AWS fixtures (moto on 127.0.0.1), and build runbook installs
with `install`."""

from typing import Any

from karpenter.migrate.runbook_values import RunbookInstall
from tests.preflight.conftest import aws, moto_endpoint  # noqa: F401 - fixtures, used by name


def install(**changes: Any) -> RunbookInstall:
    """A runbook install with nothing set but the cluster's name, and `changes`."""
    fields: dict[str, Any] = {
        "cluster_name": "dev",
        "endpoint": None,
        "instance_profile": None,
        "controller_role_arn": None,
        "interruption_queue": None,
        "controller_resources": {},
        "replicas": None,
        "cpu": None,
        "gpu": None,
    }
    return RunbookInstall(**{**fields, **changes})
