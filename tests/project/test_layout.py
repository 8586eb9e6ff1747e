"""The layout shows the pipeline: each stage imports only the stages below it, and the heavy
libraries load only where they are used."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "karpenter"
# What each stage may import of ours (besides itself). Offline tooling may import anything; no
# stage imports it. The top-level modules (the component and its plan) wire every stage; `testing`, the
# mocks for users' own tests, is the offline engine's public face.
MAY_IMPORT: dict[str, set[str]] = {
    "vocabulary": set(),
    # Instance-type facts read from the snapshot the package ships.
    "catalog": {"vocabulary"},
    "guardrails": {"vocabulary"},
    "config": {"vocabulary"},
    "cluster": {"config", "vocabulary"},
    "aws": {"cluster", "config", "vocabulary"},
    "kubernetes": {"charts", "cluster", "config", "vocabulary"},
    "charts": set(),
    # Tooling that talks to the live account and cluster: doctor, the catalog's readers, and convert
    # and drain-legacy.
    "preflight": {"catalog", "cluster", "config", "vocabulary"},
    "migrate": {"cluster", "config", "vocabulary"},
}
# The only module that imports the tooling that talks to AWS and the cluster, and only lazily.
MIGRATION_TOOLING = ("preflight", "migrate")
COMMAND_LINE = PACKAGE / "offline" / "cli.py"
# The maintainers' `make catalog`, which writes the snapshot through the catalog's readers; nothing imports it.
CATALOG_GENERATOR = PACKAGE / "offline" / "catalog.py"
TOP_LEVEL = {"__init__", "__main__", "stack", "stack_plan", "pool_plan", "testing"}
# What may import the offline tooling besides itself: the command line, and the public testing mocks.
OFFLINE_FACES = ("offline", "__main__", "testing")
HEAVY = ("pulumi_eks", "kubernetes", "helm_python", "boto3", "botocore")


def _stage(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def _imported_stages(path: Path) -> set[str]:
    """The stages (first part below `karpenter.`) a module imports, at any depth of its code."""
    stages: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "karpenter" and len(parts) > 1:
                stages.add(parts[1])
    return stages


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_module_belongs_to_a_stage_or_wires_them() -> None:
    stages = {_stage(path) for path in _modules()}
    assert stages == set(MAY_IMPORT) | TOP_LEVEL | {"offline"}


@pytest.mark.parametrize("stage", sorted(MAY_IMPORT))
def test_a_stage_imports_only_the_stages_below_it(stage: str) -> None:
    modules = [path for path in _modules() if _stage(path) == stage]
    assert modules, f"no modules in {stage}"
    for path in modules:
        # Sub-modules of a stage named as `from karpenter.<stage> import <module>` count as the stage itself.
        reached = _imported_stages(path) - {stage} - {"__init__"}
        stray = reached - MAY_IMPORT[stage]
        assert not stray, f"{path.relative_to(ROOT)} imports {sorted(stray)}"


def test_nothing_but_offline_tooling_imports_offline_tooling() -> None:
    for path in _modules():
        if _stage(path) in OFFLINE_FACES:
            continue
        assert "offline" not in _imported_stages(path), path.relative_to(ROOT)


def test_only_the_command_line_imports_the_migration_tooling_and_only_inside_a_function() -> None:
    for path in _modules():
        if _stage(path) in MIGRATION_TOOLING:
            continue
        reached = _imported_stages(path) & set(MIGRATION_TOOLING)
        assert not reached or path in (COMMAND_LINE, CATALOG_GENERATOR), path.relative_to(ROOT)
    top_level = [n for n in ast.parse(COMMAND_LINE.read_text()).body if isinstance(n, ast.Import | ast.ImportFrom)]
    modules = [getattr(n, "module", None) or "" for n in top_level]
    assert not [m for m in modules if m.split(".")[1:2] in (["preflight"], ["migrate"])]


def test_every_stage_says_its_job_and_what_it_may_import() -> None:
    for stage in [*MAY_IMPORT, "offline"]:
        if stage == "charts":
            continue
        doc = ast.get_docstring(ast.parse((PACKAGE / stage / "__init__.py").read_text()))
        assert doc and "import" in doc.lower(), stage


def test_no_module_is_much_over_250_lines_or_named_for_no_job() -> None:
    for path in _modules():
        assert len(path.read_text().splitlines()) <= 260, path.relative_to(ROOT)
        assert path.stem not in ("utils", "helpers", "common", "misc"), path.relative_to(ROOT)


def _loaded_after(code: str) -> list[str]:
    """The heavy modules a fresh interpreter holds after running `code` from the project folder."""
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    return done.stdout.split()


@pytest.mark.parametrize(
    ("code", "loaded"),
    [
        ("import karpenter", []),
        ("import karpenter.vocabulary.instance_families, karpenter.guardrails.rules", []),
        ("import karpenter.config.loading, karpenter.config.stack_file", []),
        ("import karpenter.stack", []),
        ("import karpenter.offline.program", []),
        ("import karpenter.testing", []),
        ("import karpenter.offline.chart_render", ["helm_python"]),
        ("import karpenter.aws.eks_cluster", ["pulumi_eks"]),
        ("import karpenter.offline.cli, karpenter.preflight.doctor, karpenter.migrate.convert", []),
        ("import karpenter.preflight.aws_reader", ["botocore"]),
        ("import karpenter.preflight.cluster_reader", ["kubernetes"]),
        ("import karpenter.catalog.snapshot, karpenter.catalog.labels", []),
        ("import karpenter.preflight.catalog_reader", []),
    ],
    ids=[
        "package",
        "vocabulary-guardrails",
        "config",
        "component",
        "synth",
        "testing",
        "chart-render",
        "new-cluster",
        "command-line",
        "doctor-aws",
        "doctor-cluster",
        "catalog",
        "catalog-readers",
    ],
)
def test_heavy_libraries_load_only_where_they_are_used(code: str, loaded: list[str]) -> None:
    assert _loaded_after(code) == loaded


RUN_STACK = """
from karpenter.offline.program import run_program
from tests.conftest import facts_with, settings_for
run_program("layout", settings_for({config!r}), facts_with())
"""


@pytest.mark.parametrize(
    ("config", "loaded"),
    [
        ({"clusterName": "dev"}, []),
        ({"clusterName": "dev", "nodeAccess": "aws-auth"}, []),
        (
            {
                "clusterName": "dev",
                "cluster": {
                    "create": True,
                    "vpcId": "vpc-0a1b2c3d4e5f6a7b8",
                    "subnetIds": ["subnet-0a1b2c3d4e5f6a7b1", "subnet-0a1b2c3d4e5f6a7b2"],
                },
            },
            ["pulumi_eks"],
        ),
    ],
    ids=["attach", "aws-auth", "create"],
)
def test_a_stack_loads_pulumi_eks_only_to_create_a_cluster_and_the_kubernetes_client_never(
    config: dict[str, object], loaded: list[str]
) -> None:
    # Declaring the aws-auth entry loads no Kubernetes client: only its provider does, when it runs.
    assert _loaded_after(RUN_STACK.format(config=config)) == loaded
