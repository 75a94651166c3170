"""Stage 1: read a prefix, read-only, into a :class:`~reconcile.models.PrefixState`.

This is the only stage that touches the prefix.  It opens files for reading
and lists directories; it never writes, imports or executes anything found
there, and it never uses conda's own loaders (they delete conda-meta records
of packages pip has replaced while "reading").  Anything it cannot read
becomes a :class:`~reconcile.models.ReadProblem`, never an exception.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from ..errors import PrefixNotFound
from ..models import (
    Depth,
    FileCheck,
    HistoryRevision,
    PipSettings,
    PrefixState,
    ReadProblem,
    Severity,
    SitePackages,
)
from ..pins import PINNED, parse_pinned
from ..pipconf import SITE_CONFIG, parse_pip_conf
from ._cache import ParseCache
from ._conda_meta import read_conda_meta
from ._dists import read_site_packages
from ._files import scan_conda_files
from ._history import parse_history
from ._manager import read_manager
from ._python import find_python, other_site_packages, site_identity
from .locate import locate_prefix, user_site_path

__all__ = ["discover", "locate_prefix"]


def discover(
    prefix: Path | str,
    *,
    depth: Depth = Depth.DEFAULT,
    home: Path | str | None = None,
    cache: bool = False,
) -> PrefixState:
    """Read everything an audit needs from ``prefix``, and the env's own
    ``pip.conf``, which plan and export need.

    ``home`` is the user's home folder, for the user site; by default the
    ``HOME`` of this process (tests point it elsewhere).  With ``cache``,
    what was parsed is kept in the user cache folder, outside the prefix,
    and an unchanged record or dist-info is not parsed again (see
    ``_cache``); the result is the same either way.
    """
    root = Path(prefix).absolute()
    if not root.exists():
        raise PrefixNotFound(root, "no such directory")
    if not root.is_dir():
        raise PrefixNotFound(root, "not a directory")
    base = str(root)
    problems: list[ReadProblem] = []
    parsed = ParseCache(base) if cache else None

    records, found, has_meta = read_conda_meta(base, parsed)
    problems.extend(found)
    python = find_python(base, records)
    if not has_meta and python is None:
        raise PrefixNotFound(root, "no conda-meta folder and no Python site-packages")

    history: tuple[HistoryRevision, ...] = ()
    if has_meta:
        try:
            with open(os.path.join(base, "conda-meta", "history"), "rb") as fh:
                history = parse_history(fh.read().decode("utf-8", "replace"))
        except FileNotFoundError:
            pass
        except OSError as exc:
            problems.append(
                ReadProblem(
                    code="invalid-record",
                    package="history",
                    path="conda-meta/history",
                    reason=f"cannot read: {exc.strerror or exc}",
                    severity=Severity.WARNING,
                )
            )

    pins: tuple[str, ...] = ()
    if has_meta:
        pins, found = _read_pins(base)
        problems.extend(found)

    site: SitePackages | None = None
    others: list[SitePackages] = []
    user_site: SitePackages | None = None
    user_visible = False
    if python is not None:
        if os.path.isdir(os.path.join(base, python.site_packages)):
            site, found = read_site_packages(base, python.site_packages, parsed)
            problems.extend(found)
            site = _located(base, site)
        for rel in other_site_packages(base, python.site_packages):
            other, found = read_site_packages(base, rel, parsed)
            problems.extend(found)
            others.append(_located(base, other))
        user_path = user_site_path(python, home)
        if user_path is not None and user_path.is_dir():
            user_site, found = read_site_packages(base, str(user_path), parsed)
            problems.extend(found)
            # site.py disables the user site inside a venv that excludes
            # system site-packages, and when PYTHONNOUSERSITE is set: here,
            # or by the env's activation (`conda env config vars set`).
            user_visible = not (python.venv and not python.include_system_site_packages) and not (
                os.environ.get("PYTHONNOUSERSITE") or _env_var(base, "PYTHONNOUSERSITE")
            )

    if parsed is not None:
        parsed.save()
    files = (
        FileCheck()
        if depth is Depth.QUICK
        else scan_conda_files(base, records, deep=depth is Depth.DEEP)
    )
    return PrefixState(
        prefix=root,
        depth=depth,
        records=records,
        history=history,
        python=python,
        site_packages=site,
        other_site_packages=tuple(others),
        user_site=user_site,
        user_site_visible=user_visible,
        files=files,
        problems=tuple(problems),
        manager=read_manager(base) if has_meta else None,
        pins=pins,
        pip_conf=_read_pip_conf(base),
    )


#: conda's per-env settings (conda >= 4.8): ``{"env_vars": {NAME: VALUE}}``,
#: written by ``conda env config vars set`` and exported on activation.
STATE = "conda-meta/state"
_UNSET = "***unset***"  # conda's value for a variable the env unsets


def _env_var(base: str, name: str) -> str | None:
    """A variable ``conda activate`` sets for this env (``conda-meta/state``);
    None when it sets none, or the file cannot be read."""
    import json

    try:
        with open(os.path.join(base, STATE), "rb") as fh:
            doc = json.loads(fh.read())
    except (OSError, ValueError):
        return None
    env_vars = doc.get("env_vars") if isinstance(doc, dict) else None
    value = env_vars.get(name) if isinstance(env_vars, dict) else None
    return value if isinstance(value, str) and value and value != _UNSET else None


def _read_pip_conf(base: str) -> PipSettings | None:
    """The env's own pip configuration (pip's site file), which ``pip
    install`` run in the env reads.  A file that cannot be read or parsed
    counts as absent, as it always has for reconcile (pip itself would stop
    with an error)."""
    try:
        with open(os.path.join(base, SITE_CONFIG), "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    values = parse_pip_conf(data)
    return None if values is None else PipSettings(source=SITE_CONFIG, values=values)


def _read_pins(base: str) -> tuple[tuple[str, ...], list[ReadProblem]]:
    """``conda-meta/pinned``: its specs, and a finding for each line (or the
    file) that cannot be read.  conda refuses every solve over one bad line,
    so each is an error."""
    try:
        with open(os.path.join(base, PINNED), "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        return (), []
    except OSError as exc:
        reason = f"cannot read: {exc.strerror or exc}"
        return (), [ReadProblem(code="invalid-record", package="pinned", path=PINNED,
                                reason=reason)]  # fmt: skip
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        reason = f"not UTF-8 ({exc.reason} at byte {exc.start})"
        return (), [ReadProblem(code="invalid-record", package="pinned", path=PINNED,
                                reason=reason)]  # fmt: skip
    specs, bad = parse_pinned(text)
    problems = [
        ReadProblem(
            code="invalid-record",
            package="pinned",
            path=PINNED,
            reason=f"line {b.line} {b.text.strip()!r}: {b.reason}",
        )
        for b in bad
    ]
    return specs, problems


def _located(base: str, site: SitePackages) -> SitePackages:
    real, via_link = site_identity(base, site.path)
    return replace(site, real_path=real, via_link=via_link)
