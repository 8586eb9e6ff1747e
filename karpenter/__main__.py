"""Command line: `python -m karpenter synth --stack NAME --out DIR [--preview]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pulumi

from karpenter import synth
from karpenter.synth_guardrails import guardrail_violations


def judge(result: synth.SynthResult, rendered: dict[str, str]) -> None:
    """Refuse a render that breaks a guardrail of the policy pack, naming the policy and the resource."""
    violations = guardrail_violations([(r.type, r.name, r.inputs) for r in result.resources], rendered)
    if violations:
        more = f" (and {len(violations) - 1} more)" if len(violations) > 1 else ""
        raise synth.SynthError(f"{violations[0]}{more}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m karpenter")
    commands = parser.add_subparsers(dest="command", required=True)
    render = commands.add_parser("synth", help="render a stack offline, without AWS or the Pulumi CLI")
    render.add_argument("--stack", default="dev", help="stack name: reads Pulumi.<stack>.yaml (default dev)")
    render.add_argument(
        "--out",
        type=Path,
        help="output folder: new, empty, or an earlier synth's, which it replaces (default build/synth/<stack>)",
    )
    render.add_argument(
        "--project-dir", type=Path, default=Path.cwd(), help="folder of Pulumi.yaml (default: current folder)"
    )
    render.add_argument("--preview", action="store_true", help="behave as the first `pulumi preview` of a new stack")
    args = parser.parse_args(argv)
    out = args.out or Path("build/synth") / args.stack
    try:
        # Before the program runs: a refused folder costs nothing and nothing is created.
        synth.check_output_folder(out, args.project_dir)
        settings = synth.stack_settings(args.stack, args.project_dir)
        result = synth.run_program(args.stack, settings, preview=args.preview, project_dir=args.project_dir)
        rendered = synth.rendered_files(result)
        judge(result, rendered)
        synth.write(result, out, rendered, args.project_dir)
    except (pulumi.RunError, synth.SynthError) as exc:
        # Bad input is one line naming the key or the file; nothing has been written.
        print(f"error: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(synth.summary(result))
    print(f"\nwritten to {out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
