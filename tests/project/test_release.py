"""A release is one version everywhere: pyproject.toml, `karpenter.__version__`, the newest entry of
CHANGELOG.md, and the tag the README's install line names (README, "Cutting a release")."""

from __future__ import annotations

import re
import tomllib

import karpenter
from tests.conftest import ROOT

# A release's heading in CHANGELOG.md: `## 1.2.3 (2026-12-07)`.
RELEASE = re.compile(r"^## (\d+)\.(\d+)\.(\d+) \((\d{4}-\d{2}-\d{2})\)$", re.MULTILINE)


def releases() -> list[tuple[int, int, int]]:
    """The releases CHANGELOG.md lists, in its order."""
    text = (ROOT / "CHANGELOG.md").read_text()
    return [(int(major), int(minor), int(patch)) for major, minor, patch, _ in RELEASE.findall(text)]


def test_pyproject_the_package_the_changelog_and_the_readmes_install_line_name_one_version() -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert karpenter.__version__ == version
    assert ".".join(map(str, releases()[0])) == version
    install_lines = re.findall(
        r"pip install \"pulumi-karpenter-eks @ git\+\S+@(\S+)\"", (ROOT / "README.md").read_text()
    )
    assert install_lines == [f"v{version}"]


def test_the_changelog_lists_releases_newest_first_under_unreleased_changes() -> None:
    listed = releases()
    assert listed and listed == sorted(set(listed), reverse=True)
    headings = re.findall(r"^## .*$", (ROOT / "CHANGELOG.md").read_text(), re.MULTILINE)
    # Every heading is a release, but the one that collects what the next release will bring, on top.
    assert headings[0] == "## Unreleased"
    assert all(RELEASE.match(heading) for heading in headings[1:]), headings
