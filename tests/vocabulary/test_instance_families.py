"""EC2 instance families: category, generation, architecture and GPU maker follow AWS's naming."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from karpenter.vocabulary import instance_families, resource_names
from karpenter.vocabulary.instance_families import (
    GPU_FAMILIES,
    arm64_processor,
    categories_admit_gpus,
    categories_admit_nvidia_gpus,
    family_architecture,
    family_category,
    family_generation,
    family_gpu_manufacturer,
    family_problem,
)

# --- generated family names ---------------------------------------------------------------

# Category letters as AWS writes them; `mac` names follow their own scheme and are pinned below.
categories = st.from_regex(r"[a-z]{1,3}", fullmatch=True).filter(lambda c: c != "mac")
generations = st.integers(min_value=1, max_value=12)
# The letter right after the generation names the processor: a AMD, g Graviton, i Intel.
processors = st.sampled_from(["", "a", "g", "i"])
# Further attribute letters never start with a processor letter here, so they cannot change it.
extras = st.lists(st.sampled_from(["n", "d", "e", "z", "b", "dn", "en"]), max_size=2).map("".join)
variants = st.sampled_from(["", "-flex"])
# The categories whose families name their processor from generation 6 on (m6a, m6g, m6i; no m6); hpc too.
PROCESSOR_NAMED_CATEGORIES = ("c", "m", "r", "x", "i", "hpc")


def _named_processor_missing(category: str, generation: int, processor: str) -> bool:
    return category in PROCESSOR_NAMED_CATEGORIES and generation >= 6 and not processor


@given(categories, generations, processors, extras, variants)
def test_category_and_generation_are_the_letters_and_digits_before_the_attributes(
    category: str, generation: int, processor: str, extra: str, variant: str
) -> None:
    assume(not _named_processor_missing(category, generation, processor))
    family = f"{category}{generation}{processor}{extra}{variant}"
    assert family_problem(family) is None
    assert family_category(family) == category
    assert family_generation(family) == generation


@given(categories, generations, processors, extras, variants)
def test_a_g_right_after_the_generation_means_arm64_and_anything_else_amd64(
    category: str, generation: int, processor: str, extra: str, variant: str
) -> None:
    assume(not _named_processor_missing(category, generation, processor))
    family = f"{category}{generation}{processor}{extra}{variant}"
    assume(family != "a1")  # the first Graviton, named before the rule
    assert family_architecture(family) == ("arm64" if processor == "g" else "amd64")
    assert arm64_processor(family) == ("Graviton" if processor == "g" else None)


@given(st.sampled_from(sorted(PROCESSOR_NAMED_CATEGORIES)), st.integers(min_value=6, max_value=12), extras)
def test_a_recent_general_purpose_family_without_its_processor_letter_is_no_family(
    category: str, generation: int, extra: str
) -> None:
    family = f"{category}{generation}{extra}"
    assert family_category(family) is None
    assert family_generation(family) is None
    assert family_gpu_manufacturer(family) is None
    problem = family_problem(family)
    assert problem is not None
    assert problem.endswith(
        f"did you mean {category}{generation}a, {category}{generation}g or {category}{generation}i?"
    )


@given(st.from_regex(r"[0-9]+[a-z0-9]*|[a-z]+|[a-z]+[0-9]+[a-z]*-|[A-Z][a-z]*[0-9]+[a-z]*", fullmatch=True))
def test_a_name_without_category_letters_then_generation_digits_is_no_family(name: str) -> None:
    assert family_category(name) is None
    assert family_problem(name) == (
        f"'{name}' is not an EC2 instance family: a family is category letters, a generation digit "
        "and attribute letters, such as c5, m7i, c6gn or p4d"
    )


@given(st.sampled_from(["p", "gr"]), generations, st.sampled_from(["", "d", "e", "en", "f"]))
def test_every_family_of_p_and_gr_has_nvidia_gpus(category: str, generation: int, extra: str) -> None:
    assert family_gpu_manufacturer(f"{category}{generation}{extra}") == "nvidia"


@given(st.sampled_from(["c", "m", "r", "t", "x", "z", "inf", "trn", "hpc"]), generations, processors, extras)
def test_cpu_and_accelerator_families_have_no_gpus(category: str, generation: int, processor: str, extra: str) -> None:
    family = f"{category}{generation}{processor}{extra}"
    assume(family_category(family) is not None)
    assert family_gpu_manufacturer(family) is None


def test_every_gpu_family_of_the_table_is_a_family_whose_category_admits_gpus() -> None:
    for family, manufacturer in GPU_FAMILIES.items():
        category = family_category(family)
        assert category is not None, family
        assert categories_admit_gpus([category]), family
        assert categories_admit_nvidia_gpus([category]) == (category != "dl"), family
        assert family_gpu_manufacturer(family) == manufacturer


# --- real families ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("family", "category", "generation", "architecture"),
    [
        ("m7i", "m", 7, "amd64"),
        ("m5", "m", 5, "amd64"),
        ("c7i-flex", "c", 7, "amd64"),
        ("m8azn", "m", 8, "amd64"),
        ("x8aedz", "x", 8, "amd64"),
        ("inf2", "inf", 2, "amd64"),
        ("trn1", "trn", 1, "amd64"),
        ("trn1n", "trn", 1, "amd64"),
        ("dl2q", "dl", 2, "amd64"),
        ("u7i-12tb", "u", 7, "amd64"),
        ("u7in-16tb", "u", 7, "amd64"),
        ("u-6tb1", "u", 1, "amd64"),
        ("p4d", "p", 4, "amd64"),
        ("p6-b200", "p", 6, "amd64"),
        ("p6-b300", "p", 6, "amd64"),
        ("gr6", "gr", 6, "amd64"),
        ("g4ad", "g", 4, "amd64"),
        ("z1d", "z", 1, "amd64"),
        ("m7g", "m", 7, "arm64"),
        ("c6gn", "c", 6, "arm64"),
        ("c8gb", "c", 8, "arm64"),
        ("g5g", "g", 5, "arm64"),
        ("r8g", "r", 8, "arm64"),
        ("x2gd", "x", 2, "arm64"),
        ("t4g", "t", 4, "arm64"),
        ("im4gn", "im", 4, "arm64"),
        ("is4gen", "is", 4, "arm64"),
        ("hpc7g", "hpc", 7, "arm64"),
        ("a1", "a", 1, "arm64"),
        ("p6e-gb200", "p", 6, "arm64"),
        ("mac1", "mac", 1, "amd64"),
        ("mac2", "mac", 2, "arm64"),
        ("mac2-m2", "mac", 2, "arm64"),
        ("mac2-m2pro", "mac", 2, "arm64"),
        ("mac-m4", "mac", None, "arm64"),
        ("mac-m4max", "mac", None, "arm64"),
    ],
)
def test_real_families_read_as_karpenter_labels_them(
    family: str, category: str, generation: int | None, architecture: str
) -> None:
    assert family_problem(family) is None
    assert family_category(family) == category
    assert family_generation(family) == generation
    assert family_architecture(family) == architecture


@pytest.mark.parametrize(
    ("family", "processor"),
    [("c7g", "Graviton"), ("a1", "Graviton"), ("p6e-gb200", "NVIDIA Grace"), ("mac2-m2pro", "Apple silicon")],
)
def test_arm64_families_name_their_processor(family: str, processor: str) -> None:
    assert arm64_processor(family) == processor


@pytest.mark.parametrize(
    ("family", "manufacturer"),
    [
        ("g3", "nvidia"),
        ("g3s", "nvidia"),
        ("g4dn", "nvidia"),
        ("g5", "nvidia"),
        ("g5g", "nvidia"),
        ("g6", "nvidia"),
        ("g6e", "nvidia"),
        ("g6f", "nvidia"),
        ("g7e", "nvidia"),
        ("gr6", "nvidia"),
        ("gr6f", "nvidia"),
        ("p2", "nvidia"),
        ("p3", "nvidia"),
        ("p3dn", "nvidia"),
        ("p4d", "nvidia"),
        ("p4de", "nvidia"),
        ("p5", "nvidia"),
        ("p5e", "nvidia"),
        ("p5en", "nvidia"),
        ("p6-b200", "nvidia"),
        ("p6-b300", "nvidia"),
        ("p6e-gb200", "nvidia"),
        ("g4ad", "amd"),
        ("dl1", "habana"),
        ("dl2q", None),
        ("inf2", None),
        ("trn2", None),
        ("vt1", None),
        ("m7i", None),
        ("c7g", None),
        ("m7", None),
    ],
)
def test_gpu_manufacturer_of_real_families(family: str, manufacturer: str | None) -> None:
    assert family_gpu_manufacturer(family) == manufacturer


@pytest.mark.parametrize(
    ("categories", "any_gpus", "nvidia_gpus"),
    [
        (["c", "m", "r"], False, False),
        (["inf", "trn", "dl"], True, False),
        (["dl"], True, False),
        (["g"], True, True),
        (["p"], True, True),
        (["gr"], True, True),
        (["c", "g"], True, True),
        ([], False, False),
    ],
)
def test_categories_admit_gpus_of_their_families(categories: list[str], any_gpus: bool, nvidia_gpus: bool) -> None:
    assert categories_admit_gpus(categories) is any_gpus
    assert categories_admit_nvidia_gpus(categories) is nvidia_gpus


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        (
            "m7",
            "'m7' is not an EC2 instance family: from generation 6 on, 'm' families name their processor right "
            "after the generation (a AMD, g Graviton, i Intel); did you mean m7a, m7g or m7i?",
        ),
        (
            "hpc8d",
            "'hpc8d' is not an EC2 instance family: from generation 6 on, 'hpc' families name their processor "
            "right after the generation (a AMD, g Graviton, i Intel); did you mean hpc8a, hpc8g or hpc8i?",
        ),
        (
            "7i",
            "'7i' is not an EC2 instance family: a family is category letters, a generation digit and attribute "
            "letters, such as c5, m7i, c6gn or p4d",
        ),
        (
            "m7i.large",
            "'m7i.large' is not an EC2 instance family: a family is category letters, a generation digit and "
            "attribute letters, such as c5, m7i, c6gn or p4d",
        ),
    ],
)
def test_names_that_are_no_family_say_what_a_family_looks_like(name: str, problem: str) -> None:
    assert family_problem(name) == problem
    assert family_category(name) is None
    with pytest.raises(ValueError, match=re.escape(problem)):
        family_architecture(name)


@pytest.mark.parametrize("module", [instance_families, resource_names], ids=["instance_families", "resource_names"])
def test_module_imports_only_the_standard_library_for_the_policy_pack(module: object) -> None:
    tree = ast.parse(Path(str(getattr(module, "__file__", ""))).read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert {name.split(".")[0] for name in imported} <= set(sys.stdlib_module_names) | {"__future__"}
