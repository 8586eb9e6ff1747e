"""A stack whose node classes take an `@latest` AMI alias warns once, naming the key, and says to pin it.

Karpenter's documentation ("Managing AMIs", karpenter.sh/docs/tasks/managing-amis/): "Karpenter heavily recommends
against opting-in to use an amiSelectorTerm with @latest unless you are doing this in a pre-production environment
... we recommend that you pin to a version of that AMI and deploy newer versions of that AMI type in a staged
approach"; with `@latest`, a newly released AMI drifts every node launched from the previous one.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from karpenter.config.loading import parse_stack_config
from tests.conftest import Run, settings_for

LATEST_DEFAULT = (
    "WARNING: karpenter:amiAlias: al2023@latest takes each new AMI as it is released, and Karpenter then replaces "
    "every node launched from the old one; pin a version, such as al2023@v20250920, and move it on in stages, as "
    "Karpenter's documentation recommends for production"
)


def _warnings(config: dict[str, Any]) -> list[str]:
    return parse_stack_config(settings_for({"clusterName": "dev", **config})).warnings()


def test_the_default_alias_warns_once_however_many_classes_take_it() -> None:
    config = {
        "nodeClasses": {"a": {}, "b": {"rootVolume": {"size": "100Gi"}}},
        "nodePools": {"cpu": {"nodeClass": "a"}, "batch": {"nodeClass": "b"}, "gpu": {"gpu": True}},
    }
    assert _warnings(config) == [LATEST_DEFAULT]


def test_a_class_at_latest_of_its_own_is_named_beside_the_stacks_alias() -> None:
    config = {
        "nodeClasses": {"br": {"amiAlias": "bottlerocket@latest"}},
        "nodePools": {"cpu": {"nodeClass": "br"}},
    }
    assert _warnings(config) == [
        "WARNING: karpenter:amiAlias: al2023@latest takes each new AMI as it is released, and Karpenter then replaces "
        "every node launched from the old one (also karpenter:nodeClasses.br.amiAlias bottlerocket@latest); pin a "
        "version, such as al2023@v20250920, and move it on in stages, as Karpenter's documentation recommends for "
        "production"
    ]


def test_a_class_at_latest_in_a_pinned_stack_is_named_with_a_pin_of_its_family() -> None:
    config = {"amiAlias": "al2023@v20250920", "nodeClasses": {"br": {"amiAlias": "bottlerocket@latest"}}}
    assert _warnings(config) == [
        "WARNING: karpenter:nodeClasses.br.amiAlias: bottlerocket@latest takes each new AMI as it is released, and "
        "Karpenter then replaces every node launched from the old one; pin a version, such as bottlerocket@v1.40.0, "
        "and move it on in stages, as Karpenter's documentation recommends for production"
    ]


@pytest.mark.parametrize(
    "config",
    [
        pytest.param({"amiAlias": "al2023@v20250920"}, id="pinned-stack"),
        pytest.param(
            {
                "amiAlias": "bottlerocket@v1.40.0",
                "nodeClasses": {"x": {"amiAlias": "bottlerocket@v1.41.0"}, "y": {"amiAlias": "al2023@v20250920"}},
            },
            id="pinned-classes",
        ),
        pytest.param(
            {
                # Every rendered class (the implicit `default` too) chooses its AMIs by id: no alias is taken.
                "nodeClasses": {
                    "default": {"amiSelectorTerms": [{"id": "ami-0123456789abcdef0"}], "amiFamily": "al2023"},
                },
            },
            id="selected-by-id",
        ),
    ],
)
def test_pinned_amis_warn_of_nothing(config: dict[str, Any]) -> None:
    assert _warnings(config) == []


def test_the_component_logs_the_warning_once_for_pulumi_preview_and_up(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    logged: list[str] = []
    monkeypatch.setattr(pulumi.log, "warn", lambda message, resource=None, **_: logged.append(message))
    result = run({"nodeClasses": {"a": {}, "b": {}}, "nodePools": {"cpu": {"nodeClass": "a"}}})
    assert logged == [LATEST_DEFAULT.removeprefix("WARNING: ")]
    assert result.warnings == [LATEST_DEFAULT]
