"""Write ``conda-meta`` the way conda writes it in a prefix.

Modelled on real prefix records (``find /work/shared/corpus -path
'*conda-meta/*.json'``): one JSON file per package named
``name-version-build.json``, keys sorted, two-space indent, with
``paths_data`` = ``{"paths_version": 1, "paths": [{"_path", "path_type",
"sha256", "size_in_bytes"}]}`` beside the older ``files`` list, conda
MatchSpec strings in ``depends`` (``numpy >=1.22.4``), and a
``conda-meta/history`` log.  Parsing cost is what a benchmark measures, so
the records carry the same keys and sizes a real one does, including
stand-ins for the tarball's ``md5``/``sha256``/``size`` (the tarball does not
exist; the digests are derived from the file list so they stay reproducible).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.specifiers import Specifier
from packaging.utils import canonicalize_name

__all__ = [
    "CHANNEL",
    "build_string",
    "conda_name",
    "host_subdir",
    "make_record",
    "marker_environment",
    "older_build",
    "path_entry",
    "path_entry_from_disk",
    "python_depends",
    "python_records",
    "runtime_depends",
    "to_matchspec",
    "write_history",
    "write_record",
]

CHANNEL = "https://conda.anaconda.org/conda-forge/"
PKGS_DIR = "/opt/conda/pkgs"  # where the records say conda unpacked them
TIMESTAMP = 1_735_689_600_000  # 2025-01-01, ms: records are reproducible

# conda-forge names that differ from the PEP 503 name of the PyPI project
# they ship (a few keep underscores, a few split a base package off).  Every
# other project keeps its normalised name, as on conda-forge.
_CONDA_NAMES = {
    "backports-zstd": "backports.zstd",
    "brotli": "brotli-python",
    "dask": "dask-core",
    "et-xmlfile": "et_xmlfile",
    "importlib-metadata": "importlib-metadata",
    "jupyter-client": "jupyter_client",
    "jupyter-core": "jupyter_core",
    "jupyter-events": "jupyter_events",
    "jupyter-server": "jupyter_server",
    "jupyter-server-terminals": "jupyter_server_terminals",
    "jupyterlab-pygments": "jupyterlab_pygments",
    "jupyterlab-server": "jupyterlab_server",
    "jupyterlab-widgets": "jupyterlab_widgets",
    "matplotlib": "matplotlib-base",
    "prometheus-client": "prometheus_client",
    "pure-eval": "pure_eval",
    "seaborn": "seaborn-base",
    "stack-data": "stack_data",
    "typing-extensions": "typing_extensions",
    "tzdata": "python-tzdata",
    "zope-interface": "zope.interface",
}

# Order of operators in a conda version spec, lower bound first, as
# conda-forge recipes write them (``>=1.22.4,<3``).
_OP_ORDER = {">=": 0, ">": 1, "==": 2, "===": 2, "~=": 3, "<=": 4, "<": 5, "!=": 6}


def host_subdir() -> str:
    """The conda subdir of this machine (the bench builds Linux prefixes)."""
    machine = platform.machine().lower()
    return "linux-64" if machine in ("x86_64", "amd64") else f"linux-{machine}"


def conda_name(pypi_name: str) -> str:
    canonical = canonicalize_name(pypi_name)
    return _CONDA_NAMES.get(canonical, canonical)


def _conda_version_clauses(spec: Specifier) -> list[str]:
    """One PEP 440 clause as conda version-spec clauses.

    ``~=`` and ``===`` have no exact conda spelling: ``~=1.4.2`` becomes
    ``>=1.4.2,1.4.*`` and ``===x`` becomes ``==x``; ``==1.2.*`` becomes the
    glob ``1.2.*``.
    """
    op, version = spec.operator, spec.version
    if op == "~=":
        release = version.split(".")
        return [f">={version}", ".".join(release[:-1]) + ".*"]
    if op == "==" and version.endswith(".*"):
        return [version]
    if op == "===":
        return [f"=={version}"]
    return [f"{op}{version}"]


def to_matchspec(req: Requirement) -> str:
    """A Requires-Dist as the conda ``depends`` entry conda-forge would write
    (extras dropped: conda has none)."""
    clauses: list[str] = []
    for spec in sorted(req.specifier, key=lambda s: (_OP_ORDER[s.operator], s.version)):
        clauses.extend(_conda_version_clauses(spec))
    name = conda_name(req.name)
    return f"{name} {','.join(clauses)}" if clauses else name


def marker_environment() -> dict[str, str]:
    """PEP 508 marker values for the prefixes' Python, which is the one
    running the builder (``_venv.make_venv`` creates them from it)."""
    return {key: str(value) for key, value in default_environment().items()}


def runtime_depends(requires: Iterable[str], environment: Mapping[str, str]) -> list[str]:
    """conda ``depends`` from Requires-Dist lines: only what this platform
    and Python need unconditionally (markers true, no extras), since conda
    packages are built per platform and have no optional dependencies."""
    out = []
    for line in requires:
        req = Requirement(line)
        if req.marker is not None and not req.marker.evaluate({**environment, "extra": ""}):
            continue
        out.append(to_matchspec(req))
    return out


def python_depends(purelib: bool, requires_python: str | None, py: Sequence[int]) -> list[str]:
    """The Python pins conda-forge puts on a package: noarch packages take
    ``python >=<lower bound>``; compiled ones are pinned to one minor version
    and ABI (``python_abi 3.11.* *_cp311``)."""
    major, minor = py[0], py[1]
    if purelib:
        lower = None
        for spec in Requirement(f"python{requires_python or ''}").specifier:
            if spec.operator in (">=", ">"):
                lower = spec.version
        return [f"python >={lower}" if lower else "python"]
    return [
        f"python >={major}.{minor},<{major}.{minor + 1}.0a0",
        f"python_abi {major}.{minor}.* *_cp{major}{minor}",
    ]


def build_string(name: str, version: str, purelib: bool, py: Sequence[int]) -> str:
    """conda-forge build strings: ``pyhd8ed1ab_0`` for noarch python,
    ``py311h<hash>_0`` for compiled packages (the hash stands in for the
    variant hash conda-build computes)."""
    if purelib:
        return "pyhd8ed1ab_0"
    variant = hashlib.sha1(f"{name}-{version}".encode()).hexdigest()[:7]
    return f"py{py[0]}{py[1]}h{variant}_0"


def path_entry(rel: str, data: bytes) -> dict[str, Any]:
    """One ``paths_data`` entry for a file whose bytes are known."""
    return {
        "_path": rel,
        "path_type": "hardlink",
        "sha256": hashlib.sha256(data).hexdigest(),
        "size_in_bytes": len(data),
    }


def path_entry_from_disk(prefix: str, rel: str, path_type: str = "hardlink") -> dict[str, Any]:
    """One ``paths_data`` entry read from the file in the prefix (a softlink
    is described by its target, as conda does)."""
    with open(os.path.join(prefix, rel), "rb") as fh:
        entry = path_entry(rel, fh.read())
    entry["path_type"] = path_type
    return entry


def older_build(
    entries: Sequence[Mapping[str, Any]], new_folder: str, old_folder: str, old_version: str
) -> list[dict[str, Any]]:
    """The paths an older build of a package had, for a record that pip has
    since overwritten: the dist-info under the old version's name and every
    file of other size and content.  Those bytes are gone (pip replaced
    them), so the digests are derived from the path, not read."""
    out = []
    for i, entry in enumerate(entries):
        path = str(entry["_path"]).replace(new_folder + "/", old_folder + "/")
        if path.endswith("/REQUESTED"):
            continue  # conda never ships REQUESTED
        out.append(
            {
                **entry,
                "_path": path,
                "sha256": hashlib.sha256(f"{old_version}:{path}".encode()).hexdigest(),
                "size_in_bytes": max(0, int(entry["size_in_bytes"]) - 1 - i % 7),
            }
        )
    return out


def make_record(
    *,
    name: str,
    version: str,
    build: str,
    subdir: str,
    depends: Sequence[str],
    paths: Sequence[Mapping[str, Any]],
    requested: bool,
    license: str | None = None,
    noarch: bool = False,
    constrains: Sequence[str] = (),
    build_number: int = 0,
) -> dict[str, Any]:
    """A prefix record (conda's ``PrefixRecord``) as a JSON-ready dict."""
    fn = f"{name}-{version}-{build}.conda"
    listing = "\n".join(f"{p['_path']} {p.get('sha256', '')}" for p in paths).encode()
    extracted = f"{PKGS_DIR}/{name}-{version}-{build}"
    record: dict[str, Any] = {
        "build": build,
        "build_number": build_number,
        "channel": CHANNEL,
        "constrains": list(constrains),
        "depends": list(depends),
        "extracted_package_dir": extracted,
        "files": [p["_path"] for p in paths],
        "fn": fn,
        "license": license or "LicenseRef-Unknown",
        "link": {"source": extracted, "type": 1},
        "md5": hashlib.md5(listing).hexdigest(),
        "name": name,
        "package_tarball_full_path": f"{PKGS_DIR}/{fn}",
        "paths_data": {"paths": [dict(p) for p in paths], "paths_version": 1},
        # conda wrote the literal string "None" for packages pulled in as
        # dependencies, the user's spec for the ones asked for.
        "requested_spec": name if requested else "None",
        "sha256": hashlib.sha256(listing).hexdigest(),
        "size": sum(int(p.get("size_in_bytes", 0)) for p in paths) // 3,
        "subdir": "noarch" if noarch else subdir,
        "timestamp": TIMESTAMP,
        "url": f"{CHANNEL}{'noarch' if noarch else subdir}/{fn}",
        "version": version,
    }
    if noarch:
        record["noarch"] = "python"
        record["package_type"] = "noarch_python"
    return record


def python_records(prefix: str, py_version: str, subdir: str) -> list[dict[str, Any]]:
    """Records for the interpreter: ``python`` (owning the venv's ``bin/python*``
    links) and ``python_abi``, which compiled packages depend on."""
    major, minor = py_version.split(".")[:2]
    links = [f"bin/python{v}" for v in ("", major, f"{major}.{minor}")]
    paths = [
        path_entry_from_disk(prefix, rel, "softlink")
        for rel in links
        if os.path.exists(os.path.join(prefix, rel))
    ]
    variant = hashlib.sha1(f"python-{py_version}".encode()).hexdigest()[:7]
    python = make_record(
        name="python",
        version=py_version,
        build=f"h{variant}_0_cpython",
        subdir=subdir,
        depends=[],
        paths=paths,
        requested=True,
        license="Python-2.0",
    )
    abi = make_record(
        name="python_abi",
        version=f"{major}.{minor}",
        build=f"8_cp{major}{minor}",
        subdir=subdir,
        depends=[],
        constrains=[f"python {major}.{minor}.* *_cpython"],
        paths=[],
        requested=False,
        license="BSD-3-Clause",
    )
    return [python, abi]


def write_record(prefix: str, record: Mapping[str, Any]) -> str:
    """Write one record; returns its path relative to the prefix."""
    rel = f"conda-meta/{record['name']}-{record['version']}-{record['build']}.json"
    with open(os.path.join(prefix, rel), "w", encoding="utf-8") as fh:
        json.dump(record, fh, indent=2, sort_keys=True)
        fh.write("\n")
    return rel


def write_history(prefix: str, records: Sequence[Mapping[str, Any]]) -> None:
    """One ``conda create`` revision that linked every record."""
    requested = [str(r["name"]) for r in records if r["requested_spec"] != "None"]
    lines = [
        "==> 2025-01-01 00:00:00 <==",
        f"# cmd: /opt/conda/bin/conda create -p {prefix} {' '.join(requested)}",
        "# conda version: 24.11.3",
    ]
    lines += [
        f"+conda-forge/{r['subdir']}::{r['name']}-{r['version']}-{r['build']}"
        for r in sorted(records, key=lambda r: str(r["name"]))
    ]
    lines.append(f"# update specs: {requested!r}")
    with open(os.path.join(prefix, "conda-meta", "history"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
