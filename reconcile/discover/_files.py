"""Check the files conda records list against the disk.

Each directory is listed once (``os.scandir``), not one ``stat`` per listed
path: a data-science env has tens of thousands of files in a few thousand
directories.  Sizes come from the directory entry's ``lstat``; with
``deep``, regular files are also hashed (sha256) in threads, since hashlib
releases the GIL while it hashes.
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor

from ..models import CondaPath, CondaRecord, DiskEntry

__all__ = ["scan_conda_files"]

_CHUNK = 1 << 20


def _safe(path: str) -> bool:
    # Never follow a recorded path out of the prefix.
    return not (path.startswith("/") or path == ".." or path.startswith("../") or "/../" in path)


def _sha256(path: str) -> str | None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def scan_conda_files(
    prefix: str, records: Iterable[CondaRecord], *, deep: bool
) -> Mapping[str, DiskEntry]:
    """Map every listed path that exists to what the disk holds there.

    A listed path absent from the result is missing.  Directory entries
    (``path_type: directory``) are not files and are skipped.  A file is
    ``stat``-ed only when its record gives a size that can be compared (no
    prefix placeholder, not a link), and hashed only when ``deep`` and its
    record gives a sha256 that can be compared; other entries get size -1.
    """
    by_dir: dict[str, dict[str, CondaPath]] = defaultdict(dict)
    for record in records:
        for p in record.paths:
            path = p.path
            if p.path_type == "directory" or (".." in path and not _safe(path)):
                continue
            head, _, tail = path.rpartition("/")
            by_dir[head][tail] = p

    found: dict[str, DiskEntry] = {}
    to_hash: list[str] = []
    for head, wanted in by_dir.items():
        folder = os.path.join(prefix, head) if head else prefix
        try:
            with os.scandir(folder) as it:
                for entry in it:
                    listed = wanted.get(entry.name)
                    if listed is None:
                        continue
                    rel = f"{head}/{entry.name}" if head else entry.name
                    is_link = entry.is_symlink()
                    comparable = not (
                        is_link or listed.placeholder or listed.path_type == "softlink"
                    )
                    size = -1
                    if comparable and listed.size is not None:
                        size = entry.stat(follow_symlinks=False).st_size
                    found[rel] = DiskEntry(size, is_link)
                    if deep and comparable and listed.sha256 and not rel.endswith(".pyc"):
                        to_hash.append(rel)
        except OSError:
            continue  # folder gone or unreadable: its files count as missing
    if to_hash:
        with ThreadPoolExecutor(max_workers=min(8, (os.cpu_count() or 2) * 2)) as pool:
            digests = pool.map(lambda rel: _sha256(os.path.join(prefix, rel)), to_hash)
            for rel, digest in zip(to_hash, digests, strict=True):
                found[rel] = found[rel]._replace(sha256=digest)
    return found
