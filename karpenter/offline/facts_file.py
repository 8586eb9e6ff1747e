"""Writing the facts file `python -m karpenter facts` read: checked as offline synth reads it, and
never over a file that says something else unless asked (`--force`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from karpenter.config.errors import ConfigError
from karpenter.offline.facts import OfflineFacts


class _TypeNames(list[str]):
    """A zone's instance types: hundreds of names, written a few to a line."""


def _type_names(dumper: yaml.SafeDumper, names: _TypeNames) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", names, flow_style=True)


class _FactsDumper(yaml.SafeDumper):
    pass


_FactsDumper.add_representer(_TypeNames, _type_names)


def default_path(project_dir: Path, stack: str) -> Path:
    return project_dir / "facts" / f"{stack}.yaml"


def facts_text(document: dict[str, Any], stack: str) -> str:
    """The file: a header saying where it comes from, then the facts in the order of the reference."""
    try:
        facts = OfflineFacts.model_validate(document)
    except ValidationError as exc:
        # What AWS answered lacks what the file needs: a cluster that is not ACTIVE, say.
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise ConfigError(f"the account's answers make no facts file: {where}: {error['msg']}") from None
    document = facts.model_dump(by_alias=True, exclude_unset=True, exclude_none=True)
    offerings = document.get("instanceTypeOfferings")
    if offerings:
        document["instanceTypeOfferings"] = {zone: _TypeNames(names) for zone, names in offerings.items()}
    body = yaml.dump(
        document,
        Dumper=_FactsDumper,
        sort_keys=False,
        default_flow_style=False,
        width=120,
    )
    header = (
        f"# Cluster facts for offline synth (karpenter:synthFacts), read from AWS by\n"
        f"# `python -m karpenter facts --stack {stack}`; run it again (with --force) to refresh them.\n"
    )
    return header + body


def check_target(path: Path) -> None:
    """Refuse, before AWS is read, an output that cannot be a file."""
    if path.is_dir():
        raise ConfigError(f"--out: {path} is a folder; name the facts file to write, e.g. {path / 'facts.yaml'}")


def write(text: str, path: Path, *, force: bool) -> bool:
    """Write `text` to `path`; False when the file already says exactly that. A file that says something
    else is replaced only with `force`: it may be one written by hand."""
    check_target(path)
    if path.exists():
        if path.read_text() == text:
            return False
        if not force:
            raise ConfigError(
                f"{path} exists and says something else than the account does now; pass --force to replace it, "
                "or --out to write another file"
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written beside it and moved over it, so that a failed write leaves the old file whole.
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text)
    partial.replace(path)
    return True
