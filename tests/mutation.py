"""Mutation testing of one module: `python tests/mutation.py karpenter/<stage>/<module>.py [TEST ...]`.

Runs mutmut on the module against its tests, re-checks in a fresh pytest process each mutant mutmut
did not kill (see `recheck`), and prints killed, survived and the score. mutmut
reads ./pyproject.toml and works in ./mutants/, so each module gets a folder of its own,
build/mutation/<module>/, holding the generated pyproject.toml and links to the project files;
the upstream CRDs are found from inside mutants/ as from the project: KARPENTER_CRDS_DIR, made absolute,
or a copy of build/crds/.
Each run starts afresh: mutmut would keep the verdicts of functions that did not change, even
after a test changed. To retest one mutant after adding a test: `mutmut run NAME` in that folder.

mutmut mutates function bodies only, so a second stage mutates what lies outside them (see
`constraint_mutants`): the bounds of pydantic fields, the patterns, the module's constants, the names a
validator checks and the validators themselves. Each such mutant is written into a copy of the project,
build/mutation/<module>/constraints/, and the same tests run there in a fresh pytest process; it gets a
score of its own. `--constraints-only` runs that stage alone.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Modules tested beyond (or other than) tests/**/test_<name>.py, by file name. `tests/` runs, for
# each mutant, every test that calls the mutated function: thorough, but minutes per module.
TESTS_BY_NAME = {
    "aws/iam": [
        "tests/aws/test_policies.py",
        "tests/aws/test_identities.py",
        "tests/aws/test_controller_policy_documents.py",
    ],
    "aws/aws_auth_mapping": ["tests/aws/test_aws_auth.py"],
    # Whether the mapping keeps the parent it is given is read from the stack's registered parent tree.
    "aws/aws_auth_provider": ["tests/aws/test_aws_auth.py", "tests/stack/test_resource_names.py"],
    "aws/discovery_tags": [
        "tests/cluster/test_cluster_attach.py",
        "tests/aws/test_adoption.py",
        "tests/stack/test_resource_names.py",
        "tests/kubernetes/test_releases.py",
        "tests/stack/test_component_outputs.py",
    ],
    # The components are built by the stack, whose tests read what each registers.
    "aws": ["tests/aws/", "tests/stack/", "tests/cluster/test_cluster_attach.py", "tests/offline/test_synth.py"],
    "cluster": ["tests/cluster/", "tests/stack/", "tests/aws/test_adoption.py", "tests/offline/test_mocks.py"],
    "cluster/facts": [
        "tests/cluster/test_cluster_attach.py",
        "tests/offline/test_sample_facts_hint.py",
        "tests/offline/test_mocks.py",
        "tests/aws/test_identities.py",
        "tests/kubernetes/test_releases.py",
        "tests/cluster/test_cluster_lookups.py",
        "tests/stack/test_component.py",
    ],
    "cluster/placement": ["tests/cluster/test_cluster_attach.py", "tests/cluster/test_node_class_subnets.py"],
    "cluster/kubeconfig": ["tests/cluster/test_kubeconfig.py", "tests/aws/test_aws_auth.py"],
    # The rules that span a new cluster and the config are checked with the cluster they make.
    "config": ["tests/config/", "tests/cluster/test_new_cluster.py"],
    # The gates a config needs reach the chart through the release values.
    # The device plugin config names come from here and are read by the values builders.
    "config/gpu_sharing": ["tests/config/", "tests/kubernetes/test_gpu_sharing.py"],
    # The class each pool launches with reaches the cluster through the node class and pool values.
    "config/node_class_choice": ["tests/config/", "tests/cluster/test_new_cluster.py", "tests/kubernetes/"],
    # The command line tools read their stack through it.
    "config/stack_target": ["tests/config/", "tests/preflight/test_doctor_command.py", "tests/migrate/"],
    # The stack files a project holds are listed by the synth of every stack.
    "config/stack_file": ["tests/config/", "tests/cluster/test_new_cluster.py", "tests/offline/test_synth_all.py"],
    "config/feature_gates": [
        "tests/config/",
        "tests/cluster/test_new_cluster.py",
        "tests/kubernetes/test_feature_gate_values.py",
    ],
    # The release values of a new cluster are checked with the cluster (and its helmValues with the config).
    "kubernetes": ["tests/kubernetes/", "tests/cluster/test_new_cluster.py", "tests/config/test_helm_values.py"],
    # Which labels a requirement may name is judged with the pool and overlay config.
    "vocabulary/node_labels": ["tests/config/", "tests/kubernetes/test_gpu_sharing.py"],
    "vocabulary/nvidia_device_plugin": ["tests/config/", "tests/kubernetes/"],
    "vocabulary/resource_names": ["tests/config/", "tests/guardrails/"],
    # Instance families decide what the config admits, what the pools launch and what a runbook pool becomes.
    "vocabulary/instance_families": [
        "tests/vocabulary/test_instance_families.py",
        # It reads the module's file, which mutmut rewrites with an import of its own.
        "--deselect=tests/vocabulary/test_instance_families.py::"
        "test_module_imports_only_the_standard_library_for_the_policy_pack",
        "tests/config/",
        "tests/kubernetes/test_pool_values.py",
        "tests/migrate/",
    ],
    # The chart's value keys judge a stack's helmValues and shape the release values.
    "vocabulary/karpenter_chart_keys": ["tests/config/", "tests/kubernetes/test_releases.py"],
    # The runbook's values become a stack file, which is then read like any other.
    "migrate/runbook_values": ["tests/migrate/"],
    "migrate/stack_settings": ["tests/migrate/", "tests/config/", "tests/offline/test_synth.py"],
    # A created cluster is checked through the stack that creates it.
    "aws/eks_cluster": ["tests/cluster/test_new_cluster.py", "tests/stack/"],
    # The plan and the whole component are read through what the stack registers.
    "stack_plan": ["tests/stack/", "tests/cluster/", "tests/aws/test_adoption.py", "tests/aws/test_identities.py"],
    # The releases read what the component hands them; its warnings go to `pulumi preview` and `up`.
    "stack": [
        "tests/stack/",
        "tests/cluster/",
        "tests/aws/",
        "tests/offline/test_synth.py",
        "tests/offline/test_synth_warnings.py",
        "tests/kubernetes/test_releases.py",
    ],
    # The offline facts and the mock engine's answers are what every program run under test reads.
    "offline": ["tests/offline/", "tests/cluster/", "tests/aws/test_adoption.py", "tests/stack/"],
    # Each answer of the mock engine is written out in its own tests; every program run reads them too,
    # but running those for each mutant would take hours.
    "offline/mocks": ["tests/offline/test_mocks.py"],
    "offline/created_cluster": ["tests/offline/test_mocks.py"],
    # The facts command end to end: against moto, its errors, its prices.
    "offline/facts_file": ["tests/preflight/test_facts_command.py", "tests/preflight/test_facts_errors.py"],
    "preflight/facts_reader": [
        "tests/preflight/test_facts_command.py",
        "tests/preflight/test_facts_errors.py",
        "tests/preflight/test_facts_prices.py",
    ],
    "vocabulary/aws_names": ["tests/vocabulary/test_naming.py", "tests/aws/test_identities.py"],
    # What each lookup must answer, and the mocks for users' tests, with the README's example test.
    "cluster/answers": ["tests/cluster/test_lookup_answers.py"],
    "testing": ["tests/stack/test_testing_mocks.py"],
}
# Imported once by the fork server that forks a worker per mutant. Third-party only: a test
# module imported there keeps values it computed before the mutant was switched on (parametrize
# lists), and a process forked soon after importing helm_python, or after rendering with it, hangs.
PRELOAD = ("pulumi", "pulumi.runtime", "pulumi_aws", "pulumi_kubernetes", "pydantic", "yaml", "jsonschema")
# This file, as the pytest plugin below.
PLUGIN = ".".join(Path(__file__).resolve().relative_to(ROOT).with_suffix("").parts)


def tests_for(module: str) -> list[str]:
    """The tests a module's mutants run against: the entry for the module (`aws/aws_auth_mapping`),
    or for its folder (`config`, `aws/iam`), or else every `test_<name>.py` under tests/."""
    relative = Path(module).with_suffix("").relative_to("karpenter")
    for key in (relative.as_posix(), relative.parent.as_posix()):
        if key in TESTS_BY_NAME:
            return TESTS_BY_NAME[key]
    named = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "tests").rglob(f"test_{relative.name}.py"))
    return named or ["tests/"]


def prepare(module: str, tests: list[str]) -> Path:
    work = ROOT / "build" / "mutation" / module.removesuffix(".py").replace("/", ".")
    shutil.rmtree(work / "mutants", ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    linked = sorted({line.split("/")[0] for line in tracked.splitlines()} - {"pyproject.toml", "setup.cfg"})
    for path in (ROOT / name for name in linked):
        if path.exists() and not (work / path.name).is_symlink():
            (work / path.name).symlink_to(path)
    # The tests read the CRDs that `make crds` pulled from build/crds/ beside them, so mutants/ gets a copy.
    crds = ROOT / "build" / "crds"
    pulled_crds = ["build/crds"] if crds.is_dir() else []
    if pulled_crds and not (work / "build" / "crds").is_symlink():
        (work / "build").mkdir(exist_ok=True)
        (work / "build" / "crds").symlink_to(crds)
    package = Path(module).parts[0]
    config = {
        "source_paths": [package],
        "only_mutate": [module],
        "pytest_add_cli_args_test_selection": tests,
        "pytest_add_cli_args": ["-p", PLUGIN],
        "also_copy": [name for name in linked if name not in (package, "tests")] + pulled_crds,
        "process_isolation": "forkserver",
        "forkserver_warmup": "import",
        "preload_modules_file": "preload.txt",
    }
    lines = ["[tool.mutmut]", *(f"{key} = {json.dumps(value)}" for key, value in config.items())]
    (work / "pyproject.toml").write_text("\n".join(lines) + "\n")
    (work / "preload.txt").write_text("\n".join(PRELOAD) + "\n")
    return work


def pytest_load_initial_conftests(early_config: object, parser: object, args: list[str]) -> None:
    """In mutmut's pytest runs (`-p`), a mutant's tests become the whole files they are in:
    mutmut credits a function only to the test that called it first, so the other tests that
    read a module-scoped fixture built with it would never run against its mutants."""
    files = dict.fromkeys(arg.split("::")[0] for arg in args if "::" in arg)
    args[:] = [arg for arg in args if "::" not in arg] + list(files)


def recheck(work: Path, tests: list[str], names: list[str]) -> dict[str, str]:
    """Each mutant mutmut let through, run once more in a fresh pytest process with the mutant
    switched on before anything is imported. mutmut switches a mutant on only once the tests run,
    so a function the code calls at import (a factory of pydantic validators, say) runs unmutated
    under it. `killed` when the tests, which pass without the mutant, fail with it (a test fails, or
    a module no longer imports), `survived` when all pass, `timeout` past ten times a clean run."""
    mutants = work / "mutants"
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", *tests]
    environment = {key: value for key, value in os.environ.items() if key != "MUTANT_UNDER_TEST"}
    started = time.monotonic()
    clean = subprocess.run(command, cwd=mutants, env=environment, capture_output=True, check=False)
    if clean.returncode:
        tail = clean.stdout.decode(errors="replace")[-2000:]
        raise SystemExit(f"the selected tests fail without any mutant, so nothing can be re-checked:\n{tail}")
    limit = 10 * (time.monotonic() - started) + 10
    verdicts = {}
    for name in names:
        try:
            run = subprocess.run(
                command,
                cwd=mutants,
                env={**environment, "MUTANT_UNDER_TEST": name},
                capture_output=True,
                timeout=limit,
                check=False,
            )
        except subprocess.TimeoutExpired:
            verdicts[name] = "timeout"
            continue
        # The same tests passed without the mutant, so any failure is the mutant's: a failed test (1), a
        # test module (2) or conftest (4) that no longer imports.
        verdicts[name] = "survived" if run.returncode == 0 else "killed"
    return verdicts


# pydantic's bounds of a number, a text, a list or a map.
BOUND_KEYWORDS = ("ge", "gt", "le", "lt", "min_length", "max_length")
# The calls whose first arguments name the fields a validator checks.
VALIDATOR_DECORATORS = ("field_validator",)


@dataclass(frozen=True)
class ConstraintMutant:
    name: str  # `<line>:<column>: <what changed>`
    source: str  # the whole module, mutated


def pattern_mutants(pattern: str) -> list[tuple[str, str]]:
    """Ways to loosen or tighten a regular expression by one step, as (what, the new pattern): a
    character class that also takes digits (or else lower-case letters), a `+` that takes none, a
    repeat count one more or one less, an alternative dropped from a group, the final `$` dropped.
    Only those that still compile and differ from the pattern."""
    found: list[tuple[str, str]] = []
    groups: list[tuple[int, list[int]]] = []
    index, class_start = 0, -1
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if class_start >= 0:
            if char == "]" and index > class_start + 1:
                members = pattern[class_start + 1 : index]
                extra = "0-9" if "0-9" not in members and "\\d" not in members else "a-z"
                if not members.startswith("^") and extra not in members:
                    found.append(
                        (f"[{members}] at {class_start} also takes {extra}", pattern[:index] + extra + pattern[index:])
                    )
                class_start = -1
        elif char == "[":
            class_start = index
        elif char == "(":
            groups.append((index, []))
        elif char == "|" and groups:
            groups[-1][1].append(index)
        elif char == ")" and groups:
            start, bars = groups.pop()
            edges = [start + (3 if pattern.startswith("(?:", start) else 1), *[bar + 1 for bar in bars], index + 1]
            options = [pattern[a : b - 1] for a, b in zip(edges, edges[1:], strict=False)]
            for dropped in range(len(options) if bars else 0):
                kept = "|".join(option for n, option in enumerate(options) if n != dropped)
                found.append(
                    (
                        f"({pattern[edges[0] : index]}) at {start} without {options[dropped]!r}",
                        pattern[: edges[0]] + kept + pattern[index:],
                    )
                )
        elif char == "+":
            found.append((f"+ at {index} → *", pattern[:index] + "*" + pattern[index + 1 :]))
        elif char == "{" and (count := re.match(r"\{(\d+)(,(\d*))?\}", pattern[index:])):
            for text in _count_mutants(int(count.group(1)), count.group(2), count.group(3)):
                found.append(
                    (f"{count.group(0)} at {index} → {text}", pattern[:index] + text + pattern[index + count.end() :])
                )
        elif char == "$" and index == len(pattern) - 1:
            found.append(("$ dropped", pattern[:index]))
        index += 1
    kept_mutants = []
    for what, mutated in found:
        try:
            re.compile(mutated)
        except re.error:
            continue
        if mutated != pattern:
            kept_mutants.append((what, mutated))
    return kept_mutants


def _count_mutants(least: int, comma: str | None, most: str | None) -> list[str]:
    """A repeat count `{n}`, `{m,}` or `{m,n}` one step looser or tighter, never below zero."""
    if comma is None:
        return [f"{{{n}}}" for n in (least + 1, least - 1) if n >= 0]
    looser = [f"{{{least - 1},{most}}}"] if least > 0 else []
    if not most:
        return looser
    return looser + [f"{{{least},{n}}}" for n in (int(most) + 1, int(most) - 1) if n >= least]


def _outside_functions(tree: ast.Module) -> Iterator[ast.AST]:
    """Every node of the module not inside a function or lambda: what mutmut leaves alone."""
    pending: list[ast.AST] = list(ast.iter_child_nodes(tree))
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        yield node
        pending.extend(ast.iter_child_nodes(node))


def _is_text(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _changes(tree: ast.Module) -> Iterator[tuple[ast.AST, str, str]]:
    """(the node, what changes, the source that replaces it), for each constraint mutant."""
    for node in _outside_functions(tree):
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            for step in (1, -1):
                yield node, f"{node.value!r} → {node.value + step!r}", repr(node.value + step)
        elif _is_text(node) and isinstance(node, ast.Constant) and node.value.startswith("^"):
            for what, mutated in pattern_mutants(node.value):
                yield node, what, repr(mutated)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) in VALIDATOR_DECORATORS:
            names = [arg for arg in node.args if _is_text(arg)]
            for dropped in names if len(names) > 1 else []:
                call = ast.Call(node.func, [arg for arg in node.args if arg is not dropped], node.keywords)
                yield node, f"{ast.unparse(node.func)} without {ast.unparse(dropped)}", ast.unparse(call)
        elif isinstance(node, ast.Tuple | ast.List | ast.Set) and len(node.elts) > 1 and all(map(_is_text, node.elts)):
            for dropped in node.elts:
                rest = [element for element in node.elts if element is not dropped]
                yield node, f"{ast.unparse(node)} without {ast.unparse(dropped)}", ast.unparse(type(node)(rest))
        elif (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Call)
            and getattr(node.value.func.func, "id", "").endswith("_validator")
        ):
            yield node, f"{ast.unparse(node.targets[0])} removed", "pass"


def constraint_mutants(source: str) -> list[ConstraintMutant]:
    """The module's mutants outside function bodies: each number one more and one less (field bounds such
    as `ge=1`, defaults, constants), each pattern loosened or tightened a step (`pattern_mutants`), each
    name a field validator checks dropped, each text of a constant tuple or list dropped, and each
    validator a model runs removed."""
    encoded = source.encode()
    starts = [0]
    for line in encoded.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    mutants = []
    for node, what, replacement in _changes(ast.parse(source)):
        start = starts[node.lineno - 1] + node.col_offset  # type: ignore[attr-defined]
        end = starts[node.end_lineno - 1] + node.end_col_offset  # type: ignore[attr-defined]
        mutated = (encoded[:start] + replacement.encode() + encoded[end:]).decode()
        column = len(encoded[starts[node.lineno - 1] : start].decode()) + 1  # type: ignore[attr-defined]
        where = f"{node.lineno}:{column}"  # type: ignore[attr-defined]
        name = f"{where}: {what}"
        # Two changes read alike only when one node holds both (a pattern twice in a dict, say): numbered.
        repeats = sum(mutant.name.split(" #")[0] == name for mutant in mutants)
        mutants.append(ConstraintMutant(f"{name} #{repeats + 1}" if repeats else name, mutated))
    return sorted(mutants, key=lambda mutant: tuple(int(part) for part in mutant.name.split(":")[:2]))


def run_constraint_mutants(module: str, tests: list[str], work: Path) -> dict[str, str]:
    """Each constraint mutant of `module` written into a copy of the project, the tests run there in a
    fresh pytest process: `killed` when they fail (they pass without it), `survived` when they pass,
    `timeout` past ten times a clean run. The copy holds real files, not links, so the tests import
    the mutated module and nothing else."""
    copy = work / "constraints"
    shutil.rmtree(copy, ignore_errors=True)
    copy.mkdir(parents=True)
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for name in sorted({line.split("/")[0] for line in tracked.splitlines()}):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.is_file():
            shutil.copy2(source, copy / name)
    if (ROOT / "build" / "crds").is_dir():
        (copy / "build").mkdir()
        (copy / "build" / "crds").symlink_to(ROOT / "build" / "crds")
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", *tests]
    started = time.monotonic()
    clean = subprocess.run(command, cwd=copy, capture_output=True, check=False)
    if clean.returncode:
        tail = clean.stdout.decode(errors="replace")[-2000:]
        raise SystemExit(f"the selected tests fail in {copy} without any mutant:\n{tail}")
    limit = 10 * (time.monotonic() - started) + 10
    target = copy / module
    original = target.read_text()
    verdicts = {}
    mutants = constraint_mutants(original)
    print(f"constraints: {len(mutants)} mutants of {module} outside its functions", flush=True)
    try:
        for mutant in mutants:
            target.write_text(mutant.source)
            try:
                run = subprocess.run(command, cwd=copy, capture_output=True, timeout=limit, check=False)
                verdicts[mutant.name] = "survived" if run.returncode == 0 else "killed"
            except subprocess.TimeoutExpired:
                verdicts[mutant.name] = "timeout"
            print(f"  {verdicts[mutant.name]}: {mutant.name}", flush=True)
    finally:
        target.write_text(original)
    return verdicts


def _report(module: str, status: dict[str, str], label: str) -> None:
    killed = [name for name, verdict in status.items() if verdict.startswith("killed")]
    counts = {verdict: list(status.values()).count(verdict) for verdict in sorted(set(status.values()))}
    score = 100 * len(killed) / max(len(status), 1)
    print(
        f"{module} ({label}): " + ", ".join(f"{verdict} {n}" for verdict, n in counts.items()) + f", score {score:.1f}%"
    )


def main(argv: list[str]) -> int:
    constraints_only = "--constraints-only" in argv
    argv = [arg for arg in argv if arg != "--constraints-only"]
    if not argv:
        print("usage: mutation.py [--constraints-only] karpenter/<stage>/<module>.py [TEST ...]", file=sys.stderr)
        return 2
    module, tests = argv[0], argv[1:] or tests_for(argv[0])
    # The tests run in build/mutation/<module>/mutants/, where a relative folder would name another one.
    if os.environ.get("KARPENTER_CRDS_DIR"):
        os.environ["KARPENTER_CRDS_DIR"] = str(Path(os.environ["KARPENTER_CRDS_DIR"]).resolve())
    work = prepare(module, tests)
    if not constraints_only:
        code = run_mutmut(module, tests, work)
        if code:
            return code
    constraints = run_constraint_mutants(module, tests, work)
    (work / "constraint_verdicts.json").write_text(json.dumps(constraints, indent=1) + "\n")
    _report(module, constraints, "outside functions")
    return 0


def run_mutmut(module: str, tests: list[str], work: Path) -> int:
    """mutmut on the function bodies of `module`, its survivors re-checked; prints the score."""
    mutmut = Path(sys.executable).parent / "mutmut"
    print(f"mutmut: {module} against {' '.join(tests)} in {work.relative_to(ROOT)}", flush=True)
    if subprocess.run([mutmut, "run"], cwd=work, check=False).returncode:
        return 1
    from mutmut.stats import status_by_exit_code

    codes = json.loads((work / "mutants" / f"{module}.meta").read_text())["exit_code_by_key"]
    status = {name: status_by_exit_code[code] for name, code in sorted(codes.items())}
    let_through = [name for name, verdict in status.items() if verdict != "killed"]
    print(f"re-checking the {len(let_through)} mutants mutmut did not kill, each switched on from import", flush=True)
    rechecked = recheck(work, tests, let_through)
    for name, verdict in rechecked.items():
        status[name] = "killed on re-check" if verdict == "killed" else verdict
    (work / "verdicts.json").write_text(json.dumps(status, indent=1, sort_keys=True) + "\n")
    for name, verdict in status.items():
        if verdict != "killed":
            print(f"  {verdict}: {name}")
    print(f"  to see one: cd {work.relative_to(ROOT)} && {mutmut} show NAME")
    # A timeout is not counted as a kill: here it has meant a hung worker more often than a mutant.
    _report(module, status, "function bodies, mutmut")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
