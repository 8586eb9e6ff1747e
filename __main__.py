"""Karpenter on Amazon EKS: one Pulumi stack per cluster.

config → validated model → cluster facts (an existing cluster, or one the stack creates)
→ components → stack outputs.
"""

import pulumi

from karpenter import Karpenter, KarpenterArgs
from karpenter.config.loading import load_stack_config

config = load_stack_config()
stack = Karpenter("karpenter", KarpenterArgs(settings=config))

for output_name, value in stack.outputs.items():
    pulumi.export(output_name, value)
