"""The values the resolver and its candidate sources exchange.

:class:`Fixed` is a version pip must not move (conda's), :class:`Candidate`
one version the resolver may pick, :class:`Artifact` what a source knows of a
file before reading its metadata, :class:`LazyCandidates` candidates whose
metadata is read on first use, and :class:`CandidateSource` the protocol
every source follows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Protocol, overload

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName
from packaging.version import Version

__all__ = [
    "Artifact",
    "Candidate",
    "CandidateSource",
    "Fixed",
    "LazyCandidates",
    "Loader",
    "where",
]


@dataclass(frozen=True, kw_only=True, slots=True)
class Fixed:
    """A distribution at a version pip must not move: conda's.

    ``origin`` says where it comes from, for messages, e.g.
    ``"conda (conda-forge/linux-64 six-1.16.0-py_0)"``; ``requires`` is its
    Requires-Dist (empty when conda's package has none or it is not wanted).
    """

    name: NormalizedName
    version: Version
    origin: str
    requires: tuple[Requirement, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class Candidate:
    """One version of one distribution the resolver may pick.

    ``origin`` is where it comes from: ``"installed"``, ``"find-links
    <dir>"``, ``"wheel cache <dir>"``, ``"index <url>"`` (credentials
    stripped), or a :class:`Fixed` origin such as ``"conda (...)"``.
    ``url``/``filename`` name the file pip would install (``None`` for what
    is installed or fixed).  ``fixed`` is true for conda's versions.
    ``extras`` are the extras this candidate stands for: inside the resolver
    ``x[a]`` is its own candidate (resolvelib's extras pattern); in the result
    of :func:`resolve` they are the extras requested of the package.
    """

    name: NormalizedName
    version: Version
    origin: str
    requires: tuple[Requirement, ...]
    requires_python: SpecifierSet | None
    url: str | None = None
    filename: str | None = None
    hashes: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)
    fixed: bool = False
    yanked: str | None = None  # PEP 592: None, or the reason ("" when none given)
    extras: frozenset[NormalizedName] = frozenset()

    @property
    def label(self) -> str:
        """``name[extras] version``, as messages show it."""
        extras = f"[{','.join(sorted(self.extras))}]" if self.extras else ""
        return f"{self.name}{extras} {self.version}"


@dataclass(frozen=True, kw_only=True, slots=True)
class Artifact:
    """What a source knows of one candidate before reading its metadata."""

    name: NormalizedName
    version: Version
    origin: str
    filename: str | None = None
    url: str | None = None
    requires_python: SpecifierSet | None = None
    yanked: str | None = None
    hashes: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def of(cls, c: Candidate) -> Artifact:
        """What is known of a complete candidate before its metadata."""
        return cls(
            name=c.name,
            version=c.version,
            origin=c.origin,
            filename=c.filename,
            url=c.url,
            requires_python=c.requires_python,
            yanked=c.yanked,
            hashes=c.hashes,
        )


#: Reads one artifact's metadata: the candidate, or why it cannot be used.
Loader = Callable[[], "Candidate | str"]


class LazyCandidates(Sequence[Candidate]):
    """Candidates whose metadata is read on first use.

    :attr:`artifacts` are known at once; :meth:`load` reads one candidate's
    metadata (once) and returns the :class:`Candidate`, or a short reason why
    the file cannot be used (``"sdist without static metadata"``).  As a
    plain :class:`~collections.abc.Sequence` it holds the usable candidates,
    reading every file's metadata the first time it is measured or indexed.
    """

    __slots__ = ("_entries", "_results")

    def __init__(self, entries: Iterable[tuple[Artifact, Loader]] = ()) -> None:
        self._entries = tuple(entries)
        self._results: dict[int, Candidate | str] = {}

    @classmethod
    def of(cls, candidates: Iterable[Candidate]) -> LazyCandidates:
        """Wrap candidates that are already complete."""
        return cls((Artifact.of(c), partial(_same, c)) for c in candidates)

    @property
    def artifacts(self) -> tuple[Artifact, ...]:
        return tuple(a for a, _ in self._entries)

    def load(self, index: int) -> Candidate | str:
        if index not in self._results:
            self._results[index] = self._entries[index][1]()
        return self._results[index]

    def entries(self) -> Iterator[tuple[Artifact, Loader]]:
        """Each artifact with a loader that shares this sequence's memory."""
        for i, (art, _) in enumerate(self._entries):
            yield art, partial(self.load, i)

    def _usable(self) -> list[Candidate]:
        out = []
        for i in range(len(self._entries)):
            got = self.load(i)
            if isinstance(got, Candidate):
                out.append(got)
        return out

    def __len__(self) -> int:
        return len(self._usable())

    @overload
    def __getitem__(self, index: int) -> Candidate: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Candidate]: ...
    def __getitem__(self, index: int | slice) -> Candidate | Sequence[Candidate]:
        return self._usable()[index]

    def __repr__(self) -> str:
        return f"LazyCandidates({len(self._entries)} artifacts)"


def _same(candidate: Candidate) -> Candidate:
    return candidate


class CandidateSource(Protocol):
    """Where candidates come from.

    ``candidates(name)`` returns every candidate of one (normalized) name the
    source knows, in any order: the provider filters them for the target env
    and sorts them newest first.  Returning :class:`LazyCandidates` lets the
    provider read metadata only for the versions it tries.
    """

    def candidates(self, name: NormalizedName) -> Sequence[Candidate]: ...


def where(source: CandidateSource) -> str:
    """Where a source looks, as messages name it: its ``where`` attribute,
    else its class name."""
    found = getattr(source, "where", None)
    return found if isinstance(found, str) else type(source).__name__
