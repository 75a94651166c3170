"""Find which prefix to audit: a path, an environment name, or the active env.

Named environments are looked up the way conda does: the folders in
``CONDA_ENVS_PATH``/``CONDA_ENVS_DIRS``, ``~/.conda/environments.txt``, and
``<root>/envs`` of every known root (``CONDA_ROOT``, ``MAMBA_ROOT_PREFIX``,
the root of ``CONDA_EXE``, and the usual install folders in the home
directory).  Nothing is created; a miss lists every place searched.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path

from ..errors import EnvironmentNotFound, NoActiveEnvironment
from ..models import PythonInfo

__all__ = ["locate_prefix", "user_site_path"]

_HOME_ROOTS = ("miniconda3", "miniforge3", "mambaforge", "anaconda3", "micromamba", ".pixi")


def _roots(env: Mapping[str, str], home: Path) -> Iterator[Path]:
    for key in ("CONDA_ROOT", "MAMBA_ROOT_PREFIX"):
        if env.get(key):
            yield Path(env[key])
    if env.get("CONDA_EXE"):
        yield Path(env["CONDA_EXE"]).parent.parent
    for name in _HOME_ROOTS:
        yield home / name


def _envs_dirs(env: Mapping[str, str], home: Path) -> list[Path]:
    dirs: list[Path] = []
    for key in ("CONDA_ENVS_PATH", "CONDA_ENVS_DIRS"):
        dirs.extend(Path(p) for p in env.get(key, "").split(os.pathsep) if p)
    dirs.append(home / ".conda" / "envs")
    dirs.extend(root / "envs" for root in _roots(env, home))
    unique: list[Path] = []
    for d in dirs:
        if d not in unique:
            unique.append(d)
    return unique


def _environments_txt(home: Path) -> list[Path]:
    try:
        text = (home / ".conda" / "environments.txt").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return [Path(line.strip()) for line in text.splitlines() if line.strip()]


def locate_prefix(
    path: str | None,
    name: str | None,
    *,
    env: Mapping[str, str] | None = None,
) -> Path:
    """The prefix to audit.  ``path`` wins, then ``name``, then the active env."""
    env = os.environ if env is None else env
    if path:
        return Path(path).expanduser()
    home = Path(env.get("HOME") or env.get("USERPROFILE") or Path.home())
    if name:
        searched: list[Path] = []
        listing = home / ".conda" / "environments.txt"
        for candidate in _environments_txt(home):
            if candidate.name == name and (candidate / "conda-meta").is_dir():
                return candidate
        searched.append(listing)
        if name == "base":
            for root in _roots(env, home):
                searched.append(root)
                if (root / "conda-meta").is_dir():
                    return root
        for envs_dir in _envs_dirs(env, home):
            searched.append(envs_dir)
            if (envs_dir / name / "conda-meta").is_dir():
                return envs_dir / name
        raise EnvironmentNotFound(name, searched)
    active = env.get("CONDA_PREFIX")
    if active:
        return Path(active)
    raise NoActiveEnvironment()


def user_site_path(python: PythonInfo, home: Path | str | None) -> Path | None:
    """The user site-packages this env's Python would add to sys.path
    (``site.getusersitepackages()`` for that Python, computed, not asked)."""
    base_env = os.environ.get("PYTHONUSERBASE")
    home_path = Path(home) if home is not None else Path(os.environ.get("HOME") or Path.home())
    if python.platform.startswith("win"):
        appdata = os.environ.get("APPDATA")
        base = Path(base_env) if base_env else (Path(appdata) / "Python" if appdata else None)
        if base is None:
            return None
        return base / f"Python{python.version.major}{python.version.minor}" / "site-packages"
    base = Path(base_env) if base_env else home_path / ".local"
    return base / "lib" / f"python{python.short}" / "site-packages"
