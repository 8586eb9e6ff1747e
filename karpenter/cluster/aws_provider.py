"""The AWS provider a caller gives the component in its options, which every lookup goes through.
Imports nothing of ours.

Resources the component registers inherit the caller's providers from its options; the lookups run
before it registers (so that refused input registers nothing), outside any parent, and get the
provider only when handed it: without it they would read the default provider's region and account,
or fail where `pulumi:disable-default-providers` names aws.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi

AWS_PACKAGE = "aws"


def caller_aws_provider(opts: pulumi.ResourceOptions | None) -> pulumi.ProviderResource | None:
    """The aws provider the component's options name, found as the Pulumi SDK finds a resource's
    provider: `provider` if it is an aws one, else the aws entry of `providers` (a mapping by package
    or a list), else the parent's. Another package's provider is never used for aws."""
    if opts is None:
        return None
    if opts.provider is not None and opts.provider.package == AWS_PACKAGE:
        return opts.provider
    if isinstance(opts.providers, Mapping):
        given = opts.providers.get(AWS_PACKAGE)
        if given is not None:
            return given
    elif opts.providers:
        for provider in opts.providers:
            if provider.package == AWS_PACKAGE:
                return provider
    if opts.parent is not None:
        return opts.parent.get_provider(f"{AWS_PACKAGE}::")
    return None


def lookup_options(provider: pulumi.ProviderResource | None) -> pulumi.InvokeOptions:
    """Options for a lookup through `provider` (None: the default provider)."""
    return pulumi.InvokeOptions(provider=provider)
