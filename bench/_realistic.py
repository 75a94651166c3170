"""The *realistic* prefix: a real data-science stack, installed by real pip,
then described by conda records the way a conda env that later met pip is.

The venv is the prefix (``pyvenv.cfg`` + ``lib/pythonX.Y/site-packages``).
Every distribution pinned in ``realistic.txt`` is installed by pip with
``--no-deps`` (the file is a complete freeze, so the set is exactly the
same on every machine).  Then most of them are handed to conda: their
dist-info is made to look conda-installed and a record is written from the
files pip put there.  ``PIP_ONLY`` stay pip's, and three problems are
planted, each the typical shape of its kind.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from _distinfo import DistInfo, read_dist_infos, rewrite_installer
from _records import (
    build_string,
    conda_name,
    host_subdir,
    make_record,
    marker_environment,
    older_build,
    path_entry_from_disk,
    python_depends,
    python_records,
    runtime_depends,
    write_history,
    write_record,
)
from _venv import make_venv, pip_install, pyvenv_version, site_packages_rel
from packaging.utils import canonicalize_name

__all__ = ["PIP_ONLY", "PLANTED", "build_realistic"]

#: What the user asked conda for (the rest came in as dependencies).
REQUESTED = frozenset(
    map(
        canonicalize_name,
        (
            *("jupyterlab", "pandas", "scikit-learn", "matplotlib", "requests", "sqlalchemy"),
            *("fastapi", "uvicorn", "dask", "seaborn", "statsmodels", "scipy", "numpy"),
            *("pyarrow", "httpx", "pydantic", "ipywidgets", "tqdm", "pyyaml", "click", "rich"),
            *("boto3", "openpyxl", "sympy", "networkx", "bokeh", "altair", "plotly", "xarray"),
            *("polars", "alembic", "flask", "lxml", "beautifulsoup4", "pytest", "black"),
            *("sphinx", "numba", "nltk", "mypy", "pre-commit", "pip"),
        ),
    )
)

#: Left to pip: a web stack, a linter toolchain and a dataframe library
#: someone added with pip later.  Nothing conda owns depends on them (conda's
#: solver would have brought its own), so they are pip's alone.
PIP_ONLY = frozenset(
    map(
        canonicalize_name,
        (
            *("fastapi", "starlette", "uvicorn", "annotated-doc"),
            *("polars", "polars-runtime-32"),
            *("mypy", "librt", "ast-serialize", "black", "pytokens"),
            *("pre-commit", "cfgv", "identify", "nodeenv"),
        ),
    )
)

#: The planted problems, as data so the bench report can name them.
OVERWRITTEN = ("numpy", "2.3.5")  # conda's record is 2.3.5; `pip install -U numpy` put 2.4.6
REMOVED_FILE = ("requests", "requests/help.py")  # listed by conda, gone from disk
VIOLATED = ("botocore", "urllib3", "urllib3 >=1.25.4,<1.27")  # botocore's old pin; urllib3 2.x
PLANTED = {
    "pip-overwrote-conda": OVERWRITTEN[0],
    "missing-file": REMOVED_FILE[0],
    "conda-dependency-unsatisfied": f"{VIOLATED[0]} needs {VIOLATED[2]}",
}


def _conda_owned(dist: DistInfo) -> bool:
    return canonicalize_name(dist.name) not in PIP_ONLY


def _record(
    prefix: str, dist: DistInfo, py: tuple[int, int], env: Mapping[str, str]
) -> dict[str, Any]:
    key = canonicalize_name(dist.name)
    entries = [path_entry_from_disk(prefix, rel) for rel in sorted(dist.files)]
    version = dist.version
    if key == OVERWRITTEN[0]:
        version = OVERWRITTEN[1]
        old_folder = dist.folder.replace(f"-{dist.version}.dist-info", f"-{version}.dist-info")
        entries = older_build(entries, dist.folder, old_folder, version)
    depends = python_depends(dist.purelib, dist.requires_python, py)
    depends += runtime_depends(dist.requires, env)
    if key == VIOLATED[0]:
        depends = [d for d in depends if d.split()[0] != VIOLATED[1]] + [VIOLATED[2]]
    name = conda_name(dist.name)
    return make_record(
        name=name,
        version=version,
        build=build_string(name, version, dist.purelib, py),
        subdir=host_subdir(),
        depends=depends,
        paths=entries,
        requested=key in REQUESTED,
        license=dist.license,
        noarch=dist.purelib,
    )


def build_realistic(prefix: Path, requirements: Path, log: Callable[[str], None]) -> dict[str, Any]:
    """Build the prefix at ``prefix``; returns counts for the stamp."""
    log("creating venv")
    make_venv(prefix, with_pip=True)
    log(f"pip install --no-deps -r {requirements.name} (real pip, PyPI)")
    pip_install(
        prefix / "bin" / "python",
        ["--no-deps", "--only-binary=:all:", "-q", "-r", str(requirements)],
    )
    root, site = str(prefix), site_packages_rel(prefix)
    for dist in read_dist_infos(root, site):
        if _conda_owned(dist) and canonicalize_name(dist.name) != OVERWRITTEN[0]:
            rewrite_installer(os.path.join(root, dist.folder), "conda")
    dists = read_dist_infos(root, site)  # again: RECORD changed
    missing = PIP_ONLY - {canonicalize_name(d.name) for d in dists}
    if missing:
        raise RuntimeError(f"PIP_ONLY names not installed: {sorted(missing)}")

    log("writing conda-meta")
    version = pyvenv_version(prefix)
    major, minor = (int(x) for x in version.split(".")[:2])
    env = marker_environment()
    os.makedirs(os.path.join(root, "conda-meta"), exist_ok=True)
    records = python_records(root, version, host_subdir())
    records += [_record(root, d, (major, minor), env) for d in dists if _conda_owned(d)]
    for record in records:
        write_record(root, record)
    write_history(root, records)
    os.remove(os.path.join(root, site, REMOVED_FILE[1]))
    return {
        "distributions": len(dists),
        "conda_records": len(records),
        "pip_only": len(PIP_ONLY),
        "files": sum(len(r["files"]) for r in records),
        "planted": PLANTED,
    }
