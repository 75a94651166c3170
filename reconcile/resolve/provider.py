"""The one place reconcile touches resolvelib: the provider, the reporter and
:func:`resolve`.

The repair plan pins conda's Python packages where they are and asks which
versions of the pip-only packages fit around them; export asks the same to
write pins.  Both call :func:`resolve`, which runs resolvelib's backtracking
resolver over a :class:`ReconcileProvider`, the one interface the engine
sees (documented here, as resolvelib documents its own providers).

Everything is judged for the *target* environment (a
:class:`~reconcile.models.PythonInfo`), never for the interpreter reconcile
runs on: PEP 508 markers with ``python.marker_environment()``,
``Requires-Python`` with ``python.version``, wheel tags (PEP 425) with a tag
set computed from the env's Python and conda subdir
(:func:`~reconcile.resolve.tags.target_tags`).

Candidates come from a :class:`~reconcile.resolve.values.CandidateSource`
(:mod:`.candidates`, :mod:`.index`).  A source may answer with
:class:`~reconcile.resolve.values.LazyCandidates`: what it knows of each file
without reading metadata (name, version, file name, Requires-Python, yanked)
plus a way to read the metadata on first use.  The provider uses that to read
the metadata only of the versions the resolver actually tries.

When no consistent set exists :func:`resolve` raises
:class:`~reconcile.resolve.errors.ResolutionFailed` with the causes as data
(each requirement, who asked for it, what conda provides of it) and
pip-style explanations ("Cannot make X and Y agree: ..."); what the user can
do is for plan and export to say (:mod:`reconcile.advice`).

One job, which is why the file is long: the provider's six methods, the
per-version bookkeeping they share, and the explanation of a failure from
what the provider saw.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.markers import Marker, UndefinedComparison, UndefinedEnvironmentName
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.tags import Tag
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version
from resolvelib import AbstractProvider, BaseReporter

from ..filenames import SDIST_SUFFIXES, InvalidFilename, is_wheel_filename, parse_wheel_filename
from ..urls import redact_url
from .artifacts import _R_META, _R_MISMATCH, _R_PYTHON, _R_YANKED, _local_entry
from .errors import Cause, Conflict, ResolutionFailed, requirement_text
from .tags import target_tags
from .values import Artifact, Candidate, CandidateSource, Fixed, LazyCandidates, Loader, where

if TYPE_CHECKING:
    from typing import TypeAlias

    from resolvelib.providers import Preference
    from resolvelib.resolvers import Criterion
    from resolvelib.structs import Matches, RequirementInformation, State

    from ..models import PythonInfo

    Information: TypeAlias = "RequirementInformation[Requirement, Candidate]"

__all__ = ["ReconcileProvider", "resolve", "verbose_reporter"]

# pip's own limit is far higher; a repair plan resolves tens of packages, and
# a run that needs more rounds than this is better told to pin something.
_MAX_ROUNDS = 20_000


def _key(name: NormalizedName, extras: Iterable[str] = ()) -> str:
    ex = sorted({canonicalize_name(e) for e in extras})
    return f"{name}[{','.join(ex)}]" if ex else name


def _split(identifier: str) -> tuple[NormalizedName, frozenset[NormalizedName]]:
    name, _, rest = identifier.partition("[")
    extras = frozenset(NormalizedName(e) for e in rest.rstrip("]").split(",") if e)
    return NormalizedName(name), extras


def _is_pin(req: Requirement) -> bool:
    return any(s.operator in ("==", "===") and not s.version.endswith(".*") for s in req.specifier)


def _url_base(url: str) -> str:
    return redact_url(url.partition("#")[0])


def _marker_true(marker: Marker | None, env: Mapping[str, str], extra: str = "") -> bool:
    if marker is None:
        return True
    try:
        return marker.evaluate({**env, "extra": extra})
    except (UndefinedComparison, UndefinedEnvironmentName):
        return False


@dataclass(slots=True)
class _Release:
    """One version of one name, with its usable files, best first."""

    version: Version
    files: list[tuple[Artifact, Loader]]
    yanked: str | None  # set when every file of the version is yanked
    result: Candidate | str | None = None


class ReconcileProvider(AbstractProvider[Requirement, Candidate, str]):
    """The interface the resolver sees: candidates for reconcile's plans.

    Requirements are :class:`packaging.requirements.Requirement`, candidates
    are :class:`Candidate`, identifiers are normalized names, with sorted
    extras for a candidate that stands for some of a package's extras
    (``"requests[socks]"``), which depends on the plain package at the same
    version (resolvelib's extras pattern).

    :param source: where pip candidates come from.
    :param fixed: conda's distributions: each has exactly one candidate, its
        conda version, whatever the source offers.
    :param python: the target environment: markers, Requires-Python and wheel
        tags are judged for it.
    :param requested: the root requirements, in the user's order (a
        preference tie-breaker).
    :param prefer: versions to try first when they fit (what is installed,
        so that a plan moves as few packages as possible); the rest follow
        newest first.
    """

    def __init__(
        self,
        *,
        source: CandidateSource,
        fixed: Mapping[NormalizedName, Fixed],
        python: PythonInfo,
        requested: Sequence[Requirement] = (),
        prefer: Mapping[NormalizedName, Version] | None = None,
    ) -> None:
        self.source = source
        self.fixed = {canonicalize_name(k): v for k, v in fixed.items()}
        self.python = python
        self.environment = python.marker_environment()
        self._tag_rank: dict[Tag, int] = {}
        for rank, tag in enumerate(target_tags(python)):
            self._tag_rank.setdefault(tag, rank)
        self._prefer = {canonicalize_name(k): v for k, v in (prefer or {}).items()}
        self._user_order: dict[str, int] = {}
        self._depth: dict[str, float] = {}
        for i, req in enumerate(requested):
            ident = self.identify(req)
            self._user_order.setdefault(ident, i)
            self._depth[ident] = 1.0
        self._releases: dict[NormalizedName, list[_Release]] = {}
        self._excluded: dict[NormalizedName, dict[Version, str]] = defaultdict(dict)

    # -- resolvelib's interface ---------------------------------------------

    def identify(self, requirement_or_candidate: Requirement | Candidate) -> str:
        """The identifier of a requirement or candidate: its normalized name,
        plus its extras (PEP 685 normalized, sorted) in brackets when it has
        any.  Two requirements with one identifier have their specifiers
        merged; a candidate matches the requirements of its identifier."""
        if isinstance(requirement_or_candidate, Candidate):
            return _key(requirement_or_candidate.name, requirement_or_candidate.extras)
        req = requirement_or_candidate
        return _key(canonicalize_name(req.name), req.extras)

    def get_preference(
        self,
        identifier: str,
        resolutions: Mapping[str, Candidate],
        candidates: Mapping[str, Iterator[Candidate]],
        information: Mapping[str, Iterator[Information]],
        backtrack_causes: Sequence[Information],
    ) -> Preference:
        """Which identifier to pin next; the smallest key first.

        The order pip documents for its own provider:

        1. a direct URL requirement (``x @ https://...``): one candidate;
        2. a pin: ``==``/``===`` without a wildcard, or a conda package
           (one candidate each);
        3. depth: how far from the root requirements the identifier was
           first seen (shallow first, so the user's packages settle before
           the dependencies of dependencies);
        4. the order the user gave the root requirements;
        5. constrained (any specifier) before free;
        6. the identifier, so that runs are reproducible.

        Identifiers that caused the last backtrack are chosen before all of
        these, in :meth:`narrow_requirement_selection`.
        """
        reqs = [info.requirement for info in information[identifier]]
        name, _ = _split(identifier)
        direct = any(r.url for r in reqs)
        pinned = name in self.fixed or any(_is_pin(r) for r in reqs)
        constrained = any(r.url or len(r.specifier) for r in reqs)
        return (
            not direct,
            not pinned,
            self._depth.get(identifier, math.inf),
            self._user_order.get(identifier, math.inf),
            not constrained,
            identifier,
        )

    def narrow_requirement_selection(
        self,
        identifiers: Iterable[str],
        resolutions: Mapping[str, Candidate],
        candidates: Mapping[str, Iterator[Candidate]],
        information: Mapping[str, Iterator[Information]],
        backtrack_causes: Sequence[Information],
    ) -> Iterable[str]:
        """Work on the identifiers that made the resolver backtrack first (as
        pip does): resolving a known conflict early saves rounds."""
        ids = list(identifiers)
        causes: set[str] = set()
        for info in backtrack_causes:
            causes.add(self.identify(info.requirement))
            if info.parent is not None:
                causes.add(self.identify(info.parent))
        return [i for i in ids if i in causes] or ids

    def find_matches(
        self,
        identifier: str,
        requirements: Mapping[str, Iterator[Requirement]],
        incompatibilities: Mapping[str, Iterator[Candidate]],
    ) -> Matches[Candidate]:
        """The candidates of ``identifier`` that satisfy every requirement and
        are not known to be incompatible, most preferred first.

        A conda package's only candidate is its fixed version.  Otherwise
        the source's candidates are filtered for the target env (wheel tags,
        Requires-Python), grouped one per version (best file first: what is
        installed, then wheels by tag preference, then sdists), filtered by
        the combined specifier with PEP 440's pre-release rule, stripped of
        yanked versions unless pinned with ``==`` (PEP 592), and ordered
        with the preferred (installed) version first, then newest first.
        The result is lazy: a version's metadata is read only when the
        resolver reaches it, and a version whose files cannot be read is
        skipped.
        """
        name, extras = _split(identifier)
        reqs = list(requirements.get(identifier, iter(())))
        bad = list(incompatibilities.get(identifier, iter(())))
        if name in self.fixed:
            only = self._fixed_candidate(name, extras)
            ok = only not in bad and all(self.is_satisfied_by(r, only) for r in reqs)
            return [only] if ok else []

        urls = {_url_base(r.url) for r in reqs if r.url}
        if len(urls) > 1:
            return []
        if urls:
            return partial(self._direct_matches, name, extras, next(iter(urls)), reqs, bad)

        releases = self._versions(name)
        combined = SpecifierSet()
        for r in reqs:
            combined &= r.specifier
        wanted = set(combined.filter(rel.version for rel in releases))
        preferred = self._prefer.get(name)
        if preferred is not None and all(
            r.specifier.contains(preferred, prereleases=True) for r in reqs
        ):
            wanted.add(preferred)  # an installed pre-release stays, as with pip
        pinned = any(_is_pin(r) for r in reqs)
        ordered = [
            rel for rel in releases if rel.version in wanted and (pinned or rel.yanked is None)
        ]
        if preferred is not None:
            ordered.sort(key=lambda rel: rel.version != preferred)  # stable: newest after
        return partial(self._iter_matches, name, ordered, extras, bad)

    def is_satisfied_by(self, requirement: Requirement, candidate: Candidate) -> bool:
        """Whether ``candidate`` (of the requirement's identifier) fits it:
        the same URL for a direct requirement, else a version in its
        specifier (pre-releases allowed: the candidate is already chosen)."""
        if requirement.url:
            return candidate.url is not None and _url_base(candidate.url) == _url_base(
                requirement.url
            )
        return requirement.specifier.contains(candidate.version, prereleases=True)

    def get_dependencies(self, candidate: Candidate) -> Iterable[Requirement]:
        """The candidate's Requires-Dist whose markers hold for the target env.

        A candidate for extras depends on the plain package at its own
        version plus the requirements its extras switch on (those whose
        marker holds only with ``extra`` set); the plain candidate yields the
        rest.
        """
        env = self.environment
        deps: list[Requirement] = []
        if candidate.extras:
            deps.append(self._base_requirement(candidate))
            for r in candidate.requires:
                if _marker_true(r.marker, env):
                    continue
                if any(_marker_true(r.marker, env, e) for e in candidate.extras):
                    deps.append(r)
        else:
            deps = [r for r in candidate.requires if _marker_true(r.marker, env)]
        depth = self._depth.get(self.identify(candidate), math.inf) + 1
        for r in deps:
            ident = self.identify(r)
            self._depth[ident] = min(self._depth.get(ident, math.inf), depth)
        return deps

    # -- candidates -----------------------------------------------------------

    def _fixed_candidate(
        self, name: NormalizedName, extras: frozenset[NormalizedName]
    ) -> Candidate:
        f = self.fixed[name]
        return Candidate(
            name=name,
            version=f.version,
            origin=f.origin,
            requires=f.requires,
            requires_python=None,
            fixed=True,
            extras=extras,
        )

    @staticmethod
    def _base_requirement(candidate: Candidate) -> Requirement:
        if candidate.url and not candidate.fixed:
            return Requirement(f"{candidate.name} @ {candidate.url}")
        return Requirement(f"{candidate.name}=={candidate.version}")

    def _rank(self, art: Artifact) -> int | str:
        """How good a file is for the env (lower is better), or why it is
        excluded: installed/direct first, wheels by tag, sdists last."""
        if not self._python_ok(art.requires_python):
            return _R_PYTHON
        if art.filename is None:
            return -1
        if is_wheel_filename(art.filename):
            try:
                tags = parse_wheel_filename(art.filename).tags
            except InvalidFilename:
                return _R_META
            ranks = [self._tag_rank[t] for t in tags if t in self._tag_rank]
            if not ranks:
                return f"no wheel for {self.python.platform} and Python {self.python.short}"
            return min(ranks)
        if art.filename.endswith(SDIST_SUFFIXES):
            return len(self._tag_rank)
        return "not a wheel or sdist"

    def _python_ok(self, requires_python: SpecifierSet | None) -> bool:
        return requires_python is None or requires_python.contains(
            self.python.version, prereleases=True
        )

    def _versions(self, name: NormalizedName) -> list[_Release]:
        """Every usable version of ``name`` the source offers, newest first."""
        if name in self._releases:
            return self._releases[name]
        found = self.source.candidates(name)
        lazy = found if isinstance(found, LazyCandidates) else LazyCandidates.of(found)
        by_version: dict[Version, list[tuple[tuple[bool, int, int], Artifact, Loader]]] = (
            defaultdict(list)
        )
        reasons: dict[Version, str] = {}
        for i, (art, load) in enumerate(lazy.entries()):
            if art.name != name:
                continue
            rank = self._rank(art)
            if isinstance(rank, str):
                if reasons.get(art.version) != _R_PYTHON:
                    reasons[art.version] = rank
                continue
            # Not yanked first (PEP 592), then the best tag, then source order.
            by_version[art.version].append(((art.yanked is not None, rank, i), art, load))
        releases = []
        for version in sorted(by_version, reverse=True):
            files = [(art, load) for _, art, load in sorted(by_version[version], key=_first)]
            yanked = files[0][0].yanked if all(a.yanked is not None for a, _ in files) else None
            releases.append(_Release(version=version, files=files, yanked=yanked))
        for version, reason in reasons.items():
            if version not in by_version:
                self._excluded[name][version] = reason
        self._releases[name] = releases
        return releases

    def _load(self, name: NormalizedName, rel: _Release) -> Candidate | None:
        """The candidate for one version: the first of its files whose
        metadata can be read and agrees with the env; None when none can."""
        if rel.result is None:
            reasons: list[str] = []
            for art, load in rel.files:
                got = load()
                if isinstance(got, Candidate) and (
                    got.name != art.name or got.version != art.version
                ):
                    got = _R_MISMATCH
                if isinstance(got, Candidate) and not self._python_ok(got.requires_python):
                    got = _R_PYTHON
                if isinstance(got, str):
                    reasons.append(got)
                    continue
                rel.result = got
                break
            else:
                rel.result = reasons[0] if reasons else _R_META
                self._excluded[name][rel.version] = rel.result
        return rel.result if isinstance(rel.result, Candidate) else None

    def _iter_matches(
        self,
        name: NormalizedName,
        releases: Sequence[_Release],
        extras: frozenset[NormalizedName],
        bad: list[Candidate],
    ) -> Iterator[Candidate]:
        for rel in releases:
            got = self._load(name, rel)
            if got is None:
                continue
            cand = replace(got, extras=extras) if extras else got
            if cand not in bad:
                yield cand

    def _direct_matches(
        self,
        name: NormalizedName,
        extras: frozenset[NormalizedName],
        url: str,
        reqs: Sequence[Requirement],
        bad: list[Candidate],
    ) -> Iterator[Candidate]:
        """Candidates for ``name @ url``: a source's file (or installed dist)
        at that URL, else a local wheel or sdist the URL names."""
        found: list[tuple[Artifact, Loader]] = []
        for rel in self._versions(name):
            found += [(a, ld) for a, ld in rel.files if a.url and _url_base(a.url) == url]
        if not found and url.startswith("file:"):
            from urllib.parse import urlsplit
            from urllib.request import url2pathname

            path = Path(url2pathname(urlsplit(url).path))
            entry = _local_entry(path, f"direct {url}") if path.is_file() else None
            if entry is not None and entry[0].name == name:
                found.append(entry)
        for _art, load in found:
            got = load()
            if not isinstance(got, Candidate) or not self._python_ok(got.requires_python):
                continue
            cand = replace(got, extras=extras) if extras else got
            if cand not in bad and all(self.is_satisfied_by(r, cand) for r in reqs):
                yield cand

    # -- explanations ---------------------------------------------------------

    def explain(self, causes: Iterable[Information]) -> ResolutionFailed:
        """``ResolutionImpossible.causes`` as data: each requirement once,
        with conda's version of its name when conda pins it, and how they
        clash (:class:`~reconcile.resolve.errors.Conflict`, one per line)."""
        groups: dict[NormalizedName, list[Cause]] = {}
        for info in causes:
            name = canonicalize_name(info.requirement.name)
            cause = Cause(requirement=info.requirement, parent=info.parent,
                          conda=self.fixed.get(name))  # fmt: skip
            group = groups.setdefault(name, [])
            if cause not in group:
                group.append(cause)
        conflicts: list[Conflict] = []
        for name, group in groups.items():
            if name in self.fixed:
                conflicts += self._explain_fixed(name, group)
            else:
                conflicts += self._explain_free(name, group)
        every = [c for group in groups.values() for c in group]
        return ResolutionFailed(causes=every, conflicts=conflicts)

    def _explain_fixed(self, name: NormalizedName, causes: list[Cause]) -> list[Conflict]:
        """A conda package: each requirement its one version does not meet."""
        fixed = self._fixed_candidate(name, frozenset())
        clashes = [c for c in causes if not self.is_satisfied_by(c.requirement, fixed)] or causes
        return [Conflict(name=name, kind="conda", causes=(c,)) for c in clashes]

    def _explain_free(self, name: NormalizedName, causes: list[Cause]) -> list[Conflict]:
        """A pip package: the requirements no version meets alone, then the
        pairs no version meets together, else all of them as one."""
        releases = self._versions(name)
        usable = [r.version for r in releases if not isinstance(r.result, str)]

        def accepts(req: Requirement, version: Version) -> bool:
            if req.url:
                return any(
                    a.url and _url_base(a.url) == _url_base(req.url)
                    for rel in releases
                    if rel.version == version
                    for a, _ in rel.files
                )
            return req.specifier.contains(version, prereleases=True)

        def fits(*some: Cause) -> bool:
            return any(all(accepts(c.requirement, v) for c in some) for v in usable)

        alone = [c for c in causes if not fits(c)]
        rest = [c for c in causes if c not in alone]
        pairs = [(a, b) for a, b in combinations(rest, 2) if not fits(a, b)]
        offer = self._offer(name)
        out = [Conflict(name=name, kind="none", causes=(c,), offer=offer) for c in alone]
        out += [Conflict(name=name, kind="disagree", causes=pair) for pair in pairs]
        if not out:
            out = [Conflict(name=name, kind="none", causes=tuple(causes), offer=offer)]
        return out

    def _offer(self, name: NormalizedName) -> str:
        """``available: 1.0, 2.0; excluded by Requires-Python: 3.0``."""
        releases = self._versions(name)
        available = sorted(
            r.version for r in releases if r.yanked is None and not isinstance(r.result, str)
        )
        excluded: dict[str, list[Version]] = defaultdict(list)
        for version, reason in self._excluded.get(name, {}).items():
            excluded[reason].append(version)
        for r in releases:
            if r.yanked is not None and not isinstance(r.result, str):
                excluded[_R_YANKED].append(r.version)
        parts = ["available: " + (", ".join(str(v) for v in available) or "none")]
        parts += [
            f"{reason}: {', '.join(str(v) for v in sorted(vs))}" for reason, vs in excluded.items()
        ]
        if not releases and not excluded:
            parts = [f"none found in {where(self.source)}"]
        return "; ".join(parts)


def _first(item: tuple[tuple[bool, int, int], Artifact, Loader]) -> tuple[bool, int, int]:
    return item[0]


def resolve(
    requirements: Sequence[Requirement],
    *,
    fixed: Mapping[NormalizedName, Fixed],
    source: CandidateSource,
    python: PythonInfo,
    reporter: BaseReporter[Requirement, Candidate, str] | None = None,
    prefer: Mapping[NormalizedName, Version] | None = None,
) -> dict[NormalizedName, Candidate]:
    """One consistent set of versions for ``requirements`` in the target env.

    ``fixed`` are conda's distributions (never moved); ``source`` offers the
    rest; ``prefer`` names versions to keep when they fit (what is
    installed).  Root requirements whose marker does not hold for the env are
    dropped.  Returns every distribution the requirements reach, by name,
    each with the extras requested of it; conda's are there with
    ``fixed=True``.

    :raises ResolutionFailed: when no consistent set exists (or the search
        gives up), with its causes as data and pip-style explanations.
    :raises SourceUnavailable: when a source cannot be read.
    """
    from resolvelib import ResolutionImpossible, ResolutionTooDeep, Resolver

    env = python.marker_environment()
    roots = [r for r in requirements if _marker_true(r.marker, env)]
    provider = ReconcileProvider(
        source=source, fixed=fixed, python=python, requested=roots, prefer=prefer
    )
    resolver: Resolver[Requirement, Candidate, str] = Resolver(provider, reporter or BaseReporter())
    try:
        result = resolver.resolve(roots, max_rounds=_MAX_ROUNDS)
    except ResolutionImpossible as exc:
        raise provider.explain(exc.causes) from None
    except ResolutionTooDeep as exc:
        raise ResolutionFailed(rounds=exc.round_count) from None
    out: dict[NormalizedName, Candidate] = {}
    extras: dict[NormalizedName, set[NormalizedName]] = defaultdict(set)
    for identifier, cand in result.mapping.items():
        name, ex = _split(identifier)
        if ex:
            extras[name] |= ex
        else:
            out[name] = cand
    for name, wanted in extras.items():
        if name in out:
            out[name] = replace(out[name], extras=frozenset(wanted))
    return dict(sorted(out.items()))


class _VerboseReporter(BaseReporter[Requirement, Candidate, str]):
    def __init__(self, write: Callable[[str], None]) -> None:
        self.write = write
        self.rounds = 0

    def starting(self) -> None:
        self.write("resolver: starting")

    def starting_round(self, index: int) -> None:
        self.rounds = index + 1

    def adding_requirement(self, requirement: Requirement, parent: Candidate | None) -> None:
        via = f"from {parent.label}" if parent is not None else "requested"
        self.write(f"resolver: need {requirement_text(requirement)} ({via})")

    def pinning(self, candidate: Candidate) -> None:
        self.write(f"resolver: pin {candidate.label} [{candidate.origin}]")

    def resolving_conflicts(self, causes: Iterable[Information]) -> None:
        shown = ", ".join(Cause(requirement=c.requirement, parent=c.parent).shown for c in causes)
        self.write(f"resolver: conflict on {shown}; backtracking")

    def rejecting_candidate(
        self, criterion: Criterion[Requirement, Candidate], candidate: Candidate
    ) -> None:
        self.write(f"resolver: reject {candidate.label}")

    def ending(self, state: State[Requirement, Candidate, str]) -> None:
        count = sum(1 for ident in state.mapping if "[" not in ident)
        self.write(f"resolver: done, {count} packages in {self.rounds} rounds")


def verbose_reporter(write: Callable[[str], None]) -> BaseReporter[Requirement, Candidate, str]:
    """A reporter that shows the resolver's progress, one line per event
    (``--verbose``): requirements added, pins, conflicts and backtracking."""
    return _VerboseReporter(write)
