"""pip's configuration files: their names, where pip looks for them, how
they read.

pip layers its configuration files, lowest precedence first: the global
files (``/etc/xdg/pip/pip.conf``, ``/etc/pip.conf``), the user's
(``~/.pip/pip.conf``, ``~/.config/pip/pip.conf``, and on macOS
``~/Library/Application Support/pip/pip.conf``), the *site* file, which is
the env's own ``PREFIX/pip.conf``, then ``PIP_CONFIG_FILE`` (which also
switches the user's files off; ``os.devnull`` switches every file off); then
the ``PIP_*`` environment variables.  In each file ``[install]`` is read
after ``[global]``.

Two stages read them, each its own part:

- the site file is in the prefix, so discovery reads it (:data:`SITE_CONFIG`,
  :func:`parse_pip_conf`) and returns it as
  :attr:`~reconcile.models.PrefixState.pip_conf`;
- the others (:func:`user_config_files`) and the ``PIP_*`` variables are the
  user's machine, not the env: the resolver reads them when it makes its
  sources (:mod:`reconcile.resolve.pip_config`, for plan, export and fix),
  beside pip's wheel cache, which is the user's too.  The audit never reads
  them.

Imported by discovery: no class is made here, and ``configparser`` is
imported only when there is a file to read.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["SITE_CONFIG", "parse_pip_conf", "user_config_files"]

# A plain str: mypy would otherwise drop the other platforms' branches as unreachable.
_SYSTEM: str = sys.platform
#: pip's file name, and the site file's path in the env.
SITE_CONFIG = "pip.ini" if _SYSTEM == "win32" else "pip.conf"


def parse_pip_conf(data: bytes) -> tuple[tuple[str, str], ...] | None:
    """Every key of a pip configuration file's ``[global]`` then
    ``[install]`` section, ``_`` spelled ``-`` (pip accepts both), in that
    order, unknown keys too; None for a file that is not UTF-8 or not an
    INI file (reconcile then reads it as absent)."""
    import configparser
    import io

    parser = configparser.RawConfigParser()
    try:  # as open(path, encoding="utf-8") reads it: universal newlines
        parser.read_file(io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    except (configparser.Error, UnicodeError):
        return None
    values: list[tuple[str, str]] = []
    for section in ("global", "install"):
        if parser.has_section(section):
            values += [(key.replace("_", "-"), value) for key, value in parser.items(section)]
    return tuple(values)


def user_config_files() -> tuple[list[Path], list[Path]] | None:
    """pip's configuration files that are not the env's: those read before
    the site file (global, then user) and after it (``PIP_CONFIG_FILE``);
    None when ``PIP_CONFIG_FILE`` is ``os.devnull``, which switches every
    file off, the site file too."""
    env_file = os.environ.get("PIP_CONFIG_FILE")
    if env_file == os.devnull:
        return None
    home = Path.home()
    if _SYSTEM == "win32":
        program_data = os.environ.get("PROGRAMDATA", r"C:\ProgramData")
        global_files = [Path(program_data, "pip", SITE_CONFIG)]
        user_files = [
            home / "pip" / SITE_CONFIG,
            Path(os.environ.get("APPDATA") or home / "AppData" / "Roaming", "pip", SITE_CONFIG),
        ]
    else:
        xdg_dirs = (os.environ.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(os.pathsep)
        global_files = [Path(d, "pip", SITE_CONFIG) for d in reversed(xdg_dirs) if d]
        global_files.append(Path("/etc", SITE_CONFIG))
        config_home = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
        user_files = [home / ".pip" / SITE_CONFIG, config_home / "pip" / SITE_CONFIG]
        if _SYSTEM == "darwin":
            user_files.append(home / "Library" / "Application Support" / "pip" / SITE_CONFIG)
    before = list(global_files)
    if not (env_file and os.path.exists(env_file)):
        before += user_files
    return before, [Path(env_file)] if env_file else []
