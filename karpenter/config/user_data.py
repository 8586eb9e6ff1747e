"""Node user data as the AMI family reads it: AL2023's nodeadm takes MIME multi-part, a NodeConfig
YAML or a shell script; Bottlerocket takes TOML settings. Each check returns why text is not in its
family's format, or None."""

from __future__ import annotations

import email.parser
import tomllib
from typing import Any

import yaml

NODE_CONFIG_API = "node.eks.aws/"
NODE_CONFIG_KIND = "NodeConfig"
AL2023_FORMAT = (
    "AL2023 takes MIME multi-part (MIME-Version and Content-Type: multipart/mixed headers), a nodeadm "
    "NodeConfig YAML (apiVersion node.eks.aws/v1alpha1, kind NodeConfig) or a shell script starting with #!"
)
BOTTLEROCKET_FORMAT = "Bottlerocket takes TOML settings, such as [settings.kubernetes] with max-pods = 110"


def al2023_problem(text: str) -> str | None:
    stripped = text.strip()
    if not stripped:
        return f"is empty; {AL2023_FORMAT}"
    # Karpenter 1.14.1 (bootstrap/nodeadm.go) reads text starting with either header as MIME.
    if stripped.startswith(("MIME-Version:", "Content-Type:")):
        return _mime_problem(stripped)
    if stripped.startswith("#!"):
        return None
    try:
        document: Any = yaml.safe_load(stripped)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        return f"is neither MIME nor valid YAML{where}; {AL2023_FORMAT}"
    if not isinstance(document, dict):
        return f"is not a YAML map; {AL2023_FORMAT}"
    api, kind = str(document.get("apiVersion", "")), document.get("kind")
    if not api.startswith(NODE_CONFIG_API) or kind != NODE_CONFIG_KIND:
        found = f"apiVersion {api or 'missing'} and kind {kind or 'missing'}"
        return f"is YAML with {found}, not a NodeConfig; {AL2023_FORMAT}"
    return None


def _mime_problem(text: str) -> str | None:
    message = email.parser.Parser().parsestr(text)
    if message.get_content_type() != "multipart/mixed" or not message.get_boundary():
        return f"starts as MIME but is not multipart/mixed with a boundary; {AL2023_FORMAT}"
    parts = message.get_payload()
    if message.defects or not isinstance(parts, list) or not parts:
        return f"is MIME multi-part without a part closed by its boundary; {AL2023_FORMAT}"
    return None


def bottlerocket_problem(text: str) -> str | None:
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return f"is not TOML ({exc}); {BOTTLEROCKET_FORMAT}"
    return None


def user_data_problem(family: str, text: str) -> str | None:
    """Why `text` is not user data of AMI family `family` (al2023 or bottlerocket), or None."""
    return bottlerocket_problem(text) if family == "bottlerocket" else al2023_problem(text)
