"""The digest of the local chart: it follows every file Helm loads and nothing about where or how
the chart was checked out."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import helm_python as helm
import pytest

from karpenter.charts import CONFIG_CHART_DIR
from karpenter.charts.digest import chart_digest, chart_files

# Helm loads these into the chart's metadata, values and schema rather than as templates or files.
HELM_RAW_FILES = {"Chart.yaml", "values.yaml", "values.schema.json"}


@pytest.fixture(autouse=True)
def fresh_digests() -> Iterator[None]:
    """Each test edits its own copies of the chart; a digest cached by another test is not theirs."""
    chart_digest.cache_clear()
    yield
    chart_digest.cache_clear()


def _copy(folder: Path) -> Path:
    shutil.copytree(CONFIG_CHART_DIR, folder)
    return folder


def _digest(folder: Path) -> str:
    chart_digest.cache_clear()  # a new `pulumi up` is a new process
    return chart_digest(folder)


def test_the_digest_is_a_sha256_the_charts_values_schema_accepts() -> None:
    digest = chart_digest(CONFIG_CHART_DIR)
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", digest)
    schema = json.loads((CONFIG_CHART_DIR / "values.schema.json").read_text())
    assert re.search(schema["properties"]["chartDigest"]["pattern"], digest)


def test_crlf_and_lf_checkouts_of_the_chart_have_the_same_digest(tmp_path: Path) -> None:
    """git's autocrlf gives a Windows checkout CRLF line endings; the chart is the same chart, and
    the objects Helm renders from it are the same YAML."""
    unix = _copy(tmp_path / "unix")
    windows = _copy(tmp_path / "windows")
    for path in windows.rglob("*"):
        if path.is_file():
            path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert (windows / "Chart.yaml").read_bytes() != (unix / "Chart.yaml").read_bytes()
    assert _digest(windows) == _digest(unix) == _digest(CONFIG_CHART_DIR)


def test_a_byte_order_mark_helm_drops_leaves_the_digest_alone(tmp_path: Path) -> None:
    """Helm's loader trims a leading UTF-8 byte order mark from every file (helm/helm
    pkg/chart/loader/directory.go, `bytes.TrimPrefix(data, utf8bom)`), as Windows editors write it."""
    chart = _copy(tmp_path / "chart")
    template = chart / "templates" / "nodepools.yaml"
    template.write_bytes(b"\xef\xbb\xbf" + template.read_bytes())
    assert _digest(chart) == _digest(CONFIG_CHART_DIR)


def test_a_byte_identical_copy_elsewhere_with_other_times_has_the_same_digest(tmp_path: Path) -> None:
    """Relative paths and contents only: never where the folder is nor when a file was written."""
    chart = _copy(tmp_path / "somewhere" / "else" / "karpenter-config")
    for path in chart.rglob("*"):
        os.utime(path, (0, 0))
    assert _digest(chart) == _digest(CONFIG_CHART_DIR)


@pytest.mark.parametrize(
    "edit",
    ["template", "template-renamed", "values", "schema", "chart-version", "new-file", "helmignore"],
)
def test_any_change_to_what_helm_reads_changes_the_digest(tmp_path: Path, edit: str) -> None:
    chart = _copy(tmp_path / "chart")
    templates = chart / "templates"
    if edit == "template":
        # A comment: it renders nothing, yet the chart is not the one the release holds.
        with (templates / "nodepools.yaml").open("a") as template:
            template.write("{{/* reviewed */}}\n")
    elif edit == "template-renamed":
        (templates / "nodepools.yaml").rename(templates / "pools.yaml")
    elif edit == "values":
        (chart / "values.yaml").write_text(
            (chart / "values.yaml").read_text().replace('clusterName: ""', "clusterName: x")
        )
    elif edit == "schema":
        (chart / "values.schema.json").write_text((chart / "values.schema.json").read_text().replace("63", "62", 1))
    elif edit == "chart-version":
        (chart / "Chart.yaml").write_text((chart / "Chart.yaml").read_text().replace("0.1.0", "0.1.1"))
    elif edit == "new-file":
        (chart / "files").mkdir()
        (chart / "files" / "extra.conf").write_text("x\n")
    else:
        (chart / ".helmignore").write_text("*.md\n")
    assert _digest(chart) != _digest(CONFIG_CHART_DIR)


def test_the_digest_reads_the_files_helm_loads_and_errs_only_towards_more(tmp_path: Path) -> None:
    """Helm skips hidden entries directly in templates/ (its built-in rule `templates/.?*`,
    helm/helm pkg/ignore/rules.go AddDefaults) and what a .helmignore names; it loads everything
    else, hidden files included. The digest skips the first, not the second: a file a .helmignore
    excludes costs at most a needless upgrade, while skipping a file Helm loads would miss one."""
    chart = _copy(tmp_path / "chart")
    (chart / ".helmignore").write_text("NOTES.md\n")
    (chart / "NOTES.md").write_text("for people\n")
    (chart / ".DS_Store").write_bytes(b"\0\1")
    (chart / "templates" / ".nodepools.yaml.swp").write_bytes(b"\0")
    (chart / "templates" / ".cache").mkdir()
    (chart / "templates" / ".cache" / "x.yaml").write_text("kind: x\n")
    (chart / "templates" / "more").mkdir()
    (chart / "templates" / "more" / ".kept.yaml").write_text("# hidden, but not directly in templates/\n")
    with helm.Chart.load(chart) as loaded:
        by_helm = {t["name"] for t in loaded.templates} | {f["name"] for f in loaded.files} | HELM_RAW_FILES
    read = set(chart_files(chart))
    assert by_helm <= read
    assert read - by_helm == {"NOTES.md"}
    assert {".DS_Store", ".helmignore", "templates/more/.kept.yaml"} <= read
    assert not {name for name in read if name.startswith("templates/.")}


def test_the_files_are_named_relative_to_the_chart_with_forward_slashes() -> None:
    files = chart_files(CONFIG_CHART_DIR)
    assert set(files) == HELM_RAW_FILES | {
        "templates/NOTES.txt",
        "templates/_helpers.tpl",
        "templates/ec2nodeclasses.yaml",
        "templates/nodeoverlays.yaml",
        "templates/nodepools.yaml",
    }
    assert files["Chart.yaml"] == (CONFIG_CHART_DIR / "Chart.yaml").read_bytes()


def test_the_digest_is_read_once_per_folder_and_process(tmp_path: Path) -> None:
    """The program builds the release once per run, and each `pulumi preview` or `up` is a process
    of its own: the chart is read once."""
    chart = _copy(tmp_path / "chart")
    first = chart_digest(chart)
    (chart / "templates" / "nodepools.yaml").write_text("# edited\n")
    assert chart_digest(chart) == first
    assert chart_digest(CONFIG_CHART_DIR) == first  # the same files, in another folder
    assert _digest(chart) != first
