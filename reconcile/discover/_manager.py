"""Which tool manages the env as a whole (pixi), from its marker in conda-meta.

pixi writes ``conda-meta/pixi`` into every env it creates: a small JSON object
with ``manifest_path``, ``environment_name`` and ``pixi_version`` (0.26 to 0.39
seen in committed ``.pixi/envs/*`` prefixes; 0.39 adds
``environment_lock_file_hash``).  The file's presence is what matters; fields
that cannot be read are left out.
"""

from __future__ import annotations

import json
import os
from typing import Any

from ..models import EnvManager

__all__ = ["read_manager"]

_PIXI = "conda-meta/pixi"
_MAX = 65536  # the marker is a few hundred bytes; never read more than this


def read_manager(base: str) -> EnvManager | None:
    """The manager of the env at ``base``, or None when no marker is there."""
    path = os.path.join(base, *_PIXI.split("/"))
    if not os.path.isfile(path):
        return None
    raw: Any = None
    try:
        with open(path, "rb") as fh:
            raw = json.loads(fh.read(_MAX).decode("utf-8", "replace"))
    except (OSError, ValueError, RecursionError):
        pass  # a pixi env all the same; only the details are unknown

    def text(key: str) -> str | None:
        value = raw.get(key) if isinstance(raw, dict) else None
        return value if isinstance(value, str) and value else None

    return EnvManager(
        name="pixi",
        source=_PIXI,
        version=text("pixi_version"),
        manifest_path=text("manifest_path"),
        environment_name=text("environment_name"),
    )
