"""Kubernetes versions Karpenter does not support are refused before anything is registered: a new
cluster's `cluster.kubernetesVersion`, a facts file's `kubernetesVersion`, and the version of the
existing cluster the program reads (in `pulumi up` as in synth), all from the compatibility data
doctor checks against.

Upstream, at the v1.14.1 tag of aws/karpenter-provider-aws: the compatibility page
(https://karpenter.sh/v1.14/upgrading/compatibility/, website/content/en/v1.14/upgrading/compatibility.md)
shows 1.30 >= 0.37, 1.31 >= 1.0.5, 1.32 >= 1.2, 1.33 >= 1.5, 1.34 >= 1.6, 1.35 >= 1.9 and 1.36 >= 1.13;
it is generated from hack/docs/compatibilitymatrix_gen/compatibility.yaml, which gives Karpenter 1.14.x
the range 1.26 to 1.36, the range the controller checks the cluster against
(pkg/providers/version/version.go: MinK8sVersion "1.26", MaxK8sVersion "1.36").
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from karpenter.config.errors import ConfigError
from karpenter.config.loading import parse_stack_config
from karpenter.offline import monitor, program
from tests.conftest import Run, facts_with, settings_for

SOURCE = "https://karpenter.sh/v1.14/upgrading/compatibility/"
NEW_CLUSTER = {
    "create": True,
    "vpcId": "vpc-0a1b2c3d4e5f6a7b8",
    "subnetIds": ["subnet-0a1b2c3d4e5f6a7b1", "subnet-0a1b2c3d4e5f6a7b2"],
}


@pytest.mark.parametrize(
    ("version", "range_"),
    [("1.25", "1.26 to 1.36, not 1.25"), ("1.37", "1.26 to 1.36, not 1.37")],
)
def test_a_new_cluster_of_a_version_karpenter_does_not_support_is_refused_with_the_range(
    version: str, range_: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        parse_stack_config(
            settings_for({"clusterName": "dev", "cluster": {**NEW_CLUSTER, "kubernetesVersion": version}})
        )
    assert str(refused.value) == (
        f"karpenter:cluster.kubernetesVersion: Karpenter 1.14.1 supports Kubernetes {range_}; choose a version in "
        f"that range ({SOURCE})"
    )


@pytest.mark.parametrize("version", ["1.26", "1.29", "1.30", "1.36"])
def test_a_new_cluster_of_a_supported_version_is_accepted(version: str) -> None:
    config = parse_stack_config(
        settings_for({"clusterName": "dev", "cluster": {**NEW_CLUSTER, "kubernetesVersion": version}})
    )
    assert config.cluster.kubernetes_version == version


def test_the_version_of_a_cluster_the_stack_does_not_create_is_not_checked_in_the_config() -> None:
    # Without create the key describes nothing; the existing cluster's own version is checked when read.
    config = parse_stack_config(settings_for({"clusterName": "dev", "cluster": {"kubernetesVersion": "1.25"}}))
    assert config.cluster.kubernetes_version == "1.25"


def test_a_facts_file_of_a_cluster_karpenter_does_not_support_is_refused_naming_the_file_and_key(
    tmp_path: Path,
) -> None:
    facts = facts_with(kubernetes_version="1.25")
    (tmp_path / "facts.yaml").write_text(yaml.safe_dump(facts.model_dump(by_alias=True)))
    settings = settings_for({"clusterName": "dev", "synthFacts": "facts.yaml"})
    with pytest.raises(ConfigError) as refused:
        program.run_program("dev", settings, project_dir=tmp_path)
    assert str(refused.value) == (
        f"karpenter:synthFacts: {tmp_path / 'facts.yaml'}: kubernetesVersion: Karpenter 1.14.1 supports Kubernetes "
        f"1.26 to 1.36, not 1.25; upgrade the cluster first, or correct the file ({SOURCE})"
    )


def test_a_facts_files_version_is_not_checked_for_a_cluster_the_stack_creates(tmp_path: Path) -> None:
    # A created cluster's version is cluster.kubernetesVersion; what the file says is not used.
    facts = facts_with(kubernetes_version="1.25")
    (tmp_path / "facts.yaml").write_text(yaml.safe_dump(facts.model_dump(by_alias=True)))
    config = parse_stack_config(
        settings_for({"clusterName": "dev", "synthFacts": "facts.yaml", "cluster": NEW_CLUSTER})
    )
    assert program.offline_facts(config, settings_for({}), tmp_path).kubernetes_version == "1.25"


def test_an_existing_cluster_of_a_version_karpenter_does_not_support_is_refused_before_anything_registers(
    run: Run, monitors: list[monitor.RecordingMonitor]
) -> None:
    """The program reads the version from the cluster lookup (aws.eks.get_cluster), in `pulumi up` as here."""
    with pytest.raises(ConfigError) as refused:
        run(facts=facts_with(kubernetes_version="1.37"))
    assert str(refused.value) == (
        "karpenter:clusterName: EKS cluster 'dev' runs Kubernetes 1.37, and Karpenter 1.14.1 supports Kubernetes "
        f"1.26 to 1.36, not 1.37; upgrade the cluster first ({SOURCE})"
    )
    (refused_run,) = monitors
    assert refused_run.registrations == {}


def test_an_eks_platform_version_of_a_supported_minor_is_accepted(run: Run) -> None:
    assert run(facts=facts_with(kubernetes_version="1.36.1-eks-0a1b2c3")).outputs["clusterName"] == "dev"
