"""The Pulumi CLI the program needs is declared where the engine enforces it."""

from __future__ import annotations

import yaml

from karpenter.preflight.aws_checks import PULUMI_IMPORT_UPDATE
from tests.conftest import ROOT


def test_the_project_requires_the_cli_that_imports_then_updates() -> None:
    """`karpenter:adopt` imports roles, a profile and tags whose inputs differ from what exists, and
    converges them in the same `pulumi up`. Pulumi CLI 3.174.0 made the engine import and then update
    such a resource in one deployment (pulumi/pulumi#19339, CHANGELOG 3.174.0; the import option's
    docs since pulumi/docs#18198); older CLIs fail "inputs to import do not match the existing
    resource" halfway through. `requiredPulumiVersion` in Pulumi.yaml is a semver range the engine
    checks before the program runs (Pulumi's project file reference, "requiredPulumiVersion option")."""
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    assert project["requiredPulumiVersion"] == ">=3.174.0"
    # doctor's `pulumi-cli` check asks for the same release.
    assert PULUMI_IMPORT_UPDATE == "3.174.0"
