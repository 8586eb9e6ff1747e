"""`python -m karpenter convert`: the runbook's example values become a stack that renders the same
zones and capacity types as the v0 Provisioners; what cannot be carried over is refused naming the
file and key; an existing stack file is never overwritten."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from karpenter.offline import program, report
from karpenter.offline.cli import main
from tests.aws.test_adoption import imports, runbook_facts
from tests.conftest import FIXTURES, ROOT, make_project
from tests.migrate.test_behaviour_changes import RUNBOOK_CHANGES
from tests.migrate.test_runbook_values import RUNBOOK_EXAMPLE

RUNBOOK = FIXTURES / "runbook"
KARPENTER_VALUES = RUNBOOK / "karpenter-values.yaml"
CONFIG_VALUES = RUNBOOK / "karpenter-config-values.yaml"
ZONE, CAPACITY = "topology.kubernetes.io/zone", "karpenter.sh/capacity-type"


def convert(project: Path, karpenter: Path = KARPENTER_VALUES, config: Path = CONFIG_VALUES, *extra: str) -> int:
    args = ["convert", "--karpenter-values", str(karpenter), "--config-values", str(config)]
    return main([*args, "--stack", "dev", "--project-dir", str(project), *extra])


def runbook_provisioners() -> dict[str, dict[str, list[str]]]:
    """The zones and capacity types of the v0 Provisioners, as the karpenter-config chart renders them
    from the runbook's values (the CPU one from its requirements, the GPU one from its switches)."""
    values = yaml.safe_load(CONFIG_VALUES.read_text())["karpenter"]
    cpu = {r["key"]: r["values"] for r in values["defaultProvisionerSpec"]["requirements"]}
    gpu = values["gpuProvisionerSpec"]
    return {
        "cpu": {"zones": cpu[ZONE], "capacityTypes": cpu[CAPACITY]},
        "gpu": {"zones": gpu["zones"], "capacityTypes": gpu["capacityTypes"]},
    }


def rendered_pools(result: program.SynthResult) -> dict[str, dict[str, list[str]]]:
    manifests = report.rendered_files(result)["manifests/karpenter-config.yaml"]
    pools: dict[str, dict[str, list[str]]] = {}
    for document in yaml.safe_load_all(manifests):
        if document and document["kind"] == "NodePool":
            requirements = {r["key"]: r["values"] for r in document["spec"]["template"]["spec"]["requirements"]}
            pools[document["metadata"]["name"]] = {"zones": requirements[ZONE], "capacityTypes": requirements[CAPACITY]}
    return pools


def test_the_runbooks_values_convert_to_a_stack_that_renders_the_same_pools(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(tmp_path)
    assert convert(project) == 0
    capsys.readouterr()
    settings = program.stack_settings("dev", project)
    assert {key: settings[key] for key in ("aws:region", "karpenter:namespace", "karpenter:adopt")} == {
        "aws:region": "eu-west-1",
        "karpenter:namespace": "karpenter",
        "karpenter:adopt": "true",
    }
    result = program.run_program("dev", settings, runbook_facts(), project_dir=project)
    assert rendered_pools(result) == runbook_provisioners()
    # Adopting what the runbook made, not colliding with it.
    assert imports(result)["node-instance-profile"] == "karpenter-instance-profile-dev"


def header_items(text: str) -> list[str]:
    """The stack file's header comments as its list items, each unwrapped to one line."""
    items: list[str] = []
    for line in text.splitlines():
        if line.startswith("# - "):
            items.append(line[4:])
        elif line.startswith("#   ") and items:
            items[-1] += " " + line[4:]
    return items


def test_what_changes_from_v0_is_printed_and_written_in_the_stack_files_header(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(tmp_path)
    assert convert(project) == 0
    target = project / "Pulumi.dev.yaml"
    assert capsys.readouterr().out == (
        f"wrote {target}; review before pulumi up (also in its header):\n"
        + "".join(f"- {change}\n" for change in RUNBOOK_CHANGES)
        + "next: python -m karpenter doctor --stack dev\n"
    )
    text = target.read_text()
    assert text.startswith(
        "# Converted by `python -m karpenter convert` from the v0.x runbook's Helm values\n"
        "# (karpenter-values.yaml, karpenter-config-values.yaml). Review before `pulumi up`:\n"
    )
    assert header_items(text) == [
        "adopt: true takes over the runbook's roles, instance profile and tags (README, Moving from a hand-made "
        "install); run `python -m karpenter doctor --stack dev` first.",
        *RUNBOOK_CHANGES,
    ]
    assert max(len(line) for line in text.splitlines() if line.startswith("#")) <= 102


def test_a_conversion_with_nothing_to_tell_prints_only_where_it_wrote(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = values_with(tmp_path, lambda v: v["karpenter"].clear())
    project = make_project(tmp_path / "project")
    karpenter = yaml.safe_load(KARPENTER_VALUES.read_text())
    del karpenter["karpenter"]["controller"]
    karpenter_file = tmp_path / "karpenter-values.yaml"
    karpenter_file.write_text(yaml.safe_dump(karpenter))
    assert convert(project, karpenter_file, config) == 0
    assert capsys.readouterr().out == (
        f"wrote {project / 'Pulumi.dev.yaml'}; next: python -m karpenter doctor --stack dev\n"
    )


def test_the_runbooks_controller_resources_give_way_to_the_recommended_ones(tmp_path: Path) -> None:
    """Karpenter 1.14.1's getting-started guide installs the controller with requests and limits of
    cpu 1 and memory 1Gi (website/content/en/docs/getting-started/getting-started-with-karpenter/
    scripts/step08-apply-helm-chart.sh), the values its chart suggests (charts/karpenter/values.yaml,
    `controller.resources`); the runbook's 200m / 256Mi limits are replaced by the stack's defaults,
    which are those."""
    project = make_project(tmp_path)
    convert(project)
    config = yaml.safe_load((project / "Pulumi.dev.yaml").read_text())["config"]
    assert "karpenter:controller" not in config
    settings = program.stack_settings("dev", project)
    result = program.run_program("dev", settings, runbook_facts(), project_dir=project)
    (release,) = [r for r in result.of_type("kubernetes:helm.sh/v3:Release") if r.inputs["name"] == "karpenter"]
    assert release.inputs["values"]["controller"]["resources"] == {
        "requests": {"cpu": "1", "memory": "1Gi"},
        "limits": {"cpu": "1", "memory": "1Gi"},
    }


def test_values_with_the_runbooks_placeholders_are_refused_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    karpenter = tmp_path / "karpenter-values.yaml"
    karpenter.write_text(KARPENTER_VALUES.read_text().replace("123456789012", "ACCOUNT_ID"))
    project = make_project(tmp_path / "project")
    assert convert(project, karpenter) == 2
    assert capsys.readouterr().err == (
        "error: karpenter-values.yaml: karpenter.serviceAccount.annotations.eks.amazonaws.com/role-arn: ACCOUNT_ID "
        "is the runbook's placeholder; put in the AWS account id (aws sts get-caller-identity)\n"
    )
    assert not (project / "Pulumi.dev.yaml").exists()


def test_an_existing_stack_file_is_never_overwritten(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path, {"dev": {"karpenter:clusterName": "dev"}})
    before = (project / "Pulumi.dev.yaml").read_text()
    assert convert(project) == 2
    assert capsys.readouterr().err == (
        "error: Pulumi.dev.yaml: exists; convert never overwrites a stack file: move it away, or pick another --stack\n"
    )
    assert (project / "Pulumi.dev.yaml").read_text() == before


def values_with(tmp_path: Path, change: Any) -> Path:
    values = yaml.safe_load(CONFIG_VALUES.read_text())
    change(values)
    path = tmp_path / "karpenter-config-values.yaml"
    path.write_text(yaml.safe_dump(values))
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda v: v["karpenter"]["defaultProvisionerSpec"].update(kubeletConfiguration={"maxPods": 110}),
            "karpenter-config-values.yaml: karpenter.defaultProvisionerSpec.kubeletConfiguration: has no equivalent in "
            "the stack; remove it, or set it by hand after converting",
        ),
        (
            lambda v: v["karpenter"]["defaultProvisionerSpec"]["requirements"].append(
                {"key": "node.kubernetes.io/instance-type", "operator": "In", "values": ["m5.large"]}
            ),
            "karpenter.defaultProvisionerSpec.requirements[4]: node.kubernetes.io/instance-type In has no equivalent "
            "among a pool's settings",
        ),
        (
            lambda v: v["karpenter"].update(instanceProfile="legacy-nodes"),
            "karpenter-config-values.yaml: karpenter.instanceProfile: is not the defaultInstanceProfile of the "
            "karpenter values",
        ),
        (
            lambda v: v["cluster"].update(name="prod"),
            "karpenter-config-values.yaml: cluster.name: 'prod' is not the cluster 'dev' the karpenter values name",
        ),
        (
            lambda v: v["karpenter"]["gpuProvisionerSpec"].update(instanceFamilies=["m5"]),
            "karpenter.gpuProvisionerSpec: cannot be converted: karpenter:nodePools.gpu.instanceFamilies: m5 has no "
            "NVIDIA GPUs, so this gpu: true pool could never launch a node; name NVIDIA GPU families such as "
            "g5, g6e, p5",
        ),
    ],
    ids=["unknown-key", "requirement", "instance-profile", "cluster", "invalid-pool"],
)
def test_what_cannot_be_carried_over_is_refused_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: Any, message: str
) -> None:
    config = values_with(tmp_path, change)
    project = make_project(tmp_path / "project")
    assert convert(project, KARPENTER_VALUES, config) == 2
    assert capsys.readouterr().err == f"error: {message}\n"
    assert not (project / "Pulumi.dev.yaml").exists()


def test_a_disabled_gpu_provisioner_makes_no_gpu_pool(tmp_path: Path) -> None:
    config = values_with(tmp_path, lambda v: v["karpenter"]["gpuProvisionerSpec"].update(enabled=False))
    project = make_project(tmp_path / "project")
    assert convert(project, KARPENTER_VALUES, config) == 0
    pools = yaml.safe_load((project / "Pulumi.dev.yaml").read_text())["config"]["karpenter:nodePools"]
    assert list(pools) == ["cpu"]


def test_a_values_file_that_is_not_yaml_is_named_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "karpenter-values.yaml"
    broken.write_text("karpenter:\n  settings: [unclosed\n")
    assert convert(make_project(tmp_path / "project"), broken) == 2
    assert capsys.readouterr().err.startswith(f"error: {broken}:3: not valid YAML:")


def test_the_readmes_example_values_convert_and_its_placeholder_refusal_is_the_one_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    section = (ROOT / "README.md").read_text().split("### What convert reads, and what it tells you", 1)[1]
    section = section.split("\n### ", 1)[0]
    karpenter_example, config_example = re.findall(r"```yaml\n(.*?)```", section, re.S)
    shown_error = re.findall(r"```\n(error: .*?)```", section, re.S)[0]
    karpenter, config = tmp_path / "karpenter-values.yaml", tmp_path / "karpenter-config-values.yaml"
    karpenter.write_text(karpenter_example)
    config.write_text(config_example)
    project = make_project(tmp_path / "project")
    assert convert(project, karpenter, config) == 0
    written = yaml.safe_load((project / "Pulumi.dev.yaml").read_text())["config"]
    assert (written["karpenter:clusterName"], written["aws:region"]) == ("prod", "eu-west-1")
    capsys.readouterr()
    karpenter.write_text(RUNBOOK_EXAMPLE)
    assert convert(make_project(tmp_path / "other"), karpenter, config) == 2
    assert capsys.readouterr().err == shown_error
