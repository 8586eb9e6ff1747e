"""The pull-request workflow: offline checks gate a `pulumi preview` of every stack file in the repository."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "preview.yml"

Job = dict[str, Any]
Step = dict[str, Any]
StepTest = Callable[[Step], bool]


@pytest.fixture(scope="module")
def workflow() -> dict[Any, Any]:
    loaded: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text())
    return loaded


def _stack_files(root: Path) -> set[str]:
    return {path.name.removeprefix("Pulumi.").removesuffix(".yaml") for path in root.glob("Pulumi.*.yaml")}


def _job(workflow: dict[Any, Any], name: str) -> Job:
    job: Job = workflow["jobs"][name]
    return job


def _action(step: Step) -> str:
    """`owner/name` of the action a step uses, without its version; empty for `run` steps."""
    return str(step.get("uses", "")).partition("@")[0]


def _index(steps: list[Step], found: StepTest, what: str) -> int:
    """Position of the first step `found` accepts."""
    matches = [number for number, step in enumerate(steps) if found(step)]
    assert matches, f"no step that {what}"
    return matches[0]


def _runs(command: str) -> StepTest:
    """Accepts a step with a script line that is `command`, alone or with arguments."""

    def accepts(step: Step) -> bool:
        lines = (line.strip() for line in str(step.get("run", "")).splitlines())
        return any(line == command or line.startswith(f"{command} ") for line in lines)

    return accepts


def _uses(action: str) -> StepTest:
    return lambda step: _action(step) == action


def _preview_stacks(workflow: dict[Any, Any]) -> list[str]:
    return [str(name) for name in _job(workflow, "preview")["strategy"]["matrix"]["stack"]]


def _synth_step(workflow: dict[Any, Any]) -> Step:
    steps = _job(workflow, "test")["steps"]
    step: Step = steps[_index(steps, _runs("make synth"), "runs `make synth`")]
    return step


def _synth_stacks(workflow: dict[Any, Any]) -> list[str]:
    return str(_synth_step(workflow)["env"]["STACKS"]).split()


def _pulumi_step(workflow: dict[Any, Any]) -> Step:
    steps = _job(workflow, "preview")["steps"]
    step: Step = steps[_index(steps, _uses("pulumi/actions"), "uses pulumi/actions")]
    return step


def test_the_workflow_runs_on_pull_requests_and_on_demand(workflow: dict[Any, Any]) -> None:
    # YAML 1.1 reads the bare key `on` as the boolean True.
    triggers = workflow[True]
    assert "pull_request" in triggers
    assert "workflow_dispatch" in triggers


def test_every_stack_the_workflow_names_has_a_stack_file(workflow: dict[Any, Any]) -> None:
    named = {"preview matrix": _preview_stacks(workflow), "synth step": _synth_stacks(workflow)}
    for where, stacks in named.items():
        assert stacks, f"the {where} names no stack"
        missing = [name for name in stacks if not (ROOT / f"Pulumi.{name}.yaml").is_file()]
        assert not missing, f"the {where} names stacks without a Pulumi.<stack>.yaml: {missing}"


def test_every_stack_file_is_previewed_and_rendered(workflow: dict[Any, Any]) -> None:
    stack_files = _stack_files(ROOT)
    assert stack_files, "no Pulumi.<stack>.yaml in the repository root"
    unpreviewed = stack_files - set(_preview_stacks(workflow))
    assert not unpreviewed, f"add these stacks to the preview matrix in {WORKFLOW.name}: {sorted(unpreviewed)}"
    unrendered = stack_files - set(_synth_stacks(workflow))
    assert not unrendered, f"add these stacks to STACKS of the synth step in {WORKFLOW.name}: {sorted(unrendered)}"


def test_stack_files_are_found_by_name_alone(tmp_path: Path) -> None:
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.new-cluster.yaml", "README.md"):
        (tmp_path / name).write_text("")
    assert _stack_files(tmp_path) == {"dev", "new-cluster"}


def test_the_test_job_runs_make_test_then_renders_and_uploads_every_stack(workflow: dict[Any, Any]) -> None:
    steps = _job(workflow, "test")["steps"]
    make_test = _index(steps, _runs("make test"), "runs `make test`")
    synth = _index(steps, _runs("make synth"), "runs `make synth`")
    upload = _index(steps, _uses("actions/upload-artifact"), "uploads an artifact")
    assert make_test < synth < upload
    run = str(steps[synth]["run"])
    assert 'STACK="$stack"' in run
    assert 'OUT="build/synth/$stack"' in run
    assert steps[upload]["with"]["path"] == "build/synth"


def test_the_preview_job_waits_for_the_test_job(workflow: dict[Any, Any]) -> None:
    needs = _job(workflow, "preview").get("needs", [])
    assert "test" in ([needs] if isinstance(needs, str) else needs)


def test_the_preview_job_may_fetch_an_oidc_token_and_comment(workflow: dict[Any, Any]) -> None:
    # Permissions set on a job replace the workflow's, so the job's own block is what applies.
    permissions = _job(workflow, "preview").get("permissions", workflow.get("permissions", {}))
    assert permissions.get("id-token") == "write"
    assert permissions.get("pull-requests") == "write"
    assert permissions.get("contents") == "read"


def test_the_test_job_gets_no_oidc_token(workflow: dict[Any, Any]) -> None:
    permissions = _job(workflow, "test").get("permissions", workflow.get("permissions", {}))
    assert permissions.get("id-token") != "write"


def test_preview_installs_and_signs_in_before_pulumi_runs(workflow: dict[Any, Any]) -> None:
    steps = _job(workflow, "preview")["steps"]
    install = _index(steps, _runs("make install"), "runs `make install`")
    credentials = _index(steps, _uses("aws-actions/configure-aws-credentials"), "configures AWS credentials")
    pulumi = _index(steps, _uses("pulumi/actions"), "uses pulumi/actions")
    assert install < credentials < pulumi
    role = steps[credentials]["with"]
    assert role["role-to-assume"] == "${{ vars.AWS_PREVIEW_ROLE_ARN }}"
    assert role["aws-region"]
    assert "aws-access-key-id" not in role


def test_pulumi_previews_the_matrix_stack_and_comments_on_the_pr(workflow: dict[Any, Any]) -> None:
    step = _pulumi_step(workflow)
    inputs = step["with"]
    assert inputs["command"] == "preview"
    assert str(inputs["comment-on-pr"]).lower() == "true"
    assert inputs["stack-name"] == "${{ vars.PULUMI_ORG }}/${{ matrix.stack }}"
    assert inputs["work-dir"] == "."
    assert step["env"]["PULUMI_ACCESS_TOKEN"] == "${{ secrets.PULUMI_ACCESS_TOKEN }}"


def test_every_action_is_pinned_to_a_major_version(workflow: dict[Any, Any]) -> None:
    for name, job in workflow["jobs"].items():
        for step in job["steps"]:
            if "uses" in step:
                version = str(step["uses"]).partition("@")[2]
                assert version.startswith("v") and version[1:].split(".")[0].isdigit(), f"{name}: {step['uses']}"
