"""The README's configuration reference is generated from the config models and kept current."""

from __future__ import annotations

from pathlib import Path

from karpenter.config.stack_config import StackConfig
from karpenter.offline import docs
from karpenter.offline.facts import OfflineFacts, load_facts_file


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


def test_readme_facts_example_is_a_valid_facts_file(tmp_path: Path) -> None:
    readme = docs.README.read_text()
    section = readme.split("### Cluster facts for offline synth", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "facts.yaml").write_text(example)
    facts = load_facts_file(tmp_path / "facts.yaml")
    assert facts.region == "us-west-2"
    assert [subnet.public for subnet in facts.subnets] == [False, False, True]


def test_reference_lists_every_facts_key() -> None:
    reference = docs.facts_reference()
    for name, field in OfflineFacts.model_fields.items():
        assert f"| `{field.alias or name}` |" in reference
    assert "| `subnets[].zone` |" in reference
