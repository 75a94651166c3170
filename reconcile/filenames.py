"""Names and versions read from file and folder names: the one place that does it.

Three families of names carry a distribution's identity before any file is
opened, and every stage that needs one asks here:

* Python metadata folders in site-packages: ``six-1.16.0.dist-info``
  (PEP 376, PEP 427: the name escapes ``-`` to ``_``),
  ``setuptools-50.3.1.post20201107-py3.8.egg-info`` (setuptools:
  name-version-pyX.Y[-platform]), ``foo.egg-info`` (no version: a
  ``setup.py develop`` or a build tree), ``foo.egg-link`` (the whole stem is
  the project name: ``lab-legacy-editable.egg-link``).
  :func:`parse_metadata_dirname`.
* Python distribution files: wheels (PEP 427 / the binary distribution
  format) and sdists (``.tar.gz``, ``.zip``), through packaging's own
  parsers.  :func:`parse_wheel_filename`, :func:`parse_sdist_filename`,
  :func:`parse_dist_filename`.
* conda's ``name-version-build``: a package file (``.conda``,
  ``.tar.bz2``), an extracted package folder, and a ``conda-meta`` record
  (``.json``).  A conda name may hold ``-`` (``python-dateutil``,
  ``ca-certificates``); a version or a build may not (conda-build refuses
  them), so the string is split at its last two dashes.
  :func:`parse_conda_dist`, :func:`parse_conda_filename`,
  :func:`parse_conda_meta_filename`.

A metadata folder name never fails: discovery reads damaged prefixes, and the
folder name is what it falls back on when METADATA says nothing.  A version
that is not PEP 440 (``1.0-SNAPSHOT``, ``2004d``, what setuptools < 66 let
through) keeps its text and has ``None`` for its :class:`Version`.  The other
parsers raise :class:`InvalidFilename`.

Names come back as written (``PyQt5_sip``) except where packaging
canonicalises them (wheels and sdists); :func:`canonicalize_name` them where
they are compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, NamedTuple

from .models import parse_version

if TYPE_CHECKING:
    from packaging.tags import Tag
    from packaging.utils import BuildTag, NormalizedName
    from packaging.version import Version

__all__ = [
    "CONDA_SUFFIXES",
    "METADATA_DIR_SUFFIXES",
    "SDIST_SUFFIXES",
    "CondaDist",
    "DistFilename",
    "InvalidFilename",
    "MetadataDirName",
    "is_wheel_filename",
    "parse_conda_dist",
    "parse_conda_filename",
    "parse_conda_meta_filename",
    "parse_dist_filename",
    "parse_metadata_dirname",
    "parse_sdist_filename",
    "parse_wheel_filename",
]

#: The site-packages entries that are a distribution's metadata.
METADATA_DIR_SUFFIXES = (".dist-info", ".egg-info", ".egg-link")
#: The sdist file names pip and packaging accept (PEP 625 allows ``.tar.gz``;
#: ``.zip`` is what older sdists were).
SDIST_SUFFIXES = (".tar.gz", ".zip")
#: conda package archives: the v2 format, then the v1 tarball.
CONDA_SUFFIXES = (".conda", ".tar.bz2")


class InvalidFilename(ValueError):
    """A file name that does not hold the name (and version) its kind must."""

    def __init__(self, filename: str, reason: str) -> None:
        self.filename = filename
        self.reason = reason
        super().__init__(f"invalid file name {filename!r}: {reason}")


# --------------------------------------------------------------------------
# Python metadata folders


class MetadataDirName(NamedTuple):
    """What a metadata folder's name says: ``name`` as written, and the
    version text (``""`` when the name holds none).  A pair, as packaging's
    parsers answer: discovery reads one for every distribution."""

    name: str
    version_text: str

    @property
    def version(self) -> Version | None:
        """:attr:`version_text` as a PEP 440 version; None when it is empty or
        a legacy version."""
        return parse_version(self.version_text)


def parse_metadata_dirname(dirname: str) -> MetadataDirName:
    """``PyQt5_sip-12.12.2.dist-info`` -> ``("PyQt5_sip", "12.12.2")``.

    The suffix is whatever follows the last ``.``; the name is what comes
    before the first ``-`` and the version what follows it, up to the next
    ``-`` (an egg-info's ``-py3.8`` tag).  Dots stay in the name
    (``zope.interface-6.0.dist-info``).  An ``.egg-link`` names only the
    project, and its whole stem is the name.  Never raises.
    """
    stem = dirname.rsplit(".", 1)[0]
    if dirname.endswith(".egg-link"):
        return MetadataDirName(stem, "")
    name, _, rest = stem.partition("-")
    return MetadataDirName(name, rest.partition("-")[0])


# --------------------------------------------------------------------------
# wheels and sdists


@dataclass(frozen=True, kw_only=True, slots=True)
class DistFilename:
    """A wheel's or an sdist's file name, parsed by packaging."""

    name: NormalizedName
    version: Version
    kind: Literal["wheel", "sdist"]
    build: BuildTag = ()
    tags: frozenset[Tag] = frozenset()


def is_wheel_filename(filename: str) -> bool:
    return filename.endswith(".whl")


def parse_wheel_filename(filename: str) -> DistFilename:
    """``numpy-1.26.4-cp312-cp312-manylinux_2_17_x86_64.whl``: name, version,
    build tag and the tags (PEP 427, PEP 425)."""
    from packaging.utils import InvalidWheelFilename
    from packaging.utils import parse_wheel_filename as parse
    from packaging.version import InvalidVersion

    try:
        name, version, build, tags = parse(filename)
    except (InvalidWheelFilename, InvalidVersion) as exc:  # packaging < 23.2: InvalidVersion
        raise InvalidFilename(filename, str(exc)) from exc
    return DistFilename(name=name, version=version, kind="wheel", build=build, tags=tags)


def parse_sdist_filename(filename: str) -> DistFilename:
    """``python-dateutil-2.9.0.post0.tar.gz``: name and version (PEP 625, and
    the older sdists packaging also reads)."""
    from packaging.utils import InvalidSdistFilename
    from packaging.utils import parse_sdist_filename as parse
    from packaging.version import InvalidVersion

    try:
        name, version = parse(filename)
    except (InvalidSdistFilename, InvalidVersion) as exc:
        raise InvalidFilename(filename, str(exc)) from exc
    return DistFilename(name=name, version=version, kind="sdist")


def parse_dist_filename(filename: str) -> DistFilename:
    """A wheel's or an sdist's file name, told apart by the suffix."""
    if is_wheel_filename(filename):
        return parse_wheel_filename(filename)
    if filename.endswith(SDIST_SUFFIXES):
        return parse_sdist_filename(filename)
    raise InvalidFilename(filename, "neither a wheel nor an sdist")


# --------------------------------------------------------------------------
# conda


@dataclass(frozen=True, kw_only=True, slots=True)
class CondaDist:
    """conda's ``name-version-build``, the three fields as written."""

    name: str
    version: str
    build: str

    def __str__(self) -> str:
        return f"{self.name}-{self.version}-{self.build}"


def parse_conda_dist(dist: str) -> CondaDist:
    """``python-dateutil-2.9.0.post0-pyhd8ed1ab_0`` -> its name, version and
    build: an extracted package folder's name, or conda's dist string."""
    name, version, build = (*dist.rsplit("-", 2), "", "")[:3]
    if not (name and version and build):
        raise InvalidFilename(dist, "not name-version-build")
    return CondaDist(name=name, version=version, build=build)


def parse_conda_filename(filename: str) -> CondaDist:
    """``_libgcc_mutex-0.1-conda_forge.tar.bz2`` or ``...-0.conda``."""
    for suffix in CONDA_SUFFIXES:
        if filename.endswith(suffix):
            return parse_conda_dist(filename[: -len(suffix)])
    raise InvalidFilename(filename, "not a .conda or .tar.bz2 package")


def parse_conda_meta_filename(filename: str) -> CondaDist:
    """``ca-certificates-2024.8.30-hbcca054_0.json``: conda writes each
    record as ``conda-meta/<name>-<version>-<build>.json``."""
    if not filename.endswith(".json"):
        raise InvalidFilename(filename, "not a conda-meta .json record")
    return parse_conda_dist(filename[: -len(".json")])
