"""Whether a folder is the program's, and its stacks: every command reads its stack files and runs its
program there, so a wrong `--project-dir` is refused in one line before anything else is loaded, and
`synth --all` lists the stacks with nothing else loaded in the process that hands them out."""

from __future__ import annotations

from pathlib import Path

# Every command reads the stack files beside Pulumi.yaml, and synth and diff run __main__.py.
PROGRAM_FILES = ("Pulumi.yaml", "__main__.py")


def program_missing(project_dir: Path) -> str | None:
    """Why `project_dir` is not the program's folder, in one line, or None if it is."""
    if not project_dir.is_dir():
        return f"{project_dir} is not a folder; run in the program's folder or name it with --project-dir"
    absent = [name for name in PROGRAM_FILES if not (project_dir / name).is_file()]
    if not absent:
        return None
    return (
        f"{project_dir} holds no {' and no '.join(absent)}, so it is not the program's folder; run in the folder "
        "of Pulumi.yaml and __main__.py, or name it with --project-dir"
    )


def stack_names(project_dir: Path) -> list[str]:
    """The stacks of the project: one per `Pulumi.<stack>.yaml` beside `Pulumi.yaml`, sorted."""
    return sorted(path.name[len("Pulumi.") : -len(".yaml")] for path in project_dir.glob("Pulumi.?*.yaml"))
