"""Reading a wheel's or an sdist's metadata from the file, never by building.

A wheel's metadata is its ``*.dist-info/METADATA``, read from the zip; an
sdist's is its top-level ``PKG-INFO``, used only when it is Metadata-Version
2.2 or later and does not declare Requires-Dist dynamic (PEP 643).  Each
reader answers with the bytes (or a :class:`~.values.Candidate`), or with
the short reason the file cannot be used; the provider shows those reasons
when it explains a failure.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from contextlib import suppress
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from ..filenames import InvalidFilename, is_wheel_filename, parse_dist_filename
from ..metadata import read_core_metadata
from .values import Artifact, Candidate, Loader

if TYPE_CHECKING:
    import tarfile

__all__: list[str] = []

_R_PYTHON = "excluded by Requires-Python"
_R_SDIST = "sdist without static metadata (not built)"
_R_META = "unreadable metadata"
_R_MISMATCH = "metadata of another name or version"
_R_YANKED = "yanked"


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
    meta = read_core_metadata(data)
    name, version = meta.name, meta.version
    try:
        if name is None or canonicalize_name(name) != art.name:
            return _R_MISMATCH
        if version is None or Version(version) != art.version:
            return _R_MISMATCH
        meta_version = Version(meta.metadata_version or "1.0")
    except InvalidVersion:
        return _R_META
    dynamic = {d.lower() for d in meta.dynamic}
    # PEP 643: only Metadata-Version 2.2+ says which fields are dynamic; an
    # older sdist's dependencies are whatever its build would say.
    if sdist and (meta_version < Version("2.2") or "requires-dist" in dynamic):
        return _R_SDIST
    try:
        requires = tuple(Requirement(r) for r in meta.requires_dist)
    except InvalidRequirement:
        return _R_META
    requires_python = art.requires_python
    text = meta.requires_python
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
    is_wheel = is_wheel_filename(path.name)
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
    try:
        parsed = parse_dist_filename(path.name)
    except InvalidFilename:
        return None
    art = Artifact(
        name=parsed.name,
        version=parsed.version,
        origin=origin,
        filename=path.name,
        url=path.absolute().as_uri(),
    )
    return art, partial(_load_local, path, art)
