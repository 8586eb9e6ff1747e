"""Command line: `python -m karpenter synth (--stack NAME | --all) [--out DIR] [--preview]`, `diff`, and
the commands that read the live account: facts, doctor, convert and drain-legacy."""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from pathlib import Path

# Only this, of ours, above: where `synth --all` uses a fork server, it starts it before it loads
# anything else, so that the server imports the SDKs while this process reads the stack files.
from karpenter.offline import project_folder, workers

DEFAULT_OUT = Path("build/synth")


def render_all(out: Path, project_dir: Path, preview: bool, jobs: int = 1) -> int:
    """Every stack file of the project, one line each, in stack order whatever order the `jobs`
    worker processes finish them in; 2 if any stack is refused."""
    # No fork server for a project of one stack file.
    workers.start(min(jobs, len(list(project_dir.glob("Pulumi.*.yaml")))))
    from karpenter.offline.stale_outputs import remove_stale_outputs

    stacks = project_folder.stack_names(project_dir)
    if not stacks:
        print(f"no stack files (Pulumi.<stack>.yaml) in {project_dir}")
        return 0
    width = max(len(stack) for stack in stacks)
    refused = 0
    calls = [(stack, out / stack, project_dir, preview) for stack in stacks]
    for stack, line in zip(stacks, workers.in_order(workers.render_line, calls, jobs), strict=True):
        if line.refusal is not None:
            refused += 1
            print(f"{stack:<{width}}  refused  {line.refusal}")
            continue
        print(f"{stack:<{width}}  ok       {line.resources} resources ({line.region}) in {out / stack}/")
        for warning in line.warnings:
            print(f"{'':<{width}}  {warning}")
    for removed in remove_stale_outputs(out, stacks):
        print(removed)
    if refused:
        print(f"\n{refused} of {len(stacks)} stacks refused", file=sys.stderr)
        return 2
    return 0


def _jobs(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes (1 or more)")
    return int(text)


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
    command.add_argument(
        "--jobs",
        type=_jobs,
        help="with --all: how many stacks to render at once, each in a worker process (default: the cores, "
        f"here {workers.default_jobs()})",
    )
    review = commands.add_parser(
        "diff",
        help="what a change of a stack file does to the running stack and its nodes, offline (exit 3: dangerous)",
    )
    review.add_argument("--stack", required=True, help="stack name: reads Pulumi.<stack>.yaml")
    review.add_argument(
        "--base", help="git commit to compare with (default: the merge base of HEAD and the default branch)"
    )
    review.add_argument("--json", action="store_true", help="the changes and verdicts as JSON, for CI")
    review.add_argument(
        "--project-dir", type=Path, default=Path.cwd(), help="folder of Pulumi.yaml (default: current folder)"
    )
    add_migration_commands(commands)
    args = parser.parse_args(argv)
    missing = project_folder.program_missing(args.project_dir)
    if missing:
        print(f"error: {missing}", file=sys.stderr)
        return 2
    if args.command == "diff":
        from karpenter.offline.diff_command import run_command as review_change

        return review_change(args.stack, args.project_dir, args.base, args.json)
    if args.command != "synth":
        return run_migration_command(args)
    if args.all:
        return render_all(args.out or DEFAULT_OUT, args.project_dir, args.preview, args.jobs or workers.default_jobs())
    if args.jobs is not None:
        parser.error("--jobs: only with --all; one stack renders in one process")
    import pulumi

    from karpenter.offline import errors, report, synth

    stack = args.stack or "dev"
    out = args.out or DEFAULT_OUT / stack
    try:
        result = synth.render(stack, out, args.project_dir, args.preview)
    except (pulumi.RunError, errors.SynthError) as exc:
        # Bad input is one line naming the key or the file; nothing has been written.
        print(f"error: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(report.summary(result))
    print(f"\nwritten to {out}/")
    return 0


def add_migration_commands(commands: argparse._SubParsersAction) -> None:
    """facts, doctor, convert and drain-legacy: they talk to AWS and the cluster, unlike synth."""
    project_dir = {"type": Path, "default": Path.cwd(), "help": "folder of Pulumi.yaml (default: current folder)"}
    facts = commands.add_parser(
        "facts", help="write the stack's facts file for offline synth from the live account (read-only)"
    )
    facts.add_argument("--stack", required=True, help="stack name: reads Pulumi.<stack>.yaml")
    facts.add_argument("--out", type=Path, help="the file to write (default: facts/<stack>.yaml in the project folder)")
    facts.add_argument("--force", action="store_true", help="replace the file even where it says something else")
    facts.add_argument("--region", help="AWS region (default: the stack's aws:region)")
    facts.add_argument("--profile", help="AWS profile (default: the default credential chain)")
    endpoint_url = {"help": "call AWS there instead, e.g. http://127.0.0.1:5000 (default: AWS_ENDPOINT_URL, or AWS)"}
    facts.add_argument("--endpoint-url", **endpoint_url)
    facts.add_argument("--project-dir", **project_dir)
    doctor = commands.add_parser("doctor", help="check the live account and cluster against a stack (read-only)")
    doctor.add_argument("--stack", required=True, help="stack name: reads Pulumi.<stack>.yaml")
    doctor.add_argument("--json", action="store_true", help="verdicts as JSON, keys sorted, for CI")
    doctor.add_argument("--region", help="AWS region (default: the stack's aws:region)")
    doctor.add_argument("--profile", help="AWS profile (default: the default credential chain)")
    doctor.add_argument("--skip-cluster", action="store_true", help="check AWS only, not the Kubernetes API")
    doctor.add_argument("--endpoint-url", **endpoint_url)
    doctor.add_argument("--project-dir", **project_dir)
    convert = commands.add_parser("convert", help="write Pulumi.<stack>.yaml from the v0.x runbook's Helm values")
    convert.add_argument("--karpenter-values", type=Path, required=True, help="values of the v0 karpenter release")
    convert.add_argument(
        "--config-values", type=Path, required=True, help="values of the karpenter-config release (the provisioners)"
    )
    convert.add_argument("--stack", required=True, help="stack name: writes Pulumi.<stack>.yaml, never over one")
    convert.add_argument("--region", help="AWS region (default: read from the cluster endpoint in the values)")
    convert.add_argument("--project-dir", **project_dir)
    drain = commands.add_parser(
        "drain-legacy", help="drain and terminate the nodes v0 Provisioners launched, one at a time"
    )
    drain.add_argument("--stack", required=True, help="stack name: reads Pulumi.<stack>.yaml")
    drain.add_argument(
        "--detach-only",
        action="store_true",
        help="only drop the nodes' owner references to the Provisioners (before uninstalling the v0 releases)",
    )
    drain.add_argument("--dry-run", action="store_true", help="say what would happen, change nothing")
    drain.add_argument("--timeout", type=float, default=900.0, help="seconds a node may take to empty (default 900)")
    drain.add_argument("--region", help="AWS region (default: the stack's aws:region)")
    drain.add_argument("--profile", help="AWS profile (default: the default credential chain)")
    drain.add_argument("--project-dir", **project_dir)


def check_endpoint_url(endpoint_url: str | None) -> None:
    from karpenter.config.errors import ConfigError

    if endpoint_url is not None and not endpoint_url.startswith(("http://", "https://")):
        raise ConfigError(f"--endpoint-url: {endpoint_url!r} is not an http:// or https:// URL")


def run_facts_command(args: argparse.Namespace) -> int:
    """2 (one line) for a bad stack file, key or option, or a file it will not replace; 1 when AWS does
    not answer; else 0, having written the file."""
    from karpenter.config.errors import ConfigError
    from karpenter.offline import facts_file

    # Loaded only here: boto3 stays out of synth and `pulumi up`.
    from karpenter.preflight.facts_reader import AccountReadError, read_stack_facts

    out = args.out or facts_file.default_path(args.project_dir, args.stack)
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    try:
        check_endpoint_url(args.endpoint_url)
        facts_file.check_target(out)
        read = read_stack_facts(
            args.stack,
            args.project_dir,
            region=args.region,
            profile=args.profile,
            endpoint_url=args.endpoint_url,
            today=today,
        )
        written = facts_file.write(facts_file.facts_text(read.document, args.stack), out, force=args.force)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except AccountReadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for note in read.notes:
        print(note)
    print(f"written to {out}" if written else f"{out} is unchanged")
    named = read.target.config.synth_facts
    if named is None or (args.project_dir / named).resolve() != out.resolve():
        where = os.path.relpath(out.resolve(), args.project_dir.resolve())
        print(f"offline synth reads it once the stack names it: pulumi config set karpenter:synthFacts {where}")
    return 0


def run_migration_command(args: argparse.Namespace) -> int:
    # Loaded only here: boto3 and the kubernetes client stay out of synth and `pulumi up`.
    if args.command == "facts":
        return run_facts_command(args)
    if args.command == "doctor":
        from karpenter.config.errors import ConfigError
        from karpenter.pool_plan import pool_lines
        from karpenter.preflight.doctor import run_command

        try:
            check_endpoint_url(args.endpoint_url)
        except ConfigError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        return run_command(
            args.stack,
            args.project_dir,
            region=args.region,
            profile=args.profile,
            as_json=args.json,
            read_cluster=not args.skip_cluster,
            endpoint_url=args.endpoint_url,
            pool_planner=pool_lines,
        )
    if args.command == "convert":
        from karpenter.migrate.convert import run_command as convert

        return convert(args.karpenter_values, args.config_values, args.stack, args.project_dir, args.region)
    if args.command == "drain-legacy":
        from karpenter.migrate.drain import run_command as drain

        return drain(
            args.stack,
            args.project_dir,
            region=args.region,
            profile=args.profile,
            detach_only=args.detach_only,
            dry_run=args.dry_run,
            timeout=args.timeout,
        )
    raise AssertionError(f"unknown command {args.command}")


if __name__ == "__main__":
    sys.exit(main())
