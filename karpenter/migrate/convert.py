"""`python -m karpenter convert`: the runbook's two Helm values files into `Pulumi.<stack>.yaml`, never
over an existing stack file. Exit 2, with one line naming the file and key, for what cannot be carried
over (a placeholder left from the runbook included); what the stack does otherwise than v0 is printed and
written into the file's header."""

from __future__ import annotations

import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from karpenter.config.errors import ConfigError
from karpenter.migrate.behaviour_changes import Change, behaviour_changes
from karpenter.migrate.runbook_values import read_install
from karpenter.migrate.stack_settings import stack_settings

HEADER = """\
# Converted by `python -m karpenter convert` from the v0.x runbook's Helm values
# ({karpenter}, {config}). Review before `pulumi up`:
# - adopt: true takes over the runbook's roles, instance profile and tags (README, Moving from a
#   hand-made install); run `python -m karpenter doctor --stack {stack}` first.
"""


@dataclass(frozen=True)
class Conversion:
    """The stack file's text, and what it does otherwise than v0 (also in the text, as comments)."""

    text: str
    changes: list[Change]


def _comment(change: Change) -> str:
    lines = textwrap.wrap(str(change), width=98, break_long_words=False, break_on_hyphens=False)
    return "".join(f"# {'-' if index == 0 else ' '} {line}\n" for index, line in enumerate(lines))


def _load(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ConfigError(f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None


def stack_document(karpenter_values: Path, config_values: Path, stack: str, region: str | None = None) -> Conversion:
    """The stack file: a header saying what to review and what changes from v0, then `config:`."""
    install = read_install(_load(karpenter_values), karpenter_values.name, _load(config_values), config_values.name)
    config = stack_settings(install, region)
    changes = behaviour_changes(install, config)
    header = HEADER.format(karpenter=karpenter_values.name, config=config_values.name, stack=stack)
    header += "".join(_comment(change) for change in changes)
    return Conversion(header + yaml.safe_dump({"config": config}, sort_keys=False, default_flow_style=False), changes)


def run_command(
    karpenter_values: Path, config_values: Path, stack: str, project_dir: Path, region: str | None = None
) -> int:
    target = project_dir / f"Pulumi.{stack}.yaml"
    try:
        if target.exists():
            raise ConfigError(
                f"{target.name}: exists; convert never overwrites a stack file: move it away, or pick another --stack"
            )
        conversion = stack_document(karpenter_values, config_values, stack, region)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with target.open("x", encoding="utf-8") as out:
        out.write(conversion.text)
    if conversion.changes:
        print(f"wrote {target}; review before pulumi up (also in its header):")
        for change in conversion.changes:
            print(f"- {change}")
        print(f"next: python -m karpenter doctor --stack {stack}")
    else:
        print(f"wrote {target}; next: python -m karpenter doctor --stack {stack}")
    return 0
