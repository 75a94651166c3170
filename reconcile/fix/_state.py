"""Where ``reconcile fix`` keeps its journals and locks: the user's state
dir, never the prefix.

``$RECONCILE_STATE_DIR``, else ``$XDG_STATE_HOME/reconcile``, else
``~/.local/state/reconcile`` (the XDG Base Directory default).  Each prefix
gets one folder, named after its real path, holding its lock file, one
journal folder per fix and a ``last`` file naming the newest journal.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

from ..errors import ReconcileError

__all__ = ["prefix_dir", "read_json", "state_dir", "write_json"]


def state_dir() -> Path:
    configured = os.environ.get("RECONCILE_STATE_DIR")
    if configured:
        return Path(configured).expanduser()
    xdg = os.environ.get("XDG_STATE_HOME")
    if xdg and os.path.isabs(xdg):  # the spec says relative values are to be ignored
        return Path(xdg) / "reconcile"
    return Path.home() / ".local" / "state" / "reconcile"


def prefix_dir(prefix: Path) -> Path:
    """The state folder of one prefix, keyed by its real path (two spellings
    of one env, a symlink and its target, share a lock)."""
    real = os.path.realpath(prefix)
    root = state_dir()
    real_root = os.path.realpath(root)
    if os.path.commonpath([real_root, real]) == real:
        raise ReconcileError(
            f"the state dir {str(root)!r} is inside the prefix {real!r}; "
            "set RECONCILE_STATE_DIR to a folder outside it"
        )
    digest = hashlib.sha256(os.fsencode(real)).hexdigest()[:16]
    return root / "fix" / f"{os.path.basename(real) or 'root'}-{digest}"


def new_journal_dir(prefix: Path) -> Path:
    base = prefix_dir(prefix)
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    path = base / f"{stamp}-{os.getpid()}"
    n = 0
    while path.exists():
        n += 1
        path = base / f"{stamp}-{os.getpid()}-{n}"
    path.mkdir(parents=True)
    return path


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` so that a crash leaves the old file or the new one, never half."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1, sort_keys=True)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def read_json(path: Path) -> Any:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)
