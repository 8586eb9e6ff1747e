"""`pulumi:disable-default-providers` as the engine applies it: which lookups and resources the
mock engine refuses for naming no provider."""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class DisabledDefaultProviders:
    """`pulumi:disable-default-providers` as the engine applies it (pulumi/pulumi
    pkg/resource/deploy/default_providers.go, `shouldDenyRequest`): a JSON list of packages, `*`
    for all of them but `pulumi` itself. A resource or lookup of such a package that names no
    provider is refused with the engine's message (sdk/go/common/diag/errors.go,
    `GetDefaultProviderDenied`)."""

    packages: frozenset[str] = frozenset()

    @classmethod
    def from_settings(cls, settings: dict[str, str]) -> DisabledDefaultProviders:
        text = settings.get("pulumi:disable-default-providers", "")
        return cls(frozenset(str(package).strip() for package in json.loads(text)) if text else frozenset())

    def refusal(self, package: str, what: str) -> str | None:
        """The engine's error for `what` (a lookup's token, a resource's URN) of `package` without a
        provider, or None where the default provider may serve it."""
        if package == "pulumi" or not ({"*", package} & self.packages):
            return None
        return f"Default provider for '{package}' disabled. '{what}' must use an explicit provider."
