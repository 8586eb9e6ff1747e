"""Helm releases as the program registers them: charts, values, order, and the node pools
rendered with real Helm from exactly the values the program passes."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import pytest
import yaml

from karpenter.charts import CONFIG_CHART_DIR
from karpenter.charts.digest import chart_digest
from karpenter.cluster.facts import lookup_cluster_facts
from karpenter.cluster.placement import Placement
from karpenter.config.loading import parse_stack_config
from karpenter.guardrails.node_pools import node_pools
from karpenter.kubernetes import releases as releases_module
from karpenter.kubernetes.release_values import deep_merge
from karpenter.kubernetes.releases import KarpenterReleases, KarpenterReleasesArgs, config_chart_path
from karpenter.offline import chart_render, monitor, program, report
from karpenter.offline.chart_render import render_chart
from karpenter.offline.cli import main
from karpenter.offline.mocks import OfflineMocks
from karpenter.vocabulary.karpenter_chart_keys import chart_misfit
from tests.conftest import ROOT, Run, facts_with, make_project, settings_for
from tests.kubernetes.test_karpenter_config_chart import Crds, assert_acceptable, crds  # noqa: F401 - crds is a fixture

RELEASE = "kubernetes:helm.sh/v3:Release"
SUBNETS = ("subnet-0a1b2c3d4e5f6a7b1", "subnet-0a1b2c3d4e5f6a7b2")
SECURITY_GROUP = "sg-0a1b2c3d4e5f6a7b8"


def _releases(result: program.SynthResult) -> dict[str, monitor.Registration]:
    return {r.inputs["name"]: r for r in result.of_type(RELEASE)}


def _providers(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The provider each resource of the next run registers with, by name (the recorded
    registrations leave it out): `<provider urn>::<provider id>`, or "" for the default provider."""
    used: dict[str, str] = {}
    new_resource = OfflineMocks.new_resource

    def recording(self: OfflineMocks, args: pulumi.runtime.MockResourceArgs) -> Any:
        used[args.name] = args.provider
        return new_resource(self, args)

    monkeypatch.setattr(OfflineMocks, "new_resource", recording)
    return used


def _component(
    config: dict[str, Any], *, deferred: bool, security_group_id: str | None
) -> tuple[program.SynthResult, KarpenterReleases]:
    """The releases component on its own, given the node subnets as a Placement, or (`deferred`) the
    subnets and the security group as Outputs; returns the run and the component."""
    made: list[KarpenterReleases] = []

    def user_program() -> None:
        stack_config = parse_stack_config(settings_for({"clusterName": "dev", **config}))
        placement = Placement(subnet_ids=SUBNETS, zones=("eu-west-1a", "eu-west-1b"))
        args = KarpenterReleasesArgs(
            config=stack_config,
            facts=lookup_cluster_facts(stack_config),
            provider=k8s.Provider("cluster", kubeconfig="{}"),
            controller_role_arn="arn:aws:iam::123456789012:role/karpenter-controller-role-dev",
            interruption_queue=None,
            instance_profile_name="karpenter-instance-profile-dev",
            placement=pulumi.Output.from_input(placement) if deferred else placement,
            controller_prerequisites=[],
            node_class_prerequisites=[],
            security_group_id=pulumi.Output.from_input(security_group_id) if deferred else security_group_id,
        )
        made.append(KarpenterReleases("releases", args))

    result = program.run_mocked(user_program, "test", {"aws:region": "eu-west-1"}, facts_with(), cluster_name="dev")
    return result, made[0]


def _rendered_pools(result: program.SynthResult) -> list[dict[str, Any]]:
    config = _releases(result)["karpenter-config"]
    text = render_chart(config.inputs["values"], release_name="karpenter-config", namespace=config.inputs["namespace"])
    return [doc for doc in yaml.safe_load_all(text) if doc]


def test_releases_have_fixed_names_charts_and_the_configured_version(run: Run) -> None:
    pools = {"cpu": {}, "gpu": {"gpu": True}}
    releases = _releases(run({"version": "1.14.0", "namespace": "karpenter", "nodePools": pools}))
    assert list(releases) == ["karpenter-crd", "karpenter", "nvidia-device-plugin", "karpenter-config"]
    crd, controller = releases["karpenter-crd"], releases["karpenter"]
    assert crd.inputs["chart"] == "oci://public.ecr.aws/karpenter/karpenter-crd"
    assert controller.inputs["chart"] == "oci://public.ecr.aws/karpenter/karpenter"
    assert crd.inputs["version"] == controller.inputs["version"] == "1.14.0"
    assert controller.inputs["skipCrds"] is True
    assert {r.inputs["namespace"] for r in (crd, controller, releases["karpenter-config"])} == {"karpenter"}
    # Whichever of the two installs first makes the namespace.
    assert crd.inputs["createNamespace"] is True
    assert controller.inputs["createNamespace"] is True
    assert crd.inputs["values"] == {}, "the CRD chart is installed as it ships"
    assert releases["nvidia-device-plugin"].inputs["namespace"] == "kube-system"
    assert releases["karpenter-config"].inputs["chart"] == config_chart_path()


def test_releases_sit_under_their_component_and_install_through_the_clusters_provider(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    providers = _providers(monkeypatch)
    result = run({"nodePools": {"cpu": {}, "gpu": {"gpu": True}}})
    component = result.named("releases")
    assert component.type == "karpenter:releases:KarpenterReleases"
    assert component.parent == "urn:pulumi:test::karpenter::pulumi:pulumi:Stack$karpenter:stack:Karpenter::karpenter"
    releases = result.of_type(RELEASE)
    assert [r.name for r in releases] == ["karpenter-crd", "karpenter", "nvidia-device-plugin", "karpenter-config"]
    for release in releases:
        assert release.parent == component.urn, release.name
        assert providers[release.name] == (
            "urn:pulumi:test::karpenter::karpenter:stack:Karpenter$pulumi:providers:kubernetes::cluster::cluster-offline"
        ), release.name
    # What `pulumi stack` shows under the component.
    assert result.component_outputs[component.urn] == {"releases": ["karpenter-crd", "karpenter", "karpenter-config"]}


@pytest.mark.parametrize("deferred", [False, True], ids=["known-now", "known-at-deploy"])
def test_given_a_security_group_the_node_classes_select_the_node_subnets_and_the_group_by_id(deferred: bool) -> None:
    result, _ = _component({}, deferred=deferred, security_group_id=SECURITY_GROUP)
    (node_class,) = _releases(result)["karpenter-config"].inputs["values"]["nodeClasses"].values()
    assert node_class["subnetIds"] == ["subnet-0a1b2c3d4e5f6a7b1", "subnet-0a1b2c3d4e5f6a7b2"]
    assert node_class["securityGroupIds"] == ["sg-0a1b2c3d4e5f6a7b8"]


def test_without_a_security_group_the_node_classes_select_by_tag_with_the_stacks_ami() -> None:
    result, component = _component({"amiAlias": "bottlerocket@latest"}, deferred=False, security_group_id=None)
    (node_class,) = _releases(result)["karpenter-config"].inputs["values"]["nodeClasses"].values()
    assert "subnetIds" not in node_class
    assert "securityGroupIds" not in node_class
    assert node_class["amiAlias"] == "bottlerocket@latest"
    # CPU pools only: no plugin release, and the component says so to a program that reads it.
    assert component.device_plugin is None


def test_config_chart_is_passed_relative_to_the_folder_the_program_runs_in(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(ROOT)
    # In this project: the same path on every machine, so synth output and stack state do not change.
    assert config_chart_path() == "karpenter/charts/karpenter-config"
    monkeypatch.chdir(tmp_path)
    elsewhere = config_chart_path()
    assert not os.path.isabs(elsewhere)
    assert (tmp_path / elsewhere).resolve() == CONFIG_CHART_DIR
    # The policy pack knows the chart by either path, and by a path into an installed package.
    installed = "venv/lib/python3.11/site-packages/karpenter/charts/karpenter-config"
    for chart in ("karpenter/charts/karpenter-config", elsewhere, installed):
        release = {"chart": chart, "values": {"nodePools": {"cpu": {"limits": {"cpu": "10"}}}}}
        assert [view.limits for view in node_pools(RELEASE, "karpenter-config", release)] == [{"cpu": "10"}]
    assert node_pools(RELEASE, "other", {"chart": "charts/karpenter-config-fork", "values": {}}) == []


def test_config_chart_on_another_drive_than_the_program_is_passed_by_its_absolute_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def other_drive(path: str, start: str | None = None) -> str:
        raise ValueError("path is on mount 'D:', start on mount 'C:'")

    monkeypatch.setattr(os.path, "relpath", other_drive)
    assert config_chart_path() == str(ROOT / "karpenter" / "charts" / "karpenter-config")


def test_config_chart_path_is_written_with_forward_slashes_on_windows_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """The path is an input of the release, kept in the stack's state: a Windows checkout must
    pass the same text as any other, or its `pulumi preview` shows `~ chart` and upgrades
    (pulumi/pulumi-kubernetes#2251). Helm opens "/"-separated paths on Windows too (Go's os)."""
    monkeypatch.setattr(os.path, "relpath", lambda path, start=None: r"karpenter\charts\karpenter-config")
    monkeypatch.setattr(os, "sep", "\\")
    assert config_chart_path() == "karpenter/charts/karpenter-config"


# --- a change to the local chart reaches the cluster ----------------------------------------


def _config_release_inputs(chart: Path, out: Path, project: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The karpenter-config release's inputs as `synth` writes them to resources.json, the program
    using the chart in `chart`, read afresh as a new `pulumi up` process reads it."""
    monkeypatch.setattr(releases_module, "CONFIG_CHART_DIR", chart)
    monkeypatch.setattr(chart_render, "CHART_DIR", chart)
    chart_digest.cache_clear()
    assert main(["synth", "--stack", "runbook", "--project-dir", str(project), "--out", str(out)]) == 0
    resources = json.loads((out / "resources.json").read_text())
    (release,) = [r for r in resources if r["type"] == RELEASE and r["inputs"]["name"] == "karpenter-config"]
    inputs: dict[str, Any] = release["inputs"]
    return inputs


def _without_digest(inputs: dict[str, Any]) -> dict[str, Any]:
    values = {key: value for key, value in inputs["values"].items() if key != "chartDigest"}
    return inputs | {"values": values}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project", fixtures=("runbook",))


def test_a_template_edit_of_the_local_chart_changes_the_config_release_inputs(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pulumi-kubernetes upgrades a `helm.v3.Release` only when `Diff` finds a change of inputs:
    provider/pkg/provider/helm_release.go `Diff` is a three-way merge
    (`strategicpatch.CreateThreeWayMergePatch`) of the old inputs, the new inputs and the old
    state, and `Check` loads a local chart only to set `version` from its Chart.yaml
    (`newRelease.Version = chart.Metadata.Version`). PR #2672 (v4.6.0) dropped the checksum of the
    rendered manifest that PR #2568 (v4.5.0) had kept, so a template edit alone is never rolled
    out (issue #2118). The chart's digest in the values makes the edit a change of inputs."""
    chart = tmp_path / "chart"
    shutil.copytree(CONFIG_CHART_DIR, chart)
    before = _config_release_inputs(chart, tmp_path / "before", project, monkeypatch)
    template = chart / "templates" / "ec2nodeclasses.yaml"
    template.write_text(template.read_text().replace("httpPutResponseHopLimit: 1", "httpPutResponseHopLimit: 2"))
    after = _config_release_inputs(chart, tmp_path / "after", project, monkeypatch)

    assert after != before
    assert after["values"]["chartDigest"] == chart_digest(chart) != before["values"]["chartDigest"]
    # Without the digest the provider would see the same inputs, and the edit would stay local.
    assert _without_digest(after) == _without_digest(before)
    assert after["chart"] == before["chart"] == os.path.relpath(chart).replace(os.sep, "/")
    rendered = [(tmp_path / out / "manifests" / "karpenter-config.yaml").read_text() for out in ("before", "after")]
    assert "httpPutResponseHopLimit: 1" in rendered[0] and "httpPutResponseHopLimit: 2" in rendered[1]


def test_an_unchanged_chart_gives_the_same_config_release_inputs_run_after_run_and_from_a_copy(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing changed, nothing to upgrade: the digest is the same from run to run and for a
    byte-identical copy of the chart elsewhere. The one input that names the folder is `chart`,
    the path Helm is given (pulumi/pulumi-kubernetes#2251: a path that differs shows as
    `~ chart` and upgrades). The README says when that happens, and why it changes no object:
    the copy renders the same manifest, and helm/helm pkg/kube/client.go `createPatch` builds a
    custom resource's patch from the old and new manifests (`jsonpatch.CreateMergePatch`), so it
    holds only the ownership annotations pkg/action/validate.go `setMetadataVisitor` re-asserts,
    which the objects already carry."""
    first = _config_release_inputs(CONFIG_CHART_DIR, tmp_path / "first", project, monkeypatch)
    second = _config_release_inputs(CONFIG_CHART_DIR, tmp_path / "second", project, monkeypatch)
    assert first == second
    assert (tmp_path / "first" / "resources.json").read_bytes() == (tmp_path / "second" / "resources.json").read_bytes()
    assert first["values"]["chartDigest"] == chart_digest(CONFIG_CHART_DIR)

    copy = tmp_path / "elsewhere" / "karpenter-config"
    shutil.copytree(CONFIG_CHART_DIR, copy)
    moved = _config_release_inputs(copy, tmp_path / "moved", project, monkeypatch)
    assert moved["values"] == first["values"]
    assert {key for key in moved if moved[key] != first[key]} == {"chart"}
    manifests = [(tmp_path / out / "manifests" / "karpenter-config.yaml").read_text() for out in ("first", "moved")]
    assert manifests[0] == manifests[1]


def test_controller_values_use_v1_keys_from_the_stack(run: Run) -> None:
    values = _releases(run())["karpenter"].inputs["values"]
    assert values["settings"] == {
        "clusterName": "dev",
        "clusterEndpoint": "https://EXAMPLE0123456789ABCDEF0123456789.gr7.eu-west-1.eks.amazonaws.com",
        "interruptionQueue": "karpenter-dev",
    }
    assert values["serviceAccount"] == {
        "annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/karpenter-controller-role-dev"}
    }
    assert values["replicas"] == 2
    assert values["controller"]["resources"] == {
        "requests": {"cpu": "1", "memory": "1Gi"},
        "limits": {"cpu": "1", "memory": "1Gi"},
    }
    assert "aws" not in values["settings"], "settings.aws.* are v0 keys that v1 ignores"
    assert chart_misfit(values, version="1.14.1") is None


def test_interruption_queue_setting_is_the_queue_name_not_its_arn(run: Run) -> None:
    result = run()
    setting = _releases(result)["karpenter"].inputs["values"]["settings"]["interruptionQueue"]
    (queue,) = result.of_type("aws:sqs/queue:Queue")
    assert setting == queue.inputs["name"]
    assert not setting.startswith(("arn:", "https:"))
    assert "interruptionQueue" not in _releases(run({"interruption": False}))["karpenter"].inputs["values"]["settings"]


def test_pod_identity_gets_no_role_annotation(run: Run) -> None:
    values = _releases(run({"identity": "pod-identity"}))["karpenter"].inputs["values"]
    assert "serviceAccount" not in values


def test_helm_values_from_config_are_merged_with_the_stack_values(run: Run) -> None:
    overrides = {
        "logLevel": "debug",
        "settings": {"featureGates": {"spotToSpotConsolidation": True}},
        "revisionHistoryLimit": 3,
    }
    values = _releases(run({"helmValues": overrides}))["karpenter"].inputs["values"]
    assert values["logLevel"] == "debug"
    assert values["revisionHistoryLimit"] == 3
    assert values["settings"]["featureGates"] == {"spotToSpotConsolidation": True}
    assert values["settings"]["clusterName"] == "dev", "merging must keep the keys the program sets"


def test_controller_resources_are_configurable(run: Run) -> None:
    resources = {"requests": {"cpu": "500m", "memory": "768Mi"}, "limits": {"cpu": "2", "memory": "2Gi"}}
    values = _releases(run({"controller": {"replicas": 1, "resources": resources}}))["karpenter"].inputs["values"]
    assert values["controller"]["resources"] == resources
    assert values["replicas"] == 1


def test_deep_merge_replaces_lists_and_merges_maps() -> None:
    assert deep_merge({"a": {"b": 1, "c": [1]}, "d": 1}, {"a": {"c": [2]}, "e": 2}) == {
        "a": {"b": 1, "c": [2]},
        "d": 1,
        "e": 2,
    }


def test_controller_waits_for_its_identity_node_access_and_queue(run: Run) -> None:
    result = run()
    controller = _releases(result)["karpenter"]
    needed = ["karpenter-crd", "controller-role", "controller-NodeLifecycle-attachment", "interruption-queue"]
    needed += ["interruption-queue-policy", "node-access-access-entry"]
    urns = {r.name: r.urn for r in result.resources if r.custom}
    for name in needed:
        assert urns[name] in controller.dependencies, name


def test_node_pools_depend_on_the_controller_so_destroy_removes_them_first(run: Run) -> None:
    result = run()
    releases = _releases(result)
    pools = releases["karpenter-config"]
    assert releases["karpenter"].urn in pools.dependencies
    assert result.named("node-instance-profile").urn in pools.dependencies
    tag_urns = {t.urn for t in result.of_type("aws:ec2/tag:Tag")}
    # Three tags on each of three subnets and one on the group, and on each the marker naming them.
    assert len(tag_urns) == 14
    assert tag_urns <= set(pools.dependencies)
    # Uninstalling waits for Karpenter to terminate the pools' nodes, so it needs time.
    assert pools.inputs["timeout"] >= 900
    assert pools.inputs.get("skipAwait") in (None, False)


def test_gpu_pools_bring_the_nvidia_device_plugin_onto_gpu_nodes_only(run: Run) -> None:
    result = run({"nodePools": {"gpu": {"gpu": True}}})
    releases = _releases(result)
    plugin = releases["nvidia-device-plugin"]
    assert plugin.inputs["version"] == "0.17.1"
    assert plugin.inputs["repositoryOpts"]["repo"] == "https://nvidia.github.io/k8s-device-plugin"
    values = plugin.inputs["values"]
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in values["tolerations"]
    (term,) = values["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert term["matchExpressions"] == [
        {"key": "karpenter.k8s.aws/instance-gpu-manufacturer", "operator": "In", "values": ["nvidia"]}
    ]
    assert plugin.urn in releases["karpenter-config"].dependencies


@pytest.mark.parametrize(
    "config",
    [{"nodePools": {"cpu": {}}}, {"amiAlias": "bottlerocket@latest", "nodePools": {"gpu": {"gpu": True}}}],
    ids=["cpu-only", "bottlerocket-ships-its-own"],
)
def test_no_device_plugin_where_it_is_not_needed(run: Run, config: dict[str, Any]) -> None:
    assert "nvidia-device-plugin" not in _releases(run(config))


def test_node_pools_render_with_real_helm_from_the_values_the_program_passes(run: Run, crds: Crds) -> None:  # noqa: F811
    manifests = _rendered_pools(run({"nodePools": {"cpu": {"capacityTypes": ["spot"]}, "gpu": {"gpu": True}}}))
    kinds = sorted((m["kind"], m["metadata"]["name"]) for m in manifests)
    assert kinds == [("EC2NodeClass", "default"), ("EC2NodeClass", "gpu"), ("NodePool", "cpu"), ("NodePool", "gpu")]
    for node_class in (m for m in manifests if m["kind"] == "EC2NodeClass"):
        assert node_class["spec"]["instanceProfile"] == "karpenter-instance-profile-dev"
        assert node_class["spec"]["subnetSelectorTerms"] == [{"tags": {"karpenter.sh/discovery": "dev"}}]
    assert_acceptable(manifests, crds)


def test_dev_stack_pools_get_the_zones_of_the_tagged_subnets(run: Run) -> None:
    manifests = _rendered_pools(run({"subnetIds": ["subnet-0a1b2c3d4e5f6a7b1", "subnet-0a1b2c3d4e5f6a7b2"]}))
    (pool,) = [m for m in manifests if m["kind"] == "NodePool"]
    zones = [r for r in pool["spec"]["template"]["spec"]["requirements"] if r["key"] == "topology.kubernetes.io/zone"]
    assert zones == [{"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["eu-west-1a", "eu-west-1b"]}]


def test_synth_writes_values_for_every_release_and_the_rendered_pools(run: Run) -> None:
    files = report.rendered_files(run({"nodePools": {"cpu": {}, "gpu": {"gpu": True}}}))
    assert sorted(files) == [
        "helm/karpenter-config.values.yaml",
        "helm/karpenter-crd.values.yaml",
        "helm/karpenter.values.yaml",
        "helm/nvidia-device-plugin.values.yaml",
        "manifests/karpenter-config.yaml",
    ]
    assert yaml.safe_load(files["helm/karpenter.values.yaml"])["settings"]["clusterName"] == "dev"
    assert "kind: NodePool" in files["manifests/karpenter-config.yaml"]


def test_a_misspelt_helm_value_is_refused_before_anything_is_registered(run: Run) -> None:
    from karpenter.config.errors import ConfigError

    with pytest.raises(ConfigError) as refused:
        run({"helmValues": {"settings": {"clustername": "x"}}})
    assert str(refused.value) == "karpenter:helmValues.settings.clustername: not a value of the karpenter chart 1.14.1"


def test_gpu_pools_launch_only_nvidia_instances_the_device_plugin_serves(run: Run) -> None:
    manifests = _rendered_pools(run({"nodePools": {"cpu": {}, "gpu": {"gpu": True}}}))
    pools = {m["metadata"]["name"]: m for m in manifests if m["kind"] == "NodePool"}

    def manufacturer(pool: dict[str, Any]) -> list[dict[str, Any]]:
        requirements = pool["spec"]["template"]["spec"]["requirements"]
        return [r for r in requirements if r["key"] == "karpenter.k8s.aws/instance-gpu-manufacturer"]

    assert manufacturer(pools["gpu"]) == [
        {"key": "karpenter.k8s.aws/instance-gpu-manufacturer", "operator": "In", "values": ["nvidia"]}
    ]
    assert manufacturer(pools["cpu"]) == []
