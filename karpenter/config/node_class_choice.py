"""Which node class each pool launches with, and what each class is once defaults are filled in: the
implicit classes `default` (CPU pools) and `gpu` (GPU pools), and the AMI family a class inherits
from karpenter:amiAlias."""

from __future__ import annotations

from collections.abc import Mapping

from karpenter.config.node_class import NodeClass
from karpenter.config.node_pool import NodePool

DEFAULT_NODE_CLASS = "default"
GPU_NODE_CLASS = "gpu"
IMPLICIT_NODE_CLASSES = (DEFAULT_NODE_CLASS, GPU_NODE_CLASS)


def pool_node_class(pool: NodePool) -> str:
    """The name of the class a pool launches with: its own, or the implicit one for its kind."""
    if pool.node_class is not None:
        return pool.node_class
    return GPU_NODE_CLASS if pool.gpu else DEFAULT_NODE_CLASS


def node_class(classes: Mapping[str, NodeClass], name: str) -> NodeClass:
    """The class of that name as configured, or an implicit class with every default."""
    return classes.get(name) or NodeClass()


def used_node_classes(classes: Mapping[str, NodeClass], pools: Mapping[str, NodePool]) -> list[str]:
    """The classes the stack renders, in order: `default` always (as it always has), `gpu` when a pool
    uses it, then the configured ones in config order. Every pool's class is among them."""
    used = {pool_node_class(pool) for pool in pools.values()}
    names = [DEFAULT_NODE_CLASS]
    if GPU_NODE_CLASS in used or GPU_NODE_CLASS in classes:
        names.append(GPU_NODE_CLASS)
    names += [name for name in classes if name not in IMPLICIT_NODE_CLASSES]
    return names
