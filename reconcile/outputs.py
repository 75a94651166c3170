"""Where reconcile may write the files a user names (``-o``, ``--constraints``,
``--write-baseline``): the one rule every command that writes one applies.

reconcile reads a prefix and never writes into it (README: "It reads the
prefix and never writes to it"): a report, an environment.yml or a baseline
named inside an audited prefix is refused before anything is written, with
a one-line usage error (exit 2).  ``-`` names standard output, as in most
command-line tools: nothing is written to a file called ``-``.

Nothing here writes; :func:`refuse_inside` only resolves paths.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from .errors import ReconcileError

__all__ = ["STDOUT", "refuse_inside", "to_stdout"]

#: The name that means standard output.
STDOUT = "-"


def to_stdout(path: str | None) -> bool:
    """Does ``path`` (an ``-o`` as given; None when not given) mean standard output?"""
    return path is None or path == STDOUT


def refuse_inside(path: str, prefixes: Iterable[str | Path], option: str) -> None:
    """Raise :class:`~reconcile.errors.ReconcileError` when ``path`` lies in
    one of ``prefixes`` (symbolic links resolved on both sides, so neither a
    link to the prefix nor one out of it fools the check)."""
    target = os.path.realpath(path)
    for prefix in prefixes:
        real = os.path.realpath(prefix)
        if os.path.commonpath([target, real]) == real:
            raise ReconcileError(
                f"{option} {path!r} is inside the audited prefix; reconcile never writes there"
            )
