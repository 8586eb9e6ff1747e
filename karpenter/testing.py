"""Pulumi mocks for your own unit tests of a program that uses the `Karpenter` component.

`KarpenterMocks(facts)` answers every lookup the component makes (partition, region, account, the
EKS cluster, its subnets and security group, the spot service-linked role, the stack's IAM names, the
IAM OIDC provider, the Pod Identity add-on) from the cluster facts a test gives, and gives what the
program creates the ids and ARNs AWS would. They are offline synth's own mocks, so a test sees what
`python -m karpenter synth` sees. `set_mocks` installs them, where `pulumi.runtime.set_mocks` would:

    set_mocks(KarpenterMocks(sample_facts(cluster_name="dev")))

The facts are those of a facts file (README, "Cluster facts for offline synth"): `sample_facts()`
builds them from the sample cluster, `load_facts_file()` reads the file `python -m karpenter facts`
writes. Node pools are checked against the catalog the package ships, as under `pulumi up`.

Imports the offline tooling's mocks and facts, which nothing else of the component imports.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pydantic.alias_generators import to_camel

from karpenter.offline import facts as offline_facts
from karpenter.offline.facts import OfflineFacts, OfflineInstanceProfile, OfflineRole, OfflineSubnet, load_facts_file
from karpenter.offline.mocks import OfflineMocks
from karpenter.offline.monitor import RecordingMonitor

__all__ = [
    "KarpenterMocks",
    "OfflineFacts",
    "OfflineInstanceProfile",
    "OfflineRole",
    "OfflineSubnet",
    "load_facts_file",
    "sample_facts",
    "set_mocks",
]

DEFAULT_REGION = "eu-west-1"


def sample_facts(region: str = DEFAULT_REGION, **changes: Any) -> OfflineFacts:
    """The sample cluster offline synth uses (three private and three public subnets in zones a, b
    and c of `region`, account 123456789012, Kubernetes 1.33, authentication mode
    API_AND_CONFIG_MAP), with `changes` by the facts file's keys (`clusterName`, or `cluster_name`),
    validated as a facts file is: a key it does not know raises pydantic's ValidationError."""
    given = {to_camel(key): value for key, value in changes.items()}
    return OfflineFacts.model_validate({**offline_facts.sample_facts(region).model_dump(by_alias=True), **given})


class KarpenterMocks(OfflineMocks):
    """Pulumi mocks answering the component's lookups from `facts` (default: `sample_facts()`).

    The cluster is found under `facts.cluster_name`, or `cluster_name`; another name is not found, as
    in an account without it. `preview=True` answers as a first `pulumi preview` does, every computed
    output unknown. A lookup the facts do not answer fails as AWS fails it (a subnet that is not
    there, a role that does not exist). For your program's own lookups, subclass and override `call`,
    handing the rest to `super().call(args)`.
    """

    def __init__(self, facts: OfflineFacts | None = None, *, cluster_name: str | None = None, preview: bool = False):
        facts = facts or sample_facts()
        if cluster_name and facts.cluster_name and cluster_name != facts.cluster_name:
            raise ValueError(
                f"KarpenterMocks: cluster_name {cluster_name!r}, but the facts describe {facts.cluster_name!r}; "
                "give one of them"
            )
        name = cluster_name or facts.cluster_name
        if not name:
            raise ValueError(
                "KarpenterMocks: name the cluster the facts describe: sample_facts(cluster_name=...), "
                "or KarpenterMocks(facts, cluster_name=...)"
            )
        super().__init__(facts, name, preview)

    def unanswered(self, token: str) -> Exception:
        return Exception(
            f"KarpenterMocks has no answer for the lookup {token}: answer it in your subclass's call(), "
            "and hand the component's lookups to super().call(args)"
        )


def set_mocks(mocks: KarpenterMocks, *, project: str | None = None, stack: str | None = None) -> None:
    """Run what follows (`@pulumi.runtime.test` functions) under `mocks`, previewing if they were made
    with `preview=True`, as project `project` and stack `stack` (default: Pulumi's).

    As `pulumi.runtime.set_mocks`, with offline synth's engine, which passes a resource given to another
    as its URN: the SDK's own mock engine rebuilds it inside the mocks, on another event loop than the
    test's, which fails with "attached to a different loop" (or hangs) for a cluster the component
    creates (a pulumi-eks cluster handed to its node group)."""
    pulumi.runtime.set_mocks(
        mocks, project=project, stack=stack, preview=mocks.preview, monitor=RecordingMonitor(mocks)
    )
