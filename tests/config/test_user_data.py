"""AL2023 node class user data: MIME, NodeConfig YAML or script, each refusal pinned by its exact message."""

from __future__ import annotations

import pytest

from tests.config.test_node_class_rules import AL2023_FORMAT, _parsed, _refusal

SHELL_PART = '--B\nContent-Type: text/x-shellscript; charset="us-ascii"\n\n#!/bin/bash\necho ready\n\n'
WHERE = "karpenter:nodeClasses.x.userData"
FAMILY = "(the class's AMI family is al2023)"


@pytest.mark.parametrize(
    "user_data",
    [
        pytest.param(
            f'Content-Type: multipart/mixed; boundary="B"\nMIME-Version: 1.0\n\n{SHELL_PART}--B--\n',
            id="content-type-before-mime-version",
        ),
        pytest.param(f'Content-Type: multipart/mixed; boundary="B"\n\n{SHELL_PART}--B--\n', id="content-type-only"),
    ],
)
def test_mime_starting_with_its_content_type_header_is_accepted(user_data: str) -> None:
    assert _parsed({"x": {"userData": user_data}}).node_classes["x"].user_data == user_data


def test_text_starting_with_a_content_type_header_is_checked_as_mime() -> None:
    assert _refusal({"x": {"userData": "Content-Type: text/plain\n\nhello\n"}}) == (
        f"{WHERE}: starts as MIME but is not multipart/mixed with a boundary; {AL2023_FORMAT} {FAMILY}"
    )


@pytest.mark.parametrize(
    "user_data",
    [
        pytest.param(
            f'MIME-Version: 1.0\nContent-Type: multipart/alternative; boundary="B"\n\n{SHELL_PART}--B--\n',
            id="other-multipart-with-boundary",
        ),
        pytest.param(
            f"MIME-Version: 1.0\nContent-Type: multipart/mixed\n\n{SHELL_PART}--B--\n",
            id="multipart-mixed-without-boundary",
        ),
    ],
)
def test_mime_that_is_not_multipart_mixed_with_a_boundary_is_refused(user_data: str) -> None:
    assert _refusal({"x": {"userData": user_data}}) == (
        f"{WHERE}: starts as MIME but is not multipart/mixed with a boundary; {AL2023_FORMAT} {FAMILY}"
    )


@pytest.mark.parametrize(
    "user_data",
    [
        pytest.param(
            f'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="B"\n\n{SHELL_PART}',
            id="part-without-closing-boundary",
        ),
        pytest.param(
            'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="B"\n\n#!/bin/bash\necho ready\n',
            id="boundary-never-used",
        ),
        pytest.param(
            'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="B"\n\n--B--\n',
            id="closing-boundary-without-parts",
        ),
    ],
)
def test_multipart_mime_without_a_closed_part_is_refused(user_data: str) -> None:
    assert _refusal({"x": {"userData": user_data}}) == (
        f"{WHERE}: is MIME multi-part without a part closed by its boundary; {AL2023_FORMAT} {FAMILY}"
    )


@pytest.mark.parametrize(
    ("user_data", "found"),
    [
        pytest.param("apiVersion: v1\nkind: NodeConfig\n", "apiVersion v1 and kind NodeConfig", id="api-version-wrong"),
        pytest.param(
            "apiVersion: node.eks.aws/v1alpha1\nkind: ConfigMap\n",
            "apiVersion node.eks.aws/v1alpha1 and kind ConfigMap",
            id="kind-wrong",
        ),
        pytest.param(
            "kind: NodeConfig\nspec:\n  kubelet: {}\n",
            "apiVersion missing and kind NodeConfig",
            id="api-version-missing",
        ),
        pytest.param(
            "apiVersion: node.eks.aws/v1alpha1\nspec:\n  kubelet: {}\n",
            "apiVersion node.eks.aws/v1alpha1 and kind missing",
            id="kind-missing",
        ),
        pytest.param("spec:\n  kubelet: {}\n", "apiVersion missing and kind missing", id="both-missing"),
    ],
)
def test_yaml_map_that_is_not_a_node_config_is_refused_naming_what_it_has(user_data: str, found: str) -> None:
    assert _refusal({"x": {"userData": user_data}}) == (
        f"{WHERE}: is YAML with {found}, not a NodeConfig; {AL2023_FORMAT} {FAMILY}"
    )


def test_yaml_error_names_the_line_it_is_on() -> None:
    user_data = "apiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\n\tspec: {}\n"
    assert _refusal({"x": {"userData": user_data}}) == (
        f"{WHERE}: is neither MIME nor valid YAML at line 3; {AL2023_FORMAT} {FAMILY}"
    )


def test_text_yaml_cannot_read_at_all_is_refused_without_a_line() -> None:
    user_data = "apiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\x07\n"
    assert _refusal({"x": {"userData": user_data}}) == (
        f"{WHERE}: is neither MIME nor valid YAML; {AL2023_FORMAT} {FAMILY}"
    )
