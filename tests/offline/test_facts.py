"""The built-in sample cluster, and facts files read from disk."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from karpenter.config.errors import ConfigError
from karpenter.config.loading import parse_stack_config
from karpenter.offline import facts_file, program
from karpenter.offline.facts import load_facts_file, sample_facts
from tests.conftest import settings_for


def test_the_sample_cluster_has_three_private_and_three_public_subnets_and_the_usual_defaults() -> None:
    assert sample_facts("eu-west-1").model_dump(by_alias=True) == {
        "clusterName": None,
        "partition": "aws",
        "region": "eu-west-1",
        "accountId": "123456789012",
        "endpoint": "https://EXAMPLE0123456789ABCDEF0123456789.gr7.eu-west-1.eks.amazonaws.com",
        "certificateAuthority": (
            "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCkVYQU1QTEUKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo="
        ),
        "oidcIssuer": "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE0123456789ABCDEF0123456789",
        "oidcProviderExists": True,
        "podIdentityAgent": True,
        "vpcId": "vpc-0a1b2c3d4e5f6a7b8",
        "clusterSecurityGroupId": "sg-0a1b2c3d4e5f6a7b8",
        "clusterSecurityGroupTags": {},
        "authenticationMode": "API_AND_CONFIG_MAP",
        "kubernetesVersion": "1.33",
        "subnets": [
            {"id": f"subnet-0a1b2c3d4e5f6a7b{index}", "zone": f"eu-west-1{zone}", "public": index > 3, "tags": {}}
            for index, zone in enumerate("abcabc", start=1)
        ],
        "spotServiceLinkedRoleExists": True,
        "existingRoles": {},
        "existingInstanceProfiles": {},
        # The sample's instance types and prices are the snapshot's.
        "instanceTypeOfferings": None,
        "onDemandPrices": None,
        "priceSource": None,
        "priceDate": None,
    }


@pytest.mark.parametrize(
    ("region", "partition", "suffix"),
    [
        ("us-east-1", "aws", "amazonaws.com"),
        ("cn-north-1", "aws-cn", "amazonaws.com.cn"),
        ("cn-northwest-1", "aws-cn", "amazonaws.com.cn"),
        ("us-gov-west-1", "aws-us-gov", "amazonaws.com"),
    ],
)
def test_the_sample_cluster_is_in_the_partition_of_its_region(region: str, partition: str, suffix: str) -> None:
    facts = sample_facts(region)
    assert (facts.partition, facts.region) == (partition, region)
    assert facts.endpoint == f"https://EXAMPLE0123456789ABCDEF0123456789.gr7.{region}.eks.{suffix}"
    assert facts.oidc_issuer == f"https://oidc.eks.{region}.{suffix}/id/EXAMPLE0123456789ABCDEF0123456789"
    assert [subnet.zone for subnet in facts.subnets] == [f"{region}{zone}" for zone in "abcabc"]


def test_a_facts_file_that_cannot_be_read_is_refused_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "facts.yaml"
    with pytest.raises(ConfigError) as refused:
        load_facts_file(missing)
    assert str(refused.value) == f"karpenter:synthFacts: cannot read {str(missing)!r}: No such file or directory"


def test_a_bad_facts_file_is_refused_naming_the_file_and_the_whole_path_of_the_key(tmp_path: Path) -> None:
    facts = sample_facts("eu-west-1").model_dump(by_alias=True)
    del facts["subnets"][1]["zone"]
    path = tmp_path / "facts.yaml"
    path.write_text(yaml.safe_dump(facts))
    with pytest.raises(ConfigError) as refused:
        load_facts_file(path)
    assert str(refused.value) == f"karpenter:synthFacts: {path}: subnets.1.zone: Field required"


def test_an_attach_stack_refuses_a_facts_file_without_what_eks_computed_naming_the_file_and_key(
    tmp_path: Path,
) -> None:
    facts = sample_facts("eu-west-1").model_dump(by_alias=True, exclude_none=True)
    del facts["oidcIssuer"], facts["clusterSecurityGroupId"]
    (tmp_path / "facts.yaml").write_text(yaml.safe_dump(facts))
    settings = settings_for({"clusterName": "dev", "synthFacts": "facts.yaml"})
    with pytest.raises(ConfigError) as refused:
        program.run_program("dev", settings, project_dir=tmp_path)
    assert str(refused.value) == (
        f"karpenter:synthFacts: {tmp_path / 'facts.yaml'}: oidcIssuer: required for a stack that attaches to an "
        "existing cluster (karpenter:cluster.create is not true); `python -m karpenter facts` writes it"
    )
    with pytest.raises(ConfigError, match="^karpenter:synthFacts: kubernetesVersion: required for a stack that"):
        program.run_program("dev", settings, sample_facts("eu-west-1").model_copy(update={"kubernetes_version": None}))


def test_answers_that_make_no_facts_file_are_refused_naming_the_key() -> None:
    document = sample_facts("eu-west-1").model_dump(by_alias=True, exclude_none=True)
    del document["vpcId"]
    with pytest.raises(ConfigError) as refused:
        facts_file.facts_text(document, "prod")
    assert str(refused.value) == "the account's answers make no facts file: vpcId: Field required"


def test_a_written_facts_file_reads_back_as_the_facts_it_was_written_from(tmp_path: Path) -> None:
    facts = sample_facts("eu-west-1").model_copy(
        update={
            "instance_type_offerings": {"eu-west-1a": ["m5.large", "m5.xlarge"]},
            "on_demand_prices": {"m5.large": 0.107},
        }
    )
    path = tmp_path / "facts" / "prod.yaml"
    assert facts_file.write(facts_file.facts_text(facts.model_dump(by_alias=True), "prod"), path, force=False)
    assert path.read_text().splitlines()[:2] == [
        "# Cluster facts for offline synth (karpenter:synthFacts), read from AWS by",
        "# `python -m karpenter facts --stack prod`; run it again (with --force) to refresh them.",
    ]
    assert "  eu-west-1a: [m5.large, m5.xlarge]" in path.read_text().splitlines()
    assert load_facts_file(path) == facts


def test_an_unquoted_kubernetes_version_in_a_facts_file_is_refused_with_the_text_as_typed(tmp_path: Path) -> None:
    facts = sample_facts("eu-west-1").model_dump(by_alias=True, exclude_none=True)
    path = tmp_path / "facts.yaml"
    path.write_text(yaml.safe_dump(facts).replace("kubernetesVersion: '1.33'", "kubernetesVersion: 1.30"))
    with pytest.raises(ConfigError) as refused:
        load_facts_file(path)
    assert str(refused.value) == (
        f'karpenter:synthFacts: {path}: kubernetesVersion: YAML reads 1.30 as a number; quote it: "1.30"'
    )


def test_a_facts_file_of_another_region_than_the_stacks_is_refused_naming_both(tmp_path: Path) -> None:
    (tmp_path / "facts.yaml").write_text(yaml.safe_dump(sample_facts("us-east-1").model_dump(by_alias=True)))
    settings = settings_for({"clusterName": "dev", "synthFacts": "facts.yaml"}, region="eu-west-1")
    with pytest.raises(ConfigError) as refused:
        program.run_program("dev", settings, project_dir=tmp_path)
    assert str(refused.value) == (
        f"karpenter:synthFacts: {tmp_path / 'facts.yaml'}: region is us-east-1, but the stack's aws:region is "
        "eu-west-1; describe the stack's cluster, or correct one of them"
    )


def test_a_facts_file_of_another_cluster_than_the_stacks_is_refused_naming_both(tmp_path: Path) -> None:
    facts = sample_facts("eu-west-1").model_copy(update={"cluster_name": "staging"})
    (tmp_path / "facts.yaml").write_text(yaml.safe_dump(facts.model_dump(by_alias=True)))
    settings = settings_for({"clusterName": "dev", "synthFacts": "facts.yaml"})
    with pytest.raises(ConfigError) as refused:
        program.run_program("dev", settings, project_dir=tmp_path)
    assert str(refused.value) == (
        f"karpenter:synthFacts: {tmp_path / 'facts.yaml'}: clusterName is staging, but the stack's "
        "karpenter:clusterName is dev; describe the stack's cluster, or correct one of them"
    )


def test_a_facts_file_naming_the_stacks_cluster_and_region_is_used(tmp_path: Path) -> None:
    facts = sample_facts("eu-west-1").model_copy(update={"cluster_name": "dev", "account_id": "210987654321"})
    (tmp_path / "facts.yaml").write_text(yaml.safe_dump(facts.model_dump(by_alias=True)))
    config = parse_stack_config(settings_for({"clusterName": "dev", "synthFacts": "facts.yaml"}))
    used = program.offline_facts(config, settings_for({}), tmp_path)
    assert (used.cluster_name, used.region, used.account_id) == ("dev", "eu-west-1", "210987654321")
