"""Node pool rules: what makes a pool unable to launch, or able to launch machines it was not
meant for. Each reads plain data and returns (the key below the pool, why) or None."""

from __future__ import annotations

from karpenter.config.values import CapacityType
from karpenter.vocabulary import instance_families


def default_instance_categories(gpu: bool) -> list[str]:
    """The categories a pool without instanceCategories launches from, as the chart renders them."""
    return ["g", "p"] if gpu else ["c", "m", "r"]


def reserved_capacity_problem(
    capacity_types: list[str], *, node_class: str, selects_reservations: bool
) -> tuple[str, str] | None:
    # Karpenter launches reserved capacity only from reservations a node class selects.
    if selects_reservations or CapacityType.RESERVED.value not in capacity_types:
        return None
    return (
        f"capacityTypes[{capacity_types.index(CapacityType.RESERVED.value)}]",
        f"'reserved' needs a node class that selects capacity reservations, and node class '{node_class}' sets no "
        f"karpenter:nodeClasses.{node_class}.capacityReservationSelectorTerms; add them there, or use spot or "
        "on-demand",
    )


def family_name_problem(families: list[str]) -> tuple[str, str] | None:
    for index, family in enumerate(families):
        problem = instance_families.family_problem(family)
        if problem:
            return f"instanceFamilies[{index}]", problem
    return None


def gpu_pool_problem(categories: list[str] | None, families: list[str]) -> tuple[str, str] | None:
    # The chart lets a GPU pool launch only instances with NVIDIA GPUs, whatever else it names.
    if families:
        key, names = "instanceFamilies", families
        lacking = [f for f in families if instance_families.family_gpu_manufacturer(f) != instance_families.NVIDIA]
        one, many, what, hint = "has", "have", "NVIDIA GPUs", "name NVIDIA GPU families such as g5, g6e, p5"
    elif categories:
        key, names = "instanceCategories", categories
        lacking = [c for c in categories if not instance_families.categories_admit_nvidia_gpus([c])]
        one, many, what, hint = "holds", "hold", "instances with NVIDIA GPUs", "use g, p or gr"
    else:
        return None
    if not lacking:
        return None
    if len(lacking) == len(names):
        verb = one if len(names) == 1 else many
        return key, f"{', '.join(names)} {verb} no {what}, so this gpu: true pool could never launch a node; {hint}"
    name = lacking[0]
    return (
        f"{key}[{names.index(name)}]",
        f"'{name}' {one} no {what}, and this gpu: true pool launches only instances with NVIDIA GPUs; drop '{name}'",
    )


def untainted_gpu_problem(categories: list[str] | None, families: list[str]) -> tuple[str, str] | None:
    # Only a gpu: true pool taints its nodes, which keeps pods that need no GPU off them.
    key, names, what = (
        ("instanceFamilies", families, "is a GPU family")
        if families
        else ("instanceCategories", categories or [], "holds GPU instances")
    )
    for index, name in enumerate(names):
        if families:
            maker = instance_families.family_gpu_manufacturer(name)
            nvidia, other = maker == instance_families.NVIDIA, maker not in (None, instance_families.NVIDIA)
        else:
            nvidia = instance_families.categories_admit_nvidia_gpus([name])
            other = instance_families.categories_admit_gpus([name])
        if nvidia:
            return (
                f"{key}[{index}]",
                f"'{name}' {what}, which this pool would launch without the nvidia.com/gpu "
                f"taint; set gpu: true on the pool, or drop '{name}'",
            )
        if other:
            return (
                f"{key}[{index}]",
                f"'{name}' {what}, which this pool would launch for pods that need no GPU, "
                f"and gpu: true pools launch only instances with NVIDIA GPUs; drop '{name}'",
            )
    return None


def family_category_problem(gpu: bool, categories: list[str] | None, families: list[str]) -> tuple[str, str] | None:
    allowed = categories if categories is not None else default_instance_categories(gpu)
    for index, family in enumerate(families):
        category = instance_families.family_category(family)
        if category in allowed:
            continue
        if categories is not None:
            why = f"which instanceCategories ({', '.join(allowed)}) excludes; add '{category}' to instanceCategories"
        else:
            why = (
                f"which the default instanceCategories ({', '.join(allowed)}) exclude; "
                f"set instanceCategories to include '{category}'"
            )
        return f"instanceFamilies[{index}]", f"'{family}' is in category '{category}', {why} or drop the family"
    return None


def family_architecture_problem(architectures: list[str], families: list[str]) -> tuple[str, str] | None:
    for index, family in enumerate(families):
        architecture = instance_families.family_architecture(family)
        if architecture in architectures:
            continue
        processor = instance_families.arm64_processor(family)
        kind = f"an arm64 ({processor})" if processor else "an amd64"
        return (
            f"instanceFamilies[{index}]",
            f"'{family}' is {kind} family, and architectures is [{', '.join(architectures)}]; "
            f"add {architecture} to architectures or drop the family",
        )
    return None


def family_generation_problem(min_generation: int, families: list[str]) -> tuple[str, str] | None:
    # The chart requires instance-generation Gt minInstanceGeneration.
    for index, family in enumerate(families):
        generation = instance_families.family_generation(family)
        if generation is not None and generation <= min_generation:
            return (
                f"instanceFamilies[{index}]",
                f"'{family}' is generation {generation}, and minInstanceGeneration {min_generation} admits "
                f"only later ones; lower minInstanceGeneration to {generation - 1}, or drop the family",
            )
    return None
