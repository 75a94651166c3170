"""The *stress* and *scale* prefixes: thousands of synthetic distributions.

Real layouts, fake projects: each distribution is a wheel-style install
(``name-version.dist-info`` with METADATA, WHEEL, INSTALLER and a RECORD of
sha256 hashes and sizes, plus a package of small modules in a few
sub-packages), most of them owned by a conda record in the same format as
the realistic prefix.  Dependencies form a seeded random DAG skewed toward
low-numbered "base" projects, as real environments lean on a few (numpy,
typing_extensions); some requirements sit behind an extra or a marker that
is false, so reconcile's marker handling is exercised too.  A few problems
of each kind are planted (``PLANTS_PER``) so the findings path is timed,
not only the happy path.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _distinfo import write_record as write_dist_record
from _records import (
    build_string,
    host_subdir,
    make_record,
    marker_environment,
    older_build,
    path_entry,
    python_depends,
    python_records,
    runtime_depends,
    write_history,
    write_record,
)
from _venv import make_venv, pyvenv_version, site_packages_rel

__all__ = ["SyntheticSpec", "build_synthetic"]

PLANTS_PER = 200  # one problem of each kind per this many distributions
_META_FILES = 4  # METADATA, WHEEL, INSTALLER, RECORD
_SUBPACKAGES = 3
_PADDING = b"# padding: synthetic module, sized like a small real one\n"


@dataclass(frozen=True)
class SyntheticSpec:
    """How big a synthetic prefix is; part of its cache key."""

    dists: int
    conda: int  # how many of them conda owns
    files_per_dist: int = 50
    seed: int = 20250101


@dataclass
class _Dist:
    index: int
    version: str
    conda: bool
    noarch: bool
    requires: list[str] = field(default_factory=list)  # Requires-Dist lines
    conda_extra: list[str] = field(default_factory=list)  # a planted conda-only pin
    extra: bool = False
    plant: str | None = None  # which problem it carries, if any

    @property
    def name(self) -> str:
        return f"synth-{self.index:05d}"

    @property
    def module(self) -> str:
        return f"synth_{self.index:05d}"


def _version(rng: random.Random) -> str:
    return f"{rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}"


def _spec_for(version: str, rng: random.Random) -> str:
    """A specifier the installed ``version`` satisfies, in the styles real
    metadata uses."""
    major, minor, _ = version.split(".")
    return rng.choice(["", f">={version}", f">={major}.0,<{int(major) + 1}", f"~={major}.{minor}"])


def _plan(spec: SyntheticSpec) -> list[_Dist]:
    """Decide every distribution's version, owner and dependencies (no I/O)."""
    rng = random.Random(spec.seed)
    conda = set(rng.sample(range(spec.dists), spec.conda))
    dists = [_Dist(i, _version(rng), i in conda, rng.random() < 0.7) for i in range(spec.dists)]
    owned: list[int] = []  # conda-owned indices so far
    for d in dists:
        # conda's solver gave conda's packages conda dependencies; pip's may
        # lean on anything installed.
        pool = list(owned) if d.conda else range(d.index)
        if d.conda:
            owned.append(d.index)  # after the copy: never its own dependency
        if not pool:
            continue
        count = rng.choice((0, 1, 1, 2, 2, 3, 3, 4, 5, 6))
        # Squaring skews the choice to low indices: a few popular bases.
        targets = sorted({pool[int(len(pool) * rng.random() ** 2)] for _ in range(count)})
        for j in targets:
            line = f"{dists[j].name}{_spec_for(dists[j].version, rng)}"
            d.requires.append(line)
        if rng.random() < 0.10:
            d.extra = True
            j = pool[rng.randrange(len(pool))]
            d.requires.append(f'{dists[j].name}>={dists[j].version}; extra == "test"')
        if rng.random() < 0.05:
            d.requires.append(f'{d.name}-compat; python_version < "3.8"')
    _plant(dists, spec, rng)
    return dists


def _plant(dists: list[_Dist], spec: SyntheticSpec, rng: random.Random) -> None:
    """Mark a few distributions with a problem each (disjoint, seeded)."""
    count = max(1, spec.dists // PLANTS_PER)
    owned = [d for d in dists[1:] if d.conda]
    pip_only = [d for d in dists[1:] if not d.conda]
    chosen = rng.sample(owned, min(len(owned), 3 * count))
    for i, d in enumerate(chosen):
        d.plant = ("overwritten", "missing-file", "conda-depends")[i % 3]
        if d.plant == "conda-depends":
            j = rng.choice([o.index for o in owned if o.index < d.index] or [0])
            d.conda_extra.append(f"{dists[j].name} <{dists[j].version}")
    for d in rng.sample(pip_only, min(len(pip_only), count)):
        d.plant = "pip-requires"
        j = rng.randrange(d.index)
        major = int(dists[j].version.split(".")[0])
        d.requires.append(f"{dists[j].name}>={major + 1}.0")


def _module_files(d: _Dist, count: int, rng: random.Random) -> list[tuple[str, bytes]]:
    """``count`` small Python files under the dist's package, in sub-packages."""
    names = [f"{d.module}/__init__.py"]
    names += [f"{d.module}/sub{s}/__init__.py" for s in range(_SUBPACKAGES)]
    names += [
        f"{d.module}/sub{k % _SUBPACKAGES}/mod{k:02d}.py" for k in range(max(0, count - len(names)))
    ]
    out = []
    for path in names[:count]:
        header = f'"""{d.name} {d.version}: {path}."""\n'.encode()
        out.append((path, header + _PADDING * rng.randint(1, 60)))
    return out


def _metadata(d: _Dist) -> bytes:
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {d.name}",
        f"Version: {d.version}",
        f"Summary: synthetic distribution {d.index} for the reconcile benchmark",
        "License: MIT",
        "Requires-Python: >=3.8",
    ]
    if d.extra:
        lines.append("Provides-Extra: test")
    lines += [f"Requires-Dist: {r}" for r in d.requires]
    return ("\n".join(lines) + "\n\n").encode()


def _wheel(d: _Dist) -> bytes:
    tag = "py3-none-any" if d.noarch else "cp311-cp311-manylinux_2_28_x86_64"
    purelib = "true" if d.noarch else "false"
    return (
        f"Wheel-Version: 1.0\nGenerator: reconcile-bench\nRoot-Is-Purelib: {purelib}\nTag: {tag}\n"
    ).encode()


def _write_dist(root: str, site: str, d: _Dist, files: int, rng: random.Random) -> list[Any]:
    """Write one distribution; returns its ``paths_data`` entries."""
    info = f"{d.module}-{d.version}.dist-info"
    installer = b"conda\n" if d.conda and d.plant != "overwritten" else b"pip\n"
    contents = _module_files(d, files - _META_FILES, rng)
    contents += [
        (f"{info}/METADATA", _metadata(d)),
        (f"{info}/WHEEL", _wheel(d)),
        (f"{info}/INSTALLER", installer),
    ]
    for rel, data in contents:
        path = os.path.join(root, site, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(data)
    rows: list[tuple[str, bytes | None]] = [(rel, data) for rel, data in contents]
    write_dist_record(os.path.join(root, site, info), [*rows, (f"{info}/RECORD", None)])
    with open(os.path.join(root, site, info, "RECORD"), "rb") as fh:
        contents.append((f"{info}/RECORD", fh.read()))
    return [path_entry(f"{site}/{rel}", data) for rel, data in sorted(contents)]


def _older_version(version: str) -> str:
    major, rest = version.split(".", 1)
    return f"{int(major) - 1}.{rest}" if major != "0" else f"0.0.{rest}"


def _record(d: _Dist, entries: list[Any], site: str, env: Mapping[str, str]) -> dict[str, Any]:
    version = d.version
    if d.plant == "overwritten":
        version = _older_version(d.version)
        entries = older_build(
            entries,
            f"{site}/{d.module}-{d.version}.dist-info",
            f"{site}/{d.module}-{version}.dist-info",
            version,
        )
    depends = python_depends(d.noarch, ">=3.8", (3, 11)) + runtime_depends(d.requires, env)
    return make_record(
        name=d.name,
        version=version,
        build=build_string(d.name, version, d.noarch, (3, 11)),
        subdir=host_subdir(),
        depends=depends + d.conda_extra,
        paths=entries,
        requested=d.index % 10 == 0,
        license="MIT",
        noarch=d.noarch,
    )


def build_synthetic(
    prefix: Path, spec: SyntheticSpec, log: Callable[[str], None]
) -> dict[str, Any]:
    """Build a synthetic prefix at ``prefix``; returns counts for the stamp."""
    log("creating venv (no pip: the peers bring their own)")
    make_venv(prefix, with_pip=False)
    root, site = str(prefix), site_packages_rel(prefix)
    version = pyvenv_version(prefix)
    if not version.startswith("3.11."):
        # Wheel tags and python_abi pins below are written for CPython 3.11.
        log(f"note: synthetic records assume 3.11; this venv is {version}")
    dists = _plan(spec)
    rng = random.Random(spec.seed + 1)
    env = marker_environment()
    os.makedirs(os.path.join(root, "conda-meta"), exist_ok=True)
    records = python_records(root, version, host_subdir())
    log(f"writing {spec.dists} distributions x {spec.files_per_dist} files")
    for d in dists:
        entries = _write_dist(root, site, d, spec.files_per_dist, rng)
        if d.conda:
            records.append(_record(d, entries, site, env))
        if d.plant == "missing-file":
            os.remove(os.path.join(root, entries[-1]["_path"]))
    for record in records:
        write_record(root, record)
    write_history(root, records)
    planted: dict[str, int] = {}
    for d in dists:
        if d.plant:
            planted[d.plant] = planted.get(d.plant, 0) + 1
    return {
        "distributions": spec.dists,
        "conda_records": len(records),
        "files": spec.dists * spec.files_per_dist,
        "planted": planted,
    }
