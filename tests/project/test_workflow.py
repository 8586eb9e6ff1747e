"""The pull-request workflow: offline checks and a diff of every stack against the base, then a `pulumi preview`, under
the guardrails, of every stack file.

The stack files themselves are never read here: they are examples that users replace with their own.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
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

# `uses: owner/repo@<40 hex> # v1.2.3`, the form Dependabot and Renovate keep up to date.
PINNED_USES = re.compile(
    r"^\s*(?:-\s+)?uses:\s+(?P<action>[\w.-]+/[\w.-]+(?:/[\w./-]+)?)@(?P<sha>[0-9a-f]{40})\s+#\s+v\d+\.\d+\.\d+\s*$"
)
# A stack file named literally, e.g. `Pulumi.dev.yaml`; globs (`*`), placeholders (`<stack>`) and variables differ.
LITERAL_STACK_FILE = re.compile(r"Pulumi\.[\w-][\w.-]*\.yaml")


@pytest.fixture(scope="module")
def workflow() -> dict[Any, Any]:
    loaded: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text())
    return loaded


def _job(workflow: dict[Any, Any], name: str) -> Job:
    job: Job = workflow["jobs"][name]
    return job


def _steps(workflow: dict[Any, Any]) -> list[tuple[str, Step]]:
    """Every step of every job, with the job's name."""
    return [(name, step) for name, job in workflow["jobs"].items() for step in job.get("steps", [])]


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


def _step(workflow: dict[Any, Any], job: str, found: StepTest, what: str) -> Step:
    steps = _job(workflow, job)["steps"]
    step: Step = steps[_index(steps, found, what)]
    return step


def _permissions(workflow: dict[Any, Any], job: str) -> dict[str, str]:
    # Permissions set on a job replace the workflow's, so the job's own block is what applies.
    if "permissions" in _job(workflow, job):
        own: dict[str, str] = _job(workflow, job)["permissions"]
        return own
    # With no block on the job nor on the workflow, the repository's default applies, which may be write-all.
    assert "permissions" in workflow, f"{job}: no permissions block, so the repository's default applies"
    inherited: dict[str, str] = workflow["permissions"]
    return inherited


def require_jq(found: str | None) -> None:
    """Stop unless jq, which the workflow's scripts run, is installed: a failure in CI, whose runners have it
    (a skip there would pass unnoticed), a skip with the reason anywhere else."""
    if found is not None:
        return
    missing = "jq is not installed: the workflow's scripts run it (Debian's and Ubuntu's package is jq)"
    if os.environ.get("CI"):
        pytest.fail(missing)
    pytest.skip(missing)


def _needs(job: Job) -> list[str]:
    needs = job.get("needs", [])
    return [needs] if isinstance(needs, str) else list(needs)


def _run_script(script: str, cwd: Path, env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    """Runs a `run:` script as GitHub's default bash shell does, returning what it wrote to GITHUB_OUTPUT."""
    output = cwd.parent / "github_output"
    output.write_text("")
    (cwd.parent / "step.sh").write_text(script)
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(cwd.parent / "step.sh")],
        cwd=cwd,
        env={"PATH": os.environ["PATH"], "GITHUB_OUTPUT": str(output), **env},
        capture_output=True,
        text=True,
        check=False,
    )
    lines = output.read_text().splitlines()
    outputs = dict(line.split("=", 1) for line in lines)
    assert len(outputs) == len(lines), f"an output was written twice or over several lines: {lines}"
    return result, outputs


def _list_stacks(workflow: dict[Any, Any], tmp_path: Path, files: list[str]) -> list[str]:
    require_jq(shutil.which("jq"))
    step = _step(workflow, "stacks", lambda step: step.get("id") == "list", "has id `list`")
    assert step.get("shell", "bash") == "bash"
    repository = tmp_path / "repository"
    for name in files:
        (repository / name).parent.mkdir(parents=True, exist_ok=True)
        (repository / name).write_text("config: {}\n")
    repository.mkdir(exist_ok=True)
    result, outputs = _run_script(str(step["run"]), repository, {})
    assert result.returncode == 0, result.stderr
    stacks: list[str] = json.loads(outputs["stacks"])
    return stacks


def _read_region(workflow: dict[Any, Any], tmp_path: Path, stack_file: str, default_region: str) -> tuple[int, str]:
    step = _step(workflow, "preview", lambda step: step.get("id") == "stack", "has id `stack`")
    assert step["env"]["STACK"] == "${{ matrix.stack }}"
    repository = tmp_path / "repository"
    (repository / "venv" / "bin").mkdir(parents=True)
    # The script runs venv/bin/python; this interpreter has PyYAML just as the job's venv/ does.
    python = repository / "venv" / "bin" / "python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    (repository / "Pulumi.a.yaml").write_text(stack_file)
    result, outputs = _run_script(str(step["run"]), repository, {"STACK": "a", "DEFAULT_REGION": default_region})
    return result.returncode, outputs.get("region", "")


def test_the_workflow_runs_on_pull_requests_and_on_demand(workflow: dict[Any, Any]) -> None:
    # YAML 1.1 reads the bare key `on` as the boolean True.
    triggers = workflow[True]
    assert "pull_request" in triggers
    assert "workflow_dispatch" in triggers


def test_the_stack_list_holds_every_stack_file_in_the_root_and_nothing_else(
    workflow: dict[Any, Any], tmp_path: Path
) -> None:
    files = ["Pulumi.b-c.yaml", "Pulumi.a.yaml", "Pulumi.yaml", "README.md", "policy/Pulumi.nested.yaml"]
    assert _list_stacks(workflow, tmp_path, files) == ["a", "b-c"]


def test_the_stack_list_is_sorted_whatever_order_the_files_are_listed_in(
    workflow: dict[Any, Any], tmp_path: Path
) -> None:
    names = ["z", "y", "x", "w", "v", "u", "b-c", "a"]
    assert _list_stacks(workflow, tmp_path, [f"Pulumi.{name}.yaml" for name in names]) == sorted(names)


def test_the_stack_list_is_empty_without_stack_files(workflow: dict[Any, Any], tmp_path: Path) -> None:
    assert _list_stacks(workflow, tmp_path, ["Pulumi.yaml"]) == []


def test_the_stack_list_is_the_stacks_job_output(workflow: dict[Any, Any]) -> None:
    assert _job(workflow, "stacks")["outputs"]["stacks"] == "${{ steps.list.outputs.stacks }}"


def test_the_preview_matrix_is_the_stack_list(workflow: dict[Any, Any]) -> None:
    preview = _job(workflow, "preview")
    assert "stacks" in _needs(preview)
    assert preview["strategy"]["matrix"] == {"stack": "${{ fromJSON(needs.stacks.outputs.stacks) }}"}


def test_no_stack_is_named_in_the_workflow(workflow: dict[Any, Any]) -> None:
    literal = LITERAL_STACK_FILE.findall(WORKFLOW.read_text())
    assert not literal, f"stacks named by hand in {WORKFLOW.name}: {literal}"
    for name, job in workflow["jobs"].items():
        matrix = job.get("strategy", {}).get("matrix", {})
        hand_kept = {key: value for key, value in matrix.items() if not str(value).startswith("${{")}
        assert not hand_kept, f"{name}: a matrix written by hand: {hand_kept}"


def test_without_stack_files_the_preview_job_is_skipped(workflow: dict[Any, Any]) -> None:
    # An empty matrix fails the job instead of skipping it.
    assert "needs.stacks.outputs.stacks != '[]'" in str(_job(workflow, "preview")["if"])


def test_fork_pull_requests_stop_at_the_offline_checks(workflow: dict[Any, Any]) -> None:
    condition = " ".join(str(_job(workflow, "preview")["if"]).split())
    assert "github.event.pull_request.head.repo.full_name == github.repository" in condition
    assert "github.event_name != 'pull_request' ||" in condition


def test_the_test_job_runs_make_test_then_uploads_every_rendered_stack(workflow: dict[Any, Any]) -> None:
    steps = _job(workflow, "test")["steps"]
    make_test = _index(steps, _runs("make test"), "runs `make test`")
    upload = _index(steps, _uses("actions/upload-artifact"), "uploads an artifact")
    assert make_test < upload
    # `make test` renders every stack file (`make check`) into build/synth, which the upload takes.
    test_target = re.search(r"^test:(.*)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert test_target is not None and "check" in test_target.group(1).split()
    check_target = re.search(r"^check:.*\n\t(.*)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert check_target is not None and check_target.group(1).endswith("synth --all --out build/synth")
    assert steps[upload]["with"]["path"] == "build/synth"
    assert steps[upload]["with"]["if-no-files-found"] == "error"


def test_the_test_job_pulls_the_upstream_crds_before_make_test(workflow: dict[Any, Any]) -> None:
    # Without them the tests that validate rendered manifests against the CRDs skip.
    steps = _job(workflow, "test")["steps"]
    assert _index(steps, _runs("make crds"), "runs `make crds`") < _index(steps, _runs("make test"), "runs `make test`")
    crds_target = re.search(r"^crds:.*\n\t(.*)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert crds_target is not None and crds_target.group(1).endswith("python -m tests.upstream_crds")
    # Where the tests then look: build/crds/, not a folder the variable names.
    assert "KARPENTER_CRDS_DIR" not in WORKFLOW.read_text()


def test_the_preview_job_waits_for_the_offline_checks(workflow: dict[Any, Any]) -> None:
    assert "test" in _needs(_job(workflow, "preview"))


def test_the_preview_job_may_fetch_an_oidc_token_and_comment(workflow: dict[Any, Any]) -> None:
    permissions = _permissions(workflow, "preview")
    assert permissions == {"contents": "read", "id-token": "write", "pull-requests": "write"}


def test_the_workflow_grants_nothing_by_default(workflow: dict[Any, Any]) -> None:
    # Without the block, a job that sets none of its own gets the repository's default, which may be write-all.
    assert workflow["permissions"] == {}


def test_only_the_preview_job_may_write_or_fetch_an_oidc_token(workflow: dict[Any, Any]) -> None:
    others = [name for name in workflow["jobs"] if name != "preview"]
    assert others == ["stacks", "test", "diff"]
    for name in others:
        permissions = _permissions(workflow, name)
        assert set(permissions.values()) <= {"read"}, f"{name}: {permissions}"


def test_the_jq_tests_fail_in_ci_without_jq_and_skip_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="^jq is not installed"):
        require_jq(None)
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="^jq is not installed"):
        require_jq(None)
    require_jq("/usr/bin/jq")


def test_preview_installs_and_signs_in_before_pulumi_runs(workflow: dict[Any, Any]) -> None:
    steps = _job(workflow, "preview")["steps"]
    install = _index(steps, _runs("make install"), "runs `make install`")
    policy = _index(steps, _runs("policy/venv/bin/pip install"), "installs the policy pack")
    credentials = _index(steps, _uses("aws-actions/configure-aws-credentials"), "configures AWS credentials")
    pulumi = _index(steps, _uses("pulumi/actions"), "uses pulumi/actions")
    assert install < credentials < pulumi
    assert policy < pulumi
    role = steps[credentials]["with"]
    assert role["role-to-assume"] == "${{ vars.AWS_PREVIEW_ROLE_ARN }}"
    assert role["aws-region"] == "${{ steps.stack.outputs.region }}"
    assert "aws-access-key-id" not in role


def test_the_region_is_read_from_the_stack_file(workflow: dict[Any, Any], tmp_path: Path) -> None:
    stack_file = "config:\n  aws:region: ap-southeast-2\n  karpenter:clusterName: a\n"
    assert _read_region(workflow, tmp_path, stack_file, "us-east-1") == (0, "ap-southeast-2")


def test_a_stack_file_without_a_region_uses_the_repository_variable(workflow: dict[Any, Any], tmp_path: Path) -> None:
    assert _read_region(workflow, tmp_path, "config:\n  karpenter:clusterName: a\n", "us-east-1") == (0, "us-east-1")


def test_a_stack_without_any_region_fails_its_preview(workflow: dict[Any, Any], tmp_path: Path) -> None:
    returncode, region = _read_region(workflow, tmp_path, "config:\n  karpenter:clusterName: a\n", "")
    assert returncode != 0
    assert region == ""


def test_pulumi_previews_the_matrix_stack_and_comments_on_the_pr(workflow: dict[Any, Any]) -> None:
    step = _step(workflow, "preview", _uses("pulumi/actions"), "uses pulumi/actions")
    inputs = step["with"]
    assert inputs["command"] == "preview"
    assert str(inputs["comment-on-pr"]).lower() == "true"
    assert inputs["stack-name"] == "${{ vars.PULUMI_ORG }}/${{ matrix.stack }}"
    assert inputs["work-dir"] == "."
    assert step["env"]["PULUMI_ACCESS_TOKEN"] == "${{ secrets.PULUMI_ACCESS_TOKEN }}"


def test_the_preview_runs_the_policy_pack(workflow: dict[Any, Any]) -> None:
    inputs = _step(workflow, "preview", _uses("pulumi/actions"), "uses pulumi/actions")["with"]
    # Paths are taken from the work dir; the action splits the input on commas and lines.
    packs = [pack.strip() for pack in re.split(r"[,\n]", str(inputs.get("policyPacks", ""))) if pack.strip()]
    assert packs == ["policy"]
    assert (ROOT / inputs["work-dir"] / packs[0] / "PulumiPolicy.yaml").is_file()


def test_the_policy_pack_is_installed_into_the_virtualenv_it_names(workflow: dict[Any, Any]) -> None:
    pack = yaml.safe_load((ROOT / "policy" / "PulumiPolicy.yaml").read_text())
    virtualenv = f"policy/{pack['runtime']['options']['virtualenv']}"
    script = str(_step(workflow, "preview", _runs("python -m venv"), "creates a virtualenv")["run"])
    assert f"python -m venv {virtualenv}" in script
    assert f"{virtualenv}/bin/pip install" in script
    assert "-r policy/requirements.txt" in script


def test_every_action_is_pinned_to_a_commit_with_its_version_in_a_comment(workflow: dict[Any, Any]) -> None:
    # Comments are lost in parsing, so the raw lines are read; a step written another way is caught by the count.
    lines = [line for line in WORKFLOW.read_text().splitlines() if re.match(r"^\s*(?:-\s+)?uses:", line)]
    unpinned = [line.strip() for line in lines if not PINNED_USES.match(line)]
    assert not unpinned, f"pin these to a full commit SHA with `# vX.Y.Z` after it: {unpinned}"
    pinned = sorted(f"{match['action']}@{match['sha']}" for line in lines if (match := PINNED_USES.match(line)))
    used = sorted(str(step["uses"]) for _, step in _steps(workflow) if "uses" in step)
    assert used
    assert used == pinned


def test_each_action_is_pinned_to_one_commit_throughout(workflow: dict[Any, Any]) -> None:
    pins: dict[str, set[str]] = {}
    for _, step in _steps(workflow):
        if "uses" in step:
            action, _, ref = str(step["uses"]).partition("@")
            pins.setdefault(action, set()).add(ref)
    mixed = {action: sorted(refs) for action, refs in pins.items() if len(refs) > 1}
    assert not mixed, f"bump every use of an action together: {mixed}"


def test_every_checkout_leaves_no_credentials_behind(workflow: dict[Any, Any]) -> None:
    checkouts = [(job, step) for job, step in _steps(workflow) if _action(step) == "actions/checkout"]
    assert {job for job, _ in checkouts} == set(workflow["jobs"])
    for job, step in checkouts:
        assert step.get("with", {}).get("persist-credentials") is False, f"{job}: checkout keeps the token"


def test_no_expression_expands_inside_a_script(workflow: dict[Any, Any]) -> None:
    # Values reach scripts through `env:`; an expansion inside a script can inject shell code.
    expanding = [
        f"{job}: {step.get('name', step['run'])}" for job, step in _steps(workflow) if "${{" in str(step.get("run", ""))
    ]
    assert not expanding, f"pass these through env: {expanding}"


# What the diff job's fake `venv/bin/python -m karpenter diff` does per stack: its exit code, and what it writes
# to stdout and stderr.
FakeDiff = dict[str, tuple[int, str, str]]
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "a",
    "GIT_AUTHOR_EMAIL": "a@example.com",
    "GIT_COMMITTER_NAME": "a",
    "GIT_COMMITTER_EMAIL": "a@example.com",
}


def _diff_step(workflow: dict[Any, Any]) -> Step:
    return _step(workflow, "diff", lambda step: step.get("id") == "diff", "has id `diff`")


def _acknowledge_label(workflow: dict[Any, Any]) -> str:
    return str(_job(workflow, "diff")["env"]["ACKNOWLEDGE_LABEL"])


def _git(repository: Path, *arguments: str) -> str:
    result = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", *arguments],
        cwd=repository,
        env={"PATH": os.environ["PATH"], "HOME": str(repository.parent), **GIT_IDENTITY},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def _checkout(repository: Path, merged: bool = True) -> None:
    """A repository checked out as actions/checkout does a pull request: its merge into the base branch, detached.

    The base branch moves on after the pull request branches off, so the merge's first parent is not where the pull
    request started."""
    repository.mkdir(parents=True)
    _git(repository, "init", "--quiet")
    _git(repository, "commit", "--quiet", "--allow-empty", "-m", "where the pull request branches off")
    _git(repository, "checkout", "--quiet", "-b", "change")
    _git(repository, "commit", "--quiet", "--allow-empty", "-m", "the pull request")
    _git(repository, "checkout", "--quiet", "main")
    _git(repository, "commit", "--quiet", "--allow-empty", "-m", "merged into the base since")
    if merged:
        _git(repository, "merge", "--quiet", "--no-ff", "-m", "Merge change into main", "change")
    _git(repository, "checkout", "--quiet", "--detach")


def _run_diff(
    workflow: dict[Any, Any], tmp_path: Path, diffs: FakeDiff, acknowledged: bool, merged: bool = True
) -> tuple[subprocess.CompletedProcess[str], str, list[str]]:
    """Runs the diff step over `diffs`' stacks with a fake command: the result, the job summary, the commands run."""
    require_jq(shutil.which("jq"))
    step = _diff_step(workflow)
    assert step.get("shell", "bash") == "bash"
    repository = tmp_path / "repository"
    _checkout(repository, merged)
    (repository / "venv" / "bin").mkdir(parents=True)
    calls = tmp_path / "calls"
    cases = "".join(
        f"  {stack}) printf '{stdout}'; printf '{stderr}' >&2; exit {code} ;;\n"
        for stack, (code, stdout, stderr) in diffs.items()
    )
    python = repository / "venv" / "bin" / "python"
    python.write_text(f'#!/bin/sh\necho "$*" >> "{calls}"\ncase "$5" in\n{cases}esac\nexit 99\n')
    python.chmod(0o755)
    summary = tmp_path / "summary.md"
    summary.write_text("")
    env = {
        "STACKS": json.dumps(list(diffs)),
        "ACKNOWLEDGED": "true" if acknowledged else "false",
        "ACKNOWLEDGE_LABEL": _acknowledge_label(workflow),
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    result, _ = _run_script(str(step["run"]), repository, env)
    return result, summary.read_text(), calls.read_text().splitlines() if calls.exists() else []


def _fenced(summary: str, stack: str) -> str:
    """The fenced output under a stack's heading in the job summary."""
    section = summary.split(f"### `{stack}`", 1)[1].split("\n### ", 1)[0]
    fence = re.search(r"^(`{3,})$", section, re.MULTILINE)
    assert fence is not None, f"no fenced output for {stack}: {section}"
    opening = section.index(fence.group(1) + "\n") + len(fence.group(1)) + 1
    closing = section.index("\n" + fence.group(1), opening)
    return section[opening : closing + 1]


def test_label_events_rerun_the_workflow_beside_the_default_pull_request_events(workflow: dict[Any, Any]) -> None:
    # Naming any type replaces GitHub's defaults (opened, synchronize, reopened), so they are named too.
    types = workflow[True]["pull_request"]["types"]
    assert sorted(types) == sorted(["opened", "synchronize", "reopened", "labeled", "unlabeled"])


def test_the_diff_runs_for_every_pull_request_forks_included(workflow: dict[Any, Any]) -> None:
    diff = _job(workflow, "diff")
    condition = " ".join(str(diff.get("if", "")).split())
    assert condition == "github.event_name == 'pull_request' && needs.stacks.outputs.stacks != '[]'"
    # A fork's pull request gets no secrets; the diff must not need any.
    assert "secrets." not in yaml.safe_dump(diff)


def test_the_diff_job_may_only_read_the_repository(workflow: dict[Any, Any]) -> None:
    assert _permissions(workflow, "diff") == {"contents": "read"}


def test_the_diff_job_checks_out_the_history_down_to_the_base(workflow: dict[Any, Any]) -> None:
    checkout = _step(workflow, "diff", _uses("actions/checkout"), "checks out the code")
    # 0 fetches every commit: the base is a parent of the merge commit a pull request checks out.
    assert checkout["with"]["fetch-depth"] == 0


def test_the_diff_installs_the_offline_dependencies_before_it_runs(workflow: dict[Any, Any]) -> None:
    steps = _job(workflow, "diff")["steps"]
    install = _index(steps, _runs("make install"), "runs `make install`")
    assert install < _index(steps, lambda step: step.get("id") == "diff", "has id `diff`")
    # Offline synth renders the charts with helm-python-sdk (requirements-synth.txt, which requirements-dev.txt
    # includes); `make install` installs both.
    assert re.search(r"^helm-python-sdk==", (ROOT / "requirements-synth.txt").read_text(), re.MULTILINE)
    assert re.search(r"^-r requirements-synth.txt$", (ROOT / "requirements-dev.txt").read_text(), re.MULTILINE)
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^install: \$\(DEV_INSTALLED\)$", makefile, re.MULTILINE)
    install_target = re.search(r"^\$\(DEV_INSTALLED\):.*\n(?:\t@.*\n)*\t(.*)$", makefile, re.MULTILINE)
    assert install_target is not None and install_target.group(1).endswith("-r requirements-dev.txt")


def test_the_diff_takes_the_stacks_and_the_label_through_env(workflow: dict[Any, Any]) -> None:
    assert "stacks" in _needs(_job(workflow, "diff"))
    step_env = _diff_step(workflow)["env"]
    assert step_env == {
        "STACKS": "${{ needs.stacks.outputs.stacks }}",
        "ACKNOWLEDGED": "${{ contains(github.event.pull_request.labels.*.name, env.ACKNOWLEDGE_LABEL) }}",
    }


def test_the_diff_job_checks_out_the_pull_requests_merge_into_its_base(workflow: dict[Any, Any]) -> None:
    """Without a `ref`, actions/checkout takes "the reference or SHA for that event" (its action.yml, input `ref`),
    which for `pull_request` is the merge commit GitHub made of the pull request into its base branch (GitHub's
    "Events that trigger workflows", pull_request: GITHUB_SHA "Last merge commit on the GITHUB_REF branch",
    GITHUB_REF `refs/pull/<number>/merge`)."""
    checkout = _step(workflow, "diff", _uses("actions/checkout"), "checks out the code")
    assert "ref" not in checkout["with"]


def test_the_base_is_the_commit_the_pull_request_was_merged_into_not_where_it_branched_off(
    workflow: dict[Any, Any], tmp_path: Path
) -> None:
    """The event's `pull_request.base.sha` is not used: it can stay an older commit of the base branch while GitHub
    remakes the merge on the branch's newer commits (actions/runner#1689; GitHub community discussion 25427: "the
    base sha stays the same as when it was opened"), and a diff against it would count what was merged into the
    base since as this pull request's change. The merge commit's first parent is the base it was made on."""
    result, summary, calls = _run_diff(workflow, tmp_path, {"dev": (0, "no change\n", "")}, acknowledged=False)
    base = _git(tmp_path / "repository", "rev-parse", "main~1")
    assert result.returncode == 0, result.stderr
    assert calls == [f"-m karpenter diff --stack dev --base {base}"]
    assert f"Against the base commit `{base}`." in summary.splitlines()
    assert "github.event.pull_request.base.sha" not in WORKFLOW.read_text()


def test_without_the_merge_commit_no_stack_is_diffed_and_the_job_fails(
    workflow: dict[Any, Any], tmp_path: Path
) -> None:
    result, _, calls = _run_diff(workflow, tmp_path, {"dev": (0, "", "")}, acknowledged=False, merged=False)
    assert result.returncode != 0
    assert calls == []
    assert "::error title=No base::" in result.stdout


def test_the_readme_names_the_label_that_acknowledges_a_dangerous_diff(workflow: dict[Any, Any]) -> None:
    section = (ROOT / "README.md").read_text().split("### Previewing in pull requests", 1)[1].split("\n### ", 1)[0]
    assert f"`{_acknowledge_label(workflow)}`" in section


@pytest.mark.parametrize(
    ("code", "acknowledged", "passes"),
    [
        (0, False, True),
        (0, True, True),
        (3, False, False),
        (3, True, True),
        (2, False, False),
        (2, True, False),
        (1, True, False),
    ],
    ids=[
        "nothing-dangerous",
        "nothing-dangerous-labelled",
        "dangerous",
        "dangerous-acknowledged",
        "bad-input",
        "bad-input-labelled",
        "crash-labelled",
    ],
)
def test_a_safe_diff_or_a_dangerous_one_the_label_acknowledges_passes_and_nothing_else(
    workflow: dict[Any, Any], tmp_path: Path, code: int, acknowledged: bool, passes: bool
) -> None:
    result, summary, _ = _run_diff(workflow, tmp_path, {"dev": (code, "the diff of dev\n", "")}, acknowledged)
    assert (result.returncode == 0) is passes, result.stdout + result.stderr
    assert ("::error " in result.stdout) is not passes
    assert _fenced(summary, "dev") == "the diff of dev\n"


def test_an_acknowledged_dangerous_diff_is_still_flagged_with_the_label(
    workflow: dict[Any, Any], tmp_path: Path
) -> None:
    result, summary, _ = _run_diff(workflow, tmp_path, {"dev": (3, "pool cpu deleted\n", "")}, acknowledged=True)
    label = _acknowledge_label(workflow)
    assert result.returncode == 0
    assert re.search(rf"^::warning .*::dev: .*{label}", result.stdout, re.MULTILINE)
    assert f"### `dev`: dangerous changes, acknowledged by the label `{label}`" in summary


def test_every_stack_is_diffed_against_the_base_and_reported_whatever_the_others_verdict(
    workflow: dict[Any, Any], tmp_path: Path
) -> None:
    diffs: FakeDiff = {
        "a": (3, "pool cpu deleted\n", ""),
        "b": (2, "", "error: Pulumi.b.yaml: karpenter:namespace is not a string\n"),
        "c": (0, "no change\n", ""),
    }
    result, summary, calls = _run_diff(workflow, tmp_path, diffs, acknowledged=False)
    assert result.returncode != 0
    base = _git(tmp_path / "repository", "rev-parse", "HEAD^1")
    assert calls == [f"-m karpenter diff --stack {stack} --base {base}" for stack in diffs]
    # What the command wrote to stderr (a refusal's one line) is in the summary too.
    assert [_fenced(summary, stack) for stack in diffs] == ["pool cpu deleted\n", diffs["b"][2], "no change\n"]
    assert [line for line in summary.splitlines() if line.startswith("### ")] == [
        f"### `a`: dangerous changes: take the safe way each names, or add the label `{_acknowledge_label(workflow)}`",
        "### `b`: bad input",
        "### `c`: nothing dangerous",
    ]


def test_output_holding_backticks_or_no_final_newline_stays_inside_its_fence(
    workflow: dict[Any, Any], tmp_path: Path
) -> None:
    output = "values:\\n```yaml\\nlimits: {}\\n````"
    _, summary, _ = _run_diff(workflow, tmp_path, {"dev": (0, output, "")}, acknowledged=False)
    assert _fenced(summary, "dev") == "values:\n```yaml\nlimits: {}\n````\n"
    assert summary.endswith("`````\n")


def test_the_runner_reads_no_workflow_command_in_the_diffs_output(workflow: dict[Any, Any], tmp_path: Path) -> None:
    result, _, _ = _run_diff(workflow, tmp_path, {"dev": (0, "::error::injected\\n", "")}, acknowledged=False)
    lines = result.stdout.splitlines()
    injected = lines.index("::error::injected")
    stops = [number for number, line in enumerate(lines) if line.startswith("::stop-commands::")]
    assert len(stops) == 1 and stops[0] < injected
    token = lines[stops[0]].removeprefix("::stop-commands::")
    assert token and lines.index(f"::{token}::") > injected
