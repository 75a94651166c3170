"""The one exception family of reconcile.

Every error the user can cause (a prefix that is not there, a name that
matches no environment, a bad option file) is a :class:`ReconcileError`.
The CLI turns these into a one-line message and exit code 2; anything else
escaping is a bug.  Problems *inside* a prefix are never exceptions: they
become findings, so one broken record cannot hide the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

__all__ = [
    "EnvironmentNotFound",
    "InvalidNameMap",
    "NoActiveEnvironment",
    "NoEnvironments",
    "PrefixNotFound",
    "ReconcileError",
]


class ReconcileError(Exception):
    """Base class for errors that reconcile reports to the user."""


class PrefixNotFound(ReconcileError):
    """The given path is not a directory that looks like an environment."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{str(path)!r} is not an environment prefix: {reason}")


class EnvironmentNotFound(ReconcileError):
    """An environment name matched nothing in any envs directory."""

    def __init__(self, name: str, searched: Sequence[Path]) -> None:
        self.name = name
        self.searched = tuple(searched)
        places = ", ".join(str(p) for p in self.searched) or "(no envs directories found)"
        super().__init__(f"no environment named {name!r}; searched: {places}")


class NoActiveEnvironment(ReconcileError):
    """No prefix was given and no environment is active."""

    def __init__(self) -> None:
        super().__init__(
            "no prefix given and no active environment (CONDA_PREFIX is not set); "
            "pass a path or -n NAME"
        )


class NoEnvironments(ReconcileError):
    """``audit --all`` found no environment anywhere."""

    def __init__(self, searched: Sequence[Path]) -> None:
        self.searched = tuple(searched)
        places = ", ".join(str(p) for p in self.searched)
        super().__init__(f"no conda environments found; searched: {places}")


class InvalidNameMap(ReconcileError):
    """A conda↔PyPI name-map override file could not be used."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"invalid name map {path}: {reason}")
