"""Write ``prefix/`` with real conda 26.7.1 and real pip, as a user would.

conda cannot be installed from PyPI; it runs here from its own source, offline,
against the lab's local channel (../shared/conda-from-source.md says how to set
that up).  Give the command that runs it::

    python tests/real_writers/00-conda-26-linux-pip-over-conda/build.py \\
        --conda "/path/to/venv-conda/bin/python -m conda"

Steps, each by the real tool:

1. ``conda create -p prefix python=X.Y six=1.16.0`` from the lab channel (the lab's
   python package and conda-forge-like noarch six; conda links six and compiles
   its ``.pyc``, listed as ``pyc_file`` in the record);
2. ``pip install six==1.17.0`` with pip 24.0 run from its wheel against the
   prefix's python (the prefix has no pip of its own), offline from the lab's
   wheels: pip uninstalls conda's six and installs its own.

conda's record still says six 1.16.0: the audit must say exactly that, once.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
sys.path.insert(0, str(REPO / "fixtures" / "lab"))

import lab  # noqa: E402  (fixtures/lab is not a package)


def conda_env(root: Path, channel: Path) -> dict[str, str]:
    """conda isolated from this machine: its own root, package cache, condarc, HOME."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONDA", "PIP_", "PYTHON"))}
    for sub in ("pkgs", "envs", "home"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    (root / ".condarc").write_text("")
    env.update(
        CONDA_ROOT_PREFIX=str(root),
        CONDA_PKGS_DIRS=str(root / "pkgs"),
        CONDA_ENVS_DIRS=str(root / "envs"),
        CONDARC=str(root / ".condarc"),
        CONDA_OFFLINE="true",
        CONDA_SOLVER="classic",
        CONDA_NOTIFY_OUTDATED_CONDA="false",
        CONDA_REPORT_ERRORS="false",
        # conda adds pip to every python by default; the fixture stays small without it
        # (pip runs from its wheel instead).
        CONDA_ADD_PIP_AS_PYTHON_DEPENDENCY="false",
        CONDA_CHANNELS=channel.as_uri(),
        HOME=str(root / "home"),
    )
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--conda", required=True, help="command that runs conda 26.x")
    args = parser.parse_args()
    root = lab.default_root()
    channel = lab.build_channel(root)
    wheels = root / "wheels"
    prefix = HERE / "prefix"
    if prefix.exists():
        shutil.rmtree(prefix)
    py = f"{sys.version_info.major}.{sys.version_info.minor}"
    with tempfile.TemporaryDirectory() as tmp:
        env = conda_env(Path(tmp), channel)
        subprocess.run(
            [*shlex.split(args.conda), "create", "--yes", "--quiet", "--offline",
             "--override-channels", "-c", channel.as_uri(), "-p", str(prefix),
             f"python={py}", "six=1.16.0"],
            env=env, check=True,
        )  # fmt: skip
        pip = wheels / f"{lab.PIP_WHEEL}/pip"
        subprocess.run(
            [str(prefix / "bin" / "python"), str(pip), "--disable-pip-version-check",
             "--no-cache-dir", "--no-input", "install", "--no-index", "--find-links",
             str(wheels), "--no-compile", "six==1.17.0"],
            env=lab.pip_env(Path(tmp) / "home"), check=True,
        )  # fmt: skip
    print(f"wrote {prefix}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
