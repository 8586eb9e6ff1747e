"""The stack folders `synth --all` wrote for stack files that are gone: removed, and only those (a
folder synth writes holds its marker file). Loads nothing heavy: the process that hands out the
stacks calls it."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

SYNTH_MARKER = ".karpenter-synth"


def remove_stale_outputs(out: Path, stacks: Iterable[str]) -> list[str]:
    """After `synth --all` into `out`: remove the stack folders synth wrote for stack files that no longer
    exist, and keep any folder without synth's marker, which it did not write. One line per folder."""
    if not out.is_dir():
        return []
    current = set(stacks)
    lines: list[str] = []
    for folder in sorted(out.iterdir()):
        # Staging folders of a run and anything that is not a plain folder are not stack outputs.
        if folder.name in current or folder.name.startswith(".") or folder.is_symlink() or not folder.is_dir():
            continue
        gone = f"Pulumi.{folder.name}.yaml no longer exists"
        if not (folder / SYNTH_MARKER).is_file():
            lines.append(f"kept {folder}/: {gone}, but synth did not write this folder (no {SYNTH_MARKER} marker)")
            continue
        try:
            shutil.rmtree(folder)
        except OSError as exc:
            lines.append(f"kept {folder}/: {gone}, but it cannot be removed: {exc.strerror or exc}")
            continue
        lines.append(f"removed {folder}/: {gone}")
    return lines
