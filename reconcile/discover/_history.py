"""Parse ``conda-meta/history``.

The file is a log of revisions, each opened by ``==> YYYY-MM-DD HH:MM:SS <==``
and followed by ``# key: value`` comment lines and dist lines:
``+channel::name-version-build`` (linked), ``-...`` (unlinked) and, in very
old files, bare ``name-version-build`` lines meaning "installed".  Spec lists
(``# update specs:``, ``# remove specs:``, ``# neutered specs:``) are Python
list literals in conda 4.4+ and comma-separated text before; they are read
with :func:`ast.literal_eval`, which evaluates literals only.

pixi writes a one-line placeholder; some envs have an empty file.  Neither is
an error.
"""

from __future__ import annotations

import ast
import re

from ..models import HistoryRevision

__all__ = ["parse_history"]

_HEADER = re.compile(r"^==>\s*(.*?)\s*<==\s*$")
_SPEC_KEYS = {
    "update specs": "update_specs",
    "install specs": "update_specs",  # very old conda wrote this key
    "remove specs": "remove_specs",
    "neutered specs": "neutered_specs",
}


def _spec_list(text: str) -> tuple[str, ...]:
    text = text.strip()
    if text.startswith("["):
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            value = None
        if isinstance(value, (list, tuple)):
            return tuple(str(v) for v in value)
        text = text.strip("[]")
    return tuple(s.strip().strip("'\"") for s in text.split(",") if s.strip())


class _Revision:
    """Mutable collector for one revision while its lines are read."""

    def __init__(self, date: str) -> None:
        self.date = date
        self.command: str | None = None
        self.tool_version: str | None = None
        self.specs: dict[str, list[str]] = {f: [] for f in set(_SPEC_KEYS.values())}
        self.added: list[str] = []
        self.removed: list[str] = []

    def comment(self, line: str) -> None:
        key, sep, value = line[1:].partition(":")
        key = key.strip()
        if not sep:
            return
        if key == "cmd":
            self.command = value.strip()
        elif key == "conda version":
            self.tool_version = value.strip()
        elif key in _SPEC_KEYS:
            self.specs[_SPEC_KEYS[key]].extend(_spec_list(value))

    def freeze(self) -> HistoryRevision:
        return HistoryRevision(
            date=self.date,
            command=self.command,
            tool_version=self.tool_version,
            update_specs=tuple(self.specs["update_specs"]),
            remove_specs=tuple(self.specs["remove_specs"]),
            neutered_specs=tuple(self.specs["neutered_specs"]),
            added=tuple(self.added),
            removed=tuple(self.removed),
        )


def parse_history(text: str) -> tuple[HistoryRevision, ...]:
    revisions: list[_Revision] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        header = _HEADER.match(line)
        if header:
            revisions.append(_Revision(header.group(1)))
        elif not revisions:
            continue  # text before any header: pixi's placeholder and the like
        elif line.startswith("#"):
            revisions[-1].comment(line)
        elif line.startswith("-"):
            revisions[-1].removed.append(line[1:].strip())
        else:
            revisions[-1].added.append(line.lstrip("+").strip())
    return tuple(r.freeze() for r in revisions)
