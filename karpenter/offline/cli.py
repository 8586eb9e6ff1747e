"""Command line: `python -m karpenter synth (--stack NAME | --all) [--out DIR] [--preview]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pulumi

from karpenter.config.stack_file import stack_names
from karpenter.offline import errors, output_folder, program, report
from karpenter.offline.verdicts import guardrail_violations

DEFAULT_OUT = Path("build/synth")


def judge(result: program.SynthResult, rendered: dict[str, str]) -> None:
    """Refuse a render that breaks a guardrail of the policy pack, naming the policy and the resource."""
    violations = guardrail_violations([(r.type, r.name, r.inputs) for r in result.resources], rendered)
    if violations:
        more = f" (and {len(violations) - 1} more)" if len(violations) > 1 else ""
        raise errors.SynthError(f"{violations[0]}{more}")


def render(stack: str, out: Path, project_dir: Path, preview: bool) -> program.SynthResult:
    """Render one stack into `out`; raises RunError or SynthError, having written nothing, when refused."""
    # Before the program runs: a refused folder costs nothing and nothing is created.
    output_folder.check_output_folder(out, project_dir)
    settings = program.stack_settings(stack, project_dir)
    result = program.run_program(stack, settings, preview=preview, project_dir=project_dir)
    rendered = report.rendered_files(result)
    judge(result, rendered)
    output_folder.write(result, out, rendered, project_dir)
    return result


def render_all(out: Path, project_dir: Path, preview: bool) -> int:
    """Every stack file of the project, one line each; 2 if any stack is refused."""
    stacks = stack_names(project_dir)
    if not stacks:
        print(f"no stack files (Pulumi.<stack>.yaml) in {project_dir}")
        return 0
    width = max(len(stack) for stack in stacks)
    refused = 0
    for stack in stacks:
        try:
            result = render(stack, out / stack, project_dir, preview)
        except (pulumi.RunError, errors.SynthError) as exc:
            refused += 1
            print(f"{stack:<{width}}  refused  {exc}")
            continue
        print(
            f"{stack:<{width}}  ok       {report.resource_count(result)} resources ({result.region}) in {out / stack}/"
        )
    if refused:
        print(f"\n{refused} of {len(stacks)} stacks refused", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m karpenter")
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("synth", help="render stacks offline, without AWS or the Pulumi CLI")
    which = command.add_mutually_exclusive_group()
    which.add_argument("--stack", help="stack name: reads Pulumi.<stack>.yaml (default dev)")
    which.add_argument("--all", action="store_true", help="every Pulumi.<stack>.yaml of the project, a line each")
    command.add_argument(
        "--out",
        type=Path,
        help="output folder: new, empty, or an earlier synth's, which it replaces (default build/synth/<stack>; "
        "with --all, one folder per stack inside it, default build/synth)",
    )
    command.add_argument(
        "--project-dir", type=Path, default=Path.cwd(), help="folder of Pulumi.yaml (default: current folder)"
    )
    command.add_argument("--preview", action="store_true", help="behave as the first `pulumi preview` of a new stack")
    args = parser.parse_args(argv)
    if args.all:
        return render_all(args.out or DEFAULT_OUT, args.project_dir, args.preview)
    stack = args.stack or "dev"
    out = args.out or DEFAULT_OUT / stack
    try:
        result = render(stack, out, args.project_dir, args.preview)
    except (pulumi.RunError, errors.SynthError) as exc:
        # Bad input is one line naming the key or the file; nothing has been written.
        print(f"error: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(report.summary(result))
    print(f"\nwritten to {out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
