"""The wheel tags (PEP 425, PEP 600) the *target* environment accepts.

Computed from the env's Python and conda subdir, never from the interpreter
reconcile runs on.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from packaging.tags import Tag

from ..models import SUBDIR_MACHINES

if TYPE_CHECKING:
    from ..models import PythonInfo

__all__ = ["target_tags"]

# A plain str: mypy would otherwise drop the other platforms' branches as unreachable.
_SYSTEM: str = sys.platform

_LINUX_ARCH = {k: v for k, v in SUBDIR_MACHINES.items() if k.startswith("linux-")}
_MAC_ARCH = {"osx-64": "x86_64", "osx-arm64": "arm64"}
_WIN_PLATFORM = {"win-64": "win_amd64", "win-32": "win32", "win-arm64": "win_arm64"}
# PEP 600's legacy aliases, and the architectures each was defined for.
_LEGACY_MANYLINUX = {
    17: ("manylinux2014", {"x86_64", "i686", "aarch64", "armv7l", "ppc64", "ppc64le", "s390x"}),
    12: ("manylinux2010", {"x86_64", "i686"}),
    5: ("manylinux1", {"x86_64", "i686"}),
}
# What to assume when the target is not this machine's platform: conda-forge's
# baseline glibc, and the first macOS that runs both conda architectures.
_DEFAULT_GLIBC = (2, 17)
_DEFAULT_MACOS = (11, 0)


def _running_subdir() -> str | None:
    import platform

    machine = platform.machine().lower()
    if _SYSTEM.startswith("linux"):
        arch = {"x86_64": "64", "amd64": "64", "i686": "32", "aarch64": "aarch64"}.get(machine)
        return f"linux-{arch or machine}"
    if _SYSTEM == "darwin":
        return "osx-arm64" if machine == "arm64" else "osx-64"
    if _SYSTEM == "win32":
        return {"amd64": "win-64", "x86": "win-32", "arm64": "win-arm64"}.get(machine)
    return None


def _glibc(platform_: str) -> tuple[int, int]:
    """The glibc to assume: this machine's when the env is for this machine
    (the usual case, since the prefix is on this disk), else a baseline."""
    if platform_ == _running_subdir():
        try:
            text = os.confstr("CS_GNU_LIBC_VERSION") or ""
        except (AttributeError, ValueError, OSError):
            text = ""
        name, _, ver = text.partition(" ")
        if name == "glibc":
            major, _, minor = ver.partition(".")
            if major.isdigit() and minor.split(".")[0].isdigit():
                return int(major), int(minor.split(".")[0])
    return _DEFAULT_GLIBC


def _macos(platform_: str) -> tuple[int, int]:
    if platform_ == _running_subdir():
        import platform

        parts = platform.mac_ver()[0].split(".")
        if parts and parts[0].isdigit():
            minor = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
            return int(parts[0]), minor if int(parts[0]) < 11 else 0
    return _DEFAULT_MACOS


def _platform_tags(
    platform_: str, glibc: tuple[int, int] | None, macos: tuple[int, int] | None
) -> list[str]:
    from packaging import tags

    if platform_ in _LINUX_ARCH:
        arch = _LINUX_ARCH[platform_]
        major, newest = glibc or _glibc(platform_)
        oldest = 5 if arch in ("x86_64", "i686") else 17
        out: list[str] = []
        for minor in range(newest, oldest - 1, -1):
            out.append(f"manylinux_{major}_{minor}_{arch}")
            legacy = _LEGACY_MANYLINUX.get(minor)
            if major == 2 and legacy and arch in legacy[1]:
                out.append(f"{legacy[0]}_{arch}")
        return [*out, f"linux_{arch}"]  # conda is glibc-based: no musllinux
    if platform_ in _MAC_ARCH:
        return list(tags.mac_platforms(macos or _macos(platform_), _MAC_ARCH[platform_]))
    if platform_ in _WIN_PLATFORM:
        return [_WIN_PLATFORM[platform_]]
    return []  # noarch, emscripten, wasi: pure wheels only


def target_tags(
    python: PythonInfo,
    *,
    glibc: tuple[int, int] | None = None,
    macos: tuple[int, int] | None = None,
) -> list[Tag]:
    """The wheel tags the target env accepts, most preferred first.

    Built with :mod:`packaging.tags` from the env's Python version and conda
    subdir (never ``sys_tags()``, which describes the running interpreter).
    ``glibc``/``macos`` override the assumed system version; by default it is
    this machine's when the env's subdir is this machine's, else glibc 2.17 /
    macOS 11.  A CPython target is taken to be the GIL build (``PythonInfo``
    does not say whether it is free-threaded); a PyPy target gets only the
    ABI-free tags, since its ``pypyXY_ppNN`` ABI depends on a PyPy version
    reconcile does not know.
    """
    from packaging import tags

    version = (python.version.major, python.version.minor)
    nodot = f"{version[0]}{version[1]}"
    platforms = _platform_tags(python.platform, glibc, macos)
    found: list[Tag] = []
    if python.implementation == "cpython":
        interpreter = f"cp{nodot}"
        if platforms:  # packaging would use this machine's for an empty list
            found += tags.cpython_tags(version, abis=[interpreter], platforms=platforms)
    else:
        interpreter = f"{'pp' if python.implementation == 'pypy' else 'py'}{nodot}"
        if platforms:
            found += tags.generic_tags(interpreter, abis=[], platforms=platforms)
    # For a platform without binary wheels, "any" stands in: the pure tags.
    found += tags.compatible_tags(version, interpreter, platforms or ["any"])
    return found
