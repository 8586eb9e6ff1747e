"""Stack files: what the Pulumi CLI would refuse, and `karpenter` keys the program would never read,
are refused by synth in one line naming the file or the key."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from karpenter.config import stack_file, stack_yaml
from karpenter.offline import errors, program
from tests.conftest import ROOT, make_project

_SECRET = (
    "a secret value; offline synth cannot decrypt it, and the program reads no secrets: "
    "set it in plain text or remove it"
)


def _settings(tmp_path: Path, text: str) -> dict[str, str]:
    (tmp_path / "Pulumi.prod.yaml").write_text(text)
    return program.stack_settings("prod", tmp_path)


def _refusal(tmp_path: Path, text: str) -> str:
    with pytest.raises(errors.SynthError) as refused:
        _settings(tmp_path, text)
    return str(refused.value)


def test_a_missing_stack_file_is_refused_naming_the_folder(tmp_path: Path) -> None:
    with pytest.raises(errors.SynthError) as refused:
        program.stack_settings("prod", tmp_path)
    assert str(refused.value) == f"no stack file Pulumi.prod.yaml in {tmp_path}"


def test_a_yaml_syntax_error_is_refused_with_its_line_and_column(tmp_path: Path) -> None:
    text = "config:\n  karpenter:nodePools: [cpu\n  aws:region: eu-west-1\n"
    assert _refusal(tmp_path, text) == "Pulumi.prod.yaml:3:13: not valid YAML: expected ',' or ']', but got ':'"


def test_a_tab_indent_is_refused_as_not_valid_yaml(tmp_path: Path) -> None:
    assert (
        _refusal(tmp_path, "config:\n\taws:region: eu-west-1\n")
        == "Pulumi.prod.yaml:2:1: not valid YAML: found character '\\t' that cannot start any token"
    )


def test_a_control_character_is_refused_with_its_line_and_column(tmp_path: Path) -> None:
    assert (
        _refusal(tmp_path, 'config:\n  a: "\x07"\n')
        == "Pulumi.prod.yaml:2:7: not valid YAML: unacceptable character #x0007: special characters are not allowed"
    )


def test_two_documents_in_one_stack_file_are_refused(tmp_path: Path) -> None:
    assert (
        _refusal(tmp_path, "config: {}\n---\nconfig: {}\n")
        == "Pulumi.prod.yaml:2:1: not valid YAML: expected a single document in the stream, but found another document"
    )


def test_a_stack_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.prod.yaml").write_bytes(b"config:\n  a: \xff\n")
    with pytest.raises(errors.SynthError) as refused:
        program.stack_settings("prod", tmp_path)
    assert str(refused.value) == "Pulumi.prod.yaml: not UTF-8 text (byte 14); save it as UTF-8"


@pytest.mark.parametrize(
    ("text", "kind"),
    [("- config\n- aws:region\n", "a list"), ("config\n", "a string"), ("42\n", "a number")],
)
def test_a_document_that_is_not_a_mapping_is_refused(tmp_path: Path, text: str, kind: str) -> None:
    assert (
        _refusal(tmp_path, text) == f"Pulumi.prod.yaml: the document must be a mapping with a 'config' key, not {kind}"
    )


def test_config_that_is_a_list_is_refused_where_it_starts(tmp_path: Path) -> None:
    text = "# Example stack\nconfig:\n- aws:region: eu-west-1\n"
    assert _refusal(tmp_path, text) == "Pulumi.prod.yaml:3:1: 'config' must be a mapping of keys to values, not a list"


def test_config_that_is_a_string_is_refused(tmp_path: Path) -> None:
    assert (
        _refusal(tmp_path, "config: eu-west-1\n")
        == "Pulumi.prod.yaml:1:9: 'config' must be a mapping of keys to values, not a string"
    )


def test_an_empty_file_or_one_without_config_is_an_empty_config(tmp_path: Path) -> None:
    assert _settings(tmp_path, "") == {}
    assert _settings(tmp_path, "# nothing yet\n") == {}
    assert _settings(tmp_path, "secretsprovider: passphrase\n") == {}
    assert _settings(tmp_path, "config:\n") == {}


def test_a_duplicate_pool_is_refused_naming_both_lines(tmp_path: Path) -> None:
    text = (
        "config:\n"
        "  karpenter:clusterName: prod\n"
        "  karpenter:nodePools:\n"
        "    cpu:\n"
        "      zones: [eu-west-1a]\n"
        "    # copied from the runbook\n"
        "    cpu2: {}\n"
        "    gpu:\n"
        "      gpu: true\n"
        "    arm: {}\n"
        "    # and once more\n"
        "    gpu:\n"
        "      gpu: false\n"
    )
    assert (
        _refusal(tmp_path, text)
        == "Pulumi.prod.yaml:12:5: duplicate key 'gpu' (first at line 8); the Pulumi CLI refuses duplicate keys"
    )


def test_a_duplicate_top_level_config_key_is_refused(tmp_path: Path) -> None:
    text = "config:\n  aws:region: eu-west-1\n  karpenter:clusterName: prod\n  aws:region: us-east-1\n"
    assert (
        _refusal(tmp_path, text)
        == "Pulumi.prod.yaml:4:3: duplicate key 'aws:region' (first at line 2); the Pulumi CLI refuses duplicate keys"
    )


def test_a_duplicate_key_deep_in_a_list_is_refused(tmp_path: Path) -> None:
    text = (
        "config:\n"
        "  karpenter:helmValues:\n"
        "    tolerations:\n"
        "      - key: a\n"
        "        effect: NoSchedule\n"
        "        key: b\n"
    )
    assert (
        _refusal(tmp_path, text)
        == "Pulumi.prod.yaml:6:9: duplicate key 'key' (first at line 4); the Pulumi CLI refuses duplicate keys"
    )


def test_the_same_key_in_different_mappings_and_merge_overrides_are_accepted(tmp_path: Path) -> None:
    text = (
        "defaults: &limits\n"
        "  cpu: '100'\n"
        "config:\n"
        "  karpenter:nodePools:\n"
        "    cpu:\n"
        "      limits:\n"
        "        <<: *limits\n"
        "        cpu: '200'\n"
        "    gpu:\n"
        "      limits: {cpu: '8'}\n"
    )
    assert _settings(tmp_path, text) == {
        "karpenter:nodePools": '{"cpu": {"limits": {"cpu": "200"}}, "gpu": {"limits": {"cpu": "8"}}}'
    }


def test_a_key_without_namespace_and_its_namespaced_twin_are_refused_together(tmp_path: Path) -> None:
    assert (
        _refusal(tmp_path, "config:\n  clusterName: a\n  karpenter:clusterName: b\n")
        == "Pulumi.prod.yaml:3:3: config keys 'clusterName' and 'karpenter:clusterName' both set "
        "karpenter:clusterName; keep one"
    )


def test_a_config_key_that_is_not_text_is_refused(tmp_path: Path) -> None:
    assert (
        _refusal(tmp_path, "config:\n  aws:region: eu-west-1\n  1: a\n")
        == "Pulumi.prod.yaml:3:3: config key 1 must be text of the form namespace:name, such as 'karpenter:clusterName'"
    )


@pytest.mark.parametrize("namespace", ["karpeter", "karpenterr", "karpnter", "Karpenter", "KARPENTER", "carpenter"])
def test_a_near_miss_of_the_karpenter_namespace_is_refused(tmp_path: Path, namespace: str) -> None:
    text = f"config:\n  aws:region: eu-west-1\n  {namespace}:nodePools: {{}}\n"
    assert (
        _refusal(tmp_path, text)
        == f"Pulumi.prod.yaml:3:3: config key '{namespace}:nodePools' is not read by this program; "
        "did you mean 'karpenter:nodePools'?"
    )


def test_other_packages_namespaces_and_keys_without_namespace_are_read(tmp_path: Path) -> None:
    text = (
        "config:\n"
        "  aws:region: eu-west-1\n"
        "  kubernetes:context: prod\n"
        "  pulumi:tags: {team: platform}\n"
        "  eks:something: true\n"
        "  karpenter-config:other: 1\n"
        "  clusterName: prod\n"
    )
    assert _settings(tmp_path, text) == {
        "aws:region": "eu-west-1",
        "kubernetes:context": "prod",
        "pulumi:tags": '{"team": "platform"}',
        "eks:something": "true",
        "karpenter-config:other": "1",
        "karpenter:clusterName": "prod",
    }


def test_a_top_level_karpenter_secret_is_refused_by_key(tmp_path: Path) -> None:
    text = "config:\n  karpenter:clusterName:\n    secure: v1:abc\n"
    assert _refusal(tmp_path, text) == f"karpenter:clusterName: {_SECRET}"


def test_a_secret_without_namespace_is_refused_as_karpenters(tmp_path: Path) -> None:
    assert _refusal(tmp_path, "config:\n  clusterName:\n    secure: v1:abc\n") == f"karpenter:clusterName: {_SECRET}"


def test_a_secret_deep_inside_helm_values_is_refused_by_its_path(tmp_path: Path) -> None:
    text = (
        "config:\n"
        "  karpenter:helmValues:\n"
        "    controller:\n"
        "      env:\n"
        "        - name: TOKEN\n"
        "          value:\n"
        "            secure: v1:abc\n"
    )
    assert _refusal(tmp_path, text) == f"karpenter:helmValues.controller.env[0].value: {_SECRET}"


def test_a_map_with_a_secure_key_beside_others_is_plain_data(tmp_path: Path) -> None:
    text = "config:\n  karpenter:helmValues:\n    secure: true\n    other: 1\n"
    assert _settings(tmp_path, text) == {"karpenter:helmValues": '{"secure": true, "other": 1}'}


def test_secrets_of_other_packages_pass_through_untouched(tmp_path: Path) -> None:
    text = "config:\n  aws:region: eu-west-1\n  aws:secretKey:\n    secure: v1:abc\n"
    assert _settings(tmp_path, text) == {"aws:region": "eu-west-1", "aws:secretKey": '{"secure": "v1:abc"}'}


def test_dates_reach_the_program_as_typed(tmp_path: Path) -> None:
    text = (
        "config:\n  karpenter:helmValues:\n    podAnnotations: {since: 2026-01-02}\n  other:when: 2026-01-02 10:00:00\n"
    )
    assert _settings(tmp_path, text) == {
        "karpenter:helmValues": '{"podAnnotations": {"since": "2026-01-02"}}',
        "other:when": "2026-01-02 10:00:00",
    }


def test_the_command_line_reports_a_bad_stack_file_in_one_line_with_exit_code_2(tmp_path: Path) -> None:
    make_project(tmp_path)
    (tmp_path / "Pulumi.prod.yaml").write_text("config:\n  aws:region: a\n  aws:region: b\n")
    out = tmp_path / "build" / "synth" / "prod"
    command = [sys.executable, "-m", "karpenter", "synth", "--stack", "prod"]
    done = subprocess.run(
        [*command, "--project-dir", str(tmp_path), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr == (
        "error: Pulumi.prod.yaml:3:3: duplicate key 'aws:region' (first at line 2); "
        "the Pulumi CLI refuses duplicate keys\n"
    )
    assert done.stdout == ""
    assert not (tmp_path / "build").exists()


def test_a_control_character_on_a_later_line_is_placed_from_the_last_line_break(tmp_path: Path) -> None:
    assert (
        _refusal(tmp_path, 'config:\n  aws:region: eu-west-1\n  a: "\x07"\n')
        == "Pulumi.prod.yaml:3:7: not valid YAML: unacceptable character #x0007: special characters are not allowed"
    )


def test_a_document_or_config_that_is_true_or_false_is_refused_in_words(tmp_path: Path) -> None:
    assert (
        _refusal(tmp_path, "true\n")
        == "Pulumi.prod.yaml: the document must be a mapping with a 'config' key, not true or false"
    )
    assert (
        _refusal(tmp_path, "config: false\n")
        == "Pulumi.prod.yaml:1:9: 'config' must be a mapping of keys to values, not true or false"
    )


def test_config_of_another_yaml_type_is_refused_naming_that_type(tmp_path: Path) -> None:
    assert (
        _refusal(tmp_path, "config: !!set {a, b}\n")
        == "Pulumi.prod.yaml:1:9: 'config' must be a mapping of keys to values, not a set"
    )


def test_a_null_key_spelled_config_does_not_hide_the_config_mapping(tmp_path: Path) -> None:
    assert _settings(tmp_path, "!!null config: 5\nconfig:\n  aws:region: eu-west-1\n") == {"aws:region": "eu-west-1"}


def test_a_config_key_typed_unlike_its_python_value_is_refused_where_config_starts(tmp_path: Path) -> None:
    assert (
        _refusal(tmp_path, "# Example stack\nconfig:\n  aws:region: eu-west-1\n  ~: a\n")
        == "Pulumi.prod.yaml:3:3: config key None must be text of the form namespace:name, "
        "such as 'karpenter:clusterName'"
    )


def test_a_namespaced_key_is_split_at_its_first_colon(tmp_path: Path) -> None:
    assert _settings(tmp_path, "config:\n  karpenter:a:b: x\n  aws:x:y: z\n") == {"karpenter:a:b": "x", "aws:x:y": "z"}
    assert _refusal(tmp_path, "config:\n  karpenter:a:b:\n    secure: v1:abc\n") == f"karpenter:a:b: {_SECRET}"


def test_config_after_other_keys_is_refused_at_its_own_value(tmp_path: Path) -> None:
    assert (
        _refusal(tmp_path, "secretsprovider: passphrase\nconfig: eu-west-1\n")
        == "Pulumi.prod.yaml:2:9: 'config' must be a mapping of keys to values, not a string"
    )


def test_a_stack_file_that_cannot_be_read_is_refused_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(stack_file.StackFileError) as refused:
        stack_file.read_settings(tmp_path / "Pulumi.prod.yaml")
    assert str(refused.value) == "Pulumi.prod.yaml: cannot be read: No such file or directory"


def test_a_stack_file_is_read_as_utf8_whatever_the_locale_encoding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def latin1_locale(encoding: str | None, stacklevel: int = 2) -> str:
        return "latin-1" if encoding is None else encoding

    monkeypatch.setattr(io, "text_encoding", latin1_locale)
    (tmp_path / "Pulumi.prod.yaml").write_bytes("config:\n  karpenter:clusterName: café\n".encode())
    assert program.stack_settings("prod", tmp_path) == {"karpenter:clusterName": "café"}


def test_nested_duplicates_are_found_level_by_level(tmp_path: Path) -> None:
    text = (
        "config:\n"
        "  karpenter:helmValues:\n"
        "    a:\n"
        "      b:\n"
        "        c: 1\n"
        "        c: 2\n"
        "    d:\n"
        "      e: 1\n"
        "      e: 2\n"
    )
    assert (
        _refusal(tmp_path, text)
        == "Pulumi.prod.yaml:9:7: duplicate key 'e' (first at line 8); the Pulumi CLI refuses duplicate keys"
    )


def test_a_duplicate_inside_a_mapping_used_as_a_key_is_refused(tmp_path: Path) -> None:
    assert (
        _refusal(tmp_path, "config:\n  ? {a: 1, a: 2}\n  : x\n")
        == "Pulumi.prod.yaml:2:12: duplicate key 'a' (first at line 2); the Pulumi CLI refuses duplicate keys"
    )


def test_a_duplicate_after_a_merge_key_is_refused(tmp_path: Path) -> None:
    text = "base: &base {a: 1}\nconfig:\n  <<: *base\n  aws:region: x\n  aws:region: y\n"
    assert (
        _refusal(tmp_path, text)
        == "Pulumi.prod.yaml:5:3: duplicate key 'aws:region' (first at line 4); the Pulumi CLI refuses duplicate keys"
    )


def test_a_duplicate_after_a_list_used_as_a_key_is_refused(tmp_path: Path) -> None:
    assert (
        _refusal(tmp_path, "config:\n  ? [a]\n  : 1\n  b: 1\n  b: 2\n")
        == "Pulumi.prod.yaml:5:3: duplicate key 'b' (first at line 4); the Pulumi CLI refuses duplicate keys"
    )


def test_keys_1_and_true_are_not_duplicates_and_a_number_key_is_refused_as_not_text(tmp_path: Path) -> None:
    assert (
        _refusal(tmp_path, "config:\n  1: a\n  true: b\n")
        == "Pulumi.prod.yaml:2:3: config key 1 must be text of the form namespace:name, such as 'karpenter:clusterName'"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "config:\n  karpenter:cluster:\n    create: true\n    kubernetesVersion: 1.30\n",
            'Pulumi.prod.yaml:4:24: karpenter:cluster.kubernetesVersion: YAML reads 1.30 as a number; quote it: "1.30"',
        ),
        (
            "config:\n  karpenter:version: 1.14\n",
            'Pulumi.prod.yaml:2:22: karpenter:version: YAML reads 1.14 as a number; quote it: "1.14"',
        ),
        (
            "config:\n  version: 1.10\n",
            'Pulumi.prod.yaml:2:12: karpenter:version: YAML reads 1.10 as a number; quote it: "1.10"',
        ),
    ],
)
def test_an_unquoted_version_is_refused_with_the_text_as_typed_quoted(tmp_path: Path, text: str, message: str) -> None:
    assert _refusal(tmp_path, text) == message


def test_quoted_versions_and_numbers_under_other_keys_are_read(tmp_path: Path) -> None:
    text = 'config:\n  karpenter:cluster:\n    kubernetesVersion: "1.30"\n  karpenter:helmValues:\n    ratio: 1.5\n'
    assert _settings(tmp_path, text) == {
        "karpenter:cluster": '{"kubernetesVersion": "1.30"}',
        "karpenter:helmValues": '{"ratio": 1.5}',
    }


def test_the_command_line_refuses_a_flat_dotted_key_in_one_line_with_exit_code_2(tmp_path: Path) -> None:
    """`pulumi config set nodePools.cpu.capacityTypes ...` without --path writes the dotted key as one name."""
    make_project(tmp_path)
    (tmp_path / "Pulumi.prod.yaml").write_text(
        "config:\n  aws:region: eu-west-1\n  karpenter:clusterName: dev\n"
        "  karpenter:nodePools.cpu.capacityTypes: '[\"spot\"]'\n"
    )
    command = [sys.executable, "-m", "karpenter", "synth", "--stack", "prod"]
    done = subprocess.run(
        [*command, "--project-dir", str(tmp_path), "--out", str(tmp_path / "out")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "error: karpenter:nodePools.cpu.capacityTypes: a flat key with dots in its name; nest it under "
        "karpenter:nodePools, or use `pulumi config set --path`\n"
    )


@pytest.mark.parametrize("stack", ["prod@east", "prod east", "prod/east", "prød", "a" * 101])
def test_a_stack_name_the_pulumi_cli_refuses_is_refused_naming_the_file(tmp_path: Path, stack: str) -> None:
    """pulumi/pulumi pkg/backend/diy/backend.go, validateStackName: ^[A-Za-z0-9_.-]{1,100}$."""
    with pytest.raises(stack_file.StackFileError) as refused:
        stack_file.stack_settings(stack, tmp_path)
    assert str(refused.value) == (
        f"Pulumi.{stack}.yaml: {stack!r} is not a stack name the Pulumi CLI accepts: letters, digits, hyphens, "
        "underscores and periods only, at most 100 characters; rename the file"
    )


@pytest.mark.parametrize("stack", ["eu_west-1.prod", "a" * 100])
def test_stack_names_the_pulumi_cli_accepts_are_read(tmp_path: Path, stack: str) -> None:
    (tmp_path / f"Pulumi.{stack}.yaml").write_text("config:\n  aws:region: eu-west-1\n")
    assert stack_file.stack_settings(stack, tmp_path) == {"aws:region": "eu-west-1"}


_EVERY_STACK_FILE = sorted([*ROOT.glob("Pulumi.?*.yaml"), *(ROOT / "tests" / "fixtures").glob("Pulumi.?*.yaml")])


@pytest.mark.parametrize("path", _EVERY_STACK_FILE, ids=lambda path: path.name)
def test_libyaml_reads_every_stack_file_into_the_same_nodes_and_document_as_pyyaml(path: Path) -> None:
    """Stack files are parsed by libyaml where PyYAML has it; a file it refuses is read again by the
    pure-Python loader, so every message is PyYAML's. What both accept must come out the same,
    down to each node's line and column, which the messages about values point at."""
    assert stack_yaml.FastStrictLoader is not None, "PyYAML without libyaml: the pure-Python loader reads alone"
    text = path.read_text()

    def read(loader_class: type) -> tuple[list[tuple[str, int, int]], object]:
        loader = loader_class(text)
        try:
            root = loader.get_single_node()
            marks = [(type(node).__name__, node.start_mark.line, node.start_mark.column) for node in _walk(root)]
            return marks, loader.construct_document(root)
        finally:
            loader.dispose()

    fast, pure = read(stack_yaml.FastStrictLoader), read(stack_yaml.StrictLoader)
    assert len(fast[0]) > 5
    assert fast == pure


def _walk(node: Any) -> list[Any]:
    found = [node]
    value = getattr(node, "value", None)
    if isinstance(value, list):
        for item in value:
            for child in item if isinstance(item, tuple) else (item,):
                found += _walk(child)
    return found


def test_a_timestamp_stays_the_text_typed_and_a_duplicate_key_is_refused_by_pyyamls_words_whichever_parser(
    tmp_path: Path,
) -> None:
    path = tmp_path / "Pulumi.prod.yaml"
    path.write_text("config:\n  karpenter:since: 2024-01-02\n  aws:region: eu-west-1\n")
    assert stack_file.read_settings(path) == {"karpenter:since": "2024-01-02", "aws:region": "eu-west-1"}
    path.write_text("config:\n  aws:region: eu-west-1\n  aws:region: eu-west-2\n")
    with pytest.raises(stack_file.StackFileError) as refused:
        stack_file.read_settings(path)
    assert str(refused.value) == (
        "Pulumi.prod.yaml:3:3: duplicate key 'aws:region' (first at line 2); the Pulumi CLI refuses duplicate keys"
    )
