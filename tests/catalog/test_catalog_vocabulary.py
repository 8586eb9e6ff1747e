"""The family facts kept by hand in karpenter/vocabulary/instance_families.py agree with the catalog
read from EC2: category, generation, architecture and GPU maker of every family the catalog holds."""

from __future__ import annotations

from collections import defaultdict

import pytest

from karpenter.catalog.instance_types import InstanceType
from karpenter.catalog.snapshot import instance_types
from karpenter.vocabulary.instance_families import (
    GPU_FAMILIES,
    family_architecture,
    family_category,
    family_generation,
    family_gpu_manufacturer,
    family_problem,
)


def _families() -> dict[str, list[InstanceType]]:
    families: dict[str, list[InstanceType]] = defaultdict(list)
    for t in instance_types():
        families[t.family].append(t)
    return dict(families)


FAMILIES = _families()


def test_every_family_of_the_catalog_is_a_family_name_the_vocabulary_accepts() -> None:
    assert {family: family_problem(family) for family in FAMILIES if family_problem(family)} == {}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_the_vocabulary_reads_category_generation_and_architecture_as_ec2_says(family: str) -> None:
    for t in FAMILIES[family]:
        assert (family_category(family), family_generation(family)) == (t.category, t.generation), t.name
        assert family_architecture(family) == t.architecture, t.name


def test_every_gpu_family_of_the_catalog_is_a_gpu_family_of_its_maker() -> None:
    makers = {family: {t.gpu_manufacturer for t in types if t.gpu_manufacturer} for family, types in FAMILIES.items()}
    gpu_families = {family: found for family, found in makers.items() if found}
    assert {family: {GPU_FAMILIES.get(family)} for family in gpu_families} == gpu_families
    assert {family: {family_gpu_manufacturer(family)} for family in gpu_families} == gpu_families


def test_no_family_without_gpus_is_taken_for_one_with_gpus() -> None:
    without = [family for family, types in FAMILIES.items() if not any(t.gpu_manufacturer for t in types)]
    assert without
    assert {family: family_gpu_manufacturer(family) for family in without if family_gpu_manufacturer(family)} == {}
