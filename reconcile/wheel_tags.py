"""Could an installed wheel ever have been installed into the target env?

A wheel's ``WHEEL`` file names the tags it was built for (PEP 425 ``Tag:``
lines, one per tag, as written by ``wheel``, ``hatchling``, ``maturin``,
``scikit-build-core``, ...).  pip and uv install a wheel only when one of
its tags is among the target interpreter's supported tags; a wheel copied in
by other means (``pip install --target --platform``, a copied
site-packages, ``--python-version`` for another Python) carries extension
modules the env's Python cannot load.

The supported tags are built with :mod:`packaging.tags` for the *target*
env's Python and conda subdir (:class:`~reconcile.models.PythonInfo`), never
with ``sys_tags()``, which describes the interpreter reconcile runs on.

What the audit cannot know is the target machine's C library and OS release:
the glibc or musl version a ``manylinux_2_28`` or ``musllinux_1_2`` wheel
needs, or the macOS release a ``macosx_14_0`` wheel needs.  The prefix alone
does not say which machine will run it, so every manylinux and musllinux
platform of the env's architecture is accepted, and every macOS release of
its architecture (including ``universal2`` and the other multi-architecture
formats packaging lists for it).  What is judged is what never changes for
a prefix: the Python version and ABI, the OS family and the architecture.

``reconcile.resolve.target_tags`` answers a neighbouring question, the
tags the resolver prefers when it *chooses* a wheel for the target (ordered,
for one assumed glibc or macOS); this module answers whether an installed
wheel fits at all.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .models import SUBDIR_MACHINES

if TYPE_CHECKING:
    from packaging.tags import Tag

    from .models import PythonInfo

__all__ = ["TagFit", "fit"]

# manylinux1/2010/2014 (PEP 513/571/599), manylinux_X_Y (PEP 600),
# musllinux_X_Y (PEP 656) and a plain linux_<arch> (a local build).
_LINUX = re.compile(r"(?:manylinux\d+|manylinux_\d+_\d+|musllinux_\d+_\d+|linux)_(.+)")
_MACOS = re.compile(r"macosx_\d+_\d+_(.+)")
_WINDOWS = {"win-64": "win_amd64", "win-32": "win32", "win-arm64": "win_arm64"}
_MAC_ARCH = {"osx-64": "x86_64", "osx-arm64": "arm64"}
_UNKNOWN = "<unknown platform>"  # stands for every platform of a subdir not judged


def _platform_key(platform: str) -> str:
    """A wheel platform without the part the prefix cannot judge (the glibc,
    musl or macOS release): ``manylinux_2_17_x86_64`` -> ``linux_x86_64``,
    ``macosx_11_0_arm64`` -> ``macosx_arm64``."""
    m = _LINUX.fullmatch(platform)
    if m is not None:
        return f"linux_{m.group(1)}"
    m = _MACOS.fullmatch(platform)
    if m is not None:
        return f"macosx_{m.group(1)}"
    return platform


@functools.cache
def _platform_keys(subdir: str) -> frozenset[str] | None:
    """The platform keys a conda subdir runs; None when reconcile does not
    know the subdir's wheel platforms (emscripten, wasi, noarch): then the
    platform is not judged."""
    if subdir.startswith("linux-") and subdir in SUBDIR_MACHINES:
        return frozenset({f"linux_{SUBDIR_MACHINES[subdir]}"})
    if subdir in _MAC_ARCH:
        from packaging.tags import mac_platforms

        # packaging's list for one release holds every binary format that
        # release runs for this architecture (arm64 also runs universal2;
        # x86_64 also runs intel, fat64, fat3, universal, universal2).
        return frozenset(_platform_key(p) for p in mac_platforms((11, 0), _MAC_ARCH[subdir]))
    if subdir in _WINDOWS:
        return frozenset({_WINDOWS[subdir]})
    return None


@functools.cache
def _supported(
    version: tuple[int, int], implementation: str, free_threaded: bool, subdir: str
) -> frozenset[tuple[str, str, str]] | None:
    """(interpreter, abi, platform key) of every tag the target supports;
    None when only the platform can be judged (see :func:`fit`)."""
    from packaging import tags

    if implementation != "cpython":
        return None
    keys = _platform_keys(subdir)
    platforms = sorted(keys) if keys is not None else [_UNKNOWN]
    nodot = f"{version[0]}{version[1]}"
    interpreter = f"cp{nodot}"
    # The ABI is passed explicitly: packaging would otherwise ask the running
    # interpreter's sysconfig.  Before 3.8 it carried build flags, ``m`` for
    # pymalloc (every conda and python.org build: ``cp37m``), and on Python 2
    # ``u`` for UCS-4 (``cp27mu`` on Linux, ``cp27m`` elsewhere); a debug
    # build's ``d`` is not guessed.
    if version >= (3, 8):
        abis = [f"{interpreter}t" if free_threaded else interpreter]
    elif version >= (3, 0):
        abis = [f"{interpreter}m"]
    else:
        abis = [f"{interpreter}mu", f"{interpreter}m"]
    # cpython_tags adds abi3 for this and every older CPython 3 (not for a
    # free-threaded build) and ``none``; compatible_tags adds pyXY/py3 with
    # ``none`` and the pure ``any`` tags.
    found: list[Tag] = [
        *tags.cpython_tags(version, abis=abis, platforms=platforms),
        *tags.compatible_tags(version, interpreter, platforms),
    ]
    return frozenset((t.interpreter, t.abi, t.platform) for t in found)


@dataclass(frozen=True, slots=True)
class TagFit:
    """Why a wheel's tags fit none of the target's: ``python`` when a tag
    would fit the platform but not the Python, ``platform`` when a tag
    would fit the Python but not the platform, else ``both``."""

    reason: str  # "python", "platform" or "both"
    tags: tuple[str, ...]  # the wheel's tags, in the WHEEL file's order


def fit(python: PythonInfo, tag_lines: Iterable[str]) -> TagFit | None:
    """None when one of ``tag_lines`` (the ``Tag:`` values of a WHEEL file)
    is supported by the target env, or when none can be parsed (no
    evidence); else what does not fit.

    For a Python other than CPython only the platform is judged: a PyPy
    wheel's ABI (``pypy310_pp73``) names a PyPy release the prefix need not
    record.
    """
    version = (python.version.major, python.version.minor)
    return _fit(version, python.implementation, python.free_threaded, python.platform,
                tuple(tag_lines))  # fmt: skip


@functools.lru_cache(maxsize=1024)
def _fit(
    version: tuple[int, int],
    implementation: str,
    free_threaded: bool,
    subdir: str,
    tag_lines: tuple[str, ...],
) -> TagFit | None:
    """:func:`fit`, once per env and set of tags: most wheels of an env share
    a few tag sets (``py3-none-any``, the env's own ``cpXY``)."""
    from packaging.tags import InvalidTag, parse_tag

    parsed: list[Tag] = []  # in the WHEEL file's order, for the message
    for line in tag_lines:
        try:
            expanded = parse_tag(line.strip())  # "py2.py3-none-any" is two tags
        except InvalidTag:
            continue
        parsed.extend(sorted(expanded - set(parsed), key=str))
    if not parsed:
        return None
    keys = _platform_keys(subdir)
    supported = _supported(version, implementation, free_threaded, subdir)

    def platform_ok(tag: Tag) -> bool:
        return tag.platform == "any" or keys is None or _platform_key(tag.platform) in keys

    if supported is None:
        if any(platform_ok(t) for t in parsed):
            return None
        return TagFit("platform", tuple(str(t) for t in parsed))
    if keys is None:
        # The platform cannot be judged: any platform tag stands for this one.
        candidates = {(t.interpreter, t.abi, _UNKNOWN if t.platform != "any" else "any")
                      for t in parsed}  # fmt: skip
    else:
        candidates = {(t.interpreter, t.abi, _platform_key(t.platform)) for t in parsed}
    if candidates & supported:
        return None
    python_ok = {(i, a) for i, a, _ in supported}
    shown = tuple(str(t) for t in parsed)
    if any((t.interpreter, t.abi) in python_ok for t in parsed):
        return TagFit("platform", shown)
    if any(platform_ok(t) for t in parsed):
        return TagFit("python", shown)
    return TagFit("both", shown)
