"""The stack a command line tool works on: its config and region, read from its stack file."""

from __future__ import annotations

from pathlib import Path

import pytest

from karpenter.config.errors import ConfigError
from karpenter.config.stack_target import load_stack_target
from tests.conftest import make_project

CONFIG = {"karpenter:clusterName": "prod-eu", "karpenter:version": "1.14.1"}


def test_the_region_comes_from_the_stack_file(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"prod": {**CONFIG, "aws:region": "eu-central-1"}})
    target = load_stack_target("prod", project)
    assert target.describe() == {
        "stack": "prod",
        "cluster": "prod-eu",
        "region": "eu-central-1",
        "karpenterVersion": "1.14.1",
    }


def test_a_region_given_on_the_command_line_wins_over_the_stack_file(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"prod": {**CONFIG, "aws:region": "eu-central-1"}})
    assert load_stack_target("prod", project, region="us-east-2").region == "us-east-2"


def test_a_stack_without_a_region_is_refused_naming_aws_region(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"prod": CONFIG})
    with pytest.raises(ConfigError) as refused:
        load_stack_target("prod", project)
    assert str(refused.value) == "aws:region: Pulumi.prod.yaml sets no region; set aws:region, or pass --region"


def test_a_missing_stack_file_is_refused_as_a_config_error(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    with pytest.raises(ConfigError) as refused:
        load_stack_target("prod", project)
    assert str(refused.value) == f"no stack file Pulumi.prod.yaml in {project}"
