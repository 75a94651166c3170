"""What ``pip install`` run in the target env would use for its index and
its cache: pip's configuration with every layer applied.

The env's own ``pip.conf`` comes from discovery (``PrefixState.pip_conf``:
the prefix is discovery's alone); the user's files and the ``PIP_*``
variables are read here, when the resolver's sources are made (see
:mod:`reconcile.pipconf` for the layers and why).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..pipconf import parse_pip_conf, user_config_files

if TYPE_CHECKING:
    from ..models import PipSettings

__all__ = ["PipConfig", "pip_cache_dir", "pip_config"]

# A plain str: mypy would otherwise drop the other platforms' branches as unreachable.
_SYSTEM: str = sys.platform
#: The settings reconcile uses, each with its ``PIP_*`` variable.
_KEYS = ("index-url", "extra-index-url", "no-index", "cache-dir", "no-cache-dir")


@dataclass(frozen=True, kw_only=True, slots=True)
class PipConfig:
    """The settings reconcile uses, every layer applied."""

    index_url: str | None = None
    extra_index_urls: tuple[str, ...] = ()
    no_index: bool = False
    cache_dir: str | None = None
    no_cache: bool = False


def _read(path: Path) -> tuple[tuple[str, str], ...]:
    try:
        data = path.read_bytes()
    except OSError:
        return ()
    return parse_pip_conf(data) or ()


def pip_config(site: PipSettings | None) -> PipConfig:
    """pip's configuration for the target env: the user's files around the
    env's own ``site`` settings (as discovery read them), then the ``PIP_*``
    environment variables.  A later layer wins, key by key."""
    files = user_config_files()
    values: dict[str, str] = {}
    if files is not None:
        before, after = files
        for path in before:
            values.update(_read(path))
        if site is not None:
            values.update(site.values)
        for path in after:
            values.update(_read(path))
    for key in _KEYS:
        env = os.environ.get("PIP_" + key.upper().replace("-", "_"))
        if env is not None:
            values[key] = env

    def flag(key: str) -> bool:
        return values.get(key, "").strip().lower() in ("1", "true", "yes", "on")

    return PipConfig(
        index_url=values.get("index-url", "").strip() or None,
        extra_index_urls=tuple(values.get("extra-index-url", "").split()),
        no_index=flag("no-index"),
        cache_dir=values.get("cache-dir", "").strip() or None,
        no_cache=flag("no-cache-dir"),
    )


def _user_cache_dir() -> Path:
    """The platform's user cache folder, where pip keeps its cache."""
    if _SYSTEM == "darwin":
        return Path.home() / "Library" / "Caches"
    if _SYSTEM == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


def pip_cache_dir(config: PipConfig) -> Path | None:
    """pip's cache folder (its wheel cache is ``wheels/`` in it), or None
    when pip is told not to cache."""
    if config.no_cache:
        return None
    if config.cache_dir:
        return Path(os.path.expandvars(config.cache_dir)).expanduser()
    if _SYSTEM == "win32":
        return _user_cache_dir() / "pip" / "Cache"
    return _user_cache_dir() / "pip"
