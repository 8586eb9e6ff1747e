"""Karpenter on Amazon EKS: one Pulumi stack per cluster.

config → validated model → cluster facts (an existing cluster, or one the stack creates)
→ components → stack outputs.
"""

import pulumi

from karpenter.cluster import create_cluster
from karpenter.config import load_stack_config
from karpenter.facts import lookup_cluster_facts
from karpenter.stack import KarpenterStack, KarpenterStackArgs

config = load_stack_config()
facts = create_cluster(config) if config.cluster.create else lookup_cluster_facts(config)
stack = KarpenterStack("karpenter", KarpenterStackArgs.resolve(config, facts))

for output_name, value in stack.outputs.items():
    pulumi.export(output_name, value)
