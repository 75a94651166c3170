"""Create venvs and run pip in them, isolated from this machine's pip setup.

Build machines (this one included) set ``PIP_FIND_LINKS``, ``PIP_*`` and a
global ``pip.conf`` with constraints; a benchmark prefix must not depend on
them, or it is not the same prefix on the next machine.  So pip always runs
with every ``PIP_*`` variable removed and ``PIP_CONFIG_FILE=/dev/null``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["clean_pip_env", "make_venv", "pip_install", "pyvenv_version", "site_packages_rel"]


def clean_pip_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    return env


def make_venv(path: Path, *, with_pip: bool) -> None:
    """``python -m venv`` from the interpreter running the bench, so the
    prefix's Python (and the markers its records were derived for) is this
    one's."""
    args = [sys.executable, "-m", "venv", str(path)]
    if not with_pip:
        args.insert(3, "--without-pip")
    subprocess.run(args, check=True, env=clean_pip_env())


def pip_install(python: Path, args: Sequence[str]) -> None:
    """``python -m pip install ARGS`` with the machine's pip settings removed."""
    subprocess.run(
        [str(python), "-m", "pip", "install", "--no-input", "--disable-pip-version-check", *args],
        check=True,
        env=clean_pip_env(),
    )


def pyvenv_version(prefix: Path) -> str:
    """The venv's Python version, from ``pyvenv.cfg`` (``version = 3.11.7``;
    3.11+ also write ``version_info``)."""
    for line in (prefix / "pyvenv.cfg").read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("=")
        if key.strip() in ("version", "version_info"):
            return ".".join(value.strip().split(".")[:3])
    raise RuntimeError(f"no version in {prefix / 'pyvenv.cfg'}")


def site_packages_rel(prefix: Path) -> str:
    """``lib/pythonX.Y/site-packages``, the one a POSIX venv has."""
    major, minor = pyvenv_version(prefix).split(".")[:2]
    return f"lib/python{major}.{minor}/site-packages"
