"""Where a finding's evidence lives, for the CI formats (SARIF, JUnit, GitHub).

Each finding is pinned to the file that carries its evidence: the
``conda-meta/*.json`` record for conda-side findings, a dist-info's METADATA
for pip-side ones, the clobbered file for a clobber.  Findings of other
commands that carry a file and line (an environment.yml linter) get that
file and line.  Without a graph (findings that do not come from a prefix)
paths are written as the findings give them.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..models import DistKind, Finding

if TYPE_CHECKING:
    from ..graph import Graph
    from ..models import InstalledDist

__all__ = ["Location", "evidence_files"]


@dataclass(frozen=True, slots=True)
class Location:
    """A file (or folder) that carries a finding's evidence.

    ``path`` is relative to the audited prefix (POSIX), or absolute when it
    lies outside it (a user site); findings without a prefix keep the path
    they were given.  ``line`` is 1-based when the finding names one.
    """

    path: str
    line: int | None = None
    directory: bool = False


def _one(path: str | None) -> tuple[str, ...]:
    return (path,) if path is not None else ()


def _paths(f: Finding) -> tuple[str, ...]:
    if f.effective is None:
        return f.paths
    # A duplicate: the copies that lost come first, they are the debris.
    return tuple(sorted(f.paths, key=lambda p: p == f.effective))


# The files of a finding's evidence that exist, most telling first, per code.
# missing-file's paths are the files that are gone: not evidence one can
# open, so its record comes alone.
_FILES_BY_CODE: Mapping[str, Callable[[Finding], tuple[str, ...]]] = {
    "altered-file": lambda f: (*_paths(f), *_one(f.conda_record)),
    "file-clobber": lambda f: (*_paths(f), *_one(f.renamed)),
    "missing-file": lambda f: _one(f.conda_record),
    "duplicate-distribution": _paths,
}


def _files(f: Finding) -> tuple[str, ...]:
    return (*_one(f.conda_record), *_one(f.path), *_one(f.installed_dist), *_paths(f))


def evidence_files(finding: Finding, graph: Graph | None = None) -> tuple[Location, ...]:
    """The files that carry ``finding``'s evidence, the primary one first;
    empty when the evidence names none.

    A metadata folder is replaced by the file in it that says what the
    finding is about (METADATA; direct_url.json for an editable install),
    using the folder's member list that discovery read: renderers do not
    read the disk.
    """
    out: list[Location] = []
    located: tuple[tuple[str, int | None], ...] = ()
    if finding.code not in _FILES_BY_CODE and finding.file is not None:
        line = finding.line
        located = ((finding.file, line if line is not None and line > 0 else None),)
    files = _FILES_BY_CODE.get(finding.code, _files)(finding)
    for path, line in (*located, *((p, None) for p in files)):
        if not path:
            continue
        loc = _metadata_file(path, finding.code, graph)
        if line is not None:
            loc = Location(loc.path, line=line)
        if loc not in out:
            out.append(loc)
    return tuple(out)


def _metadata_file(path: str, code: str, graph: Graph | None) -> Location:
    if not path.endswith((".dist-info", ".egg-info")):
        return Location(path)
    dist = _dist_at(graph, path) if graph is not None else None
    if dist is None:
        # Debris discovery did not list (no METADATA at all): the folder itself.
        return Location(path, directory=path.endswith(".dist-info"))
    if dist.kind not in (DistKind.DIST_INFO, DistKind.EGG_INFO):
        return Location(path)  # an egg-info file or an egg-link: a file already
    is_dist_info = dist.kind == DistKind.DIST_INFO
    wanted = ("METADATA", "RECORD", "INSTALLER") if is_dist_info else ("PKG-INFO",)
    if code == "editable-install":
        wanted = ("direct_url.json", *wanted)  # PEP 610: where it points
    for name in wanted:
        if name in dist.members:
            return Location(f"{path}/{name}")
    return Location(path, directory=True)


def _dist_at(graph: Graph, path: str) -> InstalledDist | None:
    state = graph.state
    sites = (state.site_packages, *state.other_site_packages, state.user_site)
    for site in sites:
        if site is not None and (path == site.path or path.startswith(site.path + "/")):
            for dist in site.dists:
                if dist.path == path or path.endswith("/" + dist.path.rsplit("/", 1)[-1]):
                    return dist
    return None


def prefix_of(graph: Graph | None) -> str | None:
    return None if graph is None else os.path.abspath(graph.state.prefix)


def shown_path(loc: Location, prefix: str | None) -> str:
    """The path a person (or GitHub's runner) can open: absolute when there is
    a prefix, else as given."""
    if prefix is None or os.path.isabs(loc.path):
        return loc.path
    return posixpath.join(Path(prefix).as_posix(), loc.path)


def message(finding: Finding) -> str:
    """The message a person reads, led by the package when there is one."""
    return f"{finding.package}: {finding.message}" if finding.package else finding.message


def is_known(finding: Finding, known: Collection[str] | None) -> bool:
    """In the baseline (``known`` holds its fingerprints; None: no baseline)."""
    from ..policy import fingerprint

    return known is not None and fingerprint(finding) in known
