"""EKS and IAM names the stack and its preflight share: authentication modes, the Pod Identity
add-on, and the account-wide Spot service-linked role."""

from __future__ import annotations

# The cluster authentication modes that let nodes in by access entry, and by the aws-auth ConfigMap.
ACCESS_ENTRY_MODES = ("API", "API_AND_CONFIG_MAP")
CONFIG_MAP_MODES = ("CONFIG_MAP", "API_AND_CONFIG_MAP")
# EKS Pod Identity hands out credentials through this add-on's agent on every node.
POD_IDENTITY_AGENT = "eks-pod-identity-agent"
SPOT_SERVICE_LINKED_ROLE = "AWSServiceRoleForEC2Spot"
SPOT_SERVICE_LINKED_ROLE_PATH = "/aws-service-role/spot.amazonaws.com/"
