"""`python -m karpenter diff` over realistic changes of a deployed stack: each change is committed
over a base in a scratch git repository, and the verdict (exit code) and key lines are pinned."""

from __future__ import annotations

import copy
import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from karpenter.offline import diff_command
from karpenter.vocabulary.aws_names import controller_role_description, node_role_description
from tests.conftest import FIXTURES, make_project

# The dev example's stack (Pulumi.dev.yaml), as deployed.
DEPLOYED: dict[str, Any] = {
    "aws:region": "eu-west-1",
    "karpenter:clusterName": "dev",
    "karpenter:version": "1.14.1",
    "karpenter:namespace": "kube-system",
    "karpenter:identity": "irsa",
    "karpenter:nodeAccess": "auto",
    "karpenter:interruption": True,
    "karpenter:spotServiceLinkedRole": "ensure",
    "karpenter:nodePools": {
        "cpu": {
            "capacityTypes": ["spot", "on-demand"],
            "zones": ["eu-west-1a", "eu-west-1b"],
            "instanceCategories": ["c", "m", "r"],
            "minInstanceGeneration": 2,
            "limits": {"cpu": "1000", "memory": "1000Gi"},
            "expireAfter": "720h",
            "disruption": {"consolidationPolicy": "WhenEmptyOrUnderutilized", "consolidateAfter": "1m"},
        },
        "gpu": {
            "gpu": True,
            "capacityTypes": ["spot", "on-demand"],
            "zones": ["eu-west-1a", "eu-west-1b"],
            "instanceCategories": ["g", "p"],
            "limits": {"cpu": "256", "memory": "2048Gi", "nvidia.com/gpu": "16"},
            "expireAfter": "720h",
            "disruption": {"consolidationPolicy": "WhenEmpty", "consolidateAfter": "5m"},
        },
    },
}
SUBNETS = ["subnet-0a1b2c3d4e5f6a7b1", "subnet-0a1b2c3d4e5f6a7b2", "subnet-0a1b2c3d4e5f6a7b3"]

Edit = Callable[[dict[str, Any]], None]


def _git(folder: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.com", *args],
        cwd=folder,
        check=True,
        capture_output=True,
    )


def _write(folder: Path, config: dict[str, Any] | None) -> None:
    path = folder / "Pulumi.dev.yaml"
    if config is None:
        path.unlink(missing_ok=True)
    else:
        path.write_text(yaml.safe_dump({"config": config}, sort_keys=False))


def changed_project(tmp_path: Path, base: dict[str, Any] | None, head: dict[str, Any] | None) -> Path:
    """A git repository whose HEAD holds `base` as Pulumi.dev.yaml and whose working tree `head`."""
    folder = make_project(tmp_path / "project")
    _git(folder, "init", "-q")
    _write(folder, base)
    _git(folder, "add", "-A")
    _git(folder, "commit", "-qm", "base")
    _write(folder, head)
    return folder


def edited(edit: Edit, base: dict[str, Any] = DEPLOYED) -> dict[str, Any]:
    head = copy.deepcopy(base)
    edit(head)
    return head


def review(folder: Path, capsys: pytest.CaptureFixture[str], base: str = "HEAD") -> tuple[int, str, str]:
    code = diff_command.run_command("dev", folder, base, as_json=False)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _rename_cpu(config: dict[str, Any]) -> None:
    config["karpenter:nodePools"] = {
        ("general" if name == "cpu" else name): pool for name, pool in config["karpenter:nodePools"].items()
    }


def _set(key: str, value: Any) -> Edit:
    def edit(config: dict[str, Any]) -> None:
        config[f"karpenter:{key}"] = value

    return edit


def _pool(name: str, key: str, value: Any) -> Edit:
    def edit(config: dict[str, Any]) -> None:
        config["karpenter:nodePools"][name][key] = value

    return edit


def _drop_pool(name: str) -> Edit:
    def edit(config: dict[str, Any]) -> None:
        del config["karpenter:nodePools"][name]

    return edit


def _no_edit(config: dict[str, Any]) -> None:
    return None


# (change, base edit, head edit, exit code, lines the output must hold)
MATRIX: list[tuple[str, Edit, Edit, int, list[str]]] = [
    ("no change", _no_edit, _no_edit, 0, ["no change"]),
    (
        "limits changed",
        _no_edit,
        _pool("cpu", "limits", {"cpu": "2000", "memory": "1000Gi"}),
        0,
        [
            "NodePool cpu: updated: applies to what Karpenter launches or consolidates next; no node is replaced",
            "spec.limits.cpu: 1000 → 2000",
            "nothing dangerous",
        ],
    ),
    (
        "pool renamed",
        _no_edit,
        _rename_cpu,
        3,
        [
            "NodePool general: created",
            "NodePool cpu: deleted: all its nodes are drained at once; disruption budgets do not apply",
            "- NodePool cpu is deleted (general new in the same change: a rename?)",
            "safe way: keep it with `retired: true` (karpenter:nodePools.cpu.retired)",
        ],
    ),
    (
        "pool removed",
        _no_edit,
        _drop_pool("gpu"),
        3,
        [
            "- NodePool gpu is deleted: Karpenter drains every node of it at once",
            "- EC2NodeClass gpu is deleted (pools: gpu)",
            "- Helm release nvidia-device-plugin is deleted",
            "kubectl get nodes -l karpenter.sh/nodepool=gpu",
        ],
    ),
    (
        "budgets changed",
        _no_edit,
        _pool(
            "cpu",
            "disruption",
            {"consolidationPolicy": "WhenEmptyOrUnderutilized", "consolidateAfter": "1m", "budgets": [{"nodes": "1"}]},
        ),
        0,
        [
            "NodePool cpu: updated: applies to what Karpenter launches or consolidates next; no node is replaced",
            'spec.disruption.budgets: null → [{"nodes":"1"}]',
            "nothing dangerous",
        ],
    ),
    (
        "AMI alias bumped",
        _set("amiAlias", "al2023@v20260101"),
        _set("amiAlias", "al2023@v20260201"),
        0,
        [
            "EC2NodeClass default: updated (pools: cpu): nodes drift and are replaced, at most as fast as the "
            "pools' disruption budgets allow",
            'spec.amiSelectorTerms: [{"alias":"al2023@v20260101"}] → [{"alias":"al2023@v20260201"}]',
            "EC2NodeClass gpu: updated (pools: gpu)",
        ],
    ),
    (
        "requirement narrowed",
        _no_edit,
        _pool("cpu", "instanceCategories", ["c", "m"]),
        0,
        ["NodePool cpu: updated: nodes drift", "requirements narrowed: nodes that no longer meet them drift"],
    ),
    (
        "requirement widened",
        _no_edit,
        _pool("cpu", "instanceCategories", ["c", "m", "r", "t"]),
        0,
        ["requirements widened: only new launches may use what they add"],
    ),
    (
        "namespace changed",
        _no_edit,
        _set("namespace", "karpenter"),
        3,
        [
            "- karpenter:namespace changes: kube-system → karpenter",
            "safe way: README: Moving Karpenter to another namespace",
            "replace  kubernetes:helm.sh/v3:Release karpenter-crd (namespace forces it; create-before-delete)",
            "- Helm release karpenter-crd is replaced (namespace; create-before-delete)",
        ],
    ),
    (
        "clusterName changed",
        _no_edit,
        _set("clusterName", "prod"),
        3,
        [
            "- karpenter:clusterName changes: dev → prod",
            "- IAM role node-role is replaced (name; create-before-delete)",
            "make a new stack for it and destroy this one",
        ],
    ),
    (
        "identity irsa to pod-identity",
        _no_edit,
        _set("identity", "pod-identity"),
        0,
        [
            "create   aws:eks/podIdentityAssociation:PodIdentityAssociation controller-pod-identity",
            "update   aws:iam/role:Role controller-role (assumeRolePolicy)",
            "nothing dangerous",
        ],
    ),
    (
        "nodeAccess aws-auth to access-entry",
        _set("nodeAccess", "aws-auth"),
        _set("nodeAccess", "access-entry"),
        0,
        [
            "create   aws:eks/accessEntry:AccessEntry node-access-access-entry",
            "delete   pulumi-python:dynamic:Resource node-access-aws-auth",
            "nothing dangerous",
        ],
    ),
    (
        "interruption on to off",
        _no_edit,
        _set("interruption", False),
        3,
        [
            "delete   aws:sqs/queue:Queue interruption-queue",
            "- interruption queue interruption-queue is deleted",
            "keep karpenter:interruption true",
        ],
    ),
    (
        "version 1.14.0 to 1.14.1",
        _set("version", "1.14.0"),
        _set("version", "1.14.1"),
        0,
        [
            "update   kubernetes:helm.sh/v3:Release karpenter-crd (version)",
            "update   kubernetes:helm.sh/v3:Release karpenter (version)",
            "nothing dangerous",
        ],
    ),
    (
        "subnets changed",
        _set("subnetIds", SUBNETS),
        _set("subnetIds", SUBNETS[:2]),
        0,
        [
            "delete   aws:ec2/tag:Tag discovery-subnet-0a1b2c3d4e5f6a7b3-discovery",
            "caution: subnet subnet-0a1b2c3d4e5f6a7b3 loses the karpenter.sh/discovery tag",
            "nothing dangerous",
        ],
    ),
    (
        "pool retired",
        _no_edit,
        _pool("cpu", "retired", True),
        0,
        [
            "NodePool cpu: updated: nodes drift",
            "spec.limits.cpu: 1000 → 0",
            "spec.template.metadata.labels.karpenter-stack/retired: null → true",
        ],
    ),
    (
        "retired pool removed",
        _pool("cpu", "retired", True),
        _drop_pool("cpu"),
        0,
        [
            "caution: NodePool cpu (retired) is deleted: any node it still has is drained at once",
            "merge once `kubectl get nodes -l karpenter.sh/nodepool=cpu` lists no node",
        ],
    ),
]


@pytest.mark.parametrize(
    ("base_edit", "head_edit", "code", "lines"),
    [pytest.param(b, h, c, lines, id=name) for name, b, h, c, lines in MATRIX],
)
def test_a_change_of_a_deployed_stack_gets_its_verdict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], base_edit: Edit, head_edit: Edit, code: int, lines: list[str]
) -> None:
    base = edited(base_edit)
    folder = changed_project(tmp_path, base, edited(head_edit, base))
    got, out, err = review(folder, capsys)
    assert (got, err) == (code, ""), out
    for line in lines:
        assert line in out, out


def _class(name: str, spec: dict[str, Any]) -> Edit:
    def edit(config: dict[str, Any]) -> None:
        config.setdefault("karpenter:nodeClasses", {})[name] = spec
        config["karpenter:nodePools"]["cpu"]["nodeClass"] = name

    return edit


def test_a_node_class_removed_while_a_pool_uses_it_is_bad_input_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = edited(_class("big", {"rootVolume": {"size": "100Gi"}}))
    head = copy.deepcopy(base)
    del head["karpenter:nodeClasses"]
    code, out, err = review(changed_project(tmp_path, base, head), capsys)
    assert (code, out) == (2, "")
    assert err.startswith("error: karpenter:nodePools.cpu.nodeClass: 'big' is not a key of karpenter:nodeClasses")
    assert err.count("\n") == 1


def test_a_node_class_change_names_the_pools_whose_nodes_drift(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = edited(_class("big", {"rootVolume": {"size": "100Gi"}}))
    head = edited(_class("big", {"rootVolume": {"size": "200Gi"}}))
    code, out, _ = review(changed_project(tmp_path, base, head), capsys)
    assert code == 0
    assert "EC2NodeClass big: updated (pools: cpu): nodes drift" in out
    assert "part of the EC2NodeClass's hash: every node of the pools using it drifts" in out


def _adopted_facts(folder: Path) -> None:
    """The runbook's account once an adopting `pulumi up` has run: the roles carry the stack's descriptions."""
    facts = yaml.safe_load((FIXTURES / "facts" / "runbook.yaml").read_text())
    roles = facts["existingRoles"]
    roles["karpenter-node-role-dev"]["description"] = node_role_description("dev")
    roles["karpenter-controller-role-dev"]["description"] = controller_role_description("dev")
    (folder / "facts").mkdir()
    (folder / "facts" / "dev.yaml").write_text(yaml.safe_dump(facts))


def test_adopt_on_to_off_keeps_every_resource_and_only_stops_retaining_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = edited(_set("synthFacts", "facts/dev.yaml"))
    base["karpenter:adopt"] = True
    head = {**base, "karpenter:adopt": False}
    folder = make_project(tmp_path / "project")
    _adopted_facts(folder)
    _git(folder, "init", "-q")
    _write(folder, base)
    _git(folder, "add", "-A")
    _git(folder, "commit", "-qm", "base")
    _write(folder, head)
    code, out, err = review(folder, capsys)
    assert (code, err) == (0, "")
    assert "update   aws:iam/role:Role node-role (options.retainOnDelete)" in out
    assert "replace" not in out
    assert "nothing dangerous" in out


def test_a_cluster_the_stack_created_and_no_longer_creates_is_dangerous(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = yaml.safe_load((FIXTURES / "Pulumi.create.yaml").read_text())["config"]
    head = {**base, "karpenter:cluster": {"create": False}}
    code, out, _ = review(changed_project(tmp_path, base, head), capsys)
    assert code == 3
    assert "delete   eks:index:Cluster cluster-eks" in out
    assert "- EKS cluster cluster-eks is deleted" in out
    assert "safe way: keep karpenter:cluster.create true" in out


def test_a_stack_file_new_since_the_base_creates_the_whole_stack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = review(changed_project(tmp_path, None, DEPLOYED), capsys)
    assert code == 0
    assert "the stack file is new there: the whole stack is created" in out
    assert "create   aws:sqs/queue:Queue interruption-queue" in out
    assert "NodePool cpu: created" in out


def test_a_stack_file_deleted_since_the_base_is_dangerous(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = review(changed_project(tmp_path, DEPLOYED, None), capsys)
    assert code == 3
    assert "- the stack file is deleted: Karpenter, its node pools and every node they hold go" in out
    assert "- NodePool cpu is deleted" in out


def test_the_json_output_carries_the_verdict_and_each_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = changed_project(tmp_path, DEPLOYED, edited(_set("namespace", "karpenter")))
    code = diff_command.run_command("dev", folder, "HEAD", as_json=True)
    data = json.loads(capsys.readouterr().out)
    assert code == 3
    assert data["verdict"] == "dangerous"
    release = next(r for r in data["resources"] if r["name"] == "karpenter-crd")
    assert release == {
        "action": "replace",
        "keys": ["namespace"],
        "name": "karpenter-crd",
        "order": "create-before-delete",
        "replacing": ["namespace"],
        "type": "kubernetes:helm.sh/v3:Release",
        "urn": release["urn"],
    }
    assert data["dangers"][0]["safeWay"] == "README: Moving Karpenter to another namespace"


def test_bad_input_is_one_line_naming_the_stack_ref_or_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = changed_project(tmp_path, DEPLOYED, DEPLOYED)
    assert diff_command.run_command("prod", folder, "HEAD", as_json=False) == 2
    assert "error: --stack prod: no stack file Pulumi.prod.yaml in" in capsys.readouterr().err
    assert diff_command.run_command("dev", folder, "no-such-ref", as_json=False) == 2
    assert capsys.readouterr().err.startswith("error: --base no-such-ref: not a commit of")
    outside = make_project(tmp_path / "not-a-repo", {"dev": {"clusterName": "dev"}})
    assert diff_command.run_command("dev", outside, None, as_json=False) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: --project-dir {outside}: not in a git repository") and err.count("\n") == 1


def test_without_a_base_it_compares_with_the_merge_base_of_the_default_branch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = changed_project(tmp_path, DEPLOYED, DEPLOYED)
    _git(folder, "branch", "-M", "main")
    _git(folder, "checkout", "-qb", "change")
    _write(folder, edited(_pool("cpu", "limits", {"cpu": "2000", "memory": "1000Gi"})))
    _git(folder, "commit", "-qam", "more cpu")
    code = diff_command.run_command("dev", folder, None, as_json=False)
    out = capsys.readouterr().out
    assert code == 0
    assert "(merge base of HEAD and main)" in out
    assert "spec.limits.cpu: 1000 → 2000" in out
