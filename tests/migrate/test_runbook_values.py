"""The runbook's two Helm values documents read into what they say: every key of the v0 values that
the stack carries over lands in the install, and what it cannot carry over is refused naming the
file and the key as the file has it."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from karpenter.config.errors import ConfigError
from karpenter.migrate.runbook_values import ProvisionerSpec, RunbookInstall, Values, read_install
from tests.conftest import FIXTURES

RUNBOOK = FIXTURES / "runbook"
KARPENTER_FILE, CONFIG_FILE = "karpenter-values.yaml", "karpenter-config-values.yaml"
ENDPOINT = "https://EXAMPLE0123456789ABCDEF0123456789.gr7.eu-west-1.eks.amazonaws.com"
CPU_REQUIREMENTS = [
    {"key": "karpenter.sh/capacity-type", "operator": "In", "values": ["spot"]},
    {"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["eu-west-1a", "eu-west-1b"]},
    {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]},
    {
        "key": "karpenter.k8s.aws/instance-family",
        "operator": "NotIn",
        "values": ["p2", "p3", "g4dn", "g5", "p4d", "p4de"],
    },
]


def karpenter_values() -> dict[str, Any]:
    return yaml.safe_load((RUNBOOK / KARPENTER_FILE).read_text())


def config_values() -> dict[str, Any]:
    return yaml.safe_load((RUNBOOK / CONFIG_FILE).read_text())


def read(karpenter: Any = None, config: Any = None) -> RunbookInstall:
    karpenter = karpenter_values() if karpenter is None else karpenter
    config = config_values() if config is None else config
    return read_install(karpenter, KARPENTER_FILE, config, CONFIG_FILE)


def refusal(karpenter: Any = None, config: Any = None) -> str:
    with pytest.raises(ConfigError) as raised:
        read(karpenter, config)
    return str(raised.value)


def test_the_runbooks_values_read_into_the_install() -> None:
    assert read() == RunbookInstall(
        cluster_name="dev",
        endpoint=ENDPOINT,
        instance_profile="karpenter-instance-profile-dev",
        controller_role_arn="arn:aws:iam::123456789012:role/karpenter-controller-role-dev",
        interruption_queue=None,
        controller_resources={
            "requests": {"cpu": "50m", "memory": "100Mi"},
            "limits": {"cpu": "200m", "memory": "256Mi"},
        },
        replicas=None,
        cpu=ProvisionerSpec(
            source="karpenter.defaultProvisionerSpec", requirements=CPU_REQUIREMENTS, consolidation=True
        ),
        gpu=ProvisionerSpec(
            source="karpenter.gpuProvisionerSpec",
            capacity_types=["spot", "on-demand"],
            zones=["eu-west-1a", "eu-west-1b"],
        ),
    )


def test_the_interruption_queue_and_replicas_are_read_from_the_karpenter_values() -> None:
    karpenter = karpenter_values()
    karpenter["karpenter"]["settings"]["aws"]["interruptionQueueName"] = "dev-interruptions"
    karpenter["karpenter"]["replicas"] = 2
    install = read(karpenter)
    assert (install.interruption_queue, install.replicas) == ("dev-interruptions", 2)


def test_a_provisioner_spec_is_read_key_by_key() -> None:
    config = config_values()
    config["karpenter"]["defaultProvisionerSpec"].update(
        ttlSecondsAfterEmpty=30,
        ttlSecondsUntilExpired=2592000,
        limits={"resources": {"cpu": 1000, "memory": "1000Gi"}},
        labels={"team": "ml", "tier": 2},
        taints=[{"key": "dedicated", "value": "ml", "effect": "NoSchedule"}],
        weight=10,
        # The chart's pointers to its AWSNodeTemplate: read, and dropped for the stack's node classes.
        providerRef={"name": "default"},
        providerRefName="default",
    )
    assert read(config=config).cpu == ProvisionerSpec(
        source="karpenter.defaultProvisionerSpec",
        requirements=CPU_REQUIREMENTS,
        consolidation=True,
        ttl_seconds_after_empty=30,
        ttl_seconds_until_expired=2592000,
        limits={"cpu": "1000", "memory": "1000Gi"},
        labels={"team": "ml", "tier": "2"},
        taints=[{"key": "dedicated", "value": "ml", "effect": "NoSchedule"}],
        weight=10,
    )


def test_the_endpoint_comes_from_the_karpenter_values_before_the_config_values() -> None:
    config = config_values()
    config["cluster"]["endpoint"] = "https://config.example.com"
    assert read(config=config).endpoint == ENDPOINT
    karpenter = karpenter_values()
    del karpenter["karpenter"]["settings"]["aws"]["clusterEndpoint"]
    assert read(karpenter, config).endpoint == "https://config.example.com"


def test_the_instance_profile_comes_from_either_document() -> None:
    config = config_values()
    del config["karpenter"]["instanceProfile"]
    assert read(config=config).instance_profile == "karpenter-instance-profile-dev"
    karpenter = karpenter_values()
    del karpenter["karpenter"]["settings"]["aws"]["defaultInstanceProfile"]
    assert read(karpenter).instance_profile == "karpenter-instance-profile-dev"


def test_an_empty_cluster_name_in_the_config_values_is_accepted() -> None:
    config = config_values()
    config["cluster"]["name"] = ""
    assert read(config=config).cluster_name == "dev"


def test_a_gpu_provisioner_is_off_unless_enabled_and_a_cpu_provisioner_on_unless_disabled() -> None:
    config = config_values()
    del config["karpenter"]["gpuProvisionerSpec"]["enabled"]
    config["karpenter"]["defaultProvisionerSpec"]["enabled"] = True
    install = read(config=config)
    assert install.gpu is None
    assert install.cpu is not None and install.cpu.source == "karpenter.defaultProvisionerSpec"


def test_without_provisioner_specs_there_are_no_provisioners() -> None:
    config = config_values()
    del config["karpenter"]["defaultProvisionerSpec"]
    del config["karpenter"]["gpuProvisionerSpec"]
    install = read(config=config)
    assert (install.cpu, install.gpu) == (None, None)


def test_the_cpu_provisioner_may_be_named_cpu_provisioner_spec() -> None:
    config = config_values()
    config["karpenter"]["cpuProvisionerSpec"] = config["karpenter"].pop("defaultProvisionerSpec")
    assert read(config=config).cpu == ProvisionerSpec(
        source="karpenter.cpuProvisionerSpec", requirements=CPU_REQUIREMENTS, consolidation=True
    )


def test_with_both_cpu_provisioner_keys_the_default_one_is_read_and_the_other_refused() -> None:
    config = config_values()
    config["karpenter"]["cpuProvisionerSpec"] = {"requirements": []}
    assert refusal(config=config) == (
        "karpenter-config-values.yaml: karpenter.cpuProvisionerSpec: has no equivalent in the stack; remove it, "
        "or set it by hand after converting"
    )


@pytest.mark.parametrize(
    "misspelt",
    ["defaultprovisionerspec", "DEFAULTPROVISIONERSPEC", "cpuprovisionerspec", "CPUPROVISIONERSPEC", None],
)
def test_a_misspelt_provisioner_key_is_refused(misspelt: str | None) -> None:
    config = config_values()
    config["karpenter"][misspelt] = config["karpenter"].pop("defaultProvisionerSpec")
    assert refusal(config=config) == (
        f"karpenter-config-values.yaml: karpenter.{misspelt}: has no equivalent in the stack; remove it, "
        "or set it by hand after converting"
    )


@pytest.mark.parametrize(
    "account",
    [{"name": "karpenter-controller"}, {"create": False}, {"name": "karpenter", "create": "true"}],
    ids=["other-name", "not-created", "create-not-a-boolean"],
)
def test_a_service_account_the_stack_does_not_create_is_refused(account: dict[str, Any]) -> None:
    karpenter = karpenter_values()
    karpenter["karpenter"]["serviceAccount"].update(account)
    assert refusal(karpenter) == (
        "karpenter-values.yaml: karpenter.serviceAccount.name: the stack's controller runs as service account "
        "karpenter, which it creates"
    )


def test_the_service_account_karpenter_created_by_the_chart_is_accepted() -> None:
    karpenter = karpenter_values()
    karpenter["karpenter"]["serviceAccount"].update(name="karpenter", create=True)
    assert read(karpenter).cluster_name == "dev"


def test_the_cluster_name_is_required() -> None:
    karpenter = karpenter_values()
    del karpenter["karpenter"]["settings"]["aws"]["clusterName"]
    assert refusal(karpenter) == (
        "karpenter-values.yaml: karpenter.settings.aws.clusterName: required: the cluster the v0 controller ran for"
    )


def test_karpenter_values_not_nested_under_karpenter_are_read_and_refused_naming_the_file() -> None:
    karpenter = karpenter_values()["karpenter"]
    assert read(karpenter).cluster_name == "dev"
    karpenter["logLevel"] = "debug"
    assert refusal(karpenter) == (
        "karpenter-values.yaml: logLevel: has no equivalent in the stack; remove it, or set it by hand after converting"
    )


def test_a_document_or_section_that_is_not_a_mapping_is_refused_naming_its_type() -> None:
    assert refusal(["karpenter"]) == "karpenter-values.yaml: the document: expected a mapping, not list"
    assert refusal(config="cluster") == "karpenter-config-values.yaml: the document: expected a mapping, not str"
    karpenter = karpenter_values()
    karpenter["karpenter"]["settings"]["aws"] = "dev"
    assert refusal(karpenter) == "karpenter-values.yaml: karpenter.settings.aws: expected a mapping, not str"
    with pytest.raises(ConfigError) as raised:
        Values(7, "values.yaml", "karpenter.replicas")
    assert str(raised.value) == "values.yaml: karpenter.replicas: expected a mapping, not int"


# The runbook's "Example of the final values" for the karpenter application, as it prints them.
RUNBOOK_EXAMPLE = """\
karpenter:
  serviceAccount:
    annotations:
      eks.amazonaws.com/role-arn: arn:aws:iam::ACCOUNT_ID:role/karpenter-controller-role-CLUSTER_NAME
  settings:
    aws:
      clusterName: CLUSTER_NAME
      clusterEndpoint: https://xxxxxxxxxxx.gr7.REGION.eks.amazonaws.com
      defaultInstanceProfile: karpenter-instance-profile-CLUSTER_NAME
  controller:
    resources:
      requests:
        cpu: 50m
        memory: 100Mi
      limits:
        cpu: 200m
        memory: 256Mi
"""


def test_the_runbooks_example_values_are_refused_for_their_placeholders_naming_every_key() -> None:
    assert refusal(yaml.safe_load(RUNBOOK_EXAMPLE)) == (
        "karpenter-values.yaml: karpenter.serviceAccount.annotations.eks.amazonaws.com/role-arn: ACCOUNT_ID and "
        "CLUSTER_NAME are the runbook's placeholders; put in the AWS account id (aws sts get-caller-identity) and "
        "the cluster's name (placeholders are also left in karpenter.settings.aws.clusterName, "
        "karpenter.settings.aws.clusterEndpoint, karpenter.settings.aws.defaultInstanceProfile)"
    )


@pytest.mark.parametrize(
    ("endpoint", "message"),
    [
        (
            "https://xxxxxxxxxxx.gr7.eu-west-1.eks.amazonaws.com",
            "xxxxxxxxxxx is the runbook's placeholder; put in the cluster's endpoint (aws eks describe-cluster "
            "--name <cluster> --query cluster.endpoint)",
        ),
        (
            "https://EXAMPLE0123456789ABCDEF0123456789.gr7.REGION.eks.amazonaws.com",
            "REGION is the runbook's placeholder; put in the cluster's region, such as eu-west-1",
        ),
        (
            "${CLUSTER_ENDPOINT}",
            "${CLUSTER_ENDPOINT} is the runbook's placeholder; put in the value the runbook's commands gave "
            "CLUSTER_ENDPOINT",
        ),
        (
            "$CLUSTER_ENDPOINT",
            "$CLUSTER_ENDPOINT is the runbook's placeholder; put in the value the runbook's commands gave "
            "CLUSTER_ENDPOINT",
        ),
        ("<cluster_endpoint>", "<cluster_endpoint> is the runbook's placeholder; put in the cluster endpoint"),
    ],
    ids=["endpoint-id", "region", "shell-variable", "bare-shell-variable", "angle-brackets"],
)
def test_each_kind_of_placeholder_is_refused_with_what_to_put_in(endpoint: str, message: str) -> None:
    karpenter = karpenter_values()
    karpenter["karpenter"]["settings"]["aws"]["clusterEndpoint"] = endpoint
    assert refusal(karpenter) == f"karpenter-values.yaml: karpenter.settings.aws.clusterEndpoint: {message}"


def test_placeholders_in_the_config_values_are_refused_naming_that_file_and_the_list_index() -> None:
    config = config_values()
    config["cluster"]["name"] = "CLUSTER_NAME"
    config["karpenter"]["defaultProvisionerSpec"]["requirements"][1]["values"] = ["REGIONa", "<zone>"]
    assert refusal(config=config) == (
        "karpenter-config-values.yaml: cluster.name: CLUSTER_NAME is the runbook's placeholder; put in the "
        "cluster's name (placeholders are also left in karpenter.defaultProvisionerSpec.requirements[1].values[1])"
    )


@pytest.mark.parametrize(
    "value",
    ["REGIONAL", "AWS_ACCOUNT_ID_X", "dev-cluster-name", "maxxxx", "arn:aws:iam::123456789012:role/x"],
)
def test_words_that_only_contain_a_placeholder_are_not_one(value: str) -> None:
    karpenter = karpenter_values()
    karpenter["karpenter"]["serviceAccount"]["annotations"]["example.com/note"] = value
    # Read past the placeholders, the unknown annotation is what is refused.
    assert refusal(karpenter) == (
        "karpenter-values.yaml: karpenter.serviceAccount.annotations.example.com/note: has no equivalent in the "
        "stack; remove it, or set it by hand after converting"
    )
