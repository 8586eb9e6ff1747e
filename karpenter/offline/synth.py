"""Synth of one stack: run the program offline, judge the render by the policy pack's guardrails and
write it into its output folder."""

from __future__ import annotations

from pathlib import Path

from karpenter.offline import errors, output_folder, program, report
from karpenter.offline.verdicts import guardrail_violations


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
