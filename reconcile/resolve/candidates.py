"""Where candidates come from, besides an index: what is installed in the
env, folders of wheels and sdists (pip's ``--find-links``, pip's wheel
cache), several sources chained as one, and :func:`default_source`, the
chain the CLI's options describe (with pip's configuration, read as ``pip
install`` in the env would read it: :mod:`.pip_config`).
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.utils import NormalizedName
from packaging.version import Version

from ..urls import redact_url
from .artifacts import _local_entry
from .errors import SourceUnavailable
from .index import PYPI_SIMPLE, IndexSource
from .pip_config import pip_cache_dir, pip_config
from .values import Artifact, Candidate, CandidateSource, LazyCandidates, Loader, where

if TYPE_CHECKING:
    from ..graph import Graph
    from ..models import InstalledDist

__all__ = ["ChainSource", "FindLinksSource", "InstalledSource", "default_source"]


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
                    url=redact_url(url) if url else None,
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
        return ", ".join(where(s) for s in self.sources)

    def candidates(self, name: NormalizedName) -> Sequence[Candidate]:
        entries: list[tuple[Artifact, Loader]] = []
        for source in self.sources:
            found = source.candidates(name)
            lazy = found if isinstance(found, LazyCandidates) else LazyCandidates.of(found)
            entries.extend(lazy.entries())
        return LazyCandidates(entries)


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
       the env would read it (:mod:`.pip_config`): the user's files and
       ``PIP_*`` variables around the env's own ``pip.conf``, which discovery
       read (``graph.state.pip_conf``); this function never reads the prefix.
    """
    sources: list[CandidateSource] = [InstalledSource(graph)]
    links = list(find_links)
    if links:
        sources.append(FindLinksSource(links))
    if index_url is not None:
        sources.append(IndexSource(index_url))
        return ChainSource(*sources)
    config = pip_config(graph.state.pip_conf)
    if offline:
        cache = pip_cache_dir(config)
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
