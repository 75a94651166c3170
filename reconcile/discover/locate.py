"""Find which prefix to audit: a path, an environment name, or the active env.

Named environments are looked up the way conda does: the folders in
``CONDA_ENVS_PATH``/``CONDA_ENVS_DIRS``, ``~/.conda/environments.txt``, and
``<root>/envs`` of every known root (``CONDA_ROOT``, ``MAMBA_ROOT_PREFIX``,
the root of ``CONDA_EXE``, and the usual install folders in the home
directory).  Nothing is created; a miss lists every place searched.
:func:`list_environments` lists every environment those places know of, for
``audit --all``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import EnvironmentNotFound, NoActiveEnvironment
from ..models import PythonInfo

__all__ = ["Environments", "env_names", "list_environments", "locate_prefix", "user_site_path"]

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


def _home(env: Mapping[str, str]) -> Path:
    return Path(env.get("HOME") or env.get("USERPROFILE") or Path.home())


def _environments_txt(home: Path) -> list[Path]:
    try:
        text = _listing(home).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return [Path(line.strip()) for line in text.splitlines() if line.strip()]


def _listing(home: Path) -> Path:
    """conda's record of every env it created or activated (it appends; we only read)."""
    return home / ".conda" / "environments.txt"


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
    home = _home(env)
    if name:
        searched: list[Path] = []
        listing = _listing(home)
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


def env_names(env: Mapping[str, str] | None = None) -> list[str]:
    """Every name :func:`locate_prefix` resolves, sorted (shell completion of
    ``-n``): the folder names of environments.txt's envs and of the envs dirs'
    children, and ``base`` when a root is an env.  Reads only folder listings,
    environments.txt and one ``conda-meta`` stat per candidate."""
    env = os.environ if env is None else env
    home = _home(env)
    names = {c.name for c in _environments_txt(home) if _is_env(c)}
    names.update(c.name for d in _envs_dirs(env, home) for c in _children(d) if _is_env(c))
    if any(_is_env(root) for root in _roots(env, home)):
        names.add("base")
    return sorted(names)


@dataclass(frozen=True, slots=True)
class Environments:
    """Every environment found, and where :func:`list_environments` looked."""

    prefixes: tuple[Path, ...]
    #: lines of environments.txt whose folder no longer exists
    gone: tuple[Path, ...]
    searched: tuple[Path, ...]


def _is_env(path: Path) -> bool:
    return (path / "conda-meta").is_dir()


def _children(envs_dir: Path) -> list[Path]:
    try:
        with os.scandir(envs_dir) as it:
            names = sorted(e.name for e in it)
    except OSError:  # missing, not a folder, unreadable: nothing to list there
        return []
    return [envs_dir / n for n in names]


def list_environments(env: Mapping[str, str] | None = None) -> Environments:
    """Every environment on this machine that conda could know of.

    In this order: each root that is itself an env (has ``conda-meta/``); each
    child with ``conda-meta/`` of each envs dir, by name; then each line of
    ``~/.conda/environments.txt`` whose folder still exists (kept even without
    ``conda-meta/``, so that the audit says what is wrong with it).  A folder
    reached twice (a symlink, a root listed in environments.txt) is listed once,
    by the first path found.  Reads only; environments.txt is never rewritten.
    """
    env = os.environ if env is None else env
    home = _home(env)
    roots = list(dict.fromkeys(_roots(env, home)))
    envs_dirs = _envs_dirs(env, home)
    candidates = [r for r in roots if _is_env(r)]
    candidates += [c for d in envs_dirs for c in _children(d) if _is_env(c)]
    gone: list[Path] = []
    for line in _environments_txt(home):
        # lexists: a dangling symlink is still an entry to report, not a gone one
        (candidates if os.path.lexists(line) else gone).append(line)
    seen: dict[str, Path] = {}
    for path in candidates:
        seen.setdefault(os.path.realpath(path), path)
    return Environments(
        prefixes=tuple(seen.values()),
        gone=tuple(dict.fromkeys(gone)),
        searched=(*roots, *envs_dirs, _listing(home)),
    )


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
