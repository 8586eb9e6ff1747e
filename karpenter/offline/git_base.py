"""Reading a stack's files as they were at a git commit: the base `diff` compares the working tree with."""

from __future__ import annotations

import subprocess
from pathlib import Path

from karpenter.config.errors import ConfigError

_DEFAULT_BRANCHES = ("main", "master")


class GitError(ConfigError):
    """The base cannot be read: not a git repository, an unknown ref."""


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise GitError(f"git cannot run: {exc.strerror or exc}") from exc


def repository_root(folder: Path) -> Path:
    done = _git(folder, "rev-parse", "--show-toplevel")
    if done.returncode != 0:
        raise GitError(f"--project-dir {folder}: not in a git repository; diff compares with a commit")
    return Path(done.stdout.strip())


def _commit(repo: Path, ref: str) -> str | None:
    done = _git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    return done.stdout.strip() if done.returncode == 0 else None


def default_branch(repo: Path) -> str:
    """origin/HEAD's target, else main or master."""
    done = _git(repo, "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD")
    candidates = [done.stdout.strip()] if done.returncode == 0 and done.stdout.strip() else []
    candidates += [*_DEFAULT_BRANCHES, *(f"origin/{b}" for b in _DEFAULT_BRANCHES)]
    for candidate in candidates:
        if _commit(repo, candidate):
            return candidate
    raise GitError("--base: no default branch (origin/HEAD, main or master) to compare with; name one with --base")


def resolve_base(repo: Path, ref: str | None) -> tuple[str, str]:
    """The base commit and how it was chosen: `ref`, or the merge base of HEAD and the default branch."""
    if ref is not None:
        commit = _commit(repo, ref)
        if commit is None:
            raise GitError(f"--base {ref}: not a commit of {repo}")
        return commit, ref
    branch = default_branch(repo)
    done = _git(repo, "merge-base", "HEAD", branch)
    if done.returncode != 0:
        raise GitError(f"--base: HEAD and {branch} have no merge base; name a commit with --base")
    return done.stdout.strip(), f"merge base of HEAD and {branch}"


def file_at(repo: Path, commit: str, path: Path) -> str | None:
    """The text of `path` (inside `repo`) at `commit`, or None where the commit has no such file."""
    relative = path.resolve().relative_to(repo.resolve()).as_posix()
    done = _git(repo, "show", f"{commit}:{relative}")
    if done.returncode != 0:
        return None
    return done.stdout
