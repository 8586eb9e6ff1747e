"""A node class's root volume as config: the EBS volume holding the kubelet root dir, images and
ephemeral storage. Always encrypted, with the account's default key or a KMS key of one's own."""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import Field, field_validator, model_validator

from karpenter.config.refusal import refusal
from karpenter.config.strict_model import StrictModel

# The EC2NodeClass CRD's volumeSize pattern: 1Gi-59000Gi, 1G-64000G, up to 58Ti or 64T.
_VOLUME_SIZE = (
    r"^((?:[1-9][0-9]{0,3}|[1-4][0-9]{4}|[5][0-8][0-9]{3}|59000)Gi|(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|[6][0-3][0-9]{3}"
    r"|64000)G|([1-9]||[1-5][0-7]|58)Ti|([1-9]||[1-5][0-9]|6[0-3]|64)T)$"
)
# A key id, a multi-Region key id, an alias, or the ARN of a key or an alias.
_KMS_KEY = re.compile(
    r"^(([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})|mrk-[0-9a-f]{32}|alias/[A-Za-z0-9/_-]+"
    r"|arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key/[A-Za-z0-9-]+|alias/[A-Za-z0-9/_-]+))$"
)
# What EC2 accepts for gp3 before asking for more throughput or IOPS than the baseline.
GP3_BASELINE_IOPS = 3000
GP3_BASELINE_THROUGHPUT = 125
PROVISIONED_IOPS_MINIMUM = 100


class VolumeType(StrEnum):
    GP3 = "gp3"
    GP2 = "gp2"
    IO1 = "io1"
    IO2 = "io2"


# The checks of a root volume, plain functions that the model below runs as its validators.


def _volume_size(v: str | None) -> str | None:
    if v is not None and not re.match(_VOLUME_SIZE, v):
        raise refusal(
            "'{v}' is not a volume size such as 50Gi, 500G or 2Ti (at most 64T)",
            {"v": v},
        )
    return v


def _always_encrypted(v: bool) -> bool:
    if not v:
        raise refusal(
            "node volumes are always encrypted (with the account's EBS key, or kmsKeyId); remove encrypted: false",
        )
    return v


def _kms_key(v: str | None) -> str | None:
    if v is not None and not _KMS_KEY.match(v):
        raise refusal(
            "'{v}' is not a KMS key id, alias (alias/name) or key or alias ARN",
            {"v": v},
        )
    return v


def _performance(volume: RootVolume) -> RootVolume:
    kind = volume.type.value
    if volume.throughput is not None:
        if volume.type is not VolumeType.GP3:
            raise refusal(
                "only gp3 volumes take a throughput, and this one is {t}",
                {"key": "throughput", "t": kind},
            )
        if volume.throughput < GP3_BASELINE_THROUGHPUT:
            raise refusal(
                "{v} is below gp3's baseline of {min} MiB/s",
                {
                    "key": "throughput",
                    "v": volume.throughput,
                    "min": GP3_BASELINE_THROUGHPUT,
                },
            )
    if volume.type is VolumeType.GP2 and volume.iops is not None:
        raise refusal(
            "gp2 volumes take no iops (their IOPS follow their size); use gp3",
            {"key": "iops"},
        )
    if volume.type in (VolumeType.IO1, VolumeType.IO2) and volume.iops is None:
        raise refusal(
            "{t} volumes need iops; set rootVolume.iops",
            {"key": "iops", "t": kind},
        )
    minimum = GP3_BASELINE_IOPS if volume.type is VolumeType.GP3 else PROVISIONED_IOPS_MINIMUM
    if volume.iops is not None and volume.iops < minimum:
        raise refusal(
            "{v} is below the {min} IOPS {t} starts at",
            {"key": "iops", "v": volume.iops, "min": minimum, "t": kind},
        )
    return volume


class RootVolume(StrictModel):
    size: str | None = Field(
        default=None,
        description="Size, such as 100Gi (default: 50Gi; 200Gi for a class GPU pools use).",
    )
    type: VolumeType = Field(default=VolumeType.GP3, description="EBS volume type: gp3, gp2, io1 or io2.")
    iops: int | None = Field(
        default=None,
        description="Provisioned IOPS: gp3 (from 3000), io1 and io2 (required).",
    )
    throughput: int | None = Field(default=None, description="Throughput in MiB/s, gp3 only (from 125).")
    kms_key_id: str | None = Field(
        default=None,
        description="KMS key (id, alias or ARN) to encrypt with; default: the account's EBS key.",
    )
    encrypted: bool = Field(default=True, description="Always true: volumes are encrypted.")

    _check_size = field_validator("size")(_volume_size)
    _check_encrypted = field_validator("encrypted")(_always_encrypted)
    _check_kms_key = field_validator("kms_key_id")(_kms_key)
    _check_performance = model_validator(mode="after")(_performance)
