"""A node pool that can launch no instance type of the catalog is refused, naming the key and the step
that removed the last types; its launchable neighbours are accepted. Checked against the catalog the
package ships, as the program checks them."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from karpenter import Karpenter
from karpenter.config.errors import ConfigError
from karpenter.config.loading import parse_stack_config
from karpenter.offline import monitor, program
from karpenter.offline.facts import sample_facts
from karpenter.offline.project_folder import stack_names
from karpenter.pool_plan import PoolsPlan, plan_pools
from tests.conftest import ROOT, Run, settings_for

SUBNETS = ("subnet-0a1b2c3d4e5f6a7b1", "subnet-0a1b2c3d4e5f6a7b2", "subnet-0a1b2c3d4e5f6a7b3")
EFA_ON_CARD_1 = {
    "networkInterfaces": [
        {"networkCardIndex": 0, "deviceIndex": 0, "interfaceType": "interface"},
        {"networkCardIndex": 1, "deviceIndex": 0, "interfaceType": "efa-only"},
    ]
}
CAPACITY_BLOCK = {
    "capacityReservationSelectorTerms": [{"id": "cr-0a1b2c3d4e5f6a7b8"}],
    "subnetSelectorTerms": [{"id": SUBNETS[0]}],
}


def plan(pools: dict[str, Any], region: str = "us-east-1", classes: dict[str, Any] | None = None) -> PoolsPlan:
    """The pools' plan for the sample cluster's three private subnets, in zones a, b and c of `region`."""
    settings: dict[str, Any] = {"clusterName": "dev", "nodePools": pools}
    if classes:
        settings["nodeClasses"] = classes
    config = parse_stack_config(settings_for(settings, region))
    zones = tuple(f"{region}{zone}" for zone in "abc")
    return plan_pools(config, region, zones, dict(zip(SUBNETS, zones, strict=True)))


def refusal(pools: dict[str, Any], region: str = "us-east-1", classes: dict[str, Any] | None = None) -> str:
    with pytest.raises(ConfigError) as refused:
        plan(pools, region, classes)
    return str(refused.value)


def _cpu(operator: str, value: str) -> dict[str, Any]:
    return {"key": "karpenter.k8s.aws/instance-cpu", "operator": operator, "values": [value]}


@pytest.mark.parametrize(
    ("pools", "region", "classes", "message"),
    [
        pytest.param(
            {"cpu": {"requirements": [_cpu("Gt", "1000")]}},
            "us-east-1",
            None,
            "karpenter:nodePools.cpu.requirements[0]: no instance type meets karpenter.k8s.aws/instance-cpu Gt 1000 "
            "beside the requirements before it: the 714 types those allow have karpenter.k8s.aws/instance-cpu from 1 "
            "to 384; relax this requirement or an earlier one",
            id="cpu-gt-1000",
        ),
        pytest.param(
            {
                "cpu": {
                    "requirements": [
                        {"key": "karpenter.k8s.aws/instance-size", "operator": "In", "values": ["large"]},
                        _cpu("Gte", "16"),
                    ]
                }
            },
            "us-east-1",
            None,
            "karpenter:nodePools.cpu.requirements[1]: no instance type meets karpenter.k8s.aws/instance-cpu Gte 16 "
            "beside the requirements before it: the 73 types those allow have karpenter.k8s.aws/instance-cpu 2; "
            "relax this requirement or an earlier one",
            id="large-with-16-cpus",
        ),
        pytest.param(
            {"gpu": {"gpu": True, "instanceFamilies": ["g6"], "limits": {"cpu": "2", "memory": "1000Gi"}}},
            "us-east-1",
            None,
            "karpenter:nodePools.gpu.limits.cpu: 2 is less than one node of any instance type the pool may launch "
            "(g6.xlarge … g6.48xlarge): the smallest, g6.xlarge, has 4; raise it to at least 4, or allow smaller types",
            id="limits-below-the-smallest-g6",
        ),
        pytest.param(
            {"gpu": {"gpu": True, "instanceFamilies": ["g6"], "limits": {"cpu": "1000", "nvidia.com/gpu": "0"}}},
            "us-east-1",
            None,
            "karpenter:nodePools.gpu.limits.nvidia.com/gpu: 0 is less than one node of any instance type the pool may "
            "launch (g6.xlarge … g6.48xlarge): the smallest, g6.xlarge, has 1; raise it to at least 1, or allow "
            "smaller types",
            id="no-gpus",
        ),
        pytest.param(
            {"train": {"gpu": True, "instanceFamilies": ["p5"]}},
            "eu-west-1",
            None,
            "karpenter:nodePools.train.instanceFamilies: eu-west-1 offers none of the 2 instance types the pool's "
            "requirements allow (p5.4xlarge, p5.48xlarge); choose types the region offers, or run the pool in a region "
            "that offers these",
            id="p5-where-there-is-none",
        ),
        pytest.param(
            {
                "block": {
                    "gpu": True,
                    "nodeClass": "block",
                    "capacityTypes": ["reserved"],
                    "zones": ["us-east-1b"],
                    "instanceFamilies": ["p5"],
                }
            },
            "us-east-1",
            {"block": CAPACITY_BLOCK},
            "karpenter:nodePools.block.zones: us-east-1b is not among the zones of the subnets of node class 'block' "
            "(us-east-1a), so the pool could launch in no zone (a capacity reservation of the class is used only in "
            "its own zone, through a subnet there); use zones of the class's subnets, or give the class a subnet in "
            "us-east-1b",
            id="capacity-block-in-another-zone",
        ),
        pytest.param(
            {"train": {"gpu": True, "nodeClass": "efa", "instanceFamilies": ["g6"]}},
            "us-east-1",
            {"efa": EFA_ON_CARD_1},
            "karpenter:nodeClasses.efa.networkInterfaces[1]: an interface on network card 1 needs an instance type "
            "with at least 2 network cards, and the types pool 'train' may launch (g6.xlarge … g6.48xlarge) have at "
            "most 1; remove the interface, or give the pool a node class without it",
            id="efa-on-a-second-card-of-g6",
        ),
    ],
)
def test_a_pool_that_can_launch_nothing_is_refused_naming_the_key_and_the_step(
    pools: dict[str, Any], region: str, classes: dict[str, Any] | None, message: str
) -> None:
    assert refusal(pools, region, classes) == message


def test_a_g6_pool_with_room_for_exactly_one_g6_xlarge_launches_only_that() -> None:
    limits = {"cpu": "4", "memory": "16Gi", "nvidia.com/gpu": "1"}
    accepted = plan({"gpu": {"gpu": True, "instanceFamilies": ["g6"], "limits": limits}})
    assert [t.name for t in accepted.pools["gpu"].candidates.types] == ["g6.xlarge"]


def test_an_efa_pool_on_p5_launches_the_p5_with_the_network_cards() -> None:
    limits = {"cpu": "1000", "memory": "4096Gi", "nvidia.com/gpu": "16"}
    accepted = plan(
        {"train": {"gpu": True, "nodeClass": "efa", "instanceFamilies": ["p5"], "limits": limits}},
        classes={"efa": EFA_ON_CARD_1},
    )
    # p5.4xlarge has one network card, so it could not carry the interface on card 1.
    assert [t.name for t in accepted.pools["train"].candidates.types] == ["p5.48xlarge"]


def test_a_capacity_block_pool_in_the_zone_of_its_class_is_accepted() -> None:
    pools = {
        "block": {
            "gpu": True,
            "nodeClass": "block",
            "capacityTypes": ["reserved"],
            "zones": ["us-east-1a"],
            "instanceFamilies": ["p5"],
            "limits": {"cpu": "1000", "memory": "4096Gi", "nvidia.com/gpu": "16"},
        }
    }
    assert plan(pools, classes={"block": CAPACITY_BLOCK}).pools["block"].candidates.types


@pytest.mark.parametrize("stack", stack_names(ROOT))
def test_every_example_stack_is_accepted(stack: str) -> None:
    result = program.run_program(stack, program.stack_settings(stack, ROOT))
    assert set(result.pools.pools) == set(parse_stack_config(program.stack_settings(stack, ROOT)).node_pools)


def test_a_pool_naming_families_the_catalog_predates_is_warned_about_not_refused() -> None:
    accepted = plan({"train": {"gpu": True, "instanceFamilies": ["p5", "p9"]}}, region="eu-west-1")
    assert accepted.warnings == (
        "WARNING: karpenter:nodePools.train: the instance-type catalog (2026-12-07) predates p9, so the pool is "
        "checked only against the types it knows",
    )


def test_a_region_the_catalog_lacks_skips_the_checks_with_a_warning() -> None:
    skipped = plan({"cpu": {"requirements": [_cpu("Gt", "1000")]}}, region="xx-east-9")
    assert skipped.pools == {}
    assert skipped.warnings == (
        "WARNING: aws:region: xx-east-9 is not in the instance-type catalog, so no node pool is checked against the "
        "instance types it may launch",
    )


def test_pulumi_up_refuses_the_pool_before_anything_registers(
    run: Run, monitors: list[monitor.RecordingMonitor]
) -> None:
    with pytest.raises(ConfigError, match=r"^karpenter:nodePools.cpu.requirements\[0\]: no instance type meets"):
        run({"nodePools": {"cpu": {"requirements": [_cpu("Gt", "1000")]}}})
    # The cluster's lookups come first: the pool's zones are checked against its subnets'.
    (refused,) = monitors
    assert refused.registrations == {}
    # The same watch sees registrations for a pool that can launch, so the check above can fail.
    run({"nodePools": {"cpu": {"requirements": [_cpu("Gt", "8")]}}})
    assert monitors[1].registrations


def test_the_component_logs_each_pools_line_and_warning_for_pulumi_preview(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    logged: list[tuple[str, str, object]] = []
    monkeypatch.setattr(
        pulumi.log, "info", lambda message, resource=None, **_: logged.append(("info", message, resource))
    )
    monkeypatch.setattr(
        pulumi.log, "warn", lambda message, resource=None, **_: logged.append(("warn", message, resource))
    )
    # A pinned AMI, so that the only warning is the pools'.
    run({"amiAlias": "al2023@v20250920", "nodePools": {"a": {}, "b": {}}}, facts=sample_facts("eu-west-1"))
    assert [(level, message.split(":")[0]) for level, message, _ in logged] == [
        ("warn", "karpenter"),
        ("info", "a"),
        ("info", "b"),
    ]
    assert logged[0][1].startswith("karpenter:nodePools.b.weight: b and a have no weight and may launch the same")
    assert logged[1][1].startswith("a: ") and logged[1][1].endswith("/h on demand")
    assert all(isinstance(resource, Karpenter) for _, _, resource in logged)


def test_min_values_counts_the_distinct_values_left_after_every_step() -> None:
    families = {"key": "karpenter.k8s.aws/instance-family", "operator": "In", "values": ["g5", "g6"], "minValues": 2}
    # eu-west-1 offers g5 and no g6, so one family is left of the two the pool asks to choose from.
    assert refusal({"gpu": {"gpu": True, "requirements": [families]}}, region="eu-west-1") == (
        "karpenter:nodePools.gpu.requirements[0].minValues: 2 distinct values of karpenter.k8s.aws/instance-family "
        "are needed, and the 8 instance types the pool may launch have 1; lower minValues, or allow more types"
    )
    assert plan({"gpu": {"gpu": True, "requirements": [families]}}).pools["gpu"].candidates.types


def test_efa_devices_need_types_with_efa_and_keep_only_those() -> None:
    efa_on_card_0 = {
        "networkInterfaces": [
            {"networkCardIndex": 0, "deviceIndex": 0, "interfaceType": "interface"},
            {"networkCardIndex": 0, "deviceIndex": 1, "interfaceType": "efa-only"},
        ]
    }
    assert refusal({"cpu": {"nodeClass": "efa", "instanceFamilies": ["m5"]}}, classes={"efa": efa_on_card_0}) == (
        "karpenter:nodeClasses.efa.networkInterfaces[1]: 1 efa-only interface needs an instance type with as many "
        "EFA interfaces, and the types pool 'cpu' may launch (m5.large … m5.metal) have at most 0; remove efa-only "
        "interfaces, or give the pool types with EFA such as p5"
    )
    g6 = plan({"gpu": {"gpu": True, "nodeClass": "efa", "instanceFamilies": ["g6"]}}, classes={"efa": efa_on_card_0})
    # g6.xlarge, 2xlarge and 4xlarge have no EFA.
    assert g6.pools["gpu"].candidates.types[0].name == "g6.8xlarge"


def test_a_static_pool_scaled_to_no_nodes_is_accepted() -> None:
    assert plan({"warm": {"replicas": 0}}).pools["warm"].candidates.types
