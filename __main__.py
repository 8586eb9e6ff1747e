"""Karpenter on Amazon EKS: one Pulumi stack per cluster.

config → validated model → cluster facts (an existing cluster, or one the stack creates)
→ components → stack outputs.
"""

import pulumi

from karpenter import Karpenter, KarpenterArgs
from karpenter.config.loading import load_stack_config, stack_settings_warnings

config = load_stack_config()
# aws: and kubernetes: keys of the stack that nothing here reads, shown beside the preview.
for warning in stack_settings_warnings():
    pulumi.log.warn(warning.removeprefix("WARNING: "))
stack = Karpenter("karpenter", KarpenterArgs(settings=config))

for output_name, value in stack.outputs.items():
    pulumi.export(output_name, value)
