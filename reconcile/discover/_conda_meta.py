"""Read ``conda-meta/*.json`` leniently, from any writer.

Writers differ: conda writes ``requested_spec`` (older) or
``requested_specs`` (newer) and ``paths_data`` (since 4.3, not always one
entry per file: see ``_paths``); mamba and
micromamba 1.x/2.x write the same keys in their own order; rattler (pixi)
writes unsorted keys and no ``requested_spec``.  Some very old records have
``files`` but no ``paths_data``; Windows records may use backslashes.

Nothing here deletes or rewrites a record (conda's own loader removes
records of packages pip has replaced while it reads them).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import Any

from ..channels import url_subdir
from ..filenames import InvalidFilename, parse_conda_meta_filename
from ..models import CondaPath, CondaRecord, ReadProblem, Severity
from ._cache import ParseCache

__all__ = ["read_conda_meta"]

_INVALID = "invalid-record"
#: The first line of every Git LFS pointer file (git-lfs spec v1).
_LFS_POINTER = b"version https://git-lfs.github.com/spec/v1"


def _stem_name(filename: str) -> str:
    """The package-name part of ``name-version-build.json`` (best effort:
    the stem when the name is not in that form)."""
    try:
        return parse_conda_meta_filename(filename).name
    except InvalidFilename:
        return filename.removesuffix(".json")


def _problem(
    rel: str, filename: str, reason: str, *, severity: Severity = Severity.ERROR
) -> ReadProblem:
    return ReadProblem(
        code=_INVALID, package=_stem_name(filename), path=rel, reason=reason, severity=severity
    )


def _lfs_reason(data: bytes) -> str:
    size = next(
        (line[5:].strip() for line in data.decode("ascii", "replace").splitlines()
         if line.startswith("size ")),
        "",
    )  # fmt: skip
    real = f" to a file of {size} bytes" if size.isdigit() else ""
    return (
        f"a Git LFS pointer{real}, not the record: the file is kept in Git LFS and was "
        "never fetched (run `git lfs pull`)"
    )


def _str_list(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return ()
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def _posix(path: str) -> str:
    # Windows records written by conda on Windows use backslashes in `files`.
    return path.replace("\\", "/") if "\\" in path else path


class _Misaligned(Exception):
    """``files[i]`` and ``paths_data.paths[i]`` name different files."""


# noarch: python paths as the package has them, before conda links them
# into the env's site-packages and bin (Scripts on Windows).
_SITE, _SCRIPTS = "site-packages/", "python-scripts/"


def _paths(raw: dict[str, Any]) -> tuple[tuple[CondaPath, ...], bool] | None:
    """The record's files, and whether it has ``paths_data``.

    ``files`` is the list of what the writer linked, and the one list that
    names every file: conda 24.9 and 25 on Windows write ``paths_data``
    with only some of them (one fewer, or only pyc and entry points), the
    Miniconda 4.8 installer only the files it rewrote for the prefix.  So
    ownership and presence come from ``files``; ``paths_data`` adds the
    path type, size and hashes of the paths it names.  Its noarch: python
    paths are as the package has them (``site-packages/x``,
    ``python-scripts/x``) where ``files`` has them linked
    (``lib/python3.12/site-packages/x``, ``Lib/site-packages/x``,
    ``bin/x``, ``Scripts/x``).
    """
    paths_data = raw.get("paths_data")
    files = _str_list(raw.get("files"))
    if isinstance(paths_data, dict) and isinstance(paths_data.get("paths"), list):
        entries = paths_data["paths"]
        if not files or len(files) == len(entries):
            # The common case, and the fast one: both lists in one order.
            try:
                out = _aligned(entries, files)
            except _Misaligned:
                pass
            else:
                return (out, True) if out is not None else None
        assert files  # an empty `files` is always aligned
        by_path = _by_path(entries, files)
        return (by_path, True) if by_path is not None else None
    if files is None:
        return None
    return tuple(CondaPath(_posix(f)) for f in files), False


def _aligned(entries: list[Any], files: tuple[str, ...] | None) -> tuple[CondaPath, ...] | None:
    """One CondaPath per ``paths_data`` entry, its path from ``files`` at
    the same index when given; None when an entry is malformed.  Raises
    ``_Misaligned`` when the two lists name different files."""
    if files:
        # conda builds both lists from one list of link actions, `files`
        # naming every one and paths_data those with path data: of equal
        # length they are in one order.  A writer that broke this would
        # show it at the ends or the middle (a shift moves every row after it).
        for i in {0, len(files) // 2, len(files) - 1}:
            own = entries[i].get("_path") if type(entries[i]) is dict else None
            if type(own) is not str:
                return None
            path, own = _posix(files[i]), _posix(own)
            if path != own and _linked(own, path) != path:
                raise _Misaligned
    out = []
    new = tuple.__new__  # CondaPath(...) runs Python code per call; this is one per row
    for i, entry in enumerate(entries):
        try:
            path = files[i] if files else entry["_path"]
            get = entry.get
        except (KeyError, TypeError, AttributeError):
            return None
        if type(path) is not str:
            return None
        if "\\" in path:
            path = path.replace("\\", "/")
        # _row, inline: this runs once per file of the env.
        ptype, size, sha, orig, placeholder, in_prefix = (
            get("path_type"), get("size_in_bytes"), get("sha256"), get("original_path"),
            get("prefix_placeholder"), get("sha256_in_prefix"),
        )  # fmt: skip
        if in_prefix == sha:
            in_prefix = None  # the usual row: nothing rewritten
        elif type(in_prefix) is not str:
            in_prefix = None
        out.append(new(CondaPath, (
            path,
            ptype if type(ptype) is str else None,
            size if type(size) is int else None,
            sha if type(sha) is str else None,
            bool(placeholder),
            _posix(orig) if type(orig) is str else None,
            in_prefix,
        )))  # fmt: skip
    return tuple(out)


def _linked(own: str, path: str) -> str | None:
    """``own`` (a noarch: python path as packaged) as linked, in the form
    ``path`` has it; None when it is no such path."""
    if own.startswith(_SITE) and path.endswith("/" + own):
        return path
    if own.startswith(_SCRIPTS):
        rest = own[len(_SCRIPTS) :]
        return path if path in ("bin/" + rest, "Scripts/" + rest) else None
    return None


def _row(path: str, get: Any) -> tuple[Any, ...]:
    ptype, size, sha, orig, placeholder, in_prefix = (
        get("path_type"), get("size_in_bytes"), get("sha256"), get("original_path"),
        bool(get("prefix_placeholder")), get("sha256_in_prefix"),
    )  # fmt: skip
    if in_prefix == sha or type(in_prefix) is not str:
        in_prefix = None
    return (
        path,
        ptype if type(ptype) is str else None,
        size if type(size) is int else None,
        sha if type(sha) is str else None,
        placeholder,
        _posix(orig) if type(orig) is str else None,
        in_prefix,
    )


def _by_path(entries: list[Any], files: tuple[str, ...]) -> tuple[CondaPath, ...] | None:
    """Every file of ``files``, with what ``paths_data`` says of it when it
    names it (noarch paths linked first); None when an entry is malformed."""
    linked = [_posix(f) for f in files]
    names = set(linked)
    site = next((f for f in linked if "/site-packages/" in f), "")
    site = site[: site.find("/site-packages/") + len("/site-packages/")]
    windows = site.startswith("Lib/") or any(f.startswith("Scripts/") for f in linked)
    scripts = "Scripts/" if windows else "bin/"
    known: dict[str, Any] = {}
    for entry in entries:
        own = entry.get("_path") if type(entry) is dict else None
        if type(own) is not str:
            return None
        own = _posix(own)
        if own not in names:
            if own.startswith(_SITE) and site:
                own = site + own[len(_SITE) :]
            elif own.startswith(_SCRIPTS):
                own = scripts + own[len(_SCRIPTS) :]
        known.setdefault(own, entry)
    new = tuple.__new__
    out = []
    for path in linked:
        entry = known.get(path)
        out.append(new(CondaPath, _row(path, entry.get)) if entry is not None else CondaPath(path))
    return tuple(out)


def parse_record(raw: Any, rel: str, filename: str) -> tuple[CondaRecord | None, list[ReadProblem]]:
    """Validate one decoded record.  Returns the record (when usable) and
    every problem seen; a record whose file name disagrees with its content
    is still used, since the content is what conda acts on."""
    if not isinstance(raw, dict):
        return None, [_problem(rel, filename, f"expected a JSON object, got {type(raw).__name__}")]
    missing = [k for k in ("name", "version", "build") if not isinstance(raw.get(k), str)]
    if missing:
        return None, [_problem(rel, filename, "missing required key(s): " + ", ".join(missing))]
    problems: list[ReadProblem] = []
    name, version, build = raw["name"], raw["version"], raw["build"]
    expected = f"{name}-{version}-{build}.json"
    if filename != expected:
        problems.append(
            _problem(rel, filename, f"file name does not match its content (expected {expected!r})")
        )
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("depends", "constrains"):
        value = _str_list(raw.get(key))
        if value is None:
            problems.append(_problem(rel, filename, f"{key!r} is not a list of strings"))
            value = ()
        lists[key] = value
    paths = _paths(raw)
    if paths is None:
        problems.append(_problem(rel, filename, "'files'/'paths_data' are malformed"))
        paths = ((), False)
    requested = raw.get("requested_specs")
    if requested is None and isinstance(raw.get("requested_spec"), str):
        requested = [raw["requested_spec"]]
    if isinstance(requested, list):
        # conda writes the string "None" (or "") for packages nobody asked for.
        requested = [r for r in requested if isinstance(r, str) and r not in ("", "None")]
    build_number = raw.get("build_number")
    channel = raw.get("channel")
    record = CondaRecord(
        name=name,
        version=version,
        build=build,
        build_number=build_number if isinstance(build_number, int) else 0,
        channel=channel if isinstance(channel, str) else None,
        subdir=_subdir(raw),
        noarch=_noarch(raw.get("noarch")),
        depends=lists["depends"],
        constrains=lists["constrains"],
        paths=paths[0],
        has_paths_data=paths[1],
        requested_specs=_str_list(requested) or (),
        python_site_packages_path=(
            raw["python_site_packages_path"]
            if isinstance(raw.get("python_site_packages_path"), str)
            else None
        ),
        url=raw.get("url") if isinstance(raw.get("url"), str) else None,
        source=rel,
        in_package_cache=in_package_cache(*_cache_probes(raw)),
        fn=_str_or_none(raw.get("fn")),
        sha256=_str_or_none(raw.get("sha256")),
        md5=_str_or_none(raw.get("md5")),
        extracted_package_dir=_str_or_none(raw.get("extracted_package_dir")),
        package_tarball_full_path=_str_or_none(raw.get("package_tarball_full_path")),
    )
    return record, problems


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _subdir(raw: dict[str, Any]) -> str | None:
    """The record's subdir; where an old record has no ``subdir`` key, the one
    conda itself derives (``SubdirField``): from the package ``url``, then from
    ``platform`` and ``arch`` (``linux`` + ``x86_64`` -> ``linux-64``; a
    platform without an arch is noarch).  The channel URL, which conda 4.3
    wrote with the subdir at its end, is the last evidence."""
    subdir = raw.get("subdir")
    if isinstance(subdir, str) and subdir:
        return subdir
    url = raw.get("url")
    found = url_subdir(url) if isinstance(url, str) else None
    if found:
        return found
    platform, arch = raw.get("platform"), raw.get("arch")
    if isinstance(platform, str) and platform:
        if not isinstance(arch, str) or not arch:
            return "noarch"
        if "x86" in arch:
            arch = "64" if "64" in arch else "32"
        return f"{platform}-{arch}"
    channel = raw.get("channel")
    return url_subdir(channel) if isinstance(channel, str) else None


def _cache_probes(raw: Any) -> tuple[Any, Any]:
    if not isinstance(raw, dict):
        return None, None
    return raw.get("extracted_package_dir"), raw.get("package_tarball_full_path")


def in_package_cache(folder: Any, archive: Any) -> bool:
    """Whether conda could reinstall a record ``--offline``: the extracted
    folder or the archive it was linked from (its ``extracted_package_dir``
    and ``package_tarball_full_path``) is still in a package cache."""
    return (isinstance(folder, str) and bool(folder) and os.path.isdir(folder)) or (
        isinstance(archive, str) and bool(archive) and os.path.isfile(archive)
    )


def _noarch(value: Any) -> str | None:
    # conda writes "python"/"generic"; very old records wrote true/false.
    if isinstance(value, str):
        return value
    if value is True:
        return "generic"
    return None


def read_conda_meta(
    prefix: str, cache: ParseCache | None = None
) -> tuple[tuple[CondaRecord, ...], list[ReadProblem], bool]:
    """Read every record in ``prefix/conda-meta``.

    Returns the records sorted by name, the problems, and whether a
    conda-meta folder exists at all.  With ``cache``, a record file that is
    unchanged since it was last parsed is not parsed again.
    """
    meta = os.path.join(prefix, "conda-meta")
    try:
        entries = list(os.scandir(meta))
    except FileNotFoundError:
        return (), [], False
    except NotADirectoryError:
        return (
            (),
            [
                ReadProblem(
                    code=_INVALID,
                    package="conda-meta",
                    path="conda-meta",
                    reason="conda-meta is not a directory",
                )
            ],
            False,
        )
    except OSError as exc:
        return (
            (),
            [
                ReadProblem(
                    code=_INVALID,
                    package="conda-meta",
                    path="conda-meta",
                    reason=f"cannot list conda-meta: {exc.strerror}",
                )
            ],
            True,
        )
    records: list[CondaRecord] = []
    problems: list[ReadProblem] = []
    for entry in _json_entries(entries):
        rel = f"conda-meta/{entry.name}"
        record, found = _read_cached(entry, rel, cache) if cache else _read_one(entry, rel)[:2]
        problems.extend(found)
        if record is not None:
            records.append(record)
    records.sort(key=lambda r: (r.name, r.version, r.build))
    return tuple(records), problems, True


def _json_entries(entries: Iterable[os.DirEntry[str]]) -> list[os.DirEntry[str]]:
    # "._name.json" are AppleDouble resource forks copied from macOS
    # volumes, not records; conda skips them too.
    return sorted(
        (e for e in entries if e.name.endswith(".json") and not e.name.startswith("._")),
        key=lambda e: e.name,
    )


def _read_cached(
    entry: os.DirEntry[str], rel: str, cache: ParseCache
) -> tuple[CondaRecord | None, list[ReadProblem]]:
    try:
        st = entry.stat()
    except OSError:
        return _read_one(entry, rel)[:2]
    hit = cache.record(entry.name, st)
    if hit is not None:
        return hit
    record, problems, probes = _read_one(entry, rel)
    cache.put_record(entry.name, st, record, problems, probes)
    return record, problems


def _read_one(
    entry: os.DirEntry[str], rel: str
) -> tuple[CondaRecord | None, list[ReadProblem], tuple[Any, Any]]:
    """The record (or None), its problems, and the package-cache paths it
    names (see ``in_package_cache``)."""
    none = (None, None)
    try:
        if not entry.is_file():
            kind = (
                "a directory"
                if entry.is_dir()
                else "not a regular file (dangling symlink or loop?)"
            )
            return None, [_problem(rel, entry.name, f"is {kind}")], none
        with open(entry.path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        return None, [_problem(rel, entry.name, f"cannot read: {exc.strerror or exc}")], none
    if not data.strip():
        return None, [_problem(rel, entry.name, "file is empty")], none
    if data.startswith(_LFS_POINTER):
        # A repository that tracks the env in Git LFS, cloned without the
        # objects: the record is git-lfs's three-line stand-in
        # (version / oid sha256:... / size N), not JSON.
        return None, [_problem(rel, entry.name, _lfs_reason(data))], none
    try:
        raw = json.loads(data)
    except UnicodeDecodeError:
        return None, [_problem(rel, entry.name, "not valid UTF-8 text")], none
    except json.JSONDecodeError as exc:
        return (
            None,
            [
                _problem(
                    rel,
                    entry.name,
                    f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})",
                )
            ],
            none,
        )
    except RecursionError:
        return None, [_problem(rel, entry.name, "JSON nested too deeply")], none
    return (*parse_record(raw, rel, entry.name), _cache_probes(raw))
