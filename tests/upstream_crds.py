"""The upstream Karpenter CRDs that rendered manifests are validated against: where the tests find
them, and `make crds` (`python -m tests.upstream_crds`), which pulls them from the official release.

The tests take the first of:
1. the folder KARPENTER_CRDS_DIR names, when it is set, which must hold them: a failure otherwise;
2. build/crds/<version>/, which `make crds` fills from the karpenter-crd chart of the Karpenter
   version the program installs;
3. neither: the tests that need them skip, saying how to get them.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

import helm_python as helm
import pytest
import yaml

from karpenter.config.values import DEFAULT_KARPENTER_VERSION

VARIABLE = "KARPENTER_CRDS_DIR"
VERSION = DEFAULT_KARPENTER_VERSION
# The chart the program installs the CRDs with (karpenter.kubernetes.releases.KARPENTER_CRD_CHART).
CHART = "oci://public.ecr.aws/karpenter/karpenter-crd"
ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "build" / "crds" / VERSION
# The files the tests read, named as the chart and pkg/apis/crds/ upstream name them.
NEEDED = ("karpenter.k8s.aws_ec2nodeclasses.yaml", "karpenter.sh_nodeoverlays.yaml", "karpenter.sh_nodepools.yaml")


class PullError(Exception):
    """The CRDs could not be pulled or the chart pulled does not hold them."""


def _lacking(folder: Path) -> list[str]:
    return [name for name in NEEDED if not (folder / name).is_file()]


def located(environ: Mapping[str, str] = os.environ, cache: Path = CACHE) -> Path:
    """The CRD folder, first of the three places above. A folder that is named (or cached) but lacks
    them fails the calling test, since a skip there would hide a broken setup; none at all skips it."""
    named = environ.get(VARIABLE, "")
    if named:
        folder = Path(named).resolve()
        if not folder.is_dir():
            pytest.fail(f"{VARIABLE} names {folder}, which is not a folder: point it at the upstream Karpenter CRDs")
        if lacking := _lacking(folder):
            pytest.fail(f"{VARIABLE} names {folder}, which holds no {', '.join(lacking)}")
        return folder
    if cache.is_dir():
        if lacking := _lacking(cache):
            pytest.fail(f"{cache} holds no {', '.join(lacking)}: delete it and run `make crds` again")
        return cache
    pytest.skip(
        f"upstream Karpenter CRDs not found in {cache} and {VARIABLE} is unset:"
        f" run `make crds` to pull them, or set {VARIABLE} to a folder holding them"
    )


def _is_crd(text: str) -> bool:
    return any(document and document.get("kind") == "CustomResourceDefinition" for document in yaml.safe_load_all(text))


def extract(archive: Path, version: str, destination: Path) -> list[str]:
    """Write the CRDs of a karpenter-crd chart archive into `destination`, one file each, named as the
    chart names them, and return their names. The chart ships them as templates (with an annotation
    value), so they are rendered with the chart's defaults, as the program's release installs them."""
    with helm.Chart.load(archive) as chart:
        if (chart.name, chart.version) != ("karpenter-crd", version):
            raise PullError(f"{archive.name} is {chart.name} {chart.version}, not karpenter-crd {version}")
        rendered = chart.render(name="karpenter-crd", namespace="kube-system")
        files = {Path(path).name: text for path, text in rendered.items() if _is_crd(text)}
        files.update({Path(crd["filename"]).name: crd["data"] for crd in chart.crds})
    if lacking := [name for name in NEEDED if name not in files]:
        raise PullError(f"karpenter-crd {version} holds no {', '.join(lacking)}")
    # Written aside and renamed into place, so an interrupted run never leaves a partial folder to be found.
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}-", dir=destination.parent))
    for name, text in files.items():
        (staging / name).write_text(text)
    shutil.rmtree(destination, ignore_errors=True)
    staging.rename(destination)
    return sorted(files)


def pull(cache: Path = CACHE, version: str = VERSION, chart: str = CHART, *, plain_http: bool = False) -> Path:
    """The cache folder of `version`, filled from the chart in the OCI registry unless it already holds
    the CRDs. Helm's own registry client (helm-python-sdk) pulls it, anonymously, as `helm pull` would."""
    if cache.is_dir() and not _lacking(cache):
        return cache
    cache.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".pull-", dir=cache.parent) as download:
        try:
            helm.pull(chart, version=version, destination=download, plain_http=plain_http)
        except helm.HelmError as error:
            raise PullError(f"could not pull {chart} {version}: {error.detail}") from None
        archives = sorted(Path(download).glob("*.tgz"))
        if len(archives) != 1:
            raise PullError(f"pulling {chart} {version} gave {len(archives)} chart archives, not one")
        extract(archives[0], version, cache)
    return cache


def main() -> int:
    try:
        folder = pull()
    except PullError as error:
        print(f"make crds: {error}", file=sys.stderr)
        print(
            f"Without access to the registry, set {VARIABLE} to a folder holding the CRDs of Karpenter {VERSION}"
            f" (pkg/apis/crds/ of aws/karpenter-provider-aws at v{VERSION}).",
            file=sys.stderr,
        )
        return 1
    print(f"Karpenter {VERSION} CRDs in {folder.relative_to(ROOT) if folder.is_relative_to(ROOT) else folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
