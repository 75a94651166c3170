"""conda's pins: for every PyPI name a conda record provides, the version
pip must not move.

Two stages need them and must agree: the repair plan fixes them in its
resolver and writes them into the constraints file its pip steps use
(:mod:`reconcile.plan`), and ``reconcile export`` (so ``plan --strategy
rebuild``) writes them into the constraints file of the recreated env and
checks pip's side against them (:mod:`reconcile.export`).  This module is
the one home of the rule; not to be confused with :mod:`reconcile.pins`,
the user's ``conda-meta/pinned``.

The version is the one pip sees: the version of the metadata conda
installed, not the conda record's.  The two differ whenever a record owns
several distributions (Anaconda's ``pyqt 5.15.2`` builds its private
``PyQt5.sip`` from sip 4.19.25 with ``configure.py --sip-module
PyQt5.sip``, which writes ``PyQt5_sip-4.19.25.dist-info`` into the pyqt
package beside ``PyQt5-5.15.2.dist-info``: ``pyqt5-sip==5.15.2`` names a
version that is not installed), and when conda's metadata says something
else than its record (Anaconda's ``setuptools 50.3.1`` ships
``setuptools-50.3.1.post20201107-py3.8.egg-info``; a conda-build whose
setuptools-scm found no tag leaves ``pytest-0.0.0.dist-info`` under conda's
``pytest 6.1.1``).  PEP 440 compares the two texts, so ``==50.3.1`` would
not match what is installed.

Where a version comes from (:class:`PinReason`), in this order:

1. the dist-info (or egg-info) conda installed, while it is conda's;
2. when pip replaced or removed it, the version in the metadata folder
   name conda's record lists (``six-1.16.0.dist-info``): what conda's
   reinstall puts back;
3. the record's version, only for the record's first distribution (the one
   named like the record, else the first it lists): the record's version
   says nothing about its other distributions, which get no pin then;
4. a conda package that ships no Python metadata: the record's version,
   under the PyPI name pip installed beside it (``SHADOWED``) or the one the
   name map (or its own name) says it provides (``PROVIDED``).

A ``PROVIDED`` pin is never written to a constraints file: pip sees nothing
installed under that name, so the line keeps nothing where it is, and a
conda version is not a PyPI one (conda-forge's ``opencv 4.8.1``, which the
name map says provides ``opencv-python``, against PyPI's ``opencv-python
4.8.1.78``).  The resolver still takes it as fixed, or it would plan pip's
copy over conda's files.  Nor is a pin whose name is no
PyPI project name (``_ipyw_jlab_nb_ext_conf`` canonicalises to
``-ipyw-...``, which pip reads as an option).
"""

from __future__ import annotations

import enum
import posixpath
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from .filenames import parse_metadata_dirname
from .graph import Graph, Node, Ownership
from .models import CondaRecord, parse_version

__all__ = [
    "CondaPin",
    "PinReason",
    "conda_pins",
    "constraint_lines",
    "unconstrained",
    "valid_pin",
    "written",
]


class PinReason(str, enum.Enum):
    """Where a pin's version comes from (see the module docstring)."""

    METADATA = "metadata"  # conda's dist-info on disk says it
    FOLDER = "folder"  # pip replaced or removed it: the folder name conda's record lists
    RECORD = "record"  # its metadata names no version: the record's (first distribution only)
    SHADOWED = "shadowed"  # no Python metadata in conda's package; pip's copy of the name is there
    PROVIDED = "provided"  # no Python metadata; the name map or its own name says it provides it


@dataclass(frozen=True, kw_only=True, slots=True)
class CondaPin:
    """The PyPI distribution ``name`` at ``version``, which pip must not move
    because the conda ``record`` provides it."""

    name: NormalizedName
    version: Version
    record: CondaRecord
    why: PinReason

    @property
    def line(self) -> str | None:
        """The constraints-file line (``name==version``), or None when the
        pin is not written (a ``PROVIDED`` pin, a name pip cannot read)."""
        if self.why is PinReason.PROVIDED:
            return None
        line = f"{self.name}=={self.version}"
        return line if valid_pin(self.name, line) else None


def conda_pins(graph: Graph) -> Mapping[NormalizedName, CondaPin]:
    """Every PyPI name a conda record provides in ``graph``, at the version
    pip sees for it; a name with no version pip can read has no pin
    (:func:`unconstrained` says why).  The same for every strategy: which
    pins a plan keeps is the plan's choice."""
    out: dict[NormalizedName, CondaPin] = {}
    for name, key in graph.pypi_index.items():
        node = graph.nodes[key]
        found = _version(node)
        if node.record is not None and found is not None:
            pypi = canonicalize_name(name)
            out[pypi] = CondaPin(name=pypi, version=found[0], record=node.record, why=found[1])
    return MappingProxyType(out)


def _version(node: Node) -> tuple[Version, PinReason] | None:
    record = node.record
    if record is None:
        return None
    if node.owned_dist is None:
        version = parse_version(record.version)
        if version is None:
            return None
        return version, PinReason.SHADOWED if node.dists else PinReason.PROVIDED
    owned = next((d for d in node.dists if d.path == node.owned_dist), None)
    tried: list[tuple[str | None, PinReason]] = []
    if owned is not None and node.ownership is Ownership.INTACT:
        tried.append((owned.version_text, PinReason.METADATA))
    tried.append((_folder_version(node.owned_dist), PinReason.FOLDER))
    if node.primary:
        tried.append((record.version, PinReason.RECORD))
    for text, why in tried:
        version = parse_version(text)
        if version is not None:
            return version, why
    return None


def _folder_version(folder: str) -> str | None:
    """``.../six-1.16.0.dist-info`` -> ``1.16.0`` (the name part never holds
    a ``-``: wheel names escape it to ``_``, PEP 427)."""
    return parse_metadata_dirname(posixpath.basename(folder)).version_text or None


def written(pins: Iterable[CondaPin]) -> tuple[CondaPin, ...]:
    """The pins a constraints file holds, in its order: by name (``pyqt5``
    before ``pyqt5-sip``)."""
    return tuple(sorted((p for p in pins if p.line is not None), key=lambda p: p.name))


def constraint_lines(pins: Iterable[CondaPin]) -> tuple[str, ...]:
    """The constraints file's lines for ``pins``."""
    return tuple(line for p in written(pins) if (line := p.line) is not None)


def unconstrained(graph: Graph, pins: Mapping[NormalizedName, CondaPin]) -> list[str]:
    """One note for each Python distribution conda installed that gets no
    constraints line: its version or its name is nothing pip can read."""
    notes: list[str] = []
    for name, key in sorted(graph.pypi_index.items()):
        node = graph.nodes[key]
        record = node.record
        if record is None or (node.owned_dist is None and not node.dists):
            continue  # pip's own, or PROVIDED: never written
        pin = pins.get(canonicalize_name(name))
        if pin is None:
            notes.append(f"{key}: conda's version {record.version!r} is not a version pip "
                         "can pin; not constrained")  # fmt: skip
        elif pin.line is None:
            owned = next((d for d in node.dists if d.path == node.owned_dist), None)
            raw = owned.raw_name if owned is not None else posixpath.basename(
                node.owned_dist or key)  # fmt: skip
            notes.append(f"{record.name}: its Python metadata ({raw}) has no PyPI project "
                         "name; not constrained")  # fmt: skip
    return notes


def valid_pin(name: str, line: str) -> bool:
    """``line`` is one PEP 508 requirement on the PyPI project ``name`` (a
    canonical name): what a pip requirements or constraints line must be.
    ``-ipyw-jlab-nb-ext-conf==0.1.0`` is not (pip reads it as an option)."""
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        req = Requirement(line)
    except InvalidRequirement:
        return False
    return canonicalize_name(req.name) == name
