"""reconcile's own cache folder, the one answer for every cache it keeps.

``$RECONCILE_CACHE_DIR``, else ``$XDG_CACHE_HOME/reconcile`` (an absolute
``XDG_CACHE_HOME`` only, as the XDG base directory spec says), else
``~/.cache/reconcile``; none when there is no home.  Discovery's parse cache
keeps its files under ``prefixes/``, the index client's HTTP cache under
``http/``.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_dir"]


def cache_dir() -> Path | None:
    """The user cache folder for reconcile, or None when there is no home."""
    configured = os.environ.get("RECONCILE_CACHE_DIR")
    if configured:
        return Path(configured)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "reconcile"
    home = os.path.expanduser("~")
    return None if home == "~" else Path(home) / ".cache" / "reconcile"
