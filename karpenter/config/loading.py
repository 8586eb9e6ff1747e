"""Loading the config: from the Pulumi runtime's settings, or from data with the same keys, into the
validated model; the first bad key is refused in one line."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from karpenter.config.errors import ConfigError, error_message
from karpenter.config.stack_config import StackConfig
from karpenter.config.values import NAMESPACE
from karpenter.vocabulary.aws_provider_settings import AWS_PROVIDER_SETTINGS


def _decode(raw: Any) -> Any:
    """Pulumi hands structured config over as JSON text and scalars as plain text."""
    if isinstance(raw, str) and raw[:1] in ("{", "["):
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            return raw
    return raw


def parse_stack_config(settings: Mapping[str, Any]) -> StackConfig:
    """Validate the `karpenter:*` settings of a stack (other namespaces, such as `aws:`, are not
    ours and are left alone) into the model.

    Raises ConfigError with one message for the first bad key.
    """
    prefix = f"{NAMESPACE}:"
    data = {key[len(prefix) :]: _decode(value) for key, value in settings.items() if key.startswith(prefix)}
    return validate_settings(data)


def validate_settings(settings: StackConfig | Mapping[str, Any]) -> StackConfig:
    """The model of settings given as data, with the keys of the `karpenter:` config (`clusterName`,
    `nodePools`, ...) and structured values as they are, not as JSON text.

    Raises ConfigError with one message for the first bad key, named as in a stack file.
    """
    if isinstance(settings, StackConfig):
        return settings
    _refuse_flat_paths(settings)
    try:
        return StackConfig.model_validate(dict(settings))
    except ValidationError as exc:
        raise ConfigError(error_message(exc.errors()[0])) from None


def _refuse_flat_paths(settings: Mapping[str, Any]) -> None:
    """`pulumi config set nodePools.cpu.capacityTypes ...` without `--path` writes one key with dots in
    its name, which no model key has."""
    keys = {field.alias for field in StackConfig.model_fields.values()}
    for key in settings:
        first = re.split(r"[.\[]", str(key), maxsplit=1)[0]
        if first != key and first in keys:
            raise ConfigError(
                f"{NAMESPACE}:{key}: a flat key with dots in its name; nest it under {NAMESPACE}:{first}, "
                "or use `pulumi config set --path`"
            )


def _runtime_settings() -> dict[str, Any]:
    from pulumi.runtime import config as runtime_config

    return {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}


def pulumi_settings() -> dict[str, Any]:
    """Every `karpenter:*` setting the Pulumi runtime holds, explicitly set or from the environment."""
    return {key: value for key, value in _runtime_settings().items() if key.startswith(f"{NAMESPACE}:")}


def _meant(name: str, candidates: Mapping[str, str]) -> str | None:
    """The candidate whose name (the keys, lower case) `name` is a near miss of, or None."""
    close = difflib.get_close_matches(name.lower(), list(candidates), n=1, cutoff=0.8)
    return candidates[close[0]] if close else None


def unread_settings_warnings(settings: Mapping[str, Any]) -> list[str]:
    """One `WARNING: <namespace>:<key>: ...` line for each `aws:` or `kubernetes:` key of the stack that no
    provider of this program reads, with the `karpenter:` key (or else the aws one) it is a near miss of."""
    ours = {
        field.alias.lower(): f"{NAMESPACE}:{field.alias}" for field in StackConfig.model_fields.values() if field.alias
    }
    aws = {key.lower(): f"aws:{key}" for key in AWS_PROVIDER_SETTINGS}
    lines = []
    for setting in sorted(settings):
        namespace, _, name = setting.partition(":")
        if namespace == "aws" and name not in AWS_PROVIDER_SETTINGS:
            # pulumi-aws's default provider fails its config check on such keys (pulumi/pulumi-aws#3360).
            why = (
                "not a setting of the aws provider, the only reader of aws: keys in this program, which refuses it "
                "in `pulumi preview` and `pulumi up`"
            )
            meant = _meant(name, ours) or _meant(name, aws)
        elif namespace == "kubernetes":
            why = (
                "nothing reads it: the program's Kubernetes resources go through its own provider, whose kubeconfig "
                "it builds for the stack's cluster and which takes no kubernetes: settings"
            )
            meant = _meant(name, ours)
        else:
            continue
        lines.append(f"WARNING: {setting}: {why}; " + (f"did you mean {meant}?" if meant else "remove it"))
    return lines


def stack_settings_warnings() -> list[str]:
    """`unread_settings_warnings` of the running Pulumi program's settings."""
    return unread_settings_warnings(_runtime_settings())


def load_stack_config() -> StackConfig:
    """The validated config of the running Pulumi program."""
    return parse_stack_config(pulumi_settings())
