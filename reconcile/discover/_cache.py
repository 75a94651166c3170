"""Remember what discovery parsed, outside the prefix, between runs.

Parsing is most of a cold audit: every ``conda-meta/*.json`` (megabytes of
``paths_data``) and every dist-info's METADATA and RECORD.  An unchanged
prefix need not be parsed again, so each parsed item is stored in one file
per prefix in the user cache folder (``$RECONCILE_CACHE_DIR``, else
``$XDG_CACHE_HOME/reconcile``, else ``~/.cache/reconcile``), beside the
fingerprint of the files it came from:

* a conda record: the record file's size, mtime and ctime (ns), inode and
  device.  A rewrite always moves the ctime, even one that keeps the size and
  puts the old mtime back;
* a dist-info folder: the folder's own mtime and ctime (an entry added or
  removed), and the name, size, mtime and ctime of every entry in it.

Any difference and the item is parsed again; items that are gone are
dropped.  A file changed in the last two seconds before it was read is
parsed but not kept (its times might not move if it changed again at once).

What is *not* cached, at any depth, is read afresh on every run: the listing
of conda-meta and of each site-packages (so added and removed records and
dists are seen), conda-meta/history, the interpreter and pyvenv.cfg,
``.pth`` files, egg-info and egg-link installs, whether a record's
package-cache folder or an editable target still exists (these live outside
the prefix), and at the default and ``--deep`` depths the per-file check of
every recorded file (sizes, and sha256 with ``--deep``).

The cache never decides a finding: a hit returns exactly what parsing the
same bytes returned.  It is also never in the way: a missing, corrupt or
foreign cache file is ignored, a cache that cannot be written (read-only or
full disk) is skipped, and nothing is ever written under the audited prefix.
The file is a pickle: it is loaded only when it belongs to the user and
nobody else may write it.  Files of prefixes not audited for 30 days are
removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from ..cachedir import cache_dir
from ..models import CondaPath, CondaRecord, InstalledDist, ReadProblem

__all__ = ["ParseCache", "cache_dir"]

#: Bump when what is stored changes shape.
_FORMAT = 4
_PACKAGE = Path(__file__).resolve().parent.parent
_new_path = partial(tuple.__new__, CondaPath)
#: The modules whose code shapes what is cached.
_SOURCES = (
    "models.py",
    "channels.py",
    "discover/_conda_meta.py",
    "discover/_dists.py",
    "discover/_cache.py",
)

Fingerprint = tuple[Any, ...]

#: A file whose mtime or ctime is this close to the moment it was read is
#: parsed but not cached.  Timestamps come from a coarse clock (a few ms on
#: Linux, 2 s on FAT): a file rewritten with the same size within the same
#: tick as it was read would keep its times, and the cache would not see it
#: (git's "racy" index entries).  The next run, later, caches it.
_RACY_NS = 2_000_000_000
#: Cache files of prefixes not audited for this long are removed.
_DAY_NS = 24 * 3600 * 10**9
_STALE_NS = 30 * _DAY_NS


def _code_key() -> tuple[Any, ...]:
    """What the parsed objects depend on besides the prefix: this code (an
    editable install changes without a version bump) and packaging's."""
    from packaging import __version__ as packaging_version

    files = []
    for rel in _SOURCES:
        try:
            st = os.stat(_PACKAGE / rel)
        except OSError:
            return ()
        files.append((rel, st.st_size, st.st_mtime_ns))
    return (_FORMAT, sys.version, packaging_version, tuple(files))


def file_fingerprint(st: os.stat_result) -> Fingerprint:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


def folder_fingerprint(path: str) -> Fingerprint | None:
    """The folder's own times and every entry's name, size and times; None
    when the folder cannot be listed (then it is parsed, not cached)."""
    try:
        st = os.stat(path)
        with os.scandir(path) as it:
            members = sorted((e.name, *file_fingerprint(e.stat())[:3]) for e in it)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_ctime_ns, st.st_ino, tuple(members))


class _Pickler(pickle.Pickler):
    """Pickles a packaging ``Requirement`` by its parts.  packaging pickles
    it as its string and parses that again on load, which costs as much as
    the cold read this cache is there to avoid."""

    def reducer_override(self, obj: Any) -> Any:
        if type(obj) is Requirement:
            marker = str(obj.marker) if obj.marker is not None else None
            return _requirement, (obj.name, obj.url, tuple(obj.extras), obj.specifier, marker)
        return NotImplemented


_markers: dict[str, Marker] = {}


def _requirement(
    name: str, url: str | None, extras: tuple[str, ...], specifier: SpecifierSet, marker: str | None
) -> Requirement:
    # Requirement's public attributes are its whole state; markers repeat
    # (``extra == "test"``), so each distinct one is parsed once per load.
    req = Requirement.__new__(Requirement)
    req.name, req.url, req.extras, req.specifier = name, url, set(extras), specifier
    if marker is None:
        req.marker = None
    else:
        req.marker = _markers.get(marker) or _markers.setdefault(marker, Marker(marker))
    return req


def _newest(fingerprint: Fingerprint) -> int:
    """The latest mtime or ctime in a ``folder_fingerprint``."""
    mtime, ctime, _, members = fingerprint
    times: list[int] = [mtime, ctime, *(m[2] for m in members), *(m[3] for m in members)]
    return max(times)


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except (OSError, ValueError, RuntimeError):
        return False
    return True


class ParseCache:
    """The parsed items of one prefix: look up with ``record``/``dist``,
    store with ``put_record``/``put_dist``, then ``save`` once."""

    def __init__(self, prefix: str, folder: Path | None = None) -> None:
        self.prefix = prefix
        folder = folder if folder is not None else cache_dir()
        self.file: Path | None = None
        if folder is not None and not _inside(folder, Path(prefix)):
            name = hashlib.sha256(os.fsencode(prefix)).hexdigest()[:32]
            self.file = folder / "prefixes" / f"{name}.cache"
        self.code = _code_key()
        self._records: dict[str, tuple[Fingerprint, Any]] = {}
        self._dists: dict[str, tuple[Fingerprint, Any]] = {}
        self._seen: set[str] = set()
        self._dirty = False
        # Only files older than this are trusted to change their times when
        # they change (see _RACY_NS).
        self._settled = time.time_ns() - _RACY_NS
        self._loaded_mtime: int | None = None
        self._load()

    # -- reading the cache file --------------------------------------------

    def _load(self) -> None:
        if self.file is None or not self.code:
            return
        try:
            with open(self.file, "rb") as fh:
                st = os.fstat(fh.fileno())
                if st.st_uid != os.getuid() or st.st_mode & 0o022:
                    return  # a pickle someone else could have written: not loaded
                # The layout _write makes: the length of the marshal part, the
                # marshal part, the pickle.  Each part is let go once decoded.
                size = int.from_bytes(fh.read(8), "little")
                if not 0 < size <= st.st_size - 8:
                    return  # damaged
                head, rows = marshal.loads(fh.read(size))
                if head != (self.code, self.prefix):
                    return
                records, dists = pickle.loads(fh.read(st.st_size - 8 - size))
            self._loaded_mtime = st.st_mtime_ns
            for key, (fp, (record, problems, probes)) in records.items():
                paths = rows.pop(key, None)
                if record is not None and paths is not None:
                    record = replace(record, paths=tuple(map(_new_path, paths)))
                self._records[key] = (fp, (record, problems, probes))
            self._dists = dists
        except Exception:
            self._records, self._dists = {}, {}

    # -- conda records -------------------------------------------------------

    def record(
        self, name: str, st: os.stat_result
    ) -> tuple[CondaRecord | None, list[ReadProblem]] | None:
        """The parse of ``conda-meta/<name>`` if its file is unchanged."""
        self._seen.add(name)
        hit = self._records.get(name)
        if hit is None or hit[0] != file_fingerprint(st):
            return None
        record, problems, probes = hit[1]
        if record is not None:
            # The package cache lives outside the prefix: ask again.
            from ._conda_meta import in_package_cache

            now = in_package_cache(*probes)
            if now != record.in_package_cache:
                record = replace(record, in_package_cache=now)
        return record, list(problems)

    def put_record(
        self,
        name: str,
        st: os.stat_result,
        record: CondaRecord | None,
        problems: Sequence[ReadProblem],
        probes: tuple[Any, Any],
    ) -> None:
        self._seen.add(name)
        if max(st.st_mtime_ns, st.st_ctime_ns) < self._settled:
            self._records[name] = (file_fingerprint(st), (record, tuple(problems), probes))
            self._dirty = True

    # -- dist-info folders ---------------------------------------------------

    def dist(
        self, path: str, fingerprint: Fingerprint | None
    ) -> tuple[InstalledDist | None, list[ReadProblem]] | None:
        """The parse of the dist-info folder at ``path`` if it is unchanged."""
        self._seen.add(path)
        hit = self._dists.get(path)
        if fingerprint is None or hit is None or hit[0] != fingerprint:
            return None
        dist, problems = hit[1]
        if dist is not None and dist.editable_target is not None:
            # An editable install's source folder is outside the prefix.
            exists = os.path.isdir(dist.editable_target)
            if exists != dist.target_exists:
                dist = replace(dist, target_exists=exists)
        return dist, list(problems)

    def put_dist(
        self,
        path: str,
        fingerprint: Fingerprint | None,
        dist: InstalledDist | None,
        problems: Sequence[ReadProblem],
    ) -> None:
        self._seen.add(path)
        if fingerprint is not None and _newest(fingerprint) < self._settled:
            self._dists[path] = (fingerprint, (dist, tuple(problems)))
            self._dirty = True

    # -- writing the cache file ----------------------------------------------

    def save(self) -> None:
        """Write the cache when anything changed.  Never raises: a cache that
        cannot be written only makes the next run cold."""
        gone = (self._records.keys() | self._dists.keys()) - self._seen
        if gone:
            self._dirty = True
            for key in gone:
                self._records.pop(key, None)
                self._dists.pop(key, None)
        if self.file is None or not self.code:
            return
        if not self._dirty:
            # Unchanged: only say it is still in use, once a day (see _prune).
            if self._loaded_mtime is not None and self._loaded_mtime < time.time_ns() - _DAY_NS:
                with contextlib.suppress(OSError):
                    os.utime(self.file)
            return
        try:
            self._write()
        except Exception as exc:
            if os.environ.get("RECONCILE_DEBUG"):
                print(f"reconcile: cache not written: {exc}", file=sys.stderr)

    def _write(self) -> None:
        assert self.file is not None
        # CondaPath rows go through marshal as plain tuples: unpickling tens
        # of thousands of NamedTuples calls Python code per row, marshal and
        # tuple.__new__ do not.
        rows: dict[str, tuple[tuple[Any, ...], ...]] = {}
        records: dict[str, Any] = {}
        for key, (fp, (record, problems, probes)) in self._records.items():
            if record is not None:
                rows[key] = tuple(tuple(p) for p in record.paths)
                record = replace(record, paths=())
            records[key] = (fp, (record, problems, probes))
        head = marshal.dumps(((self.code, self.prefix), rows))
        del rows
        self.file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.file.parent, prefix=".tmp-", suffix=".cache")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(len(head).to_bytes(8, "little"))
                fh.write(head)
                del head
                # Straight into the file: no copy of the whole pickle in memory.
                _Pickler(fh, protocol=pickle.HIGHEST_PROTOCOL).dump((records, self._dists))
            os.replace(tmp, self.file)
        except BaseException:
            os.unlink(tmp)
            raise
        self._prune()

    def _prune(self) -> None:
        """Remove the cache files of prefixes not audited for 30 days
        (deleted environments, most likely)."""
        assert self.file is not None
        old = time.time_ns() - _STALE_NS
        with os.scandir(self.file.parent) as it:
            for entry in it:
                if entry.name.endswith(".cache") and entry.stat().st_mtime_ns < old:
                    os.unlink(entry.path)
