"""Find the target environment's Python: version, site-packages, platform.

In order of trust: the conda ``python`` record (its version, and
``python_site_packages_path`` when the writer recorded it, as for
free-threaded builds), then ``pyvenv.cfg``, then the ``lib/pythonX.Y`` or
``Lib`` layout on disk.  The platform is a conda subdir and always comes
from the prefix when the prefix says it (see ``_subdir``): the records, then
the interpreter binary and the layout.  Only a prefix that tells nothing is
assumed to be for the machine reconcile runs on.
"""

from __future__ import annotations

import os
import platform
import re
import sys
from collections import Counter
from collections.abc import Sequence

from packaging.version import InvalidVersion, Version

from ..models import CondaRecord, PythonInfo

__all__ = ["find_python", "host_subdir", "other_site_packages", "read_pyvenv_cfg", "site_identity"]

_LIB_PY = re.compile(r"^python(\d+)\.(\d+)(t?)$")
_THREADED_SITE = re.compile(r"(?:^|/)python\d+\.\d+t/")


def host_subdir() -> str:
    machine = platform.machine().lower()
    arch = {
        "x86_64": "64",
        "amd64": "64",
        "aarch64": "aarch64",
        "arm64": "arm64",
        "ppc64le": "ppc64le",
        "s390x": "s390x",
    }.get(machine, "64")
    if sys.platform.startswith("win"):
        return "win-arm64" if arch in ("aarch64", "arm64") else "win-64"
    if sys.platform == "darwin":
        return "osx-arm64" if arch in ("aarch64", "arm64") else "osx-64"
    if arch == "arm64":
        arch = "aarch64"
    return f"linux-{arch}"


def read_pyvenv_cfg(prefix: str) -> dict[str, str]:
    try:
        with open(os.path.join(prefix, "pyvenv.cfg"), encoding="utf-8", errors="replace") as fh:
            text = fh.read(65536)
    except OSError:
        return {}
    out = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            out[key.strip().lower()] = value.strip()
    return out


def _subdir(prefix: str, records: Sequence[CondaRecord], python: CondaRecord | None) -> str:
    """The env's conda subdir, from the prefix itself, in order of trust:

    1. the python record's subdir;
    2. the subdir most records name (an env whose python record is corrupt
       still has openssl, libffi, ...; ``parse_record`` derives a missing
       subdir from the url or platform/arch, as conda does);
    3. the interpreter: the machine field of ``python.exe`` (PE) or of
       ``bin/python3*`` (ELF, Mach-O), then a Windows layout (``Lib/`` with
       ``Scripts/`` or ``python.exe``), e.g. an env of noarch records only;
    4. when nothing in the prefix tells (noarch records, no interpreter: a
       partial copy), the machine reconcile runs on, which is then a guess.
    """
    if python is not None and python.subdir and python.subdir != "noarch":
        return python.subdir
    counts = Counter(r.subdir for r in records if r.subdir and r.subdir != "noarch")
    if counts:
        return counts.most_common(1)[0][0]
    return _layout_subdir(prefix) or host_subdir()


#: PE ``Machine`` -> conda subdir (python.exe).
_PE_MACHINES = {0x8664: "win-64", 0x14C: "win-32", 0xAA64: "win-arm64"}
#: ELF ``e_machine`` -> conda subdir (bin/python3.X on Linux).
_ELF_MACHINES = {
    0x3E: "linux-64", 0x03: "linux-32", 0xB7: "linux-aarch64", 0x15: "linux-ppc64le",
    0x16: "linux-s390x", 0x28: "linux-armv7l",
}  # fmt: skip
#: Mach-O ``cputype`` -> conda subdir (bin/python3.X on macOS, thin binaries).
_MACHO_CPUS = {0x01000007: "osx-64", 0x0100000C: "osx-arm64"}


def _layout_subdir(prefix: str) -> str | None:
    """The subdir the interpreter in ``prefix`` was built for, or what the
    layout says (Windows only); None when the prefix has neither."""
    head = _head(os.path.join(prefix, "python.exe"), 4096)
    if head[:2] == b"MZ" and len(head) >= 0x40:
        offset = int.from_bytes(head[0x3C:0x40], "little")
        if head[offset : offset + 4] == b"PE\0\0":
            machine = int.from_bytes(head[offset + 4 : offset + 6], "little")
            if machine in _PE_MACHINES:
                return _PE_MACHINES[machine]
    names = [rel.split("/")[1] for _, rel in _lib_dirs(prefix)]  # python3.12
    for name in (*names, "python3", "python"):
        found = _binary_subdir(_head(os.path.join(prefix, "bin", name), 64))
        if found:
            return found
    # After the binaries: on a case-insensitive disk "Lib" is also "lib".
    if os.path.isdir(os.path.join(prefix, "Lib", "site-packages")) and (
        head or os.path.isdir(os.path.join(prefix, "Scripts"))
    ):
        return "win-64"  # the Windows layout; win-64 is by far the commonest
    return None


def _binary_subdir(head: bytes) -> str | None:
    if head[:4] == b"\x7fELF" and len(head) >= 20:
        big = head[5] == 2  # EI_DATA: ELFDATA2MSB
        return _ELF_MACHINES.get(int.from_bytes(head[18:20], "big" if big else "little"))
    if head[:4] == b"\xcf\xfa\xed\xfe" and len(head) >= 8:  # MH_MAGIC_64, little-endian
        return _MACHO_CPUS.get(int.from_bytes(head[4:8], "little"))
    return None


def _head(path: str, size: int) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(size)
    except OSError:
        return b""


def _lib_dirs(prefix: str) -> list[tuple[Version, str]]:
    """``lib/pythonX.Y[t]`` folders that hold a site-packages, newest first.

    A name that is a symbolic link is left out: conda-forge's and defaults'
    python >= 3.10 ship ``lib/python3.1 -> python3.1X`` (a ``softlink`` in
    the python record's ``paths_data``), a second name for the real folder,
    not another Python's.  A dangling link or a link loop is not a folder
    either way.
    """
    found = []
    try:
        names = os.listdir(os.path.join(prefix, "lib"))
    except OSError:
        names = []
    for name in names:
        m = _LIB_PY.match(name)
        folder = os.path.join(prefix, "lib", name)
        if m and not os.path.islink(folder) and os.path.isdir(f"{folder}/site-packages"):
            found.append((Version(f"{m.group(1)}.{m.group(2)}"), f"lib/{name}/site-packages"))
    found.sort(reverse=True)
    return found


def site_identity(prefix: str, rel: str) -> tuple[str, bool]:
    """The real path of the folder ``rel`` names, and whether a symbolic link
    inside the prefix leads there (``lib/python3.1/site-packages`` is
    ``lib/python3.1X/site-packages``).  A link above the prefix moves the
    whole prefix and does not count.  ``os.path.realpath`` does not raise on
    a loop; an absolute ``rel`` (the user site) is outside the prefix."""
    via_link = False
    if not os.path.isabs(rel):
        walked = prefix
        for part in rel.replace("\\", "/").split("/"):
            walked = os.path.join(walked, part)
            if os.path.islink(walked):
                via_link = True
                break
    return os.path.realpath(os.path.join(prefix, rel)), via_link


def other_site_packages(prefix: str, current: str | None) -> list[str]:
    """Every ``lib/pythonX.Y/site-packages`` except the env's own, each real
    folder once: one whose real path is the env's own site-packages is that
    folder under another name, never another Python's."""
    seen = {os.path.realpath(os.path.join(prefix, current))} if current else set()
    out = []
    for _, rel in _lib_dirs(prefix):
        real = os.path.realpath(os.path.join(prefix, rel))
        if rel != current and real not in seen:
            seen.add(real)
            out.append(rel)
    return sorted(out)


def find_python(prefix: str, records: Sequence[CondaRecord]) -> PythonInfo | None:
    python = next((r for r in records if r.name in ("python", "pypy3", "pypy")), None)
    cfg = read_pyvenv_cfg(prefix)
    venv = bool(cfg)
    include_system = cfg.get("include-system-site-packages", "true").lower() == "true"
    subdir = _subdir(prefix, records, python)
    windows = subdir.startswith("win")
    implementation = "cpython"
    if python is not None and (python.name.startswith("pypy") or "pypy" in python.build):
        implementation = "pypy"

    version: Version | None = None
    source = ""
    if python is not None:
        version = _parse(python.version)
        source = f"conda record {python.dist_str}"
    if version is None:
        for key in ("version", "version_info"):
            version = _parse(cfg.get(key, ""))
            if version is not None:
                source = "pyvenv.cfg"
                break
    lib_dirs = _lib_dirs(prefix)
    if version is None and lib_dirs:
        version, _ = lib_dirs[0]
        source = f"{lib_dirs[0][1]} layout"
    if version is None:
        version = _dll_version(prefix)
        source = "pythonXY.dll layout"
    if version is None:
        return None

    # Free-threaded builds (PEP 703) say so in the python build string
    # (conda-forge: "*_cp313t") and use lib/python3.13t.
    threaded = python is not None and re.search(r"cp\d+t", python.build) is not None
    site: str | None = python.python_site_packages_path if python is not None else None
    if site is None:
        if windows or (
            not lib_dirs and os.path.isdir(os.path.join(prefix, "Lib", "site-packages"))
        ):
            site = "Lib/site-packages"
        else:
            short = f"{version.major}.{version.minor}"
            candidates = [rel for v, rel in lib_dirs if f"{v.major}.{v.minor}" == short]
            # Free-threaded builds use lib/python3.13t; prefer it when the
            # python build says so (conda-forge: "*_cp313t").
            candidates.sort(key=lambda rel: ("t/" in rel) != threaded)
            site = candidates[0] if candidates else f"lib/python{short}/site-packages"
    return PythonInfo(
        version=version,
        site_packages=site,
        platform=subdir,
        source=source,
        implementation=implementation,
        free_threaded=threaded or _THREADED_SITE.search(site) is not None,
        venv=venv,
        include_system_site_packages=include_system,
    )


_DLL = re.compile(r"^python(\d)(\d+)t?\.dll$", re.IGNORECASE)


def _dll_version(prefix: str) -> Version | None:
    """A Windows env's version from ``python312.dll`` beside ``python.exe``
    (``python3.dll``, the stable ABI, names none)."""
    try:
        names = os.listdir(prefix)
    except OSError:
        return None
    found = sorted(
        (Version(f"{m.group(1)}.{m.group(2)}") for m in map(_DLL.match, names) if m), reverse=True
    )
    return found[0] if found else None


def _parse(text: str) -> Version | None:
    text = text.strip()
    if not text:
        return None
    try:
        return Version(text)
    except InvalidVersion:
        m = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
        return Version(".".join(g for g in m.groups() if g)) if m else None
