"""The user's conda pins: ``conda-meta/pinned``, read the way conda reads it.
(The versions of conda's packages that pip must not move are another thing:
:mod:`reconcile.conda_pins`.)

conda (``PrefixData.get_pinned_specs``, conda 26.7.1) strips the whole file,
splits it into lines, skips empty lines and lines whose stripped text starts
with ``#``, and reads every other line as one MatchSpec (a trailing ``# ...``
is a comment of the MatchSpec grammar).  A pin is *optional*: it binds a
package only while that package is installed, and never asks for it.  One
line conda cannot read makes conda refuse every solve in the env (its
``InvalidMatchSpec`` names the line); mamba and micromamba hand every line of
the file to their own MatchSpec parser.

This module is the one home of that rule: discover parses the file with
:func:`parse_pinned`, check and plan ask :func:`pin_allows` and
:func:`pinned_node`.  MatchSpecs are judged by py-rattler through
:mod:`reconcile._conda`, never by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ._conda import InvalidSpec, spec_matches, validate_spec

if TYPE_CHECKING:
    from .graph import Graph, Node

__all__ = ["PINNED", "BadPin", "parse_pinned", "pin_allows", "pin_name", "pinned_node", "pins_for"]

#: Where the pins live, relative to the prefix.
PINNED = "conda-meta/pinned"


@dataclass(frozen=True, kw_only=True, slots=True)
class BadPin:
    """A line of ``conda-meta/pinned`` conda cannot read (1-based ``line``)."""

    line: int
    text: str
    reason: str


def parse_pinned(text: str) -> tuple[tuple[str, ...], tuple[BadPin, ...]]:
    """The MatchSpecs of a ``conda-meta/pinned`` file, and its bad lines.

    Lenient where conda is strict, so that one bad line does not hide the
    others: a line rattler cannot parse is reported and skipped, and an
    indented line (which conda 26.7.1 refuses: "no package name found") is
    reported but still honoured, since its meaning is plain.
    """
    specs: list[str] = []
    bad: list[BadPin] = []
    lines = text.splitlines()
    # conda strips the file as a whole: blank lines and indentation at its
    # very start and end are not errors.
    first = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    last = max((i for i, line in enumerate(lines) if line.strip()), default=-1)
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            if line and not stripped and first < number - 1 < last:
                bad.append(BadPin(line=number, text=line, reason="a line of only spaces "
                                  "(conda refuses it; an empty line is fine)"))  # fmt: skip
            continue
        try:
            validate_spec(stripped)
        except InvalidSpec as exc:
            bad.append(BadPin(line=number, text=line, reason=str(exc)))
            continue
        if line[0].isspace() and number - 1 != first:
            bad.append(BadPin(line=number, text=line, reason="indented (conda refuses an "
                              "indented line; reconcile still honours it)"))  # fmt: skip
        specs.append(stripped)
    return tuple(specs), tuple(bad)


def pin_name(pin: str) -> str:
    """The conda package name a pin is about."""
    from ._conda import spec_name

    return spec_name(pin)


def pins_for(pins: Iterable[str], name: str) -> list[str]:
    """The pins that bind the conda package ``name``."""
    return [p for p in pins if pin_name(p) == name.lower()]


def pin_allows(pin: str, *, name: str, version: str, build: str | None = None,
               build_number: int = 0) -> bool:  # fmt: skip
    """Does ``name version [build]`` stay inside ``pin``?  With ``build`` None
    (pip's files) only the version is judged.  A pin rattler cannot read is
    not evidence: discover already reported it."""
    try:
        return spec_matches(pin, name=name, version=version, build=build,
                            build_number=build_number)  # fmt: skip
    except InvalidSpec:
        return True


def pinned_node(graph: Graph, pin: str) -> Node | None:
    """The installed node a pin binds: by conda name first, else by the PyPI
    name (a pin on a package only pip installed), as conda depends resolve."""
    name = pin_name(pin)
    return graph.by_conda_name(name) or graph.by_pypi_name(name)
