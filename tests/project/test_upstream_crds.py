"""Where the tests find the upstream Karpenter CRDs, and `make crds`, which pulls them from the
karpenter-crd chart: what can run offline (reading a chart archive built here, the cache, the errors)."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import helm_python as helm
import pytest
import yaml

from karpenter.config.values import DEFAULT_KARPENTER_VERSION
from tests import upstream_crds
from tests.upstream_crds import CHART, NEEDED, VARIABLE, VERSION, PullError, extract, located, pull

# How the karpenter-crd chart templates each CRD (charts/karpenter-crd/templates/ at v1.14.1): an
# `additionalAnnotations` value goes in above the annotation controller-gen writes.
ANNOTATIONS = """\
    {{- with .Values.additionalAnnotations }}
      {{- toYaml . | nindent 4 }}
    {{- end }}
"""


def _crd(file_name: str) -> str:
    group, plural = file_name.removesuffix(".yaml").split("_")
    return (
        "---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  annotations:\n"
        f"{ANNOTATIONS}    controller-gen.kubebuilder.io/version: v0.20.1\n  name: {plural}.{group}\n"
        f"spec:\n  group: {group}\n  names:\n    kind: {plural.title()}\n    plural: {plural}\n  scope: Cluster\n"
    )


def _folder(path: Path, names: tuple[str, ...] = NEEDED) -> Path:
    path.mkdir(parents=True)
    for name in names:
        (path / name).write_text(_crd(name))
    return path


def _chart_archive(where: Path, templates: dict[str, str], version: str = VERSION, name: str = "karpenter-crd") -> Path:
    """A chart archive packaged by Helm as the release is: Chart.yaml, values.yaml and the templates."""
    chart = where / "chart" / name
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(f"apiVersion: v2\nname: {name}\nversion: {version}\nappVersion: {version}\n")
    (chart / "values.yaml").write_text("additionalAnnotations: {}\n")
    for file_name, text in templates.items():
        (chart / "templates" / file_name).write_text(text)
    return Path(helm.package(chart, destination=where))


def _documents(path: Path) -> list[Any]:
    return [document for document in yaml.safe_load_all(path.read_text()) if document]


class Registry(ThreadingHTTPServer):
    """An OCI registry on this machine, answering as public.ecr.aws answers an anonymous client: the
    Docker Registry v2 token flow, a 401 with a Bearer challenge whose realm hands out a token to
    anyone (aws/containers-roadmap#2835 describes public.ecr.aws's side of it). Helm stores a chart
    as a manifest whose config and one layer, the chart archive, are blobs."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _RegistryHandler)
        self.chart = f"oci://127.0.0.1:{self.server_port}/karpenter/karpenter-crd"
        self.documents: dict[str, tuple[str, bytes]] = {}
        self.requests: list[str] = []

    def publish(self, archive: Path, tag: str) -> None:
        def blob(media_type: str, content: bytes) -> dict[str, Any]:
            digest = f"sha256:{hashlib.sha256(content).hexdigest()}"
            self.documents[f"blobs/{digest}"] = ("application/octet-stream", content)
            return {"mediaType": media_type, "digest": digest, "size": len(content)}

        media_type = "application/vnd.oci.image.manifest.v1+json"
        manifest = {
            "schemaVersion": 2,
            "mediaType": media_type,
            "config": blob("application/vnd.cncf.helm.config.v1+json", b"{}"),
            "layers": [blob("application/vnd.cncf.helm.chart.content.v1.tar+gzip", archive.read_bytes())],
        }
        self.documents[f"manifests/{tag}"] = (media_type, json.dumps(manifest).encode())


class _RegistryHandler(BaseHTTPRequestHandler):
    server: Registry

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
        if self.path.startswith("/token?"):
            self._answer(200, {"Content-Type": "application/json"}, b'{"token": "anonymous"}')
        elif self.headers.get("Authorization") != "Bearer anonymous":
            realm = f"http://127.0.0.1:{self.server.server_port}/token"
            self._answer(401, {"WWW-Authenticate": f'Bearer realm="{realm}",service="public.ecr.aws",scope="aws"'})
        else:
            self.server.requests.append(self.path)
            found = self.server.documents.get(self.path.removeprefix("/v2/karpenter/karpenter-crd/"))
            if found is None:
                self._answer(404, {})
            else:
                self._answer(200, {"Content-Type": found[0]}, found[1])

    def _answer(self, status: int, headers: dict[str, str], body: bytes = b"") -> None:
        self.send_response(status)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        """Quiet: a test's output is its assertions."""


@pytest.fixture
def registry() -> Iterator[Registry]:
    server = Registry()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


# --- where the tests find them --------------------------------------------------------------


def test_the_named_folder_comes_before_the_cache(tmp_path: Path) -> None:
    named, cache = _folder(tmp_path / "named"), _folder(tmp_path / "cache")
    assert located({VARIABLE: str(named)}, cache) == named


def test_a_relative_named_folder_is_taken_from_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    named = _folder(tmp_path / "named")
    monkeypatch.chdir(tmp_path)
    assert located({VARIABLE: "named"}, tmp_path / "no-cache") == named


def test_a_named_folder_that_is_missing_fails_naming_the_variable_and_the_folder(tmp_path: Path) -> None:
    cache = _folder(tmp_path / "cache")
    with pytest.raises(pytest.fail.Exception) as failure:
        located({VARIABLE: str(tmp_path / "missing"), "CI": "true"}, cache)
    assert str(failure.value) == (
        f"KARPENTER_CRDS_DIR names {tmp_path / 'missing'}, which is not a folder: "
        "point it at the upstream Karpenter CRDs"
    )


def test_a_named_folder_without_every_crd_the_tests_read_fails_naming_those_missing(tmp_path: Path) -> None:
    named = _folder(tmp_path / "named", names=("karpenter.sh_nodepools.yaml",))
    with pytest.raises(pytest.fail.Exception) as failure:
        located({VARIABLE: str(named)}, _folder(tmp_path / "cache"))
    assert str(failure.value) == (
        f"KARPENTER_CRDS_DIR names {named}, which holds no karpenter.k8s.aws_ec2nodeclasses.yaml, "
        "karpenter.sh_nodeoverlays.yaml"
    )


@pytest.mark.parametrize("environ", [{}, {VARIABLE: ""}], ids=["unset", "empty"])
def test_without_a_named_folder_the_cache_is_used(tmp_path: Path, environ: dict[str, str]) -> None:
    cache = _folder(tmp_path / "cache")
    assert located(environ, cache) == cache


def test_a_cache_without_every_crd_fails_saying_to_pull_again(tmp_path: Path) -> None:
    cache = _folder(tmp_path / "cache", names=NEEDED[1:])
    with pytest.raises(pytest.fail.Exception) as failure:
        located({}, cache)
    assert str(failure.value) == (
        f"{cache} holds no karpenter.k8s.aws_ec2nodeclasses.yaml: delete it and run `make crds` again"
    )


@pytest.mark.parametrize("environ", [{}, {"CI": "true"}], ids=["locally", "in-ci"])
def test_with_neither_the_tests_skip_saying_how_to_get_them_even_in_ci(tmp_path: Path, environ: dict[str, str]) -> None:
    # A user's CI sets CI=true and has no CRDs until it runs `make crds`: skipped, not failed.
    with pytest.raises(pytest.skip.Exception) as skip:
        located(environ, tmp_path / "cache")
    assert str(skip.value) == (
        f"upstream Karpenter CRDs not found in {tmp_path / 'cache'} and KARPENTER_CRDS_DIR is unset: "
        "run `make crds` to pull them, or set KARPENTER_CRDS_DIR to a folder holding them"
    )


def test_the_cache_is_kept_per_karpenter_version_under_build() -> None:
    assert upstream_crds.CACHE == upstream_crds.ROOT / "build" / "crds" / DEFAULT_KARPENTER_VERSION


# --- reading the chart ----------------------------------------------------------------------


def test_the_crds_are_the_chart_templates_rendered_with_its_defaults(tmp_path: Path) -> None:
    templates = {name: _crd(name) for name in NEEDED}
    # Not a CRD: left out of the folder the tests read.
    templates["configmap.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n"
    archive = _chart_archive(tmp_path, templates)
    assert extract(archive, VERSION, tmp_path / "crds") == sorted(NEEDED)
    assert sorted(path.name for path in (tmp_path / "crds").iterdir()) == sorted(NEEDED)
    [nodepools] = _documents(tmp_path / "crds" / "karpenter.sh_nodepools.yaml")
    assert nodepools["metadata"] == {
        "annotations": {"controller-gen.kubebuilder.io/version": "v0.20.1"},
        "name": "nodepools.karpenter.sh",
    }


def test_the_upstream_crds_packaged_as_the_chart_ships_them_come_back_unchanged(tmp_path: Path) -> None:
    source = located()
    templates = {
        path.name: path.read_text().replace("  annotations:\n", f"  annotations:\n{ANNOTATIONS}", 1)
        for path in sorted(source.glob("*.yaml"))
    }
    assert all(ANNOTATIONS in text for text in templates.values())
    extract(_chart_archive(tmp_path, templates), VERSION, tmp_path / "crds")
    for name in templates:
        assert _documents(tmp_path / "crds" / name) == _documents(source / name), name


def test_an_archive_of_another_version_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    archive = _chart_archive(tmp_path, {name: _crd(name) for name in NEEDED}, version="1.14.0")
    with pytest.raises(
        PullError, match=r"^karpenter-crd-1\.14\.0\.tgz is karpenter-crd 1\.14\.0, not karpenter-crd 1\.14\.1$"
    ):
        extract(archive, "1.14.1", tmp_path / "crds" / "1.14.1")
    assert not (tmp_path / "crds").exists()


def test_a_chart_without_the_crds_the_tests_read_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    archive = _chart_archive(tmp_path, {"karpenter.sh_nodepools.yaml": _crd("karpenter.sh_nodepools.yaml")})
    with pytest.raises(PullError, match="^karpenter-crd 1.14.1 holds no karpenter.k8s.aws_ec2nodeclasses.yaml, "):
        extract(archive, VERSION, tmp_path / "crds" / VERSION)
    assert not (tmp_path / "crds").exists()


# --- pulling --------------------------------------------------------------------------------


def test_the_chart_pulled_is_the_one_the_program_installs_the_crds_with() -> None:
    from karpenter.kubernetes.releases import KARPENTER_CRD_CHART

    assert CHART == KARPENTER_CRD_CHART
    assert VERSION == DEFAULT_KARPENTER_VERSION


def test_pull_fills_the_cache_from_the_chart_of_the_version_once(tmp_path: Path, registry: Registry) -> None:
    registry.publish(_chart_archive(tmp_path, {name: _crd(name) for name in NEEDED}), VERSION)
    cache = tmp_path / "build" / "crds" / VERSION
    assert pull(cache, VERSION, registry.chart, plain_http=True) == cache
    assert f"/v2/karpenter/karpenter-crd/manifests/{VERSION}" in registry.requests
    assert located({}, cache) == cache
    # The download and the staging folder are gone.
    assert [path.name for path in cache.parent.iterdir()] == [VERSION]
    registry.requests.clear()
    assert pull(cache, VERSION, registry.chart, plain_http=True) == cache
    assert registry.requests == [], "pulled again although the cache held the CRDs"


def test_a_failed_pull_says_what_and_why_and_leaves_no_cache(tmp_path: Path, registry: Registry) -> None:
    registry.publish(_chart_archive(tmp_path, {name: _crd(name) for name in NEEDED}, version="1.14.0"), "1.14.0")
    cache = tmp_path / "build" / "crds" / VERSION
    with pytest.raises(PullError) as failure:
        pull(cache, VERSION, registry.chart, plain_http=True)
    assert str(failure.value).startswith(f"could not pull {registry.chart} 1.14.1: ")
    assert str(failure.value).endswith(f"{registry.chart.removeprefix('oci://')}:1.14.1: not found")
    assert list(cache.parent.iterdir()) == []
