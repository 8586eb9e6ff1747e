"""Reading resource inputs as the policy engine hands them over, and the IAM documents inside them."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

IAM_POLICY = "aws:iam/policy:Policy"
IAM_ROLE = "aws:iam/role:Role"
# Resource types whose `policy` input is a permissions document attached to one principal.
INLINE_POLICY_TYPES = (
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/groupPolicy:GroupPolicy",
)


def as_list(value: Any) -> list[Any]:
    """IAM accepts a single value wherever it accepts a list. Under the policy engine inputs arrive
    as Mapping/Sequence proxies rather than dict/list, hence the abstract types here and below."""
    if value is None:
        return []
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return list(value)
    return [value]


def strings(value: Any) -> list[str]:
    return [item for item in as_list(value) if isinstance(item, str)]


def mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def policy_document(text: Any) -> Mapping[str, Any] | None:
    """The document of a `policy` input, given as JSON text or as an already parsed object."""
    if isinstance(text, Mapping):
        return text
    if isinstance(text, str):
        try:
            document = json.loads(text)
        except json.JSONDecodeError:
            return None
        return document if isinstance(document, Mapping) else None
    return None


def permission_documents(resource_type: str, props: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """(where, policy text) for every permissions document a resource carries; trust policies are not
    permissions and are left out."""
    if resource_type == IAM_POLICY or resource_type in INLINE_POLICY_TYPES:
        text = props.get("policy")
        if text:
            yield "policy", text
    elif resource_type == IAM_ROLE:
        for index, entry in enumerate(as_list(props.get("inlinePolicies"))):
            inline = mapping(entry)
            # An entry without a policy is how a role says "no inline policies"; there is nothing to check.
            text = inline.get("policy")
            if text:
                yield f'inline policy "{inline.get("name") or index}"', text


def allow_statements(document: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(label, statement) for each Allow statement; the label is the Sid, or the index without one."""
    for index, statement in enumerate(as_list(document.get("Statement"))):
        # Read leniently: a statement that might allow is checked rather than skipped.
        if isinstance(statement, Mapping) and str(statement.get("Effect")).lower() == "allow":
            sid = statement.get("Sid")
            yield (f'statement "{sid}"' if sid else f"Statement[{index}]"), statement
