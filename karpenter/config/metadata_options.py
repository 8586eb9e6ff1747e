"""Instance metadata (IMDS) of a node class as config. IMDSv2 with one hop stays the default, so pods
outside the host network cannot reach the node's credentials; relaxing it is allowed, and warned of."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from karpenter.config.strict_model import StrictModel


class MetadataOptions(StrictModel):
    http_endpoint: Literal["enabled", "disabled"] = Field(
        default="enabled", description="enabled or disabled: whether nodes serve instance metadata at all."
    )
    http_protocol_ipv6: Literal["enabled", "disabled"] = Field(
        default="disabled", alias="httpProtocolIPv6", description="enabled or disabled: the IPv6 metadata endpoint."
    )
    http_put_response_hop_limit: int = Field(
        default=1, ge=1, le=64, description="Network hops a metadata token may travel; 1 keeps it on the node."
    )
    http_tokens: Literal["required", "optional"] = Field(
        default="required", description="required (IMDSv2 only) or optional (IMDSv1 too)."
    )

    def is_default(self) -> bool:
        return self == MetadataOptions()

    def relaxations(self) -> list[tuple[str, str]]:
        """Each option that lets pods reach node credentials the default keeps from them: (key, why)."""
        if self.http_endpoint == "disabled":
            return []
        found = []
        if self.http_tokens == "optional":
            found.append(
                (
                    "httpTokens",
                    "optional lets IMDSv1 answer without a session token, so a request forged through "
                    "any pod or proxy can read the node role's credentials",
                )
            )
        if self.http_put_response_hop_limit > 1:
            found.append(
                (
                    "httpPutResponseHopLimit",
                    f"{self.http_put_response_hop_limit} lets pods outside the host network reach instance metadata "
                    "and the node role's credentials",
                )
            )
        return found
