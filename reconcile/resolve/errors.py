"""What goes wrong: a source that cannot be read, and no consistent set.

:class:`ResolutionFailed` carries its causes as data, as resolvelib's
``ResolutionImpossible.causes`` does: each :class:`Cause` is a requirement,
who asked for it and what conda provides of it; each :class:`Conflict` is
one way some of them clash, one line of the explanation.  What a person can
do about it is written from that data by whoever shows the failure (the plan
and export, :mod:`reconcile.advice`), never parsed back out of text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name

from ..errors import ReconcileError
from ..urls import redact_url
from .values import Candidate, Fixed

__all__ = ["Cause", "Conflict", "ResolutionFailed", "SourceUnavailable", "requirement_text"]


class SourceUnavailable(ReconcileError):
    """A candidate source could not be read (a missing folder, an index that
    does not answer, a file whose hash does not match)."""

    def __init__(self, where: str, reason: str) -> None:
        self.where = where
        self.reason = reason
        super().__init__(f"cannot read {where}: {reason}")


def requirement_text(req: Requirement) -> str:
    """A requirement as messages show it: name, extras and specifier or URL
    (its marker held for the env, or it would not be here)."""
    text = req.name
    if req.extras:
        text += f"[{','.join(sorted(req.extras))}]"
    return f"{text} @ {redact_url(req.url)}" if req.url else f"{text}{req.specifier}"


@dataclass(frozen=True, kw_only=True, slots=True)
class Cause:
    """One requirement the resolver could not meet together with others.

    ``requirement`` is what was asked; ``parent`` who asked: a candidate the
    resolver tried (its ``name`` and ``version``; ``parent.fixed`` when it is
    a conda package, whose metadata asked), or None for the request itself
    (the requirements :func:`~reconcile.resolve.resolve` was given).
    ``conda`` is what conda provides of the required name when conda pins it
    (pip must not move it), else None.
    """

    requirement: Requirement
    parent: Candidate | None = None
    conda: Fixed | None = None

    @property
    def name(self) -> NormalizedName:
        """The required name, normalized."""
        return canonicalize_name(self.requirement.name)

    @property
    def wanted(self) -> str:
        """The requirement as messages show it: ``z<2``."""
        return requirement_text(self.requirement)

    @property
    def party(self) -> str:
        """Who asked, in a sentence: ``"the request"`` or the parent's name."""
        return "the request" if self.parent is None else self.parent.name

    @property
    def statement(self) -> str:
        """``x 1.2 depends on z<2`` / ``the request asks for z<2``."""
        if self.parent is None:
            return f"the request asks for {self.wanted}"
        return f"{self.parent.label} depends on {self.wanted}"

    @property
    def shown(self) -> str:
        """``z<2 (from x 1.2)`` / ``z<2``."""
        return self.wanted if self.parent is None else f"{self.wanted} (from {self.parent.label})"


@dataclass(frozen=True, kw_only=True, slots=True)
class Conflict:
    """One way the causes of one name clash: one line of the explanation.

    ``kind`` is

    - ``"conda"``: the one cause asks for a version other than conda's
      (``causes[0].conda``), which pip must not move;
    - ``"none"``: no version the sources offer satisfies the causes (one
      alone, or all of the name's together); ``offer`` says what the
      sources have and what they excluded why;
    - ``"disagree"``: no version satisfies both of the two causes.
    """

    name: NormalizedName
    kind: Literal["conda", "none", "disagree"]
    causes: tuple[Cause, ...]
    offer: str = ""

    @property
    def text(self) -> str:
        """The pip-style line: ``Cannot make X and Y agree: ...``."""
        first = self.causes[0]
        if self.kind == "conda" and first.conda is not None:
            return (
                f"Cannot make {first.party} and {self.name} agree: {first.statement}; "
                f"{self.name} {first.conda.version} is provided by {first.conda.origin}"
            )
        if self.kind == "disagree":
            a, b = self.causes
            return f"Cannot make {a.party} and {b.party} agree: {a.statement}; {b.statement}"
        together = ", ".join(c.shown for c in self.causes)
        return f"No version of {self.name} satisfies {together} ({self.offer})"


class ResolutionFailed(ReconcileError):
    """No set of versions satisfies every requirement.

    ``causes`` are the requirements the resolver could not meet, once each,
    in the order resolvelib reported them; ``conflicts`` how they clash, one
    per line; ``rounds`` is set instead when the search gave up after that
    many rounds.  ``explanations`` are the lines for a person (pip-style:
    "Cannot make X and Y agree: ...").  ``str()`` is one line.
    """

    def __init__(
        self,
        *,
        causes: Sequence[Cause] = (),
        conflicts: Sequence[Conflict] = (),
        rounds: int | None = None,
    ) -> None:
        self.causes = tuple(causes)
        # One line each: two parents of one label (one version from two
        # sources) would say the same thing twice.
        first: dict[str, Conflict] = {}
        for conflict in conflicts:
            first.setdefault(conflict.text, conflict)
        self.conflicts = tuple(first.values())
        self.rounds = rounds
        more = len(self.explanations) - 1
        tail = f" (and {more} more)" if more else ""
        super().__init__(f"no consistent set of versions: {self.explanations[0]}{tail}")

    @property
    def explanations(self) -> tuple[str, ...]:
        if self.rounds is not None:
            return (f"gave up after {self.rounds} rounds of backtracking",)
        return tuple(c.text for c in self.conflicts) or ("the resolver found no consistent set",)
