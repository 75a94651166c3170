"""Where the packages of a fix come from, found and staged before anything changes.

A conda step needs the exact package (name, version, build) of each record
it links.  It is looked for, in this order, in

1. the folder and archive the record itself names (``extracted_package_dir``,
   ``package_tarball_full_path``: conda's, mamba's and rattler's records do);
2. the package caches: ``$CONDA_PKGS_DIRS`` (comma-separated), the ``pkgs``
   folder of ``$CONDA_ROOT``, ``$MAMBA_ROOT_PREFIX`` and the usual install
   folders (``~/miniforge3`` ...), ``~/.conda/pkgs``, and rattler's cache
   (``$RATTLER_CACHE_DIR``, ``$PIXI_CACHE_DIR``, ``~/.cache/rattler/cache``)
   -- an extracted ``name-version-build/`` folder or a ``.conda``/``.tar.bz2``
   archive;
3. the record's channel (its ``url``, or ``--channel`` URLs), unless offline;
   ``file://`` channels are local and count as offline sources.

Each package found is copied (or extracted, with conda-package-handling)
into the journal's own ``pkgs/`` folder, which is the only package cache
rattler is given: nothing is written into a cache of conda's, and what is
linked is exactly what was checked.  An archive is checked against the
record's sha256 (else md5) before it is used; an extracted folder against
its ``info/index.json`` and, where conda left one, ``info/repodata_record.json``.
The search order is :func:`reconcile.sources.conda_candidates`, the one the
plan checks before it plans a step that needs the package.
"""

from __future__ import annotations

import os
import shutil
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ReconcileError
from ..sources import (
    CondaWanted,
    cache_dirs,
    conda_candidates,
    digest_ok,
    index_matches,
    local_file,
)
from ..urls import redact_text
from .errors import FixRefused

__all__ = ["MissingPackages", "PackageSource", "cache_dirs", "stage_package"]


class MissingPackages(FixRefused):
    """A package a conda step needs is in no cache and no reachable channel."""

    def __init__(self, missing: Sequence[tuple[str, Sequence[str]]]) -> None:
        self.missing = tuple(missing)
        parts = [f"{dist} (tried: {', '.join(map(redact_text, tried)) or 'nothing'})"
                 for dist, tried in missing]  # fmt: skip
        super().__init__("no source for " + "; ".join(parts) + "; nothing changed")


@dataclass(frozen=True, kw_only=True, slots=True)
class PackageSource:
    dist: str  # name-version-build
    staged: Path  # the extracted folder in the journal's pkgs/
    origin: str  # where it was found
    folder: str | None = None  # the cache folder it came from, for the new record
    archive: str | None = None
    tried: tuple[str, ...] = field(default=())


def _copy_folder(src: Path, dest: Path) -> None:
    tmp = dest.with_name(dest.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(src, tmp, symlinks=True)
    os.replace(tmp, dest)


def _extract(archive: Path, dest: Path) -> None:
    try:
        import conda_package_handling.api as cph  # type: ignore[import-untyped]
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ReconcileError(
            "reading conda archives needs conda-package-handling "
            "(pip install conda-package-handling)"
        ) from exc
    tmp = dest.with_name(dest.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    cph.extract(str(archive), dest_dir=str(tmp))
    os.replace(tmp, dest)


def _download(url: str, dest: Path) -> None:
    tmp = dest.with_name(dest.name + ".partial")
    with urllib.request.urlopen(url, timeout=60) as resp, open(tmp, "wb") as out:
        shutil.copyfileobj(resp, out)
    os.replace(tmp, dest)


def stage_package(
    *,
    name: str,
    version: str,
    build: str,
    sha256: str | None,
    md5: str | None,
    file_name: str | None,
    subdir: str | None,
    url: str | None,
    folder: str | None,
    archive: str | None,
    channels: Sequence[str],
    caches: Sequence[Path],
    offline: bool,
    staging: Path,
) -> PackageSource:
    """Find the package ``name-version-build`` and put it, extracted, in
    ``staging``.  Raises :class:`MissingPackages` with every place tried."""
    want = CondaWanted(name=name, version=version, build=build, sha256=sha256, md5=md5,
                       file_name=file_name, subdir=subdir, url=url, folder=folder,
                       archive=archive)  # fmt: skip
    dist = want.dist
    dest = staging / dist
    staging.mkdir(parents=True, exist_ok=True)
    tried: list[str] = []
    for kind, where in conda_candidates(want, channels, caches):
        if kind == "folder":
            tried.append(where)
            candidate = Path(where)
            if candidate.is_dir() and index_matches(candidate, want):
                if not dest.exists():
                    _copy_folder(candidate, dest)
                return PackageSource(dist=dist, staged=dest, origin=where, folder=where)
            continue
        if kind == "archive":
            tried.append(where)
            candidate = Path(where)
            if candidate.is_file() and digest_ok(candidate, sha256, md5):
                if not dest.exists():
                    _extract(candidate, dest)
                if index_matches(dest, want, check_sha=False):
                    return PackageSource(dist=dist, staged=dest, origin=where, archive=where)
                shutil.rmtree(dest, ignore_errors=True)
            continue
        local = where.startswith("file:")
        if offline and not local:
            tried.append(f"{where} (not fetched: --offline)")
            continue
        tried.append(where)
        target = staging / where.rsplit("/", 1)[-1]
        try:
            if local:
                src = local_file(where)
                if not src.is_file():
                    continue
                shutil.copyfile(src, target)
            else:
                _download(where, target)
        except OSError:
            continue
        if not digest_ok(target, sha256, md5):
            target.unlink()
            tried[-1] += " (checksum differs)"
            continue
        if not dest.exists():
            _extract(target, dest)
        if index_matches(dest, want, check_sha=False):
            return PackageSource(dist=dist, staged=dest, origin=where, archive=None)
        shutil.rmtree(dest, ignore_errors=True)
    raise MissingPackages([(dist, tried)])
