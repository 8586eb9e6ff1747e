"""The Karpenter guardrails policy pack: `pulumi preview --policy-pack policy` from the project folder."""

from karpenter_guardrails import POLICIES
from pulumi_policy import EnforcementLevel, PolicyPack

# PolicyPack serves the policies to the Pulumi CLI and blocks until the CLI stops it, so this
# module is run, never imported; the policies themselves live in karpenter_guardrails.
PolicyPack(
    name="karpenter-guardrails",
    policies=[*POLICIES],
    enforcement_level=EnforcementLevel.MANDATORY,
    description="Guardrails for Karpenter on EKS: scoped IAM, bounded and tainted node pools, encrypted queues.",
)
