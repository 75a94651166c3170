"""Where a repair's packages come from: one answer for ``plan`` and ``fix``.

A step that deletes or uninstalls something is only safe when what replaces
it can be had.  :class:`Locator` answers, before anything is planned, where
this exact conda record (name, version, build) or this pip version comes
from; ``reconcile fix`` looks in the same places, in the same order
(:func:`conda_candidates`), when it stages the packages.

conda, in this order:

1. the folder and archive the record itself names (``extracted_package_dir``,
   ``package_tarball_full_path``: conda's, mamba's and rattler's records do);
2. the package caches (:func:`cache_dirs`): an extracted
   ``name-version-build/`` folder or a ``.conda``/``.tar.bz2`` archive;
3. the record's own ``url``, then the record's channel and each
   ``--channel``.  ``file://`` channels are local.  A remote URL is never
   fetched by the plan: the record's own ``url`` counts (it is where conda
   got the package; ``fix`` downloads and checks it before any change); a
   URL only guessed from a channel (a damaged record, a ``--channel``) counts
   when a HEAD request finds it.  With ``offline`` neither counts.

pip: a wheel (for the env's tags) or an sdist of exactly that version in the
sources the plan's resolver reads (``--find-links``, ``--index-url``, pip's
wheel cache) -- never "installed", which is not a file pip can install
from.  A local project (PEP 610 ``dir_info``: an editable or path install) is
never looked up anywhere: a package of its name on an index is someone
else's (dependency confusion).
"""

from __future__ import annotations

import hashlib
import json
import os
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.utils import NormalizedName
from packaging.version import Version

if TYPE_CHECKING:
    from .models import CondaRecord, InstalledDist, PythonInfo
    from .resolve import Artifact, Candidate, CandidateSource

__all__ = [
    "CondaWanted",
    "Found",
    "KeepLocalProjects",
    "Locator",
    "cache_dirs",
    "conda_candidates",
    "env_channels",
]

PIP_HINT = "give --find-links DIR or --index-url URL"
CONDA_HINT = "give --channel URL (a channel that has it) or put it in a package cache"


@dataclass(frozen=True, kw_only=True, slots=True)
class CondaWanted:
    """One exact conda package, and what its record says about where it was."""

    name: str
    version: str
    build: str
    sha256: str | None = None
    md5: str | None = None
    file_name: str | None = None
    subdir: str | None = None
    url: str | None = None
    folder: str | None = None  # extracted_package_dir
    archive: str | None = None  # package_tarball_full_path

    @property
    def dist(self) -> str:
        return f"{self.name}-{self.version}-{self.build}"

    @classmethod
    def of(cls, record: CondaRecord) -> CondaWanted:
        return cls(
            name=record.name,
            version=record.version,
            build=record.build,
            sha256=record.sha256,
            md5=record.md5,
            file_name=record.fn,
            subdir=record.subdir,
            url=record.url,
            folder=record.extracted_package_dir,
            archive=record.package_tarball_full_path,
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class Found:
    """Where ``what`` comes from (``origin``), or, when ``origin`` is None,
    every place tried and what the user can give."""

    what: str
    origin: str | None = None
    tried: tuple[str, ...] = ()
    hint: str = ""
    link_dir: str | None = None  # a local folder pip must be pointed at (--find-links)

    @property
    def ok(self) -> bool:
        return self.origin is not None

    @property
    def reason(self) -> str:
        tried = ", ".join(self.tried) or "nothing"
        return f"no source for {self.what} (tried: {tried}); {self.hint}"


# ---------------------------------------------------------------------------
# conda


def cache_dirs(extra: Iterable[str] = ()) -> list[Path]:
    """Every package cache folder that exists, in search order, once each."""
    env = os.environ
    home = Path.home()
    found: list[Path] = [Path(p) for p in extra]
    for item in env.get("CONDA_PKGS_DIRS", "").split(","):
        if item.strip():
            found.append(Path(item.strip()).expanduser())
    for var in ("CONDA_ROOT", "MAMBA_ROOT_PREFIX"):
        if env.get(var):
            found.append(Path(env[var]) / "pkgs")
    exe = env.get("CONDA_EXE") or env.get("MAMBA_EXE")
    if exe:
        found.append(Path(exe).resolve().parent.parent / "pkgs")
    for name in ("miniforge3", "mambaforge", "miniconda3", "anaconda3", "micromamba"):
        found.append(home / name / "pkgs")
    found.append(home / ".conda" / "pkgs")
    if env.get("RATTLER_CACHE_DIR"):
        found.append(Path(env["RATTLER_CACHE_DIR"]) / "pkgs")
    if env.get("PIXI_CACHE_DIR"):
        found.append(Path(env["PIXI_CACHE_DIR"]) / "pkgs")
    xdg = env.get("XDG_CACHE_HOME") or str(home / ".cache")
    found.append(Path(xdg) / "rattler" / "cache" / "pkgs")
    out: list[Path] = []
    for path in found:
        if path.is_dir() and path not in out:
            out.append(path)
    return out


def index_matches(folder: Path, want: CondaWanted, *, check_sha: bool = True) -> bool:
    """An extracted package folder is ``want``: its ``info/index.json`` names
    it, and (where conda left one) its ``info/repodata_record.json`` has the
    record's sha256."""
    try:
        index = json.loads((folder / "info" / "index.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if (index.get("name"), str(index.get("version")), index.get("build")) != (
        want.name,
        want.version,
        want.build,
    ):
        return False
    if check_sha and want.sha256:
        try:
            record = json.loads(
                (folder / "info" / "repodata_record.json").read_text(encoding="utf-8")
            )
        except (OSError, ValueError):
            record = {}
        if record.get("sha256") and record["sha256"] != want.sha256:
            return False
    return (folder / "info" / "paths.json").is_file() or (folder / "info" / "files").is_file()


def digest_ok(path: Path, sha256: str | None, md5: str | None) -> bool:
    if not sha256 and not md5:
        return True
    h = hashlib.sha256() if sha256 else hashlib.md5()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest() == (sha256 or md5)


def _archive_names(want: CondaWanted) -> list[str]:
    names = [want.file_name] if want.file_name else []
    return names + [n for n in (f"{want.dist}.conda", f"{want.dist}.tar.bz2") if n not in names]


def conda_candidates(
    want: CondaWanted, channels: Sequence[str], caches: Sequence[Path]
) -> Iterator[tuple[str, str]]:
    """Every place ``want`` may be, in search order: ``("folder", path)``,
    ``("archive", path)``, then ``("url", url)`` (the record's own first)."""
    if want.folder:
        yield "folder", want.folder
    for cache in caches:
        yield "folder", str(cache / want.dist)
    if want.archive:
        yield "archive", want.archive
    for cache in caches:
        for fn in _archive_names(want):
            yield "archive", str(cache / fn)
    urls = [want.url] if want.url else []
    for channel in channels:
        if "://" not in channel and os.path.isabs(channel):
            channel = Path(channel).as_uri()  # a local folder: a file:// channel
        base = channel.rstrip("/")
        subdir = want.subdir or "noarch"
        folder_url = base if base.endswith(f"/{subdir}") else f"{base}/{subdir}"
        urls += [f"{folder_url}/{fn}" for fn in _archive_names(want)]
    for url in dict.fromkeys(urls):
        yield "url", url


def local_file(url: str) -> Path:
    return Path(urllib.request.url2pathname(urllib.parse.urlparse(url).path))


def head_ok(url: str) -> bool:
    """A HEAD request finds ``url`` (a package guessed from a channel)."""
    try:
        req = urllib.request.Request(url, method="HEAD")
        with urllib.request.urlopen(req, timeout=10) as resp:
            return bool(200 <= resp.status < 300)
    except (OSError, ValueError):
        return False


def find_conda(
    want: CondaWanted,
    *,
    channels: Sequence[str],
    caches: Sequence[Path],
    offline: bool,
    probe: Callable[[str], bool] = head_ok,
) -> Found:
    """Where ``want`` can be had, without copying or downloading it."""
    from .urls import redact_url

    tried: list[str] = []
    for kind, where in conda_candidates(want, channels, caches):
        if kind == "folder":
            tried.append(where)
            if Path(where).is_dir() and index_matches(Path(where), want):
                return Found(what=want.dist, origin=where)
        elif kind == "archive":
            tried.append(where)
            if Path(where).is_file() and digest_ok(Path(where), want.sha256, want.md5):
                return Found(what=want.dist, origin=where)
        elif where.startswith("file:"):
            tried.append(where)
            path = local_file(where)
            if path.is_file() and digest_ok(path, want.sha256, want.md5):
                return Found(what=want.dist, origin=where)
        elif offline:
            tried.append(f"{redact_url(where)} (not fetched: --offline)")
        elif where == want.url:
            # The record's own channel: where conda got it.  Not fetched
            # here; fix downloads it and checks the checksum first.
            return Found(what=want.dist, origin=redact_url(where))
        else:
            tried.append(redact_url(where))
            if probe(where):
                return Found(what=want.dist, origin=redact_url(where))
    return Found(what=want.dist, tried=tuple(tried), hint=CONDA_HINT)


# ---------------------------------------------------------------------------
# pip


def _artifacts(found: Sequence[Candidate]) -> Iterator[Artifact]:
    from .resolve import Artifact, LazyCandidates

    if isinstance(found, LazyCandidates):
        yield from found.artifacts
    else:
        yield from (Artifact.of(c) for c in found)


class KeepLocalProjects:
    """A candidate source in which local projects (editable or path installs)
    have only their installed candidate: a package of the same name on an
    index or in a folder is someone else's (dependency confusion)."""

    def __init__(self, source: CandidateSource, names: Iterable[NormalizedName]) -> None:
        self.source = source
        self.names = frozenset(names)

    @property
    def where(self) -> str:
        from .resolve import where

        return where(self.source)

    def candidates(self, name: NormalizedName) -> Sequence[Candidate]:
        from .resolve import LazyCandidates

        found = self.source.candidates(name)
        if name not in self.names:
            return found
        lazy = found if isinstance(found, LazyCandidates) else LazyCandidates.of(found)
        return LazyCandidates((a, load) for a, load in lazy.entries() if a.origin == "installed")


def local_project(dist: InstalledDist | None) -> bool:
    return dist is not None and dist.direct_url is not None and dist.direct_url.is_local_dir


def _places(source: CandidateSource) -> list[str]:
    from .resolve import ChainSource, where

    inner = getattr(source, "source", None)
    if inner is not None and not isinstance(source, ChainSource):
        return _places(inner)
    if isinstance(source, ChainSource):
        return [p for s in source.sources for p in _places(s)]
    place = where(source)
    return [] if place == "installed" else [place]


class Locator:
    """The one answer to "where does this package come from?" for a plan.

    ``pip`` is the plan's candidate source (the resolver's), ``python`` the
    env's; ``channels`` are extra conda channels (``--channel``);
    ``env_channels`` those the env's records name (for a record that is too
    damaged to name its own).
    """

    def __init__(
        self,
        *,
        pip: CandidateSource | None,
        python: PythonInfo | None,
        channels: Sequence[str] = (),
        env_channels: Sequence[str] = (),
        offline: bool = False,
        caches: Sequence[Path] | None = None,
        probe: Callable[[str], bool] = head_ok,
    ) -> None:
        self.pip_source = pip
        self.python = python
        self.channels = tuple(channels)
        self.env_channels = tuple(c for c in env_channels if c not in self.channels)
        self.offline = offline
        self.caches = tuple(cache_dirs() if caches is None else caches)
        self.probe = probe

    def conda(self, record: CondaRecord) -> Found:
        """The package of an installed record (its own channel first)."""
        own = [record.channel.rstrip("/")] if record.channel and "://" in record.channel else []
        return find_conda(
            CondaWanted.of(record),
            channels=[*own, *(c for c in self.channels if c not in own)],
            caches=self.caches,
            offline=self.offline,
            probe=self.probe,
        )

    def conda_dist(self, name: str, version: str, build: str) -> Found:
        """A package known only by name, version and build (its record is
        damaged): every channel, noarch and the env's own subdir."""
        channels = [*self.channels, *self.env_channels]
        subdirs = ["noarch"] + ([self.python.platform] if self.python is not None else [])
        tried: list[str] = []
        for subdir in dict.fromkeys(subdirs):
            want = CondaWanted(name=name, version=version, build=build, subdir=subdir)
            found = find_conda(want, channels=channels, caches=self.caches,
                               offline=self.offline, probe=self.probe)  # fmt: skip
            if found.ok:
                return found
            tried += [t for t in found.tried if t not in tried]
        return Found(what=f"{name}-{version}-{build}", tried=tuple(tried), hint=CONDA_HINT)

    def pip(self, name: NormalizedName, version: Version, dist: InstalledDist | None) -> Found:
        """A wheel for the env, or an sdist, of ``name`` at ``version``."""
        what = f"{name} {version}"
        if local_project(dist):
            assert dist is not None and dist.direct_url is not None
            from .channels import file_url_path

            path = file_url_path(dist.direct_url.url)
            flag = "-e " if dist.direct_url.editable else ""
            return Found(
                what=what,
                hint=f"a local project, never looked up on an index (a package of its name "
                f"there is someone else's); reinstall it from its own folder: "
                f"pip install --no-deps --force-reinstall {flag}{path}",
            )
        if self.pip_source is None or self.python is None:
            return Found(what=what, hint=PIP_HINT)
        from .filenames import (
            SDIST_SUFFIXES,
            InvalidFilename,
            is_wheel_filename,
            parse_wheel_filename,
        )
        from .resolve import target_tags

        tags = set(target_tags(self.python))
        for art in _artifacts(self.pip_source.candidates(name)):
            if art.version != version or art.origin == "installed" or not art.filename:
                continue
            if art.requires_python is not None and not art.requires_python.contains(
                self.python.version, prereleases=True
            ):
                continue
            if is_wheel_filename(art.filename):
                try:
                    if not tags & parse_wheel_filename(art.filename).tags:
                        continue
                except InvalidFilename:
                    continue
            elif not art.filename.endswith(SDIST_SUFFIXES):
                continue
            link = None
            if art.url and art.url.startswith("file:"):
                from .channels import file_url_path

                link = str(Path(file_url_path(art.url)).parent)
            return Found(what=what, origin=f"{art.origin}: {art.filename}", link_dir=link)
        return Found(what=what, tried=tuple(_places(self.pip_source)), hint=PIP_HINT)


def env_channels(records: Iterable[CondaRecord]) -> list[str]:
    """The channel URLs the env's records name, once each."""
    from .channels import url_subdir

    out: list[str] = []
    for record in records:
        channel = (record.channel or "").rstrip("/")
        subdir = url_subdir(channel)
        if subdir and channel.endswith("/" + subdir):
            channel = channel[: -len(subdir) - 1]
        if "://" in channel and channel not in out:
            out.append(channel)
    return out
