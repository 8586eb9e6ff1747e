"""Reading a stack file, `Pulumi.<stack>.yaml`, as strictly as the Pulumi CLI does, into the config
settings the CLI would hand the program. Imports only the config namespace."""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path
from typing import Any

import yaml

from karpenter.config.stack_yaml import DuplicateKey, parse
from karpenter.config.values import NAMESPACE

_SECRET_KEY = "secure"
_FLOAT_TAG = "tag:yaml.org,2002:float"
# The Pulumi CLI's rule for a stack's name (pulumi/pulumi pkg/backend/diy/backend.go, validateStackName).
_STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
# High enough that other packages' namespaces (kubernetes, pulumi, eks) stay clear of it.
_NEAR_MISS_CUTOFF = 0.8


class StackFileError(ValueError):
    """The stack file cannot be run from: one line naming the file and what is wrong."""


def stack_settings(stack: str, project_dir: Path) -> dict[str, str]:
    """The config of stack `stack` in `project_dir`, as the Pulumi CLI hands it to a program."""
    path = project_dir / f"Pulumi.{stack}.yaml"
    if not _STACK_NAME.match(stack):
        raise StackFileError(
            f"Pulumi.{stack}.yaml: {stack!r} is not a stack name the Pulumi CLI accepts: letters, digits, hyphens, "
            "underscores and periods only, at most 100 characters; rename the file"
        )
    if not path.is_file():
        raise StackFileError(f"no stack file {path.name} in {project_dir}")
    return read_settings(path)


def read_settings(path: Path) -> dict[str, str]:
    """A stack file's config: scalars as text, structured values as JSON text, keys with their
    namespace. Refuses what the Pulumi CLI refuses and `karpenter` keys the program cannot use."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise StackFileError(f"{name}: not UTF-8 text (byte {exc.start + 1}); save it as UTF-8") from exc
    except OSError as exc:
        raise StackFileError(f"{name}: cannot be read: {exc.strerror or exc}") from exc
    root, document = _load(name, text)
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise StackFileError(f"{name}: the document must be a mapping with a 'config' key, not {_kind(document)}")
    config = document.get("config")
    config_node = _value_node(root, "config")
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise StackFileError(
            f"{_at(name, config_node)}: 'config' must be a mapping of keys to values, not {_kind(config)}"
        )
    return _settings(name, config, config_node)


def as_cli_text(value: Any) -> str:
    """A config value as the Pulumi CLI passes it: structured values as JSON text."""
    if isinstance(value, dict | list):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _load(name: str, text: str) -> tuple[yaml.Node | None, Any]:
    try:
        return parse(text)
    except DuplicateKey as exc:
        raise StackFileError(f"{_at(name, exc.problem_mark)}: {exc.problem}") from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context
        if exc.context and exc.problem and exc.problem.startswith("but "):
            # PyYAML splits some sentences in two: "expected a single document..., but found another".
            problem = f"{exc.context}, {exc.problem}"
        raise StackFileError(f"{_at(name, mark)}: not valid YAML: {problem}") from exc
    except yaml.reader.ReaderError as exc:
        before = text[: exc.position]
        where = f"{name}:{before.count(chr(10)) + 1}:{len(before) - before.rfind(chr(10))}"
        raise StackFileError(f"{where}: not valid YAML: {str(exc).splitlines()[0]}") from exc


def _settings(name: str, config: dict[Any, Any], config_node: yaml.Node | None) -> dict[str, str]:
    key_nodes: dict[str, yaml.Node] = {}
    value_nodes: dict[str, yaml.Node] = {}
    if isinstance(config_node, yaml.MappingNode):
        key_nodes = {key.value: key for key, _ in config_node.value if isinstance(key, yaml.ScalarNode)}
        value_nodes = {key.value: value for key, value in config_node.value if isinstance(key, yaml.ScalarNode)}
    settings: dict[str, str] = {}
    written_as: dict[str, str] = {}
    for key, value in config.items():
        where = _at(name, key_nodes.get(str(key), config_node))
        if not isinstance(key, str):
            raise StackFileError(
                f"{where}: config key {key!r} must be text of the form namespace:name, "
                f"such as '{NAMESPACE}:clusterName'"
            )
        namespace, colon, setting = key.partition(":")
        if not colon:
            namespace, setting = NAMESPACE, key
        full_key = f"{namespace}:{setting}"
        if namespace != NAMESPACE and _is_near_miss(namespace):
            raise StackFileError(
                f"{where}: config key '{key}' is not read by this program; did you mean '{NAMESPACE}:{setting}'?"
            )
        if full_key in written_as:
            raise StackFileError(
                f"{where}: config keys '{written_as[full_key]}' and '{key}' both set {full_key}; keep one"
            )
        if namespace == NAMESPACE:
            _refuse_secrets(value, full_key)
            _refuse_unquoted_versions(name, value_nodes.get(str(key)), full_key)
        # Other packages' secrets pass through untouched: the program never reads them.
        settings[full_key] = as_cli_text(value)
        written_as[full_key] = key
    return settings


def _refuse_secrets(value: Any, path: str) -> None:
    """Stack secrets are encrypted with the stack's secrets provider, which only the Pulumi CLI can reach."""
    if isinstance(value, dict):
        if set(value) == {_SECRET_KEY}:
            raise StackFileError(
                f"{path}: a secret value; offline synth cannot decrypt it, and the program reads no secrets: "
                "set it in plain text or remove it"
            )
        for key, item in value.items():
            _refuse_secrets(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_secrets(item, f"{path}[{index}]")


def unquoted_version(node: yaml.Node | None, path: str) -> tuple[str, yaml.Node] | None:
    """The first version written as a number under `node` (YAML reads `1.30` as the float 1.3), as the
    key path that holds it and its node, whose value is the text as typed."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            child = f"{path}.{key_node.value}" if path else str(key_node.value)
            if (
                isinstance(value_node, yaml.ScalarNode)
                and value_node.tag == _FLOAT_TAG
                and key_node.value.lower().endswith("version")
            ):
                return child, value_node
            found = unquoted_version(value_node, child)
            if found:
                return found
    return None


def unquoted_version_message(path: str, node: yaml.Node) -> str:
    return f'{path}: YAML reads {node.value} as a number; quote it: "{node.value}"'


def _refuse_unquoted_versions(name: str, node: yaml.Node | None, full_key: str) -> None:
    if isinstance(node, yaml.ScalarNode) and node.tag == _FLOAT_TAG and full_key.lower().endswith("version"):
        found: tuple[str, yaml.Node] | None = (full_key, node)
    else:
        found = unquoted_version(node, full_key)
    if found:
        raise StackFileError(f"{_at(name, found[1])}: {unquoted_version_message(*found)}")


def _is_near_miss(namespace: str) -> bool:
    folded = namespace.lower()
    return folded == NAMESPACE or bool(difflib.get_close_matches(folded, [NAMESPACE], n=1, cutoff=_NEAR_MISS_CUTOFF))


def _value_node(root: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(root, yaml.MappingNode):
        for key_node, value_node in root.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                return value_node
    return root


def _at(name: str, where: yaml.Node | yaml.Mark | None) -> str:
    """`file:line:column` as editors count them, or the file alone where YAML gives no place."""
    mark = where.start_mark if isinstance(where, yaml.Node) else where
    return f"{name}:{mark.line + 1}:{mark.column + 1}" if mark is not None else name


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return f"a {type(value).__name__}"
