"""Safety rules the repair plan must keep (see plan.py): a plan never makes
an env worse.

- :func:`keep_pip`: prefer-pip keeps pip's copy of a package only when
  every conda record that needs the package accepts pip's version; then the
  conda records that stand for that package go together.
- :func:`overlapping`: the conda packages whose files are pip's copy (by the
  paths their records list, not by name: defaults' ``numpy-base`` ships
  ``numpy``'s files), which no later step may install over it.
- :func:`pin_breaks`: a step that would install or keep a version outside
  the user's pins in ``conda-meta/pinned`` (:mod:`reconcile.pins`).
- :func:`also_holds`: the other distributions a conda record holds, which
  ``conda remove --force`` of that record would delete with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from packaging.utils import canonicalize_name

from ._conda import spec_name, split_exact_spec
from .graph import Graph, Node, Ownership
from .models import CondaRecord, EdgeKind, InstalledDist
from .names import NameMap
from .pins import pin_allows, pinned_node, pins_for

__all__ = ["Keep", "also_holds", "exact_parts", "keep_pip", "overlapping", "pin_breaks"]


@dataclass(frozen=True, kw_only=True, slots=True)
class Keep:
    """prefer-pip's verdict on one package pip replaced."""

    records: tuple[CondaRecord, ...]  # conda's records of the package, to remove
    broken: tuple[str, ...]  # "requests (depends 'urllib3 >=2')": what pip's version breaks

    @property
    def ok(self) -> bool:
        return not self.broken


def keep_pip(graph: Graph, node: Node, version: str) -> Keep:
    """May prefer-pip keep pip's ``version`` of ``node`` and drop conda's record?

    conda's records of the package are the one that owns its dist-info and
    any file-less record of the same PyPI name that depends on it (defaults'
    ``numpy`` metapackage over ``numpy-base``).  Every ``depends`` and
    ``constrains`` another conda record points at them must accept pip's
    version (judged by version only: pip's files have no conda build).
    """
    assert node.record is not None
    names = NameMap.bundled()
    family = {node.key: node.record}
    for edge in graph.edges:
        if edge.kind is not EdgeKind.DEPENDS or not edge.resolved or edge.target != node.key:
            continue
        wrapper = graph.nodes[edge.source]
        record = wrapper.record
        if (
            record is not None
            and wrapper.owned_dist is None
            and not wrapper.dists
            and canonicalize_name(node.key) in names.pypi_names(record.name)
        ):
            family[wrapper.key] = record
    broken: list[str] = []
    for edge in graph.edges:
        if edge.kind is EdgeKind.REQUIRES or not edge.resolved:
            continue
        if edge.target not in family or edge.source in family:
            continue
        source = graph.nodes[edge.source]
        if source.record is None or source.ownership is Ownership.REMOVED:
            continue
        if not pin_allows(edge.spec, name=spec_name(edge.spec), version=version):
            broken.append(f"{source.record.name} ({edge.kind} {edge.spec!r})")
    return Keep(records=tuple(family.values()), broken=tuple(sorted(set(broken))))


def also_holds(graph: Graph, records: Iterable[CondaRecord], node: Node) -> list[Node]:
    """The distributions besides ``node`` that ``records`` hold and that are
    still conda's own (intact).  ``conda remove --force`` deletes every path a
    record lists, so removing defaults' ``pyqt 5.15.2`` to keep pip's
    ``PyQt5_sip`` would also delete ``PyQt5``, ``PyQtChart`` and
    ``PyQtWebEngine``, which nothing puts back.  (A distribution pip replaced
    or removed too is answered by its own finding.)"""
    names = {r.name for r in records}
    return sorted(
        (
            other
            for other in graph.nodes.values()
            if other.key != node.key
            and other.record is not None
            and other.record.name in names
            and other.owned_dist is not None
            and other.ownership is Ownership.INTACT
        ),
        key=lambda n: n.key,
    )


def overlapping(graph: Graph, dist: InstalledDist) -> set[str]:
    """Names of the conda records that list any of the files of ``dist``."""
    files = set(dist.record)
    return {r.name for r in graph.state.records if any(p.path in files for p in r.paths)}


def exact_parts(spec: str) -> tuple[str, str, str] | None:
    """``(name, version, build)`` of an exact spec the plan writes
    (``conda-forge::six==1.16.0=py_0``, :meth:`CondaRecord.match_spec`)."""
    _channel, name, version, build = split_exact_spec(spec)
    if version is None or build is None:
        return None
    return name, version, build


def pin_breaks(
    graph: Graph, *, name: str, version: str, build: str | None = None, conda: bool = True
) -> list[str]:
    """The user's pins that ``name version`` (a conda name with ``conda``,
    else a PyPI name) would leave unmet."""
    pins: Iterable[str] = graph.state.pins
    if conda:
        binding = pins_for(pins, name)
    else:
        key = canonicalize_name(name)
        binding = [p for p in pins if (n := pinned_node(graph, p)) is not None and n.key == key]
    return [
        p for p in binding if not pin_allows(p, name=spec_name(p), version=version, build=build)
    ]
