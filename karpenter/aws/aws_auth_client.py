"""The Kubernetes API the aws-auth provider talks to: a seam tests fill with a fake. The kubernetes
client loads only here, when the provider runs, not when the program declares the resource."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

import yaml

from karpenter.aws.aws_auth_mapping import AwsAuthError

if TYPE_CHECKING:
    from kubernetes.client import V1ConfigMap


class ConfigMapApi(Protocol):
    """The CoreV1Api calls this module makes; tests supply an in-memory fake."""

    def read_namespaced_config_map(self, name: str, namespace: str) -> V1ConfigMap: ...

    def replace_namespaced_config_map(
        self,
        name: str,
        namespace: str,
        body: V1ConfigMap,
        *,
        field_manager: str | None = ...,
    ) -> V1ConfigMap: ...

    def create_namespaced_config_map(
        self, namespace: str, body: V1ConfigMap, *, field_manager: str | None = ...
    ) -> V1ConfigMap: ...


ApiFactory = Callable[[str], ConfigMapApi]


def core_v1_api(kubeconfig: str) -> ConfigMapApi:
    """A CoreV1Api for the cluster described by a JSON (or YAML) kubeconfig string."""
    try:
        config_dict = json.loads(kubeconfig)
    except json.JSONDecodeError:
        config_dict = yaml.safe_load(kubeconfig)
    if not isinstance(config_dict, dict):
        raise AwsAuthError("kubeconfig must be a JSON or YAML object")
    import kubernetes.client
    import kubernetes.config

    # persist_config=False: there is no kubeconfig file to write refreshed tokens to.
    api_client = kubernetes.config.new_client_from_config_dict(config_dict=config_dict, persist_config=False)
    return kubernetes.client.CoreV1Api(api_client)
