"""The digest of a local chart: what Helm reads of the chart folder, as one sha256 that is the same
on every machine. Imports nothing of ours."""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

# Helm drops a leading UTF-8 byte order mark from every file it loads (pkg/chart/loader/directory.go).
_BYTE_ORDER_MARK = b"\xef\xbb\xbf"


def chart_files(folder: Path) -> dict[str, bytes]:
    """The files Helm loads from a chart folder, by their path relative to it written with "/",
    their contents without the byte order mark Helm drops and with Windows line endings read as
    Unix ones, so that a Windows checkout (git's autocrlf) reads as any other.

    Everything is read but what Helm itself always skips: hidden entries directly in
    `templates/` (its built-in rule `templates/.?*`). A `.helmignore` is read as a file, not
    applied: a file it excludes still counts, which can cost a needless upgrade but never leaves
    out a file Helm reads."""
    files: dict[str, bytes] = {}
    # Helm follows symbolic links into folders too (sympath.Walk).
    for root, folders, names in os.walk(folder, followlinks=True):
        parts = Path(root).relative_to(folder).parts
        if parts == ("templates",):
            folders[:] = [name for name in folders if not _hidden(name)]
            names = [name for name in names if not _hidden(name)]
        for name in names:
            data = (Path(root) / name).read_bytes()
            files["/".join((*parts, name))] = data.removeprefix(_BYTE_ORDER_MARK).replace(b"\r\n", b"\n")
    return files


@functools.cache
def chart_digest(folder: Path) -> str:
    """`sha256:<hex>` of the chart's files (`chart_files`): their relative paths and contents,
    never where the folder is or when a file was written. Computed once per folder and process;
    every `pulumi preview` or `up` runs the program in a process of its own."""
    digest = hashlib.sha256()
    for name, data in sorted(chart_files(folder).items()):
        # Lengths first, so that no two different sets of files hash the same bytes.
        digest.update(f"{len(name.encode())}:{name}:{len(data)}:".encode())
        digest.update(data)
    return f"sha256:{digest.hexdigest()}"


def _hidden(name: str) -> bool:
    return name.startswith(".") and len(name) > 1
