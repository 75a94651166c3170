"""Check the files conda records list against the disk.

Presence comes from listing each directory once (``os.listdir``), not one
``stat`` per listed path: a data-science env has tens of thousands of files
in a few thousand directories.  Sizes need an ``lstat`` of the files whose
record gives one; with ``deep``, files are also hashed (sha256) in threads,
since hashlib releases the GIL while it hashes, and so are, at every depth,
the few files whose recorded size is not theirs.  Only the differences are
returned.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from ..models import CondaPath, CondaRecord, FileCheck

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


def _hash_all(prefix: str, items: list[tuple[str, str]]) -> list[str | None]:
    """The sha256 of each file, in order, hashed in one thread per CPU.

    hashlib releases the GIL while it hashes (buffers over 2 KiB), so the
    threads hash in parallel; most of the rest (open, read, a small file's
    hash) holds it.  One task per thread, each taking every n-th file, not
    one task per file: a future per file costs as much CPU as hashing a
    small one, and more threads than CPUs only fight over the GIL.
    """
    workers = max(1, min(len(items), os.cpu_count() or 1))

    def part(start: int) -> list[str | None]:
        return [_sha256(f"{prefix}/{rel}") for rel, _ in items[start::workers]]

    with ThreadPoolExecutor(max_workers=workers) as pool:
        parts = list(pool.map(part, range(workers)))
    out: list[str | None] = [None] * len(items)
    for start, digests in enumerate(parts):
        out[start::workers] = digests
    return out


def scan_conda_files(prefix: str, records: Iterable[CondaRecord], *, deep: bool) -> FileCheck:
    """Compare every file the records list with the disk.

    Each folder is listed once; a file is ``lstat``-ed only when its record
    gives a size that can be compared (no prefix placeholder, not a link),
    and hashed only when ``deep`` and its record gives a sha256.  Folders
    (``path_type: directory``) are not files and are skipped.

    A file rewritten for the prefix without a ``prefix_placeholder`` key
    (mamba 2, micromamba and constructor record only a ``sha256_in_prefix``
    that differs from ``sha256``) has the package's size in its record, not
    its own: it is hashed at every depth and compared with
    ``sha256_in_prefix``.  Such files are few, and a normal conda prefix
    has none, so the default depth still hashes nothing there.  With
    ``deep``, a placeholder file is compared with its ``sha256_in_prefix``
    too, when the record has one.
    """
    by_dir: dict[str, dict[str, CondaPath]] = defaultdict(dict)
    for record in records:
        for p in record.paths:
            path = p.path
            if p.path_type == "directory" or (".." in path and not _safe(path)):
                continue
            head, _, tail = path.rpartition("/")
            by_dir[head][tail] = p

    checked = 0
    hashed = 0
    missing: set[str] = set()
    altered: dict[str, str] = {}
    to_hash: list[tuple[str, str]] = []
    lstat, S_ISLNK = os.lstat, stat.S_ISLNK
    for head, wanted in by_dir.items():
        folder = f"{prefix}/{head}" if head else prefix
        checked += len(wanted)
        try:
            gone = wanted.keys() - set(os.listdir(folder))
        except OSError:
            gone = set(wanted)  # folder gone or unreadable: its files count as missing
        if gone:
            missing.update(f"{head}/{name}" if head else name for name in gone)
        base = folder + "/"
        for name, listed in wanted.items():
            in_prefix = listed.sha256_in_prefix
            if in_prefix is not None:
                # Rewritten for the prefix: only its hash is evidence.
                if (
                    (listed.placeholder and not deep)
                    or listed.path_type == "softlink"
                    or name in gone
                    or name.endswith(".pyc")
                ):
                    continue
                to_hash.append((f"{head}/{name}" if head else name, in_prefix))
                hashed += not deep
                continue
            # Sizes of prefix-rewritten files and links are not evidence.
            if listed.size is None and not (deep and listed.sha256):
                continue
            if listed.placeholder or listed.path_type == "softlink" or name in gone:
                continue
            try:
                st = lstat(base + name)
            except OSError:
                missing.add(f"{head}/{name}" if head else name)
                continue
            if S_ISLNK(st.st_mode):
                continue
            if listed.size is not None and st.st_size != listed.size:
                altered[f"{head}/{name}" if head else name] = (
                    f"size {st.st_size}, recorded {listed.size}"
                )
            elif deep and listed.sha256 and not name.endswith(".pyc"):
                to_hash.append((f"{head}/{name}" if head else name, listed.sha256))
    if to_hash:
        for (rel, expected), digest in zip(to_hash, _hash_all(prefix, to_hash), strict=True):
            if digest is not None and digest != expected:
                altered[rel] = "sha256 differs from the record"
    return FileCheck(checked=checked, missing=frozenset(missing), altered=altered, hashed=hashed)
