"""EC2 instance families as AWS names them: category, generation, CPU architecture and GPU maker.

Standard library only, so the policy pack can import it without pydantic or pulumi_aws.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

Architecture = Literal["amd64", "arm64"]

# <category><generation><attributes>, optionally after a memory size (u-6tb1) or before a
# variant (c7i-flex, u7i-12tb, p6-b200, p6e-gb200); the same split Karpenter uses for its
# instance-category and instance-generation labels.
_FAMILY = re.compile(
    r"^(?P<category>[a-z]+)(?:-[0-9]+tb)?(?P<generation>[0-9]+)(?P<attributes>[a-z]*)(?:-(?P<variant>[a-z0-9]+))?$"
)
# Apple silicon Macs from the M4 on carry no generation digit: mac-m4, mac-m4pro.
_MAC_WITHOUT_GENERATION = re.compile(r"^mac-m[0-9]+[a-z]*$")
MAC_CATEGORY = "mac"

# From generation 6 on, AWS names the processor of these categories right after the
# generation (m7a, m7g, m7i), so a bare `m7` is a typo rather than a family.
PROCESSOR_NAMED_CATEGORIES = frozenset({"c", "m", "r", "x", "i", "hpc"})
PROCESSOR_NAMED_FROM_GENERATION = 6
PROCESSOR_LETTERS = {"a": "AMD", "g": "Graviton", "i": "Intel"}

# A `g` right after the generation marks Graviton; these arm64 families say it otherwise.
ARM64_EXCEPTIONS = {
    "a1": "Graviton",  # the first Graviton, from before the naming rule
    "p6e-gb200": "NVIDIA Grace",
}
# mac1 is Intel; every later Mac instance is Apple silicon.
INTEL_MAC_FAMILIES = frozenset({"mac1"})

# Families with GPUs, by the manufacturer Karpenter puts in karpenter.k8s.aws/instance-gpu-manufacturer.
GPU_FAMILIES = {
    "g2": "nvidia",
    "g3": "nvidia",
    "g3s": "nvidia",
    "g4dn": "nvidia",
    "g5": "nvidia",
    "g5g": "nvidia",
    "g6": "nvidia",
    "g6e": "nvidia",
    "g6f": "nvidia",
    "g7": "nvidia",
    "g7e": "nvidia",
    "gr6": "nvidia",
    "gr6f": "nvidia",
    "p2": "nvidia",
    "p3": "nvidia",
    "p3dn": "nvidia",
    "p4d": "nvidia",
    "p4de": "nvidia",
    "p5": "nvidia",
    "p5e": "nvidia",
    "p5en": "nvidia",
    "p6-b200": "nvidia",
    "p6-b300": "nvidia",
    "p6e-gb200": "nvidia",
    "g4ad": "amd",
    "dl1": "habana",
}
NVIDIA = "nvidia"
# Every family of p and gr has NVIDIA GPUs, and every g family has GPUs, all NVIDIA but g4ad;
# a family of these categories newer than the table is taken to follow suit.
GPU_MANUFACTURER_BY_CATEGORY = {"p": NVIDIA, "gr": NVIDIA, "g": NVIDIA}

_EXAMPLE_FAMILIES = "such as c5, m7i, c6gn or p4d"

# Families AWS lists as previous generation (Amazon EC2 User Guide, "Previous generation instances").
# DescribeInstanceTypes' `CurrentGeneration` says the same of a type, but the copy of AWS's data the
# shipped catalog is generated from also marks families AWS still sells as current (m5, c5, r5, g5,
# m6i, r6i, r7g, r7gd, c6gn) as previous, so a type counts as previous generation only where both agree.
PREVIOUS_GENERATION_FAMILIES = frozenset(
    {
        "a1",
        "c1",
        "c3",
        "c4",
        "cc2",
        "cr1",
        "d2",
        "g2",
        "g3",
        "g3s",
        "hi1",
        "hs1",
        "i2",
        "m1",
        "m2",
        "m3",
        "m4",
        "p2",
        "r3",
        "r4",
        "t1",
    }
)


def family_problem(family: str) -> str | None:
    """Why `family` is not an EC2 instance family name, or None when it is one."""
    if _MAC_WITHOUT_GENERATION.match(family):
        return None
    parts = _FAMILY.match(family)
    if parts is None:
        return (
            f"'{family}' is not an EC2 instance family: a family is category letters, a generation digit "
            f"and attribute letters, {_EXAMPLE_FAMILIES}"
        )
    category, generation = parts["category"], int(parts["generation"])
    attributes = parts["attributes"]
    if (
        category in PROCESSOR_NAMED_CATEGORIES
        and generation >= PROCESSOR_NAMED_FROM_GENERATION
        and attributes[:1] not in PROCESSOR_LETTERS
    ):
        options = [f"{category}{generation}{letter}" for letter in sorted(PROCESSOR_LETTERS)]
        processors = ", ".join(f"{letter} {maker}" for letter, maker in sorted(PROCESSOR_LETTERS.items()))
        return (
            f"'{family}' is not an EC2 instance family: from generation {PROCESSOR_NAMED_FROM_GENERATION} on, "
            f"'{category}' families name their processor right after the generation "
            f"({processors}); did you mean {', '.join(options[:-1])} or {options[-1]}?"
        )
    return None


def family_category(family: str) -> str | None:
    """The instance category (`m` for m7i, `inf` for inf2, `u` for u7i-12tb); None for a name
    that is not a family."""
    if family_problem(family) is not None:
        return None
    if _MAC_WITHOUT_GENERATION.match(family):
        return MAC_CATEGORY
    parts = _FAMILY.match(family)
    return parts["category"] if parts else None


def family_generation(family: str) -> int | None:
    """The generation digits after the category (7 for m7i); None for a name that is not a family,
    or for a Mac family named without one (mac-m4)."""
    if family_category(family) is None:
        return None
    parts = _FAMILY.match(family)
    return int(parts["generation"]) if parts else None


def arm64_processor(family: str) -> str | None:
    """The Arm processor of an arm64 family (Graviton, NVIDIA Grace, Apple silicon); None for an
    amd64 family or a name that is not a family."""
    category = family_category(family)
    if category is None:
        return None
    if family in ARM64_EXCEPTIONS:
        return ARM64_EXCEPTIONS[family]
    if category == MAC_CATEGORY:
        return None if family in INTEL_MAC_FAMILIES else "Apple silicon"
    parts = _FAMILY.match(family)
    return "Graviton" if parts and parts["attributes"].startswith("g") else None


def family_architecture(family: str) -> Architecture:
    """`arm64` or `amd64`, as the kubernetes.io/arch label of the family's nodes reads.

    Raises ValueError for a name that is not a family.
    """
    problem = family_problem(family)
    if problem is not None:
        raise ValueError(problem)
    return "arm64" if arm64_processor(family) else "amd64"


def family_gpu_manufacturer(family: str) -> str | None:
    """Who makes the family's GPUs (`nvidia`, `amd`, `habana`); None for a family without GPUs or
    a name that is not a family."""
    category = family_category(family)
    if category is None:
        return None
    if family in GPU_FAMILIES:
        return GPU_FAMILIES[family]
    return GPU_MANUFACTURER_BY_CATEGORY.get(category)


def _gpu_categories(manufacturer: str | None = None) -> frozenset[str]:
    makers = [(family_category(f), m) for f, m in GPU_FAMILIES.items()] + list(GPU_MANUFACTURER_BY_CATEGORY.items())
    return frozenset(c for c, m in makers if c is not None and manufacturer in (None, m))


GPU_CATEGORIES = _gpu_categories()
NVIDIA_GPU_CATEGORIES = _gpu_categories(NVIDIA)


def categories_admit_gpus(categories: Iterable[str]) -> bool:
    """Whether any of the instance categories holds a family with GPUs, of any manufacturer."""
    return any(category in GPU_CATEGORIES for category in categories)


def categories_admit_nvidia_gpus(categories: Iterable[str]) -> bool:
    """Whether any of the instance categories holds a family with NVIDIA GPUs."""
    return any(category in NVIDIA_GPU_CATEGORIES for category in categories)
