"""Karpenter on an existing Amazon EKS cluster: one Pulumi stack per cluster.

config → validated model → cluster facts → components → stack outputs.
"""

import pulumi

from karpenter.config import load_stack_config
from karpenter.facts import lookup_cluster_facts
from karpenter.stack import KarpenterStack, KarpenterStackArgs

config = load_stack_config()
facts = lookup_cluster_facts(config)
stack = KarpenterStack("karpenter", KarpenterStackArgs.resolve(config, facts))

for output_name, value in stack.outputs.items():
    pulumi.export(output_name, value)
