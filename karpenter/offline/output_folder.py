"""The output folder: synth writes only into a folder of its own and swaps a complete new output in,
so a failed run leaves the previous one as it was."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from karpenter.offline.errors import SynthError
from karpenter.offline.program import PROJECT_DIR, SynthResult
from karpenter.offline.report import as_json, policy_documents
from karpenter.offline.stale_outputs import SYNTH_MARKER

_MARKER_TEXT = "Written by `python -m karpenter synth`, which replaces this whole folder on its next run.\n"
_STAGING_PREFIX = ".synth-"
_OWN_FOLDER = "synth writes only into a folder of its own, such as build/synth/<stack>"


def check_output_folder(out: Path, project_dir: Path = PROJECT_DIR) -> Path:
    """`out` resolved, if synth may replace it: a new folder, an empty one or a previous synth's
    output. Anything else is refused before anything is created or removed."""
    try:
        target = out.resolve()
        shown = f"--out {target}"
        if target == Path(target.anchor):
            raise SynthError(f"{shown}: the filesystem root; {_OWN_FOLDER}")
        home = _home()
        if home is not None and (target == home or target in home.parents):
            raise SynthError(f"{shown}: the home folder or one of its parents; {_OWN_FOLDER}")
        project = project_dir.resolve()
        if target == project or target in project.parents:
            raise SynthError(f"{shown}: the project folder or one of its parents; {_OWN_FOLDER}")
        existing = next(folder for folder in (target, *target.parents) if folder.exists())
        if existing == target and not target.is_dir():
            raise SynthError(f"{shown}: a file, not a folder; choose a new or empty folder")
        if not existing.is_dir():
            raise SynthError(f"{shown}: {existing} is a file, not a folder; choose another place")
        if existing == target and not (target / SYNTH_MARKER).is_file() and any(target.iterdir()):
            raise SynthError(
                f"{shown}: the folder holds files synth did not write (no {SYNTH_MARKER} marker); "
                "choose an empty or new folder"
            )
    except (OSError, RuntimeError) as exc:
        # An unreadable folder or a symlink loop: refuse rather than guess.
        raise SynthError(f"--out {out}: cannot be checked: {getattr(exc, 'strerror', None) or exc}") from exc
    return target


def _home() -> Path | None:
    try:
        return Path.home().resolve()
    except (KeyError, RuntimeError):
        return None  # no HOME and no password entry: there is no home folder to protect


def write(
    result: SynthResult, out: Path, extra_files: dict[str, str] | None = None, project_dir: Path = PROJECT_DIR
) -> None:
    """Write the result into `out` as a whole: a previous output is replaced only once the new one
    is complete, and a folder synth did not write is refused (see `check_output_folder`)."""
    target = check_output_folder(out, project_dir)
    files: dict[str, str] = {
        "resources.json": as_json([vars(r) for r in result.resources]),
        "outputs.json": as_json(result.outputs),
        # Per pool: the instance types it may launch and the most its limits let it cost per hour.
        "pools.json": as_json(result.pools.as_data()),
    }
    for name, document in policy_documents(result).items():
        files[f"iam/{name}.json"] = as_json(document)
    files.update(extra_files or {})
    files[SYNTH_MARKER] = _MARKER_TEXT
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # Beside the target, so that the swap is a rename within one filesystem.
        staging = Path(tempfile.mkdtemp(prefix=_STAGING_PREFIX, dir=target.parent))
        # mkdtemp makes the folder private; the output is for reviewers, like any build folder.
        staging.chmod(0o755)
    except OSError as exc:
        raise SynthError(f"--out {target}: cannot be created: {exc.strerror or exc}") from exc
    try:
        for relative, text in files.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        _swap_in(staging, target)
    except OSError as exc:
        raise SynthError(f"--out {target}: writing failed, nothing replaced: {exc.strerror or exc}") from exc
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _swap_in(staging: Path, target: Path) -> None:
    """Put the new output where the old one was; should the second rename fail, the old one returns."""
    if not target.exists():
        staging.rename(target)
        return
    aside = staging.with_name(staging.name + ".old")
    target.rename(aside)
    try:
        staging.rename(target)
    except OSError:
        aside.rename(target)
        raise
    shutil.rmtree(aside)
