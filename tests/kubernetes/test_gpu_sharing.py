"""GPU time-slicing: the NVIDIA device plugin and Karpenter agree on how many pods a GPU node takes,
because one function derives the plugin config, the node label and the NodeOverlays from the pool."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from karpenter.config.loading import parse_stack_config
from karpenter.config.node_pool import NodePool
from karpenter.kubernetes.gpu_sharing import device_plugin_config, time_slicing
from karpenter.kubernetes.pool_values import karpenter_config_values
from karpenter.kubernetes.release_values import nvidia_device_plugin_values
from karpenter.offline import program, report
from tests.conftest import Run, settings_for
from tests.kubernetes.test_karpenter_config_chart import PROFILE, ZONES, of_kind, render

# NVIDIA/k8s-device-plugin v0.17.1 deployments/helm/nvidia-device-plugin: the node label its config-manager reads
# to pick the entry of `config.map` a node gets.
CONFIG_LABEL = "nvidia.com/device-plugin.config"
# Every NVIDIA GPU count an EC2 instance type has, p2.16xlarge's 16 the most: one NodeOverlay per count.
INSTANCE_GPU_COUNTS = (1, 2, 4, 8, 16)


def _pools(pools: dict[str, Any]) -> dict[str, NodePool]:
    return dict(parse_stack_config(settings_for({"clusterName": "dev", "nodePools": pools})).node_pools)


def _shared(replicas: int, **more: Any) -> dict[str, Any]:
    return {"gpu": True, "gpuSharing": {"timeSlicing": {"replicas": replicas}}, **more}


def _plugin_replicas(config_text: str) -> int:
    document = yaml.safe_load(config_text)
    [resource] = document["sharing"]["timeSlicing"]["resources"]
    assert resource["name"] == "nvidia.com/gpu"
    replicas: int = resource["replicas"]
    return replicas


@pytest.mark.parametrize("replicas", [2, 4, 7])
def test_every_overlay_gives_an_instance_type_its_gpus_times_the_replicas_the_plugin_advertises(replicas: int) -> None:
    [(name, pool)] = _pools({"inference": _shared(replicas)}).items()
    sliced = time_slicing(name, pool)
    assert sliced is not None
    plugin = device_plugin_config({name: pool})
    assert plugin is not None
    # The label the pool puts on its nodes picks the config that advertises `replicas` per GPU.
    [config_name] = sliced.node_labels.values()
    assert sliced.node_labels == {CONFIG_LABEL: config_name}
    advertised = _plugin_replicas(plugin["map"][config_name])
    assert advertised == replicas
    # One overlay per GPU count, each scoped to the pool, each GPUs × what the plugin advertises.
    seen = []
    for overlay in sliced.overlays.values():
        by_key = {r["key"]: r for r in overlay["requirements"]}
        assert by_key["karpenter.sh/nodepool"] == {"key": "karpenter.sh/nodepool", "operator": "In", "values": [name]}
        [gpus] = by_key["karpenter.k8s.aws/instance-gpu-count"]["values"]
        assert overlay["capacity"] == {"nvidia.com/gpu": str(int(gpus) * advertised)}
        seen.append(int(gpus))
    assert sorted(seen) == sorted(INSTANCE_GPU_COUNTS)


def test_nodes_without_the_label_keep_one_pod_per_gpu_and_each_ratio_gets_one_config() -> None:
    pools = _pools({"a": _shared(4), "b": _shared(4), "c": _shared(2), "exclusive": {"gpu": True}})
    plugin = device_plugin_config(pools)
    assert plugin is not None
    assert plugin["default"] == "default"
    assert sorted(plugin["map"]) == ["default", "time-sliced-2", "time-sliced-4"]
    assert [_plugin_replicas(plugin["map"][name]) for name in ("time-sliced-2", "time-sliced-4")] == [2, 4]
    assert "sharing" not in yaml.safe_load(plugin["map"]["default"])
    assert time_slicing("exclusive", pools["exclusive"]) is None


def test_the_plugin_gets_config_files_in_its_v1_format_that_keep_the_gpu_resource_name() -> None:
    # The format of the plugin's README: a `version: v1` file, `flags` as on the command line, and
    # `sharing.timeSlicing.resources` naming the resource to replicate; without renameByDefault the
    # shares are advertised as nvidia.com/gpu itself.
    plugin = device_plugin_config(_pools({"inference": _shared(4)}))
    assert plugin == {
        "map": {
            "default": "version: v1\nflags:\n  migStrategy: none\n",
            "time-sliced-4": (
                "version: v1\n"
                "flags:\n"
                "  migStrategy: none\n"
                "sharing:\n"
                "  timeSlicing:\n"
                "    resources:\n"
                "      - name: nvidia.com/gpu\n"
                "        replicas: 4\n"
            ),
        },
        "default": "default",
    }
    assert yaml.safe_load(plugin["map"]["time-sliced-4"]) == {
        "version": "v1",
        "flags": {"migStrategy": "none"},
        "sharing": {"timeSlicing": {"resources": [{"name": "nvidia.com/gpu", "replicas": 4}]}},
    }


def test_pools_without_sharing_give_the_plugin_no_config_at_all() -> None:
    pools = _pools({"gpu": {"gpu": True}})
    assert device_plugin_config(pools) is None
    config = parse_stack_config(settings_for({"clusterName": "dev", "nodePools": {"gpu": {"gpu": True}}}))
    assert "config" not in nvidia_device_plugin_values(config)


def test_the_rendered_pool_carries_the_label_the_plugin_config_is_named_by() -> None:
    settings = {"clusterName": "dev", "nodePools": {"inference": _shared(3, labels={"team": "ml"})}}
    config = parse_stack_config(settings_for(settings))
    manifests = render(karpenter_config_values(config, instance_profile_name=PROFILE, zones=ZONES))
    labels = of_kind(manifests, "NodePool")["inference"]["spec"]["template"]["metadata"]["labels"]
    assert labels == {"team": "ml", CONFIG_LABEL: "time-sliced-3"}
    plugin = nvidia_device_plugin_values(config)["config"]
    assert labels[CONFIG_LABEL] in plugin["map"] and plugin["default"] in plugin["map"]
    capacities = {
        m["spec"]["requirements"][1]["values"][0]: m["spec"]["capacity"]["nvidia.com/gpu"]
        for m in of_kind(manifests, "NodeOverlay").values()
    }
    assert capacities == {"1": "3", "2": "6", "4": "12", "8": "24", "16": "48"}


def _release(result: program.SynthResult, name: str) -> dict[str, Any]:
    [release] = [r for r in result.of_type("kubernetes:helm.sh/v3:Release") if r.name == name]
    values: dict[str, Any] = release.inputs["values"]
    return values


def test_a_synthesised_stack_gives_the_plugin_and_karpenter_the_same_sharing(run: Run) -> None:
    result = run({"nodePools": {"inference": _shared(4), "training": {"gpu": True}}})
    plugin = _release(result, "nvidia-device-plugin")
    assert sorted(plugin["config"]["map"]) == ["default", "time-sliced-4"]
    assert _release(result, "karpenter")["settings"]["featureGates"] == {"nodeOverlay": True}
    manifests = list(yaml.safe_load_all(report.rendered_files(result)["manifests/karpenter-config.yaml"]))
    overlays = of_kind(manifests, "NodeOverlay")
    assert sorted(overlays) == sorted(f"inference-time-slicing-{n}gpu" for n in INSTANCE_GPU_COUNTS)
    assert "metadata" not in of_kind(manifests, "NodePool")["training"]["spec"]["template"]


@pytest.mark.parametrize(
    ("pool", "limit"),
    [
        pytest.param({"gpu": True}, "8", id="exclusive-gpus"),
        pytest.param(_shared(4), "32", id="time-sliced-counts-shared-gpus"),
        pytest.param(_shared(4, limits={"cpu": "64", "nvidia.com/gpu": "12"}), "12", id="own-limit-kept"),
    ],
)
def test_the_default_gpu_limit_is_eight_gpus_however_they_are_shared(pool: dict[str, Any], limit: str) -> None:
    config = parse_stack_config(settings_for({"clusterName": "dev", "nodePools": {"p": pool}}))
    values = karpenter_config_values(config, instance_profile_name=PROFILE, zones=ZONES)
    assert values["nodePools"]["p"]["limits"]["nvidia.com/gpu"] == limit
