"""The journal of a fix: the prefix as it was, exact enough to put back.

Before the first change, :func:`snapshot` records

- a *listing* of the whole prefix (every path: type, permission bits, size,
  modification time, inode, symlink target), which is cheap (one ``lstat``
  a path) and tells later which paths are new, gone or changed;
- the *content* of every path a step may change (``keep``): each regular
  file is copied once into a content-addressed store (``store/ab/abcd...``,
  by sha256) beside the listing.  Copies, not hardlinks: a tool that writes
  into a file in place would write into a hardlinked store too.

:func:`restore` puts the listing back: paths that are not in it are deleted,
changed or missing ones come back from the store with their mode and times,
directories get their modes and times last.  The only paths it cannot put
back are changed files whose content was not stored: they are returned, so
the caller can say so (the fix checks after every step that there are none).

``__pycache__`` folders are byte-code caches that Python rewrites at will:
they are never stored, and a restore deletes new ones with the rest.
``pkgs/`` and ``envs/`` at the top of a base env are other things (the
package cache, other envs) and are left out of the listing altogether.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._state import read_json, write_json

__all__ = ["Entry", "Listing", "changed_paths", "listing", "restore", "snapshot"]

#: Top-level folders of a base env that are not part of the env itself.
SKIP_TOP = frozenset({"pkgs", "envs"})
PYCACHE = "__pycache__"


@dataclass(frozen=True, slots=True)
class Entry:
    kind: str  # "d" directory, "f" regular file, "l" symlink, "o" anything else
    mode: int
    size: int
    mtime_ns: int
    ino: int
    target: str | None = None  # symlink text
    sha256: str | None = None  # files whose content is in the store

    def to_list(self) -> list[Any]:
        return [self.kind, self.mode, self.size, self.mtime_ns, self.ino, self.target, self.sha256]

    @classmethod
    def from_list(cls, raw: list[Any]) -> Entry:
        kind, mode, size, mtime_ns, ino, target, sha = raw
        return cls(
            kind=kind, mode=mode, size=size, mtime_ns=mtime_ns, ino=ino, target=target, sha256=sha
        )

    def same(self, other: Entry) -> bool:
        """The same entry on disk (content included, as far as stat can tell)."""
        return (self.kind, self.mode, self.target) == (other.kind, other.mode, other.target) and (
            self.kind == "d"
            or (self.size, self.mtime_ns, self.ino) == (other.size, other.mtime_ns, other.ino)
        )


Listing = dict[str, Entry]  # prefix-relative POSIX path ("" is the prefix itself)


def _entry(path: str, st: os.stat_result) -> Entry:
    mode = st.st_mode
    if stat.S_ISDIR(mode):
        kind = "d"
    elif stat.S_ISREG(mode):
        kind = "f"
    elif stat.S_ISLNK(mode):
        kind = "l"
    else:
        kind = "o"
    return Entry(
        kind=kind,
        mode=stat.S_IMODE(mode),
        size=st.st_size if kind != "d" else 0,
        mtime_ns=st.st_mtime_ns,
        ino=st.st_ino,
        target=os.readlink(path) if kind == "l" else None,
    )


def listing(prefix: Path) -> Listing:
    """Every path under ``prefix`` (not following symlinks), with its stat."""
    root = str(prefix)
    out: Listing = {"": _entry(root, os.lstat(root))}
    stack = [""]
    while stack:
        rel = stack.pop()
        folder = os.path.join(root, rel) if rel else root
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for e in entries:
            child = f"{rel}/{e.name}" if rel else e.name
            if not rel and e.name in SKIP_TOP:
                continue
            try:
                entry = _entry(e.path, e.stat(follow_symlinks=False))
            except OSError:
                continue
            out[child] = entry
            if entry.kind == "d":
                stack.append(child)
    return out


def _under(rel: str, keep: frozenset[str]) -> bool:
    """Is ``rel`` one of the ``keep`` paths or inside one of them?"""
    if rel in keep:
        return True
    head = rel
    while "/" in head:
        head = head.rsplit("/", 1)[0]
        if head in keep:
            return True
    return False


def _store_file(src: str, store: Path) -> str:
    h = hashlib.sha256()
    tmp = store / f"incoming-{os.getpid()}"
    with open(src, "rb") as fin, open(tmp, "wb") as fout:
        while chunk := fin.read(1 << 20):
            h.update(chunk)
            fout.write(chunk)
    digest = h.hexdigest()
    dest = store / digest[:2] / digest
    if dest.exists():
        tmp.unlink()
    else:
        dest.parent.mkdir(exist_ok=True)
        os.replace(tmp, dest)
    return digest


def snapshot(prefix: Path, keep: Iterable[str], journal: Path, name: str = "before") -> Listing:
    """List ``prefix`` and store the content of the files in or under ``keep``
    (prefix-relative paths); write ``<journal>/<name>.json``."""
    keep_set = frozenset(k.strip("/") for k in keep)
    store = journal / "store"
    store.mkdir(exist_ok=True)
    found = listing(prefix)
    for rel, entry in found.items():
        if entry.kind != "f" or PYCACHE in rel.split("/") or not _under(rel, keep_set):
            continue
        digest = _store_file(os.path.join(prefix, rel), store)
        found[rel] = Entry(**{**_asdict(entry), "sha256": digest})
    save(journal / f"{name}.json", found)
    return found


def _asdict(e: Entry) -> dict[str, Any]:
    return {f: getattr(e, f) for f in Entry.__slots__}


def save(path: Path, found: Listing) -> None:
    write_json(
        path,
        {"schema": "reconcile.fix-listing/1", "paths": {k: v.to_list() for k, v in found.items()}},
    )


def load(path: Path) -> Listing:
    raw = read_json(path)
    return {k: Entry.from_list(v) for k, v in raw["paths"].items()}


def changed_paths(before: Listing, now: Listing) -> Iterator[str]:
    """Paths new, gone or different between two listings (directory times aside)."""
    for rel, entry in now.items():
        old = before.get(rel)
        if old is None or not old.same(entry):
            yield rel
    for rel in before:
        if rel not in now:
            yield rel


def unrestorable(before: Listing, now: Listing) -> list[str]:
    """Files that changed or went and whose content the store does not hold."""
    out = []
    for rel, old in before.items():
        if old.kind != "f" or old.sha256 is not None or PYCACHE in rel.split("/"):
            continue
        cur = now.get(rel)
        if cur is None or not old.same(cur):
            out.append(rel)
    return sorted(out)


def _remove(path: str) -> None:
    st = os.lstat(path)
    if stat.S_ISDIR(st.st_mode):
        _writable_tree(path)
        shutil.rmtree(path)
    else:
        os.unlink(path)


def _writable_tree(path: str) -> None:
    """rmtree needs write permission on every folder it empties."""
    for dirpath, _dirs, _files in os.walk(path):
        st = os.lstat(dirpath)
        if not st.st_mode & stat.S_IWUSR:
            os.chmod(dirpath, stat.S_IMODE(st.st_mode) | stat.S_IWUSR | stat.S_IXUSR)


def restore(prefix: Path, before: Listing, journal: Path) -> list[str]:
    """Make ``prefix`` what ``before`` lists again; return the files that
    could not be put back (changed, and not in the store)."""
    root = str(prefix)
    store = journal / "store"
    now = listing(prefix)
    lost: list[str] = []
    # Parents first get write permission back, so their children can change.
    for rel in sorted(r for r, e in before.items() if e.kind == "d"):
        path = os.path.join(root, rel) if rel else root
        cur = now.get(rel)
        if cur is not None and cur.kind == "d" and not cur.mode & stat.S_IWUSR:
            os.chmod(path, cur.mode | stat.S_IWUSR | stat.S_IXUSR)
    # New paths go, deepest first (a new folder with everything in it).
    for rel in sorted((r for r in now if r not in before), key=lambda r: -r.count("/")):
        path = os.path.join(root, rel)
        if os.path.lexists(path):
            _remove(path)
    # Then every listed path, parents before children.
    for rel in sorted(before, key=lambda r: (r.count("/"), r)):
        if rel == "":
            continue
        old, cur = before[rel], now.get(rel)
        path = os.path.join(root, rel)
        if cur is not None and old.same(cur):
            continue
        if old.kind == "d":
            if cur is not None and cur.kind != "d" and os.path.lexists(path):
                _remove(path)
            if not os.path.isdir(path) or os.path.islink(path):
                os.mkdir(path)
            continue
        if old.kind == "f" and old.sha256 is None:
            if PYCACHE not in rel.split("/"):
                lost.append(rel)
            continue
        if old.kind == "o":
            lost.append(rel)
            continue
        if os.path.lexists(path) and (os.path.isdir(path) and not os.path.islink(path)):
            _remove(path)
        if old.kind == "l":
            if os.path.lexists(path):
                os.unlink(path)
            assert old.target is not None
            os.symlink(old.target, path)
            os.utime(path, ns=(old.mtime_ns, old.mtime_ns), follow_symlinks=False)
            continue
        assert old.sha256 is not None
        tmp = path + ".reconcile-restore"
        shutil.copyfile(store / old.sha256[:2] / old.sha256, tmp)
        os.chmod(tmp, old.mode)
        os.utime(tmp, ns=(old.mtime_ns, old.mtime_ns))
        os.replace(tmp, path)
    # Folder modes and times last: every change above moved them.
    for rel in sorted(
        (r for r, e in before.items() if e.kind == "d"), key=lambda r: -r.count("/") if r else 1
    ):
        old = before[rel]
        path = os.path.join(root, rel) if rel else root
        os.chmod(path, old.mode)
        os.utime(path, ns=(old.mtime_ns, old.mtime_ns))
    return sorted(lost)
