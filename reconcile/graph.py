"""Stage 2: join conda's records and pip's metadata into one installed graph.

One node per distribution.  A conda record *owns* a Python distribution when
its file list contains that distribution's ``*.dist-info`` (or
``*.egg-info``) metadata: that is how conda names meet PyPI names (conda
``pytorch`` owns ``torch-2.1.0.dist-info``).  A conda record without Python
metadata stays a conda-only node (``openssl``); it still provides a PyPI name
when the bundled name map says so, or, for Python packages, under its own
name.  Edges are conda ``depends``/``constrains`` and pip ``Requires-Dist``.

The effective version of a node is what is on disk now, not what a stale
record says: when pip replaced conda's ``six`` the node's version is pip's.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name

from ._conda import spec_name
from .filenames import parse_metadata_dirname
from .models import CondaRecord, EdgeKind, InstalledDist, PrefixState, PythonInfo
from .names import NameMap

__all__ = [
    "Edge",
    "EdgeKind",
    "Graph",
    "Node",
    "Ownership",
    "Provenance",
    "build_graph",
]


class Provenance(str, enum.Enum):
    """Who put a distribution there, as far as both records tell."""

    CONDA = "conda"  # conda record, no Python metadata (openssl, ninja)
    CONDA_PYTHON = "conda-python"  # conda record owns the dist-info on disk
    PIP = "pip"  # a dist no conda record owns (pip, uv, poetry, ...)
    CONFLICT = "conflict"  # a conda record claims it, the disk says otherwise


class Ownership(str, enum.Enum):
    """State of a conda record's own Python distribution."""

    INTACT = "intact"
    OVERWRITTEN = "overwritten"  # another installer's dist-info is there now
    REMOVED = "removed"  # gone, nothing in its place
    SHADOWED = "shadowed"  # a conda package without metadata + a pip dist of its name


@dataclass(frozen=True, kw_only=True, slots=True)
class Node:
    key: str
    provenance: Provenance
    record: CondaRecord | None = None
    owned_dist: str | None = None  # the metadata path the record lists
    dists: tuple[InstalledDist, ...] = ()  # in the env's site-packages, by name
    ownership: Ownership | None = None
    primary: bool = True  # False for a record's second, third ... dist

    @property
    def effective(self) -> InstalledDist | None:
        """The dist Python would import metadata from: with duplicates, the
        most recently written, whose files are the ones left on disk."""
        if not self.dists:
            return None
        return max(self.dists, key=lambda d: d.mtime)

    @property
    def version(self) -> str | None:
        """The version installed now (pip's, when pip replaced conda's)."""
        dist = self.effective
        if dist is not None:
            return dist.version_text or None
        if self.record is not None and self.ownership is not Ownership.REMOVED:
            return self.record.version
        return None

    @property
    def conda_version(self) -> str | None:
        """The version conda's MatchSpecs are checked against: the record's
        while conda's files are there (a dist-info may say ``0.0.0`` or
        ``50.3.1.post20201107`` for conda's ``6.1.1`` or ``50.3.1``), else
        what replaced them."""
        if self.record is not None and self.installed_by == "conda":
            return self.record.version
        return self.version

    @property
    def installed_by(self) -> str | None:
        dist = self.effective
        if self.record is not None and self.ownership in (Ownership.INTACT, None):
            return "conda"
        if dist is not None:
            return dist.installer or "unknown"
        return None

    @property
    def present(self) -> bool:
        return self.version is not None


@dataclass(frozen=True, kw_only=True, slots=True)
class Edge:
    """``source`` requires ``target``.  ``target`` is a node key when the
    requirement resolves to an installed node, else the required name."""

    source: str
    target: str
    kind: EdgeKind
    spec: str
    resolved: bool
    requirement: Requirement | None = None  # for EdgeKind.REQUIRES
    active: bool = True  # marker true for this env (and the extras in use)
    via_extra: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Graph:
    state: PrefixState
    nodes: Mapping[str, Node]
    edges: tuple[Edge, ...]
    conda_index: Mapping[str, str] = field(default_factory=dict)  # conda name -> key
    pypi_index: Mapping[str, str] = field(default_factory=dict)  # PyPI name -> key
    active_extras: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @property
    def python(self) -> PythonInfo | None:
        return self.state.python

    def out_edges(self, key: str) -> Iterator[Edge]:
        return (e for e in self.edges if e.source == key)

    def by_conda_name(self, name: str) -> Node | None:
        key = self.conda_index.get(name)
        return self.nodes[key] if key is not None else None

    def by_pypi_name(self, name: str) -> Node | None:
        key = self.pypi_index.get(canonicalize_name(name))
        return self.nodes[key] if key is not None else None


# ---------------------------------------------------------------------------

_META_SUFFIXES = (".dist-info/METADATA", ".dist-info/RECORD", ".egg-info/PKG-INFO")

def owned_metadata(record: CondaRecord, site_packages: str | None) -> list[str]:
    """Metadata paths (``.../x.dist-info``) the record lists in the env's
    site-packages (or any ``site-packages`` when that is unknown)."""
    out: list[str] = []
    for p in record.paths:
        path = p.path
        if path.endswith(_META_SUFFIXES):
            folder = path.rsplit("/", 1)[0]
        elif path.endswith(".egg-info") and "site-packages/" in path:
            folder = path  # a single-file egg-info
        else:
            continue
        parent = folder.rsplit("/", 1)[0]
        if (site_packages is not None and parent != site_packages) or (
            site_packages is None and not parent.endswith("site-packages")
        ):
            continue
        if folder not in out:
            out.append(folder)
    return out


def _dist_name_of(folder: str) -> NormalizedName:
    return canonicalize_name(parse_metadata_dirname(folder.rsplit("/", 1)[-1]).name)


def _pythonic(record: CondaRecord) -> bool:
    if record.noarch == "python":
        return True
    return any(spec_name(d) in ("python", "python_abi") for d in record.depends)


def _ownership(record: CondaRecord, folder: str, dists: tuple[InstalledDist, ...]) -> Ownership:
    on_disk = next((d for d in dists if d.path == folder), None)
    if on_disk is None:
        return Ownership.OVERWRITTEN if dists else Ownership.REMOVED
    if _rewritten(record, folder, on_disk):
        return Ownership.OVERWRITTEN
    newest = max(dists, key=lambda d: d.mtime)
    if newest is not on_disk and newest.installer not in (None, "conda"):
        return Ownership.OVERWRITTEN
    return Ownership.INTACT


def _rewritten(record: CondaRecord, folder: str, dist: InstalledDist) -> bool:
    """Did another installer rewrite the dist-info conda installed, keeping
    its name (``pip install --force-reinstall`` of the same version)?

    With ``paths_data`` the sizes of INSTALLER and RECORD tell; without it,
    files conda never listed (REQUESTED, direct_url.json) next to a foreign
    INSTALLER do.  A RECORD of another size under conda's own INSTALLER is
    an edit in place (a hand edit, a tool appending a line), not another
    installer: ``altered-file`` reports it on the record.
    """
    listed = {p.path: p for p in record.paths if p.path.startswith(folder + "/")}
    foreign = dist.installer not in (None, "conda", "whl2conda")
    if record.has_paths_data:
        for member, size in (("INSTALLER", dist.installer_size), ("RECORD", dist.record_size)):
            entry = listed.get(f"{folder}/{member}")
            if entry is not None and entry.sha256_in_prefix is not None:
                continue  # rewritten at link time: its recorded size is the package's
            if entry is not None and entry.size is not None and size is not None:
                if entry.size != size and (member == "INSTALLER" or foreign):
                    return True
            elif entry is None and member == "INSTALLER" and size is not None:
                return True  # conda shipped no INSTALLER; someone wrote one
    unlisted = [m for m in dist.members if f"{folder}/{m}" not in listed]
    return foreign and bool(unlisted)


def _marker_ok(
    marker: Marker | None, env: Mapping[str, str], extras: Iterable[str]
) -> tuple[bool, str | None]:
    if marker is None:
        return True, None
    if marker.evaluate(dict(env)):
        return True, None
    for extra in sorted(extras):
        if marker.evaluate({**env, "extra": extra}):
            return True, extra
    return False, None


def build_graph(state: PrefixState, names: NameMap | None = None) -> Graph:
    """Join ``state`` into nodes and edges.  Pure: reads nothing from disk."""
    names = names or NameMap.bundled()
    site = state.site_packages
    site_rel = state.python.site_packages if state.python else None
    by_name: dict[str, list[InstalledDist]] = defaultdict(list)
    for dist in site.dists if site else ():
        by_name[dist.name].append(dist)

    nodes: dict[str, Node] = {}
    conda_index: dict[str, str] = {}
    pypi_index: dict[str, str] = {}
    owned_names: set[str] = set()
    conda_only: list[CondaRecord] = []

    for record in state.records:
        folders = owned_metadata(record, site_rel)
        if not folders:
            conda_only.append(record)
            continue
        folders.sort(key=lambda f: _dist_name_of(f) != canonicalize_name(record.name))
        for i, folder in enumerate(folders):
            dist_name = _dist_name_of(folder)
            dists = tuple(by_name.get(dist_name, ()))
            ownership = _ownership(record, folder, dists)
            key: str = dist_name
            if key in nodes:
                # Two conda records list a dist-info of one name (a clobber):
                # each keeps a node of its own, under its conda name.
                key = record.name if record.name not in nodes else f"conda::{record.name}"
            nodes[key] = Node(
                key=key,
                provenance=Provenance.CONDA_PYTHON
                if ownership is Ownership.INTACT
                else Provenance.CONFLICT,
                record=record,
                owned_dist=folder,
                dists=dists,
                ownership=ownership,
                primary=i == 0,
            )
            owned_names.add(dist_name)
            pypi_index.setdefault(dist_name, key)
            if i == 0:
                conda_index[record.name] = key

    for name, found in by_name.items():
        if name not in owned_names:
            nodes[name] = Node(key=name, provenance=Provenance.PIP, dists=tuple(found))
            pypi_index[name] = name

    for record in conda_only:
        provides = _provided_names(record, names)
        # Only a pip dist can be shadowed, and only by a record that ships
        # files: a metapackage (conda's ``prompt_toolkit`` depends on
        # ``prompt-toolkit`` and holds nothing) and another conda package of a
        # similar name keep nodes of their own.
        shadow = next(
            (
                n
                for n in provides
                if n in nodes and n not in owned_names and nodes[n].provenance is Provenance.PIP
            ),
            None,
        )
        if shadow is not None and record.paths:
            # conda ships it without metadata and pip installed it too.
            nodes[shadow] = Node(
                key=shadow,
                provenance=Provenance.CONFLICT,
                record=record,
                dists=nodes[shadow].dists,
                ownership=Ownership.SHADOWED,
            )
            owned_names.add(shadow)
            conda_index[record.name] = shadow
            continue
        conda_key = record.name if record.name not in nodes else f"conda::{record.name}"
        nodes[conda_key] = Node(key=conda_key, provenance=Provenance.CONDA, record=record)
        conda_index[record.name] = conda_key
        for pypi in provides:
            pypi_index.setdefault(pypi, conda_key)

    edges, active = _edges(state, nodes, conda_index, pypi_index)
    return Graph(
        state=state,
        nodes=MappingProxyType(dict(sorted(nodes.items()))),
        edges=tuple(edges),
        conda_index=MappingProxyType(conda_index),
        pypi_index=MappingProxyType(pypi_index),
        active_extras=MappingProxyType(active),
    )


def _provided_names(record: CondaRecord, names: NameMap) -> tuple[str, ...]:
    mapped = names.pypi_names(record.name)
    if mapped != (canonicalize_name(record.name),):
        return tuple(mapped)  # an explicit entry of the name map
    return tuple(mapped) if _pythonic(record) else ()


def _edges(
    state: PrefixState,
    nodes: Mapping[str, Node],
    conda_index: Mapping[str, str],
    pypi_index: Mapping[str, str],
) -> tuple[list[Edge], dict[str, frozenset[str]]]:
    edges: list[Edge] = []
    for key, node in nodes.items():
        record = node.record
        if record is None or not node.primary:
            continue
        for kind, specs in (
            (EdgeKind.DEPENDS, record.depends),
            (EdgeKind.CONSTRAINS, record.constrains),
        ):
            for spec in specs:
                name = spec_name(spec)
                target = conda_index.get(name) or pypi_index.get(canonicalize_name(name))
                edges.append(
                    Edge(
                        source=key,
                        target=target or name,
                        kind=kind,
                        spec=spec,
                        resolved=target is not None,
                    )
                )

    # pip requirements, with extras switched on by whoever asks for them:
    # iterate until the set of requested extras stops growing.
    env = state.python.marker_environment() if state.python else None
    extras: dict[str, set[str]] = defaultdict(set)
    requires: list[Edge] = []
    for _ in range(10):
        requires = []
        grew = False
        for key, node in nodes.items():
            dist = node.effective
            if dist is None:
                continue
            for req in dist.requires:
                if env is None:
                    ok, via = True, None
                else:
                    ok, via = _marker_ok(req.marker, env, extras.get(key, ()))
                target = pypi_index.get(canonicalize_name(req.name))
                requires.append(
                    Edge(
                        source=key,
                        target=target or canonicalize_name(req.name),
                        kind=EdgeKind.REQUIRES,
                        spec=str(req),
                        resolved=target is not None,
                        requirement=req,
                        active=ok,
                        via_extra=via,
                    )
                )
                if ok and target is not None and req.extras:
                    wanted = {canonicalize_name(e) for e in req.extras}
                    if not wanted <= extras[target]:
                        extras[target] |= wanted
                        grew = True
        if not grew:
            break
    edges.extend(requires)
    return edges, {k: frozenset(v) for k, v in extras.items() if v}
