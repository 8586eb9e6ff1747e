"""The stack a command line tool works on: its validated config and its AWS region, read from
`Pulumi.<stack>.yaml` as the Pulumi CLI reads it; a bad file or key is refused naming it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from karpenter.config import stack_file
from karpenter.config.errors import ConfigError
from karpenter.config.loading import parse_stack_config
from karpenter.config.stack_config import StackConfig


@dataclass(frozen=True)
class StackTarget:
    stack: str
    config: StackConfig
    region: str

    def describe(self) -> dict[str, str]:
        return {
            "stack": self.stack,
            "cluster": self.config.cluster_name,
            "region": self.region,
            "karpenterVersion": self.config.version,
        }


def load_stack_target(stack: str, project_dir: Path, region: str | None = None) -> StackTarget:
    """The stack's config and region (`region`, else the stack's aws:region); raises ConfigError."""
    try:
        settings = stack_file.stack_settings(stack, project_dir)
    except stack_file.StackFileError as exc:
        raise ConfigError(str(exc)) from None
    config = parse_stack_config(settings)
    chosen = region or settings.get("aws:region")
    if not chosen:
        raise ConfigError(f"aws:region: Pulumi.{stack}.yaml sets no region; set aws:region, or pass --region")
    return StackTarget(stack=stack, config=config, region=chosen)
