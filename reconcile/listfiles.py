"""Read ``conda list --explicit`` files and pip requirements files as
:class:`~reconcile.envfile.EnvFile` values, so that ``compare`` takes them
as it takes an ``environment.yml``.

Which of the three a file is, its content says (:func:`read_list_file`):

* an *explicit* file has the line ``@EXPLICIT`` before its first package
  line (comments before it: ``# platform: linux-64``, conda-lock's
  ``# input_hash: ...``); every later line is a package URL
  ``<channel>/<subdir>/<name>-<version>-<build>.conda`` (or ``.tar.bz2``),
  optionally with ``#<md5>`` or ``#sha256:<hex>``.  Written by
  ``conda list --explicit [--md5]``, ``micromamba env export --explicit``,
  conda-lock (``--kind explicit``) and ``pixi workspace export
  conda-explicit-spec``; each line becomes the exact spec
  ``name==version=build`` from that channel;
* a *requirements* file is what ``pip freeze`` writes (``name==version``,
  ``name @ url``, ``-e <VCS URL or path>``, comments): read with the pip
  section's own parser (:func:`~reconcile.envfile.parse_pip_lines`), so
  ``-r``/``-c`` files and options work as in a ``pip:`` block.  A file is
  taken for one only when it is not a YAML mapping and every line of it is
  one pip reads;
* anything else is left to the environment.yml reader.

Two layers, as for every input: :func:`parse_explicit` keeps each line with
its number (:class:`RawExplicit`), :func:`explicit_env` validates it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypedDict

from .envfile import CondaDep, EnvFile
from .filenames import InvalidFilename, parse_conda_filename
from .requirements import LineProblem, PipKind, parse_pip_lines

__all__ = [
    "EXPLICIT",
    "REQUIREMENTS",
    "ExplicitLine",
    "RawExplicit",
    "explicit_env",
    "is_explicit",
    "parse_explicit",
    "read_list_file",
    "requirements_env",
]

EXPLICIT = "conda list --explicit"
REQUIREMENTS = "pip requirements"

_PLATFORM = re.compile(r"#\s*platform:\s*(\S+)")


@dataclass(frozen=True, slots=True)
class ExplicitLine:
    """One package line of an explicit file, as written."""

    line: int
    text: str
    url: str  # without the fragment
    hash: str | None  # "md5:<hex>" or "sha256:<hex>"


class RawExplicit(TypedDict):
    """An explicit file as read: its package lines and the header's platform."""

    source: str
    platform: str | None
    packages: list[ExplicitLine]


def is_explicit(text: str) -> bool:
    """Whether ``@EXPLICIT`` comes before any line that is not a comment."""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        return stripped == "@EXPLICIT"
    return False


def parse_explicit(text: str, source: str) -> RawExplicit:
    platform = None
    packages: list[ExplicitLine] = []
    seen = False
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        m = _PLATFORM.match(stripped)
        if m is not None and platform is None:
            platform = m.group(1)
        if not stripped or stripped.startswith("#"):
            continue
        if stripped == "@EXPLICIT" and not seen:
            seen = True
            continue
        url, _, fragment = stripped.partition("#")
        digest = None
        if fragment:
            algo, sep, value = fragment.partition(":")
            digest = f"{algo}:{value}" if sep else f"md5:{fragment}"  # conda: a bare md5
        packages.append(ExplicitLine(number, stripped, url.strip(), digest))
    return RawExplicit(source=source, platform=platform, packages=packages)


def explicit_env(raw: RawExplicit) -> EnvFile:
    """One exact conda spec (``name==version=build`` from its channel) per
    package line; a line that names no package file is an unreadable line."""
    source = raw["source"]
    conda: list[CondaDep] = []
    problems: list[LineProblem] = []
    for entry in raw["packages"]:
        head, _, filename = entry.url.rstrip("/").rpartition("/")
        try:
            dist = parse_conda_filename(filename)
        except InvalidFilename:
            dist = None
        if dist is None or "://" not in entry.url:
            problems.append(
                LineProblem(
                    source=source,
                    line=entry.line,
                    text=entry.text,
                    reason="not a package URL (<channel>/<subdir>/<name>-<version>-<build>"
                    ".conda or .tar.bz2)",
                )
            )
            continue
        name, version, build = dist.name, dist.version, dist.build
        channel = head.rpartition("/")[0] or None  # without the subdir
        conda.append(
            CondaDep(
                text=entry.text,
                name=name.lower(),
                spec=f"{name.lower()}=={version}={build}",
                channel=channel,
                source=source,
                line=entry.line,
            )
        )
    return EnvFile(
        path=source,
        conda=tuple(conda),
        problems=tuple(problems),
        format=EXPLICIT,
        platform=raw["platform"],
    )


def requirements_env(
    text: str, source: str, *, base_dir: str, read_text: Callable[[str], str] | None = None
) -> EnvFile | None:
    """``text`` as a pip requirements file, or None when a line of it is not
    one pip reads (then it is no requirements file) or it installs nothing."""
    problems: list[LineProblem] = []
    lines = list(enumerate(text.splitlines(), 1))
    pip = list(
        parse_pip_lines(
            lines, source=source, base_dir=base_dir, read_text=read_text, problems=problems
        )
    )
    unreadable = [p for p in problems if not p.ignored and p.source == source]
    if unreadable or not any(e.kind is not PipKind.OPTION for e in pip):
        return None
    return EnvFile(
        path=source,
        pip=tuple(pip),
        has_pip_section=True,
        problems=tuple(problems),
        format=REQUIREMENTS,
    )


def read_list_file(
    text: str, source: str, *, read_text: Callable[[str], str] | None = None
) -> EnvFile | None:
    """``text`` as an explicit or requirements file, or None when it is
    neither.  Called for text that is not a YAML mapping (an environment.yml
    is never one of these)."""
    if is_explicit(text):
        return explicit_env(parse_explicit(text, source))
    base_dir = os.path.dirname(os.path.abspath(source))
    return requirements_env(text, source, base_dir=base_dir, read_text=read_text)
