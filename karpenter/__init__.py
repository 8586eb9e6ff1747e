"""Karpenter on Amazon EKS, as a Pulumi component to add to any Pulumi program.

Public API:

- `Karpenter(name, args, opts=None)`: the component. It sets up the node and controller IAM
  roles, the instance profile, discovery tags, node access, the spot service-linked role, the
  interruption queue, and the Helm releases of Karpenter and of its node pools.
- `KarpenterArgs(settings, cluster=None)`: `settings` is a `StackConfig` or a mapping with the
  keys of the stack's `karpenter:` config; `cluster` is None (look up `clusterName`, or create
  it with `cluster.create`) or a `ClusterInputs`.
- `ClusterInputs(name=..., endpoint=..., ...)`: a cluster the program manages, by its outputs.
- `StackConfig`: the validated settings; `ConfigError`: bad input, one line naming the key.

They load on first use, so that `karpenter.guardrails` (the policy pack's code) imports without
Pulumi's providers or pydantic.

For a program's own tests, `karpenter.testing` holds Pulumi mocks that answer every lookup the
component makes (`KarpenterMocks`, `set_mocks`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from karpenter.cluster.inputs import ClusterInputs
    from karpenter.config.errors import ConfigError
    from karpenter.config.stack_config import StackConfig
    from karpenter.stack import Karpenter, KarpenterArgs

__all__ = ["ClusterInputs", "ConfigError", "Karpenter", "KarpenterArgs", "StackConfig"]

# The release this is: pyproject.toml's version, the newest entry of CHANGELOG.md, git tag v1.0.0.
__version__ = "1.0.0"

_HOMES = {
    "ClusterInputs": "karpenter.cluster.inputs",
    "ConfigError": "karpenter.config.errors",
    "Karpenter": "karpenter.stack",
    "KarpenterArgs": "karpenter.stack",
    "StackConfig": "karpenter.config.stack_config",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
