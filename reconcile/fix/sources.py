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
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import urllib.parse
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ReconcileError
from .errors import FixRefused

__all__ = ["MissingPackages", "PackageSource", "cache_dirs", "stage_package"]


class MissingPackages(FixRefused):
    """A package a conda step needs is in no cache and no reachable channel."""

    def __init__(self, missing: Sequence[tuple[str, Sequence[str]]]) -> None:
        self.missing = tuple(missing)
        parts = [f"{dist} (tried: {', '.join(tried) or 'nothing'})" for dist, tried in missing]
        super().__init__("no source for " + "; ".join(parts) + "; nothing changed")


@dataclass(frozen=True, kw_only=True, slots=True)
class PackageSource:
    dist: str  # name-version-build
    staged: Path  # the extracted folder in the journal's pkgs/
    origin: str  # where it was found
    folder: str | None = None  # the cache folder it came from, for the new record
    archive: str | None = None
    tried: tuple[str, ...] = field(default=())


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


def _index_matches(folder: Path, name: str, version: str, build: str, sha256: str | None) -> bool:
    try:
        index = json.loads((folder / "info" / "index.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if (index.get("name"), str(index.get("version")), index.get("build")) != (
        name,
        version,
        build,
    ):
        return False
    if sha256:
        try:
            record = json.loads(
                (folder / "info" / "repodata_record.json").read_text(encoding="utf-8")
            )
        except (OSError, ValueError):
            record = {}
        if record.get("sha256") and record["sha256"] != sha256:
            return False
    return (folder / "info" / "paths.json").is_file() or (folder / "info" / "files").is_file()


def _digest_ok(path: Path, sha256: str | None, md5: str | None) -> bool:
    if not sha256 and not md5:
        return True
    h = hashlib.sha256() if sha256 else hashlib.md5()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest() == (sha256 or md5)


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


def _archive_names(dist: str, file_name: str | None) -> list[str]:
    names = [file_name] if file_name else []
    return names + [n for n in (f"{dist}.conda", f"{dist}.tar.bz2") if n not in names]


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
    dist = f"{name}-{version}-{build}"
    dest = staging / dist
    staging.mkdir(parents=True, exist_ok=True)
    tried: list[str] = []
    folders = [Path(folder)] if folder else []
    folders += [c / dist for c in caches]
    for candidate in folders:
        tried.append(str(candidate))
        if candidate.is_dir() and _index_matches(candidate, name, version, build, sha256):
            if not dest.exists():
                _copy_folder(candidate, dest)
            return PackageSource(
                dist=dist, staged=dest, origin=str(candidate), folder=str(candidate)
            )
    archives = [Path(archive)] if archive else []
    archives += [c / n for c in caches for n in _archive_names(dist, file_name)]
    for candidate in archives:
        tried.append(str(candidate))
        if candidate.is_file() and _digest_ok(candidate, sha256, md5):
            if not dest.exists():
                _extract(candidate, dest)
            if _index_matches(dest, name, version, build, None):
                return PackageSource(
                    dist=dist, staged=dest, origin=str(candidate), archive=str(candidate)
                )
            shutil.rmtree(dest, ignore_errors=True)
    urls = [url] if url else []
    for channel in channels:
        base = channel.rstrip("/")
        folder_url = base if base.endswith(f"/{subdir}") else f"{base}/{subdir or 'noarch'}"
        urls += [f"{folder_url}/{fn}" for fn in _archive_names(dist, file_name)]
    for candidate_url in dict.fromkeys(urls):
        local = candidate_url.startswith("file:")
        if offline and not local:
            tried.append(f"{candidate_url} (not fetched: --offline)")
            continue
        tried.append(candidate_url)
        fn = candidate_url.rsplit("/", 1)[-1]
        target = staging / fn
        try:
            if local:
                src = Path(urllib.request.url2pathname(urllib.parse.urlparse(candidate_url).path))
                if not src.is_file():
                    continue
                shutil.copyfile(src, target)
            else:
                _download(candidate_url, target)
        except OSError:
            continue
        if not _digest_ok(target, sha256, md5):
            target.unlink()
            tried[-1] += " (checksum differs)"
            continue
        if not dest.exists():
            _extract(target, dest)
        if _index_matches(dest, name, version, build, None):
            return PackageSource(dist=dist, staged=dest, origin=candidate_url, archive=None)
        shutil.rmtree(dest, ignore_errors=True)
    raise MissingPackages([(dist, tried)])
