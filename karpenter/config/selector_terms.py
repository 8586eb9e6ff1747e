"""What a node class selects in EC2, as config: AMIs, subnets, security groups, capacity reservations
and a placement group, each checked as the EC2NodeClass CRD of Karpenter 1.14.1 checks it."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from karpenter.config.refusal import refusal
from karpenter.config.strict_model import StrictModel


def _selector_tags(tags: dict[str, str]) -> dict[str, str]:
    for key, value in tags.items():
        if not key or not value:
            raise refusal("empty tag keys or values select nothing; '*' matches any value of a key")
    return tags


SelectorTags = Annotated[dict[str, str], Field(min_length=1, max_length=20), AfterValidator(_selector_tags)]


def _matching(pattern: str, what: str) -> AfterValidator:
    """A check that a value matches `pattern`, refused as not being `what`."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.match(value):
            raise refusal("'{v}' is not {what}", {"v": value, "what": what})
        return value

    return AfterValidator(check)


AmiId = Annotated[str, _matching(r"^ami-[0-9a-z]+$", "an AMI id like ami-0123456789abcdef0")]
AmiOwner = Annotated[
    str, _matching(r"^([0-9]{12}|self|amazon|aws-marketplace)$", "an account id, self, amazon or aws-marketplace")
]
SecurityGroupId = Annotated[str, _matching(r"^sg-[0-9a-z]+$", "a security group id like sg-0123456789abcdef0")]
ReservationId = Annotated[str, _matching(r"^cr-[0-9a-z]+$", "a capacity reservation id like cr-0123456789abcdef0")]
AccountId = Annotated[str, _matching(r"^[0-9]{12}$", "an AWS account id (12 digits)")]
PlacementGroupId = Annotated[str, _matching(r"^pg-[0-9a-z]+$", "a placement group id like pg-0123456789abcdef0")]


def _only_one(term: StrictModel, exclusive: str, others: tuple[str, ...]) -> None:
    """Refuse a term that sets `exclusive` beside any of `others`, or sets none of them at all."""
    given = [name for name in (exclusive, *others) if getattr(term, name) is not None]
    if not given:
        keys = ", ".join(type(term).model_fields[name].alias or name for name in (exclusive, *others))
        raise refusal("a term selects by one of {keys}; give one", {"keys": keys})
    alias = type(term).model_fields[exclusive].alias or exclusive
    if exclusive in given and len(given) > 1:
        other = next(type(term).model_fields[name].alias or name for name in given if name != exclusive)
        raise refusal(
            "{alias} stands alone in a term, and this one also sets {other}; make them two terms",
            {"key": other, "alias": alias, "other": other},
        )


def _ami_term_one_way(term: AmiSelectorTerm) -> AmiSelectorTerm:
    _only_one(term, "id", ("name", "tags"))
    if term.owner is not None and term.id is not None:
        raise refusal("an id names one AMI, so an owner adds nothing; remove owner", {"key": "owner"})
    return term


class AmiSelectorTerm(StrictModel):
    id: AmiId | None = Field(default=None, description="AMI id, such as ami-0123456789abcdef0.")
    name: Annotated[str, StringConstraints(min_length=1)] | None = Field(
        default=None, description="AMI name; `*` matches any characters."
    )
    owner: AmiOwner | None = Field(
        default=None, description="With name or tags: an account id, self, amazon or aws-marketplace."
    )
    tags: SelectorTags | None = Field(default=None, description="AMI tags; `*` matches any value.")

    _check_one_way = model_validator(mode="after")(_ami_term_one_way)


def _subnet_term_one_way(term: SubnetSelectorTerm) -> SubnetSelectorTerm:
    _only_one(term, "id", ("tags",))
    return term


class SubnetSelectorTerm(StrictModel):
    id: Annotated[str, StringConstraints(pattern=r"^subnet-([0-9a-f]{8}|[0-9a-f]{17})$")] | None = Field(
        default=None, description="A node subnet of the stack, by id."
    )
    tags: SelectorTags | None = Field(default=None, description="Subnet tags; `*` matches any value.")

    _check_one_way = model_validator(mode="after")(_subnet_term_one_way)


def _security_group_term_one_way(term: SecurityGroupSelectorTerm) -> SecurityGroupSelectorTerm:
    _only_one(term, "id", ("name", "tags"))
    _only_one(term, "name", ("id", "tags"))
    return term


class SecurityGroupSelectorTerm(StrictModel):
    id: SecurityGroupId | None = Field(default=None, description="Security group id.")
    name: Annotated[str, StringConstraints(min_length=1)] | None = Field(
        default=None, description="Security group name (the group's name, not its Name tag)."
    )
    tags: SelectorTags | None = Field(default=None, description="Security group tags; `*` matches any value.")

    _check_one_way = model_validator(mode="after")(_security_group_term_one_way)


def _reservation_term_one_way(term: CapacityReservationSelectorTerm) -> CapacityReservationSelectorTerm:
    _only_one(term, "id", ("tags",))
    if term.owner_id is not None and term.id is not None:
        raise refusal(
            "an id names one reservation, so an owner adds nothing; remove ownerID",
            {"key": "ownerID"},
        )
    return term


class CapacityReservationSelectorTerm(StrictModel):
    id: ReservationId | None = Field(
        default=None, description="Capacity reservation (or Capacity Block) id, such as cr-0123456789abcdef0."
    )
    tags: SelectorTags | None = Field(default=None, description="Reservation tags; `*` matches any value.")
    owner_id: AccountId | None = Field(
        default=None, alias="ownerID", description="With tags: the account that owns the reservations."
    )

    _check_one_way = model_validator(mode="after")(_reservation_term_one_way)


def _placement_group_one_way(selector: PlacementGroupSelector) -> PlacementGroupSelector:
    if (selector.name is None) == (selector.id is None):
        raise refusal("give the placement group's name or its id, one of them")
    return selector


class PlacementGroupSelector(StrictModel):
    name: Annotated[str, StringConstraints(min_length=1)] | None = Field(
        default=None, description="Placement group name."
    )
    id: PlacementGroupId | None = Field(default=None, description="Placement group id, such as pg-0123456789abcdef0.")

    _check_one_way = model_validator(mode="after")(_placement_group_one_way)
