"""The one place reconcile touches resolvelib: candidate sources and a provider.

The repair plan pins conda's Python packages where they are and asks which
versions of the pip-only packages fit around them; export asks the same to
write pins.  Both call :func:`resolve`, which runs resolvelib's backtracking
resolver over a :class:`ReconcileProvider`.

Everything is judged for the *target* environment (a
:class:`~reconcile.models.PythonInfo`), never for the interpreter reconcile
runs on: PEP 508 markers with ``python.marker_environment()``,
``Requires-Python`` with ``python.version``, wheel tags (PEP 425) with a tag
set computed from the env's Python and conda subdir (:func:`target_tags`).

Where candidates come from is a :class:`CandidateSource`:

- :class:`InstalledSource`: the distributions installed in the env;
- :class:`FindLinksSource`: folders of wheels and sdists (pip's
  ``--find-links``; also pip's wheel cache).  Metadata is read from the
  archives, never by building: an sdist is used only when its PKG-INFO is
  Metadata-Version 2.2 or later and does not declare Requires-Dist dynamic
  (PEP 643);
- :class:`IndexSource`: a PEP 503 / PEP 691 simple index, reading PEP 658 /
  PEP 714 ``.metadata`` files so that wheels are not downloaded, with responses
  cached on disk;
- :class:`ChainSource`: several of these in order; :func:`default_source`
  builds the chain the CLI's ``--offline`` / ``--find-links`` /
  ``--index-url`` options describe.

A source may answer with :class:`LazyCandidates`: what it knows of each file
without reading metadata (name, version, file name, Requires-Python, yanked)
plus a way to read the metadata on first use.  The provider uses that to read
the metadata only of the versions the resolver actually tries.

When no consistent set exists :func:`resolve` raises :class:`ResolutionFailed`
with pip-style explanations ("Cannot make X and Y agree: ...") and what the
user can do about it.
"""

from __future__ import annotations

import base64
import hashlib
import math
import os
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import combinations
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol, overload

from packaging.markers import Marker, UndefinedComparison, UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.tags import Tag
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version
from resolvelib import AbstractProvider, BaseReporter

from .errors import ReconcileError
from .models import SUBDIR_MACHINES
from .urls import redact_url as _redact  # a URL as shown: reconcile/urls.py
from .urls import without_userinfo as _strip_userinfo  # as fetched, auth in a header

if TYPE_CHECKING:
    import tarfile
    from typing import TypeAlias

    from resolvelib.providers import Preference
    from resolvelib.resolvers import Criterion
    from resolvelib.structs import Matches, RequirementInformation, State

    from .graph import Graph
    from .models import InstalledDist, PythonInfo

    Information: TypeAlias = "RequirementInformation[Requirement, Candidate]"

__all__ = [
    "Artifact",
    "Candidate",
    "CandidateSource",
    "ChainSource",
    "FindLinksSource",
    "Fixed",
    "IndexSource",
    "InstalledSource",
    "LazyCandidates",
    "ReconcileProvider",
    "ResolutionFailed",
    "SourceUnavailable",
    "default_source",
    "resolve",
    "target_tags",
    "verbose_reporter",
]

# A plain str: mypy would otherwise drop the other platforms' branches as unreachable.
_SYSTEM: str = sys.platform
PYPI_SIMPLE = "https://pypi.org/simple/"

# pip's own limit is far higher; a repair plan resolves tens of packages, and
# a run that needs more rounds than this is better told to pin something.
_MAX_ROUNDS = 20_000


# --------------------------------------------------------------------------
# values


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
        return cls((_artifact_of(c), partial(_same, c)) for c in candidates)

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


def _artifact_of(c: Candidate) -> Artifact:
    return Artifact(
        name=c.name,
        version=c.version,
        origin=c.origin,
        filename=c.filename,
        url=c.url,
        requires_python=c.requires_python,
        yanked=c.yanked,
        hashes=c.hashes,
    )


class CandidateSource(Protocol):
    """Where candidates come from.

    ``candidates(name)`` returns every candidate of one (normalized) name the
    source knows, in any order: the provider filters them for the target env
    and sorts them newest first.  Returning :class:`LazyCandidates` lets the
    provider read metadata only for the versions it tries.
    """

    def candidates(self, name: NormalizedName) -> Sequence[Candidate]: ...


# --------------------------------------------------------------------------
# errors


class SourceUnavailable(ReconcileError):
    """A candidate source could not be read (a missing folder, an index that
    does not answer, a file whose hash does not match)."""

    def __init__(self, where: str, reason: str) -> None:
        self.where = where
        self.reason = reason
        super().__init__(f"cannot read {where}: {reason}")


class ResolutionFailed(ReconcileError):
    """No set of versions satisfies every requirement.

    ``explanations`` are pip-style lines ("Cannot make X and Y agree: ..."),
    ``suggestions`` what the user can do.  ``str()`` is one line;
    :meth:`report` is the full text for a person.
    """

    def __init__(self, explanations: Sequence[str], suggestions: Sequence[str]) -> None:
        self.explanations = tuple(explanations) or ("the resolver found no consistent set",)
        self.suggestions = tuple(suggestions)
        more = len(self.explanations) - 1
        tail = f" (and {more} more)" if more else ""
        super().__init__(f"no consistent set of versions: {self.explanations[0]}{tail}")

    def report(self) -> str:
        lines = ["No consistent set of versions exists:"]
        lines += [f"  {e}" for e in self.explanations]
        if self.suggestions:
            lines.append("What you can do:")
            lines += [f"  - {s}" for s in self.suggestions]
        return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------
# the target environment's wheel tags (PEP 425, PEP 600)

_LINUX_ARCH = {k: v for k, v in SUBDIR_MACHINES.items() if k.startswith("linux-")}
_MAC_ARCH = {"osx-64": "x86_64", "osx-arm64": "arm64"}
_WIN_PLATFORM = {"win-64": "win_amd64", "win-32": "win32", "win-arm64": "win_arm64"}
# PEP 600's legacy aliases, and the architectures each was defined for.
_LEGACY_MANYLINUX = {
    17: ("manylinux2014", {"x86_64", "i686", "aarch64", "armv7l", "ppc64", "ppc64le", "s390x"}),
    12: ("manylinux2010", {"x86_64", "i686"}),
    5: ("manylinux1", {"x86_64", "i686"}),
}
# What to assume when the target is not this machine's platform: conda-forge's
# baseline glibc, and the first macOS that runs both conda architectures.
_DEFAULT_GLIBC = (2, 17)
_DEFAULT_MACOS = (11, 0)


def _running_subdir() -> str | None:
    import platform

    machine = platform.machine().lower()
    if _SYSTEM.startswith("linux"):
        arch = {"x86_64": "64", "amd64": "64", "i686": "32", "aarch64": "aarch64"}.get(machine)
        return f"linux-{arch or machine}"
    if _SYSTEM == "darwin":
        return "osx-arm64" if machine == "arm64" else "osx-64"
    if _SYSTEM == "win32":
        return {"amd64": "win-64", "x86": "win-32", "arm64": "win-arm64"}.get(machine)
    return None


def _glibc(platform_: str) -> tuple[int, int]:
    """The glibc to assume: this machine's when the env is for this machine
    (the usual case, since the prefix is on this disk), else a baseline."""
    if platform_ == _running_subdir():
        try:
            text = os.confstr("CS_GNU_LIBC_VERSION") or ""
        except (AttributeError, ValueError, OSError):
            text = ""
        name, _, ver = text.partition(" ")
        if name == "glibc":
            major, _, minor = ver.partition(".")
            if major.isdigit() and minor.split(".")[0].isdigit():
                return int(major), int(minor.split(".")[0])
    return _DEFAULT_GLIBC


def _macos(platform_: str) -> tuple[int, int]:
    if platform_ == _running_subdir():
        import platform

        parts = platform.mac_ver()[0].split(".")
        if parts and parts[0].isdigit():
            minor = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
            return int(parts[0]), minor if int(parts[0]) < 11 else 0
    return _DEFAULT_MACOS


def _platform_tags(
    platform_: str, glibc: tuple[int, int] | None, macos: tuple[int, int] | None
) -> list[str]:
    from packaging import tags

    if platform_ in _LINUX_ARCH:
        arch = _LINUX_ARCH[platform_]
        major, newest = glibc or _glibc(platform_)
        oldest = 5 if arch in ("x86_64", "i686") else 17
        out: list[str] = []
        for minor in range(newest, oldest - 1, -1):
            out.append(f"manylinux_{major}_{minor}_{arch}")
            legacy = _LEGACY_MANYLINUX.get(minor)
            if major == 2 and legacy and arch in legacy[1]:
                out.append(f"{legacy[0]}_{arch}")
        return [*out, f"linux_{arch}"]  # conda is glibc-based: no musllinux
    if platform_ in _MAC_ARCH:
        return list(tags.mac_platforms(macos or _macos(platform_), _MAC_ARCH[platform_]))
    if platform_ in _WIN_PLATFORM:
        return [_WIN_PLATFORM[platform_]]
    return []  # noarch, emscripten, wasi: pure wheels only


def target_tags(
    python: PythonInfo,
    *,
    glibc: tuple[int, int] | None = None,
    macos: tuple[int, int] | None = None,
) -> list[Tag]:
    """The wheel tags the target env accepts, most preferred first.

    Built with :mod:`packaging.tags` from the env's Python version and conda
    subdir (never ``sys_tags()``, which describes the running interpreter).
    ``glibc``/``macos`` override the assumed system version; by default it is
    this machine's when the env's subdir is this machine's, else glibc 2.17 /
    macOS 11.  A CPython target is taken to be the GIL build (``PythonInfo``
    does not say whether it is free-threaded); a PyPy target gets only the
    ABI-free tags, since its ``pypyXY_ppNN`` ABI depends on a PyPy version
    reconcile does not know.
    """
    from packaging import tags

    version = (python.version.major, python.version.minor)
    nodot = f"{version[0]}{version[1]}"
    platforms = _platform_tags(python.platform, glibc, macos)
    found: list[Tag] = []
    if python.implementation == "cpython":
        interpreter = f"cp{nodot}"
        if platforms:  # packaging would use this machine's for an empty list
            found += tags.cpython_tags(version, abis=[interpreter], platforms=platforms)
    else:
        interpreter = f"{'pp' if python.implementation == 'pypy' else 'py'}{nodot}"
        if platforms:
            found += tags.generic_tags(interpreter, abis=[], platforms=platforms)
    # For a platform without binary wheels, "any" stands in: the pure tags.
    found += tags.compatible_tags(version, interpreter, platforms or ["any"])
    return found


# --------------------------------------------------------------------------
# reading metadata from files, never by building


_SDIST_SUFFIXES = (".tar.gz", ".zip")
_R_PYTHON = "excluded by Requires-Python"
_R_SDIST = "sdist without static metadata (not built)"
_R_META = "unreadable metadata"
_R_MISMATCH = "metadata of another name or version"
_R_YANKED = "yanked"


def _parse_filename(filename: str) -> tuple[NormalizedName, Version, bool] | None:
    """``(name, version, is_wheel)`` of a distribution file name, or None."""
    try:
        if filename.endswith(".whl"):
            name, version, _build, _tags = parse_wheel_filename(filename)
            return name, version, True
        if filename.endswith(_SDIST_SUFFIXES):
            name, version = parse_sdist_filename(filename)
            return name, version, False
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        pass
    return None


def _wheel_metadata(archive: str | Path | IO[bytes]) -> bytes | str:
    """The ``*.dist-info/METADATA`` of a wheel, read from the zip directly."""
    import zipfile

    try:
        with zipfile.ZipFile(archive) as zf:
            found = [
                n for n in zf.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")
            ]
            if len(found) != 1:
                return _R_META
            return zf.read(found[0])
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return _R_META


def _sdist_metadata(archive: str | Path | IO[bytes], filename: str) -> bytes | str:
    """The top-level ``PKG-INFO`` of an sdist, read without extracting."""
    import tarfile
    import zipfile

    def top_pkg_info(name: str) -> bool:
        name = name.removeprefix("./")
        return name.count("/") == 1 and name.endswith("/PKG-INFO")

    try:
        if filename.endswith(".zip"):
            with zipfile.ZipFile(archive) as zf:
                names = [n for n in zf.namelist() if top_pkg_info(n)]
                return zf.read(names[0]) if len(names) == 1 else _R_META
        if isinstance(archive, (str, Path)):
            with tarfile.open(archive, "r:gz") as tf:
                return _tar_member(tf, top_pkg_info)
        with tarfile.open(fileobj=archive, mode="r:gz") as tf:
            return _tar_member(tf, top_pkg_info)
    except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError, ValueError):
        pass
    return _R_META


def _tar_member(tf: tarfile.TarFile, wanted: Callable[[str], bool]) -> bytes | str:
    for member in tf:
        if member.isfile() and wanted(member.name):
            fobj = tf.extractfile(member)
            return fobj.read() if fobj is not None else _R_META
    return _R_META


def _metadata_candidate(art: Artifact, data: bytes, *, sdist: bool) -> Candidate | str:
    """Turn core metadata into a candidate for ``art``, or say why not."""
    from packaging.metadata import parse_email

    try:
        raw, _unparsed = parse_email(data)
    except (ValueError, UnicodeError):
        return _R_META
    name, version = raw.get("name"), raw.get("version")
    try:
        if name is None or canonicalize_name(name) != art.name:
            return _R_MISMATCH
        if version is None or Version(version) != art.version:
            return _R_MISMATCH
        meta_version = Version(raw.get("metadata_version", "1.0"))
    except InvalidVersion:
        return _R_META
    dynamic = {d.lower() for d in raw.get("dynamic", [])}
    # PEP 643: only Metadata-Version 2.2+ says which fields are dynamic; an
    # older sdist's dependencies are whatever its build would say.
    if sdist and (meta_version < Version("2.2") or "requires-dist" in dynamic):
        return _R_SDIST
    try:
        requires = tuple(Requirement(r) for r in raw.get("requires_dist", []))
    except InvalidRequirement:
        return _R_META
    requires_python = art.requires_python
    text = raw.get("requires_python")
    if text and not (sdist and "requires-python" in dynamic):
        with suppress(InvalidSpecifier):  # pip ignores an invalid Requires-Python too
            requires_python = SpecifierSet(text)
    return Candidate(
        name=art.name,
        version=art.version,
        origin=art.origin,
        requires=requires,
        requires_python=requires_python,
        url=art.url,
        filename=art.filename,
        hashes=art.hashes,
        yanked=art.yanked,
    )


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(partial(f.read, 1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _load_local(path: Path, art: Artifact) -> Candidate | str:
    is_wheel = path.name.endswith(".whl")
    data = _wheel_metadata(path) if is_wheel else _sdist_metadata(path, path.name)
    if isinstance(data, str):
        return data
    got = _metadata_candidate(art, data, sdist=not is_wheel)
    if isinstance(got, Candidate):
        try:
            got = replace(got, hashes={"sha256": _sha256_file(path)})
        except OSError:
            return _R_META
    return got


def _local_entry(path: Path, origin: str) -> tuple[Artifact, Loader] | None:
    parsed = _parse_filename(path.name)
    if parsed is None:
        return None
    name, version, _ = parsed
    art = Artifact(
        name=name, version=version, origin=origin, filename=path.name, url=path.absolute().as_uri()
    )
    return art, partial(_load_local, path, art)


# --------------------------------------------------------------------------
# sources


class InstalledSource:
    """The distributions installed in the env: one candidate per installed
    version, with the Requires-Dist and Requires-Python read by discovery.

    Accepts a :class:`~reconcile.graph.Graph` (every dist in its nodes) or
    the :class:`~reconcile.models.InstalledDist` values themselves.
    """

    where = "installed"

    def __init__(self, installed: Graph | Iterable[InstalledDist]) -> None:
        nodes = getattr(installed, "nodes", None)
        dists: Iterable[InstalledDist] = (
            [d for node in nodes.values() for d in node.dists]
            if isinstance(nodes, Mapping)
            else installed  # type: ignore[assignment]
        )
        found: dict[NormalizedName, dict[Version, Candidate]] = defaultdict(dict)
        for dist in dists:
            if dist.version is None:
                continue
            url = dist.direct_url.url if dist.direct_url is not None else None
            found[dist.name].setdefault(
                dist.version,
                Candidate(
                    name=dist.name,
                    version=dist.version,
                    origin="installed",
                    requires=dist.requires,
                    requires_python=dist.requires_python,
                    url=_redact(url) if url else None,
                ),
            )
        self._found = {k: tuple(v.values()) for k, v in found.items()}

    def candidates(self, name: NormalizedName) -> Sequence[Candidate]:
        return self._found.get(name, ())


class FindLinksSource:
    """Folders of wheels and sdists, like pip's ``--find-links DIR``.

    Files are listed once, on first use, by file name; a file's metadata is
    read only when the resolver tries its version (wheels: the zip's
    ``.dist-info/METADATA``; sdists: ``PKG-INFO`` when static, see the module
    docstring).  ``recursive`` walks subfolders (pip's wheel cache nests its
    wheels); ``label`` starts each candidate's origin.  A folder that does
    not exist is an error unless ``missing_ok``.
    """

    def __init__(
        self,
        dirs: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
        *,
        recursive: bool = False,
        missing_ok: bool = False,
        label: str = "find-links",
    ) -> None:
        items = [dirs] if isinstance(dirs, (str, os.PathLike)) else list(dirs)
        self.dirs = tuple(Path(os.fspath(d)).expanduser() for d in items)
        self.recursive = recursive
        self.label = label
        missing = [str(d) for d in self.dirs if not d.exists()]
        if missing and not missing_ok:
            raise SourceUnavailable(f"{label} {', '.join(missing)}", "no such folder")
        self._index: dict[NormalizedName, LazyCandidates] | None = None

    @property
    def where(self) -> str:
        return ", ".join(f"{self.label} {d}" for d in self.dirs) or f"{self.label} (no folders)"

    def _scan(self) -> dict[NormalizedName, LazyCandidates]:
        found: dict[NormalizedName, list[tuple[Artifact, Loader]]] = defaultdict(list)
        for root in self.dirs:
            origin = f"{self.label} {root}"
            for path in self._files(root):
                entry = _local_entry(path, origin)
                if entry is not None:
                    found[entry[0].name].append(entry)
        return {name: LazyCandidates(entries) for name, entries in found.items()}

    def _files(self, root: Path) -> Iterator[Path]:
        if root.is_file():
            yield root
            return
        if self.recursive:
            for folder, subdirs, files in os.walk(root):
                subdirs.sort()
                for f in sorted(files):
                    yield Path(folder, f)
            return
        try:
            names = sorted(os.listdir(root))
        except OSError:
            return
        for f in names:
            yield root / f

    def candidates(self, name: NormalizedName) -> Sequence[Candidate]:
        if self._index is None:
            self._index = self._scan()
        return self._index.get(name, LazyCandidates())


class ChainSource:
    """Several sources as one: every candidate of each, in order."""

    def __init__(self, *sources: CandidateSource) -> None:
        self.sources = sources

    @property
    def where(self) -> str:
        return ", ".join(_where(s) for s in self.sources)

    def candidates(self, name: NormalizedName) -> Sequence[Candidate]:
        entries: list[tuple[Artifact, Loader]] = []
        for source in self.sources:
            found = source.candidates(name)
            lazy = found if isinstance(found, LazyCandidates) else LazyCandidates.of(found)
            entries.extend(lazy.entries())
        return LazyCandidates(entries)


def _where(source: CandidateSource) -> str:
    where = getattr(source, "where", None)
    return where if isinstance(where, str) else type(source).__name__


# --------------------------------------------------------------------------
# a PEP 503 / 691 simple index


_PAGE_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, "
    "application/vnd.pypi.simple.v1+html; q=0.2, text/html; q=0.01"
)
_JSON_TYPE = "application/vnd.pypi.simple.v1+json"


def _user_cache_dir() -> Path:
    if _SYSTEM == "darwin":
        return Path.home() / "Library" / "Caches"
    if _SYSTEM == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


@dataclass(frozen=True, slots=True)
class _Page:
    body: bytes
    content_type: str
    url: str


@dataclass(frozen=True, kw_only=True, slots=True)
class _IndexFile:
    filename: str
    url: str
    hashes: Mapping[str, str]
    requires_python: SpecifierSet | None
    yanked: str | None
    metadata: Mapping[str, str] | None  # PEP 658/714: None = not offered


class _Http:
    """GETs with an on-disk cache.

    Project pages are revalidated (ETag / Last-Modified) on every run and the
    cached copy is used when the index does not answer; ``.metadata`` files
    and archives are immutable per URL and read from the cache as they are,
    after checking their hash.  Basic auth is sent only to the index's own
    host and never on a redirect.
    """

    def __init__(self, cache_dir: Path | None, *, timeout: float, auth: Mapping[str, str]) -> None:
        self.cache_dir = cache_dir
        self.timeout = timeout
        self.auth = auth  # netloc -> Authorization header value

    def _path(self, url: str, suffix: str) -> Path | None:
        if self.cache_dir is None:
            return None
        key = hashlib.sha256(url.encode()).hexdigest()
        return self.cache_dir / key[:2] / f"{key}{suffix}"

    def _request(self, url: str, headers: Mapping[str, str]) -> Any:
        import urllib.request
        from urllib.parse import urlsplit

        req = urllib.request.Request(url, headers=dict(headers))
        auth = self.auth.get(urlsplit(url).netloc.lower())
        if auth is not None:
            req.add_unredirected_header("Authorization", auth)
        return urllib.request.urlopen(req, timeout=self.timeout)

    def _store(self, path: Path | None, data: bytes, meta: Mapping[str, str] | None) -> None:
        import json

        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)
            if meta is not None:
                tmp.write_text(json.dumps(dict(meta)), encoding="utf-8")
                os.replace(tmp, path.with_name(path.name + ".json"))
        except OSError:
            pass  # a read-only cache only costs time

    def page(self, url: str) -> _Page | None:
        """A project page; None when the index has no such project."""
        import json
        import urllib.error

        path = self._path(f"page {url}", ".body")
        cached: _Page | None = None
        meta: dict[str, str] = {}
        if path is not None:
            try:
                meta = json.loads(path.with_name(path.name + ".json").read_text("utf-8"))
                cached = _Page(path.read_bytes(), meta["content_type"], meta["url"])
            except (OSError, ValueError, KeyError, TypeError):
                cached, meta = None, {}
        headers = {"Accept": _PAGE_ACCEPT}
        if cached is not None and meta.get("etag"):
            headers["If-None-Match"] = meta["etag"]
        if cached is not None and meta.get("last_modified"):
            headers["If-Modified-Since"] = meta["last_modified"]
        try:
            with self._request(url, headers) as resp:
                body = resp.read()
                final = _strip_userinfo(resp.geturl())
                got = _Page(body, resp.headers.get("Content-Type", ""), final)
                new_meta = {
                    "content_type": got.content_type,
                    "url": got.url,
                    "etag": resp.headers.get("ETag") or "",
                    "last_modified": resp.headers.get("Last-Modified") or "",
                }
        except urllib.error.HTTPError as exc:
            with exc:
                if exc.code == 304 and cached is not None:
                    return cached
                if exc.code in (404, 410):
                    return None
                if exc.code >= 500 and cached is not None:
                    return cached  # the index is down: the last page we saw
                raise SourceUnavailable(_redact(url), f"HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            if cached is not None:
                return cached  # offline: the last page we saw
            reason = getattr(exc, "reason", None) or exc
            raise SourceUnavailable(_redact(url), str(reason)) from None
        self._store(path, got.body, new_meta)
        return got

    def immutable(
        self, url: str, hashes: Mapping[str, str], *, to_file: bool
    ) -> Path | bytes | None:
        """A file that never changes at its URL (a ``.metadata`` file, an
        archive), checked against ``hashes``; None when it is not there.

        Archives (``to_file``) are streamed into the cache and returned as a
        path; without a usable cache they are read into memory.
        """
        import urllib.error

        path = self._path(f"file {url}", ".bin")
        if path is not None and path.is_file():
            try:
                if _digest_ok(path, hashes):
                    return path if to_file else path.read_bytes()
                path.unlink()
            except OSError:
                pass
        try:
            with self._request(url, {}) as resp:
                got = self._receive(resp, path if to_file else None)
        except urllib.error.HTTPError as exc:
            with exc:
                if exc.code in (404, 410):
                    return None
                raise SourceUnavailable(_redact(url), f"HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise SourceUnavailable(_redact(url), str(reason)) from None
        try:
            ok = _digest_ok(got, hashes)
        except OSError as exc:
            raise SourceUnavailable(_redact(url), str(exc)) from None
        if not ok:
            if isinstance(got, Path):
                got.unlink(missing_ok=True)
            raise SourceUnavailable(_redact(url), "hash does not match the index")
        if isinstance(got, bytes):
            self._store(path, got, None)
        return got

    @staticmethod
    def _receive(resp: Any, path: Path | None) -> Path | bytes:
        """The response body, streamed to ``path`` when one is given and
        writable, else read into memory."""
        if path is not None:
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                with open(tmp, "wb") as out:
                    for block in iter(partial(resp.read, 1 << 20), b""):
                        out.write(block)
                os.replace(tmp, path)
                return path
            except OSError:
                tmp.unlink(missing_ok=True)
                raise
        data: bytes = resp.read()
        return data


def _digest_ok(data: bytes | Path, hashes: Mapping[str, str]) -> bool:
    """Whether ``data`` has the strongest hash of ``hashes`` we can compute
    (true when there is none to check)."""
    algos = [a for a in ("sha512", "sha384", "sha256") if a in hashes]
    algos += sorted(a for a in hashes if a in hashlib.algorithms_guaranteed and a not in algos)
    if not algos:
        return True
    h = hashlib.new(algos[0])
    if isinstance(data, Path):
        with open(data, "rb") as f:
            for block in iter(partial(f.read, 1 << 20), b""):
                h.update(block)
    else:
        h.update(data)
    return h.hexdigest() == hashes[algos[0]].lower()


def _hash_fragment(url: str) -> tuple[str, dict[str, str]]:
    """PEP 503: a URL's ``#<hashname>=<hexdigest>`` fragment, split off."""
    base, _, fragment = url.partition("#")
    algo, _, digest = fragment.partition("=")
    return base, ({algo: digest} if algo in hashlib.algorithms_guaranteed and digest else {})


def _metadata_hashes(value: object) -> Mapping[str, str] | None:
    """PEP 658 (HTML ``"true"`` / ``"sha256=..."``) and PEP 691 (bool / dict)."""
    if value is None or value is False or value in ("false", ""):
        return None
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items()}
    if isinstance(value, str) and "=" in value:
        algo, _, digest = value.partition("=")
        return {algo: digest}
    return {}


def _specifier(text: object) -> SpecifierSet | None:
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        return None  # pip ignores an invalid data-requires-python


def _yanked(value: object) -> str | None:
    if value is None or value is False:
        return None
    return value if isinstance(value, str) else ""


def _parse_json_page(page: _Page) -> list[_IndexFile]:
    """PEP 691's JSON project page."""
    import json
    from urllib.parse import urljoin

    try:
        data = json.loads(page.body)
        api = str(data.get("meta", {}).get("api-version", "1.0"))
        files = data["files"]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise SourceUnavailable(page.url, "not a PEP 691 project page") from None
    if api.split(".")[0] != "1":
        raise SourceUnavailable(page.url, f"unsupported simple API version {api}")
    out = []
    for f in files:
        if not isinstance(f, Mapping) or "filename" not in f or "url" not in f:
            continue
        url, fragment = _hash_fragment(urljoin(page.url, str(f["url"])))
        hashes = f.get("hashes") if isinstance(f.get("hashes"), Mapping) else fragment
        meta = f.get("core-metadata", f.get("dist-info-metadata"))  # PEP 714 name first
        out.append(
            _IndexFile(
                filename=str(f["filename"]),
                url=url,
                hashes={str(k): str(v) for k, v in (hashes or {}).items()},
                requires_python=_specifier(f.get("requires-python")),
                yanked=_yanked(f.get("yanked")),
                metadata=_metadata_hashes(meta),
            )
        )
    return out


def _parse_html_page(page: _Page) -> list[_IndexFile]:
    """PEP 503's HTML project page, with PEP 592/658/714 data attributes."""
    from html.parser import HTMLParser
    from urllib.parse import unquote, urljoin, urlsplit

    class Links(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.base: str | None = None
            self.anchors: list[dict[str, str | None]] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "base" and self.base is None:
                self.base = dict(attrs).get("href")
            elif tag == "a":
                self.anchors.append(dict(attrs))

    parser = Links()
    parser.feed(page.body.decode("utf-8", "replace"))
    parser.close()
    base = urljoin(page.url, parser.base) if parser.base else page.url
    out = []
    for a in parser.anchors:
        href = a.get("href")
        if not href:
            continue
        url, hashes = _hash_fragment(urljoin(base, href))
        # PEP 714's name first; PEP 592: a bare data-yanked is yanked too.
        meta = a.get("data-core-metadata", a.get("data-dist-info-metadata"))
        yanked = (a.get("data-yanked") or "") if "data-yanked" in a else None
        out.append(
            _IndexFile(
                filename=unquote(urlsplit(url).path.rsplit("/", 1)[-1]),
                url=url,
                hashes=hashes,
                requires_python=_specifier(a.get("data-requires-python")),
                yanked=yanked,
                metadata=_metadata_hashes(meta),
            )
        )
    return out


class IndexSource:
    """A PEP 503 (HTML) or PEP 691 (JSON) simple repository.

    Asks for JSON and falls back to HTML by content type.  Each file's
    Requires-Python (``data-requires-python`` / ``requires-python``) and
    yanked state (PEP 592) are known from the page; its dependencies come
    from the PEP 658 ``<file>.metadata`` file when the index offers one
    (``data-core-metadata`` / ``core-metadata``, PEP 714), else from the
    downloaded wheel (or static sdist), read lazily, only for the versions the
    resolver tries.  Responses are cached in ``cache_dir`` (default
    ``~/.cache/reconcile/http``).  Credentials in ``url`` are sent as basic
    auth to that host only and stripped from every origin, URL and message.
    """

    def __init__(
        self,
        url: str,
        cache_dir: str | os.PathLike[str] | None = None,
        *,
        timeout: float = 30.0,
    ) -> None:
        from urllib.parse import unquote, urlsplit

        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise SourceUnavailable(f"index {_redact(url)}", "not an http(s) URL")
        auth: dict[str, str] = {}
        if parts.username is not None:
            token = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
            host = parts.netloc.rsplit("@", 1)[1].lower()
            auth[host] = "Basic " + base64.b64encode(token.encode()).decode("ascii")
        self.url = _redact(url).rstrip("/") + "/"  # shown
        self._base = _strip_userinfo(url).rstrip("/") + "/"  # fetched (auth is a header)
        self.cache_dir = (
            Path(cache_dir) if cache_dir is not None else _user_cache_dir() / "reconcile" / "http"
        )
        self._http = _Http(self.cache_dir, timeout=timeout, auth=auth)
        self._pages: dict[NormalizedName, LazyCandidates] = {}

    @property
    def where(self) -> str:
        return f"index {self.url}"

    def _files(self, name: NormalizedName) -> list[_IndexFile]:
        page = self._http.page(f"{self._base}{name}/")
        if page is None:
            return []
        if page.content_type.split(";")[0].strip().lower() == _JSON_TYPE:
            return _parse_json_page(page)
        return _parse_html_page(page)

    def candidates(self, name: NormalizedName) -> Sequence[Candidate]:
        name = canonicalize_name(name)
        if name not in self._pages:
            entries: list[tuple[Artifact, Loader]] = []
            for f in self._files(name):
                parsed = _parse_filename(f.filename)
                if parsed is None or parsed[0] != name:
                    continue
                art = Artifact(
                    name=name,
                    version=parsed[1],
                    origin=self.where,
                    filename=f.filename,
                    url=_redact(f.url),
                    requires_python=f.requires_python,
                    yanked=f.yanked,
                    hashes=f.hashes,
                )
                entries.append((art, partial(self._load, f, art)))
            self._pages[name] = LazyCandidates(entries)
        return self._pages[name]

    def _load(self, f: _IndexFile, art: Artifact) -> Candidate | str:
        import io

        sdist = not f.filename.endswith(".whl")
        if f.metadata is not None:
            data = self._http.immutable(f.url + ".metadata", f.metadata, to_file=False)
            if isinstance(data, bytes):
                return _metadata_candidate(art, data, sdist=sdist)
        # No PEP 658 file: the archive itself (pip does the same).
        blob = self._http.immutable(f.url, f.hashes, to_file=True)
        if blob is None:
            return _R_META
        archive = io.BytesIO(blob) if isinstance(blob, bytes) else blob
        meta = _sdist_metadata(archive, f.filename) if sdist else _wheel_metadata(archive)
        return meta if isinstance(meta, str) else _metadata_candidate(art, meta, sdist=sdist)


# --------------------------------------------------------------------------
# pip's configuration and caches


@dataclass(frozen=True, kw_only=True, slots=True)
class _PipConfig:
    index_url: str | None = None
    extra_index_urls: tuple[str, ...] = ()
    no_index: bool = False
    cache_dir: str | None = None
    no_cache: bool = False


def _pip_config_files(prefix: Path | None) -> list[Path]:
    """pip's configuration files, lowest precedence first (pip's order:
    global, user, site = the target env's ``pip.conf``, then
    ``PIP_CONFIG_FILE``, which also switches the user files off)."""
    env_file = os.environ.get("PIP_CONFIG_FILE")
    if env_file == os.devnull:
        return []
    home = Path.home()
    basename = "pip.ini" if _SYSTEM == "win32" else "pip.conf"
    if _SYSTEM == "win32":
        program_data = os.environ.get("PROGRAMDATA", r"C:\ProgramData")
        global_files = [Path(program_data, "pip", basename)]
        user_files = [
            home / "pip" / basename,
            Path(os.environ.get("APPDATA") or home / "AppData" / "Roaming", "pip", basename),
        ]
    else:
        xdg_dirs = (os.environ.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(os.pathsep)
        global_files = [Path(d, "pip", basename) for d in reversed(xdg_dirs) if d]
        global_files.append(Path("/etc", basename))
        config_home = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
        user_files = [home / ".pip" / basename, config_home / "pip" / basename]
        if _SYSTEM == "darwin":
            user_files.append(home / "Library" / "Application Support" / "pip" / basename)
    files = list(global_files)
    if not (env_file and os.path.exists(env_file)):
        files += user_files
    if prefix is not None:
        files.append(prefix / basename)
    if env_file:
        files.append(Path(env_file))
    return files


def _pip_config(prefix: Path | None) -> _PipConfig:
    """What ``pip install`` in the target env would use for its index and
    cache: config files (``[global]``, then ``[install]``), then ``PIP_*``
    environment variables."""
    import configparser

    values: dict[str, str] = {}
    for path in _pip_config_files(prefix):
        parser = configparser.RawConfigParser()
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, OSError, UnicodeError):
            continue
        for section in ("global", "install"):
            if parser.has_section(section):
                for key, value in parser.items(section):
                    values[key.replace("_", "-")] = value
    for key in ("index-url", "extra-index-url", "no-index", "cache-dir", "no-cache-dir"):
        env = os.environ.get("PIP_" + key.upper().replace("-", "_"))
        if env is not None:
            values[key] = env

    def flag(key: str) -> bool:
        return values.get(key, "").strip().lower() in ("1", "true", "yes", "on")

    return _PipConfig(
        index_url=values.get("index-url", "").strip() or None,
        extra_index_urls=tuple(values.get("extra-index-url", "").split()),
        no_index=flag("no-index"),
        cache_dir=values.get("cache-dir", "").strip() or None,
        no_cache=flag("no-cache-dir"),
    )


def _pip_cache_dir(config: _PipConfig) -> Path | None:
    if config.no_cache:
        return None
    if config.cache_dir:
        return Path(os.path.expandvars(config.cache_dir)).expanduser()
    if _SYSTEM == "win32":
        return _user_cache_dir() / "pip" / "Cache"
    return _user_cache_dir() / "pip"


def default_source(
    graph: Graph,
    *,
    offline: bool = True,
    find_links: Iterable[str | os.PathLike[str]] = (),
    index_url: str | None = None,
) -> CandidateSource:
    """The sources the CLI options describe, as one chain, in this order:

    1. what is installed in the env (always);
    2. the ``find_links`` folders;
    3. with ``offline`` (the default, and no ``index_url``): pip's wheel
       cache (``<cache>/wheels``, from ``PIP_CACHE_DIR``, pip's
       ``cache-dir`` setting or the platform default).  conda's package
       caches hold conda packages, whose Python dists are conda's own (and so
       :class:`Fixed`), not pip candidates, so they are not searched;
    4. an index: ``index_url`` when given (that alone means online); else,
       when not ``offline``, ``PIP_INDEX_URL`` / pip's ``index-url`` setting
       (default PyPI) plus any ``extra-index-url``, unless pip is configured
       with ``no-index``.  pip's configuration is read as ``pip install`` in
       the env would read it, the env's own ``pip.conf`` included.
    """
    prefix = getattr(getattr(graph, "state", None), "prefix", None)
    sources: list[CandidateSource] = [InstalledSource(graph)]
    links = list(find_links)
    if links:
        sources.append(FindLinksSource(links))
    if index_url is not None:
        sources.append(IndexSource(index_url))
        return ChainSource(*sources)
    config = _pip_config(prefix if isinstance(prefix, Path) else None)
    if offline:
        cache = _pip_cache_dir(config)
        if cache is not None:
            sources.append(
                FindLinksSource(
                    cache / "wheels", recursive=True, missing_ok=True, label="wheel cache"
                )
            )
        return ChainSource(*sources)
    if not config.no_index:
        for url in (config.index_url or PYPI_SIMPLE, *config.extra_index_urls):
            sources.append(IndexSource(url))
    return ChainSource(*sources)


# --------------------------------------------------------------------------
# the provider


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
    return _redact(url.partition("#")[0])


def _req_text(req: Requirement) -> str:
    """A requirement as messages show it: name, extras and specifier or URL
    (its marker held for the env, or it would not be here)."""
    text = req.name
    if req.extras:
        text += f"[{','.join(sorted(req.extras))}]"
    return f"{text} @ {_redact(req.url)}" if req.url else f"{text}{req.specifier}"


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
        if art.filename.endswith(".whl"):
            try:
                tags = parse_wheel_filename(art.filename)[3]
            except InvalidWheelFilename:
                return _R_META
            ranks = [self._tag_rank[t] for t in tags if t in self._tag_rank]
            if not ranks:
                return f"no wheel for {self.python.platform} and Python {self.python.short}"
            return min(ranks)
        if art.filename.endswith(_SDIST_SUFFIXES):
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

    def explain(self, causes: Iterable[Information]) -> tuple[list[str], list[str]]:
        """pip-style lines for ``ResolutionImpossible.causes``, and what the
        user can do."""
        groups: dict[NormalizedName, list[tuple[Requirement, Candidate | None]]] = {}
        for info in causes:
            pair = (info.requirement, info.parent)
            group = groups.setdefault(canonicalize_name(info.requirement.name), [])
            if pair not in group:
                group.append(pair)
        lines: list[str] = []
        hints: list[str] = []
        for name, infos in groups.items():
            if name in self.fixed:
                self._explain_fixed(name, infos, lines, hints)
            else:
                self._explain_free(name, infos, lines, hints)
        return _unique(lines), _unique(hints)

    def _explain_fixed(
        self,
        name: NormalizedName,
        infos: list[tuple[Requirement, Candidate | None]],
        lines: list[str],
        hints: list[str],
    ) -> None:
        fixed = self._fixed_candidate(name, frozenset())
        clashes = [(r, p) for r, p in infos if not self.is_satisfied_by(r, fixed)] or infos
        for req, parent in clashes:
            lines.append(
                f"Cannot make {_party(parent)} and {name} agree: {_statement(req, parent)}; "
                f"{name} {fixed.version} is provided by {fixed.origin}"
            )
            _hint_loosen(req, parent, hints)
            if parent is not None and not parent.fixed:
                hints.append(
                    f"install {parent.name} with conda instead (conda install {parent.name}), "
                    f"so that conda chooses {parent.name} and {name} together"
                )
        for _req, parent in clashes:
            if parent is not None and parent.fixed:
                hints.append(f"use --strategy prefer-pip to let pip move conda's {parent.name}")
        hints.append(f"use --strategy prefer-pip to let pip move conda's {name} {fixed.version}")

    def _explain_free(
        self,
        name: NormalizedName,
        infos: list[tuple[Requirement, Candidate | None]],
        lines: list[str],
        hints: list[str],
    ) -> None:
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

        alone = [(r, p) for r, p in infos if not any(accepts(r, v) for v in usable)]
        rest = [i for i in infos if i not in alone]
        pairs = [
            (a, b)
            for a, b in combinations(rest, 2)
            if not any(accepts(a[0], v) and accepts(b[0], v) for v in usable)
        ]
        for req, parent in alone:
            lines.append(
                f"No version of {name} satisfies {_from(req, parent)} ({self._offer(name)})"
            )
            _hint_loosen(req, parent, hints)
        for (ra, pa), (rb, pb) in pairs:
            lines.append(
                f"Cannot make {_party(pa)} and {_party(pb)} agree: "
                f"{_statement(ra, pa)}; {_statement(rb, pb)}"
            )
            for req, parent in ((ra, pa), (rb, pb)):
                _hint_loosen(req, parent, hints)
        if not alone and not pairs:
            together = ", ".join(_from(r, p) for r, p in infos)
            lines.append(f"No version of {name} satisfies {together} ({self._offer(name)})")
            for req, parent in infos:
                _hint_loosen(req, parent, hints)
        for _req, parent in infos:
            if parent is not None and parent.fixed:
                hints.append(f"use --strategy prefer-pip to let pip move conda's {parent.name}")
            elif parent is not None:
                hints.append(
                    f"install {parent.name} with conda instead (conda install {parent.name})"
                )
        hints.append(f"install {name} with conda instead (conda install {name})")

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
            parts = [f"none found in {_where(self.source)}"]
        return "; ".join(parts)


def _party(parent: Candidate | None) -> str:
    return "the request" if parent is None else parent.name


def _statement(req: Requirement, parent: Candidate | None) -> str:
    if parent is None:
        return f"the request asks for {_req_text(req)}"
    return f"{parent.label} depends on {_req_text(req)}"


def _from(req: Requirement, parent: Candidate | None) -> str:
    return _req_text(req) if parent is None else f"{_req_text(req)} (from {parent.label})"


def _hint_loosen(req: Requirement, parent: Candidate | None, hints: list[str]) -> None:
    if parent is None:
        hints.append(f"loosen the requirement {_req_text(req)}")
        return
    if parent.fixed:
        return  # conda's metadata: see the prefer-pip hint
    head = f"loosen {parent.name}'s requirement on {canonicalize_name(req.name)} "
    if not any(h.startswith(head) for h in hints):  # once, for the first version tried
        hints.append(f"{head}({parent.label} asks for {_req_text(req)})")


def _first(item: tuple[tuple[bool, int, int], Artifact, Loader]) -> tuple[bool, int, int]:
    return item[0]


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


# --------------------------------------------------------------------------
# entry points


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
        gives up), with pip-style explanations and suggestions.
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
        lines, hints = provider.explain(exc.causes)
        raise ResolutionFailed(lines, hints) from None
    except ResolutionTooDeep as exc:
        raise ResolutionFailed(
            (f"gave up after {exc.round_count} rounds of backtracking",),
            ("pin the packages you care about (name==version) to narrow the search",),
        ) from None
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
        self.write(f"resolver: need {_req_text(requirement)} ({via})")

    def pinning(self, candidate: Candidate) -> None:
        self.write(f"resolver: pin {candidate.label} [{candidate.origin}]")

    def resolving_conflicts(self, causes: Iterable[Information]) -> None:
        shown = ", ".join(_from(c.requirement, c.parent) for c in causes)
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
