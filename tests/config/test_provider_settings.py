"""`aws:` and `kubernetes:` keys of a stack that no provider of the program reads are warned about,
naming the key and, where it is a near miss of a `karpenter:` key, the key meant.

What reads them: the program's aws resources and lookups use the default aws provider, which the engine
configures from the stack's `aws:` keys; pulumi-aws's provider reads the keys of its schema's config
(pulumi_aws/config/vars.py of the installed SDK) and, as a bridged provider's default provider, fails its
config check on any other one (pulumi/pulumi-aws#3360, "by design"; the message comes from
pulumi-terraform-bridge pkg/tfbridge/check_failure.go, formatDefaultProviderInvalidKey). Every Kubernetes
resource goes through a `kubernetes.Provider` the program makes, whose settings are its arguments (and
PULUMI_K8S_* variables, pulumi_kubernetes/provider.py), never `kubernetes:` config, which only a default
Kubernetes provider would read.
"""

from __future__ import annotations

import re
from pathlib import Path

import pulumi_aws

from karpenter.config.loading import unread_settings_warnings
from karpenter.vocabulary.aws_provider_settings import AWS_PROVIDER_SETTINGS

AWS_WHY = (
    "not a setting of the aws provider, the only reader of aws: keys in this program, which refuses it in "
    "`pulumi preview` and `pulumi up`"
)
KUBERNETES_WHY = (
    "nothing reads it: the program's Kubernetes resources go through its own provider, whose kubeconfig it builds "
    "for the stack's cluster and which takes no kubernetes: settings"
)


def test_the_aws_settings_are_those_the_installed_pulumi_aws_reads() -> None:
    text = (Path(pulumi_aws.__file__).parent / "config" / "vars.py").read_text()
    read = set(re.findall(r"__config__\.get(?:_bool|_int|_float|_object)?\('([^']+)'\)", text))
    assert read == set(AWS_PROVIDER_SETTINGS)


def test_a_karpenter_key_put_under_aws_is_warned_about_naming_the_key_meant() -> None:
    assert unread_settings_warnings({"aws:region": "eu-west-1", "aws:nodeAccess": "access-entry"}) == [
        f"WARNING: aws:nodeAccess: {AWS_WHY}; did you mean karpenter:nodeAccess?"
    ]


def test_a_karpenter_key_put_under_kubernetes_is_warned_about_naming_the_key_meant() -> None:
    assert unread_settings_warnings({"kubernetes:namespace": "karpenter"}) == [
        f"WARNING: kubernetes:namespace: {KUBERNETES_WHY}; did you mean karpenter:namespace?"
    ]


def test_a_near_miss_is_matched_whatever_its_case_and_small_typos() -> None:
    assert unread_settings_warnings({"aws:clustername": "dev", "kubernetes:subnetIDs": "[]"}) == [
        f"WARNING: aws:clustername: {AWS_WHY}; did you mean karpenter:clusterName?",
        f"WARNING: kubernetes:subnetIDs: {KUBERNETES_WHY}; did you mean karpenter:subnetIds?",
    ]


def test_a_misspelt_aws_setting_is_pointed_at_the_aws_key() -> None:
    assert unread_settings_warnings({"aws:regoin": "eu-west-1"}) == [
        f"WARNING: aws:regoin: {AWS_WHY}; did you mean aws:region?"
    ]


def test_a_key_near_nothing_is_to_be_removed() -> None:
    assert unread_settings_warnings({"kubernetes:context": "prod", "aws:accountId": "123456789012"}) == [
        f"WARNING: aws:accountId: {AWS_WHY}; remove it",
        f"WARNING: kubernetes:context: {KUBERNETES_WHY}; remove it",
    ]


def test_keys_a_provider_reads_and_other_namespaces_are_not_warned_about() -> None:
    settings = {
        **{f"aws:{key}": "x" for key in AWS_PROVIDER_SETTINGS},
        "karpenter:clusterName": "dev",
        "pulumi:disable-default-providers": '["kubernetes"]',
        "team:owner": "platform",
    }
    assert unread_settings_warnings(settings) == []
