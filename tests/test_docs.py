"""The README's configuration reference is generated from the config models and kept current."""

from __future__ import annotations

from karpenter import docs
from karpenter.config import StackConfig


def test_readme_config_reference_is_current() -> None:
    readme = docs.README.read_text()
    assert docs.readme_with_reference(readme) == readme, "README is stale: run `make docs`"


def test_reference_lists_every_top_level_key_with_its_description() -> None:
    reference = docs.config_reference()
    for name, field in StackConfig.model_fields.items():
        assert f"| `{field.alias or name}` |" in reference
        assert field.description and field.description in reference


def test_reference_lists_nested_pool_keys() -> None:
    reference = docs.config_reference()
    assert "| `nodePools.<name>.capacityTypes` |" in reference
    assert "| `nodePools.<name>.taints[].effect` |" in reference
    assert "| `controller.resources.requests.cpu` |" in reference
