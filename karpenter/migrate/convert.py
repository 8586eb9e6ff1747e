"""`python -m karpenter convert`: the runbook's two Helm values files into `Pulumi.<stack>.yaml`, never
over an existing stack file. Exit 2, with one line naming the file and key, for what cannot be carried
over."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

from karpenter.config.errors import ConfigError
from karpenter.migrate.runbook_values import read_install
from karpenter.migrate.stack_settings import stack_settings

HEADER = """\
# Converted by `python -m karpenter convert` from the v0.x runbook's Helm values
# ({karpenter}, {config}). Review before `pulumi up`:
# - adopt: true takes over the runbook's roles, instance profile and tags (README, Moving from a
#   hand-made install); run `python -m karpenter doctor --stack {stack}` first.
# - The v0 Provisioners had no limits; the pools carry the stack's defaults (cpu 1000, memory 1000Gi).
# - The CPU provisioner allowed every family but GPU ones; the cpu pool takes categories c, m and r.
# - expireAfter Never keeps v0's behaviour (nodes were never replaced for age).
"""


def _load(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ConfigError(f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None


def stack_document(karpenter_values: Path, config_values: Path, stack: str, region: str | None = None) -> str:
    """The stack file's text: a header saying what to review, then `config:`."""
    install = read_install(_load(karpenter_values), karpenter_values.name, _load(config_values), config_values.name)
    config = stack_settings(install, region)
    header = HEADER.format(karpenter=karpenter_values.name, config=config_values.name, stack=stack)
    return header + yaml.safe_dump({"config": config}, sort_keys=False, default_flow_style=False)


def run_command(
    karpenter_values: Path, config_values: Path, stack: str, project_dir: Path, region: str | None = None
) -> int:
    target = project_dir / f"Pulumi.{stack}.yaml"
    try:
        if target.exists():
            raise ConfigError(
                f"{target.name}: exists; convert never overwrites a stack file: move it away, or pick another --stack"
            )
        text = stack_document(karpenter_values, config_values, stack, region)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with target.open("x", encoding="utf-8") as out:
        out.write(text)
    print(f"wrote {target}; next: python -m karpenter doctor --stack {stack}")
    return 0
