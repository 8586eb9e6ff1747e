"""The account-wide EC2 Spot service-linked role: made present, never deleted.

Other workloads and other cluster stacks in the account rely on `AWSServiceRoleForEC2Spot`, so
the stack adopts it when it exists (import), creates it when it does not, and keeps it on
destroy. Once in the stack's state the import is a no-op, so later updates plan no change.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

SPOT_SERVICE = "spot.amazonaws.com"


@dataclass(frozen=True)
class SpotServiceLinkedRoleArgs:
    existing_role_arn: str | None


class SpotServiceLinkedRole(pulumi.ComponentResource):
    def __init__(self, name: str, args: SpotServiceLinkedRoleArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("karpenter:spot_role:SpotServiceLinkedRole", name, None, opts)
        self.role = aws.iam.ServiceLinkedRole(
            f"{name}-role",
            aws_service_name=SPOT_SERVICE,
            opts=pulumi.ResourceOptions(
                parent=self,
                retain_on_delete=True,
                import_=args.existing_role_arn,
                # AWS sets these itself; differing values must not fail the import or plan updates.
                ignore_changes=["description", "customSuffix", "tags", "tagsAll"],
            ),
        )
        self.arn = self.role.arn
        self.register_outputs({"arn": self.arn})
