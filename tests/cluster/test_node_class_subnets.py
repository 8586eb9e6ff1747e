"""A node class may narrow the stack's node subnets by id, never widen them."""

from __future__ import annotations

import pytest
import yaml

from karpenter.config.errors import ConfigError
from karpenter.offline import report
from tests.conftest import Run

PRIVATE = ["subnet-0a1b2c3d4e5f6a7b1", "subnet-0a1b2c3d4e5f6a7b2", "subnet-0a1b2c3d4e5f6a7b3"]
PUBLIC_A = "subnet-0a1b2c3d4e5f6a7b4"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        pytest.param(
            {"nodeClasses": {"training": {"subnetSelectorTerms": [{"id": PRIVATE[0]}, {"id": PUBLIC_A}]}}},
            f"karpenter:nodeClasses.training.subnetSelectorTerms[1].id: '{PUBLIC_A}' is not one of the node subnets "
            f"({', '.join(PRIVATE)}); name one of those, or select by tags",
            id="public-subnet",
        ),
        pytest.param(
            {
                "subnetIds": PRIVATE[:2],
                "nodeClasses": {"training": {"subnetSelectorTerms": [{"id": PRIVATE[2]}]}},
            },
            f"karpenter:nodeClasses.training.subnetSelectorTerms[0].id: '{PRIVATE[2]}' is not one of the node subnets "
            f"({PRIVATE[0]}, {PRIVATE[1]}); name one of those, or select by tags",
            id="private-subnet-left-out-of-subnet-ids",
        ),
    ],
)
def test_a_class_subnet_outside_the_node_subnets_is_refused(run: Run, config: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        run(config)
    assert str(refused.value) == message


def test_a_class_may_use_some_node_subnets_by_id_or_any_by_tags(run: Run) -> None:
    classes = {
        "zone-a": {"subnetSelectorTerms": [{"id": PRIVATE[0]}]},
        "tagged": {"subnetSelectorTerms": [{"tags": {"tier": "training"}}]},
    }
    pools = {"cpu": {}, "a": {"nodeClass": "zone-a", "zones": ["eu-west-1a"]}, "t": {"nodeClass": "tagged"}}
    result = run({"nodeClasses": classes, "nodePools": pools})
    manifests = yaml.safe_load_all(report.rendered_files(result)["manifests/karpenter-config.yaml"])
    terms = {m["metadata"]["name"]: m["spec"]["subnetSelectorTerms"] for m in manifests if m["kind"] == "EC2NodeClass"}
    assert terms == {
        "default": [{"tags": {"karpenter.sh/discovery": "dev"}}],
        "tagged": [{"tags": {"tier": "training"}}],
        "zone-a": [{"id": PRIVATE[0]}],
    }
