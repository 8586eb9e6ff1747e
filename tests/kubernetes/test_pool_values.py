"""Node pool values as plain data: the instance categories and taints a pool's nodes get."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from karpenter.config.loading import validate_settings
from karpenter.kubernetes.pool_values import (
    karpenter_config_values,
    node_overlays_values,
)

ZONES = ["eu-west-1a", "eu-west-1b"]
CATEGORY = "karpenter.k8s.aws/instance-category"


def _pools(pools: dict[str, Any]) -> dict[str, Any]:
    config = validate_settings({"clusterName": "dev", "nodePools": pools})
    values = karpenter_config_values(config, instance_profile_name="karpenter-instance-profile-dev", zones=ZONES)
    rendered: dict[str, Any] = values["nodePools"]
    return rendered


def _categories(pool: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in pool["requirements"] if r["key"] == CATEGORY]


def test_cpu_pool_without_categories_launches_no_gpus() -> None:
    pools = _pools({"cpu": {}, "gpu": {"gpu": True}})
    assert _categories(pools["cpu"]) == [{"key": CATEGORY, "operator": "In", "values": ["c", "m", "r"]}]
    assert _categories(pools["gpu"]) == [{"key": CATEGORY, "operator": "In", "values": ["g", "p"]}]


def test_a_pools_own_categories_are_the_ones_rendered() -> None:
    pools = _pools({"memory": {"instanceCategories": ["r", "x"]}, "gpu": {"gpu": True, "instanceCategories": ["p"]}})
    assert _categories(pools["memory"]) == [{"key": CATEGORY, "operator": "In", "values": ["r", "x"]}]
    assert _categories(pools["gpu"]) == [{"key": CATEGORY, "operator": "In", "values": ["p"]}]


def test_a_gpu_pool_with_a_taint_of_its_own_keeps_the_gpu_taint() -> None:
    pools = _pools({"gpu": {"gpu": True, "taints": [{"key": "team", "value": "ml", "effect": "NoSchedule"}]}})
    assert pools["gpu"]["taints"] == [
        {"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"},
        {"key": "team", "value": "ml", "effect": "NoSchedule"},
    ]


def test_a_cpu_pool_gets_only_its_own_taints() -> None:
    pools = _pools({"batch": {"taints": [{"key": "batch", "effect": "NoExecute"}]}})
    assert pools["batch"]["taints"] == [{"key": "batch", "effect": "NoExecute"}]


def test_node_overlays_carry_only_what_was_set() -> None:
    config = validate_settings(
        {
            "clusterName": "dev",
            "nodeOverlays": {
                "savings-plan": {
                    "requirements": [{"key": "karpenter.k8s.aws/instance-family", "operator": "In", "values": ["m7g"]}],
                    "priceAdjustment": "-27%",
                    "weight": 10,
                },
                "fpga": {"capacity": {"example.com/fpga": 1}},
                "spot-price": {"price": "0.25"},
            },
        }
    )
    assert node_overlays_values(config) == {
        "savings-plan": {
            "requirements": [{"key": "karpenter.k8s.aws/instance-family", "operator": "In", "values": ["m7g"]}],
            "priceAdjustment": "-27%",
            "weight": 10,
        },
        "fpga": {"capacity": {"example.com/fpga": "1"}, "requirements": []},
        "spot-price": {"price": "0.25", "requirements": []},
    }


def test_pool_zones_outside_the_subnets_zones_are_refused_when_the_values_are_built() -> None:
    # Where the subnets are known only at deploy time, this is the check that catches it.
    config = validate_settings({"clusterName": "dev", "nodePools": {"cpu": {"zones": ["eu-west-1c", "eu-west-1d"]}}})
    with pytest.raises(ValueError) as refused:
        karpenter_config_values(config, instance_profile_name="karpenter-instance-profile-dev", zones=ZONES)
    assert str(refused.value) == (
        "karpenter:nodePools.cpu.zones: eu-west-1c, eu-west-1d not among the node subnets' zones "
        "(eu-west-1a, eu-west-1b)"
    )


def test_pool_values_are_plain_data_that_yaml_writes_as_helm_reads_it() -> None:
    budget = {"nodes": "10%", "reasons": ["Underutilized", "Empty"], "schedule": "0 9 * * mon-fri", "duration": "8h"}
    pools = _pools({"cpu": {"disruption": {"budgets": [budget]}}})
    assert pools["cpu"]["disruption"]["budgets"] == [budget]
    assert yaml.safe_load(yaml.safe_dump(pools)) == pools


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"instance_profile_name": ""}, "instance_profile_name must not be empty"),
        ({"zones": []}, "zones must name at least one availability zone of the node subnets"),
        (
            {"subnet_ids": [], "security_group_ids": ["sg-0a1b2c3d4e5f6a7b8"]},
            "subnet_ids and security_group_ids must not be empty",
        ),
        (
            {"subnet_ids": ["subnet-0a1b2c3d4e5f6a7b1"]},
            "subnet_ids and security_group_ids go together: give both, or neither",
        ),
    ],
    ids=["no-profile", "no-zones", "no-subnets", "subnets-alone"],
)
def test_values_without_what_a_node_class_needs_are_refused(arguments: dict[str, Any], message: str) -> None:
    config = validate_settings({"clusterName": "dev"})
    given = {"instance_profile_name": "karpenter-instance-profile-dev", "zones": ZONES, **arguments}
    with pytest.raises(ValueError) as refused:
        karpenter_config_values(config, **given)
    assert str(refused.value) == message


def test_an_ami_alias_of_thirty_characters_is_the_longest_the_values_take() -> None:
    config = validate_settings({"clusterName": "dev"})
    longest = "al2023@" + "1" * 23
    values = karpenter_config_values(config, instance_profile_name="p", zones=ZONES, ami_alias=longest)
    assert values["nodeClasses"]["default"]["amiAlias"] == longest


def test_an_ami_alias_of_thirty_one_characters_is_refused_by_the_values() -> None:
    config = validate_settings({"clusterName": "dev"})
    too_long = "al2023@" + "1" * 24
    with pytest.raises(ValueError) as refused:
        karpenter_config_values(config, instance_profile_name="p", zones=ZONES, ami_alias=too_long)
    assert str(refused.value) == (
        f"ami_alias '{too_long}' is not family@version with family al2023 or bottlerocket (at most 30 characters)"
    )
