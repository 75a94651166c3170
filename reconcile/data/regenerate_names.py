"""Regenerate ``names.tsv`` from the conda-forge mapping shipped in the conda-pypi wheel.

Maintainer tool, never imported at runtime::

    python reconcile/data/regenerate_names.py                  # pip download latest
    python reconcile/data/regenerate_names.py --version 0.13.1  # pin the source
    python reconcile/data/regenerate_names.py --wheel conda_pypi-0.13.1-py3-none-any.whl

The wheel carries ``conda_pypi/grayskull_pypi_mapping.json``, a dict keyed by
canonical PyPI name whose values hold ``pypi_name`` and ``conda_name`` (plus
``import_name``, ``mapping_source`` and, for a few version-split packages,
``delimiter_min``/``delimiter_max``, which we do not keep).  The table we write
holds only pairs whose names differ after PEP 503 normalisation; every other
name is answered by the same-name fallback in :mod:`reconcile.names`.
"""

from __future__ import annotations

import argparse
import datetime
import email.parser
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

DEFAULT_OUTPUT = Path(__file__).with_name("names.tsv")
SOURCE_PACKAGE = "conda-pypi"
MAPPING_SUFFIX = "pypi_mapping.json"

# A handful of entries have a run of 60 hex digits as their PyPI name: the
# blake2b directory of a files.pythonhosted.org URL, scraped by the bot in place
# of the project name.  They name no project, so they are dropped.
_URL_HASH = re.compile(r"[0-9a-f]{40,}")


def _pep503(name: str) -> str:
    return canonicalize_name(name)


def download_wheel(dest: Path, version: str | None) -> Path:
    """Fetch the conda-pypi wheel (no dependencies) into *dest* with pip."""
    spec = SOURCE_PACKAGE if version is None else f"{SOURCE_PACKAGE}=={version}"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--dest",
            str(dest),
            spec,
        ],
        check=True,
    )
    wheels = sorted(dest.glob("conda_pypi-*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"expected one conda_pypi wheel in {dest}, found {wheels!r}")
    return wheels[0]


def read_wheel(wheel: Path) -> tuple[dict[str, str], str, Any]:
    """Return (metadata fields, member path of the mapping, decoded mapping)."""
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        metadata_members = [n for n in names if n.endswith(".dist-info/METADATA")]
        mapping_members = [n for n in names if n.endswith(MAPPING_SUFFIX)]
        if len(metadata_members) != 1 or len(mapping_members) != 1:
            raise SystemExit(
                f"{wheel}: expected one METADATA and one *{MAPPING_SUFFIX}, "
                f"found {metadata_members!r} and {mapping_members!r}"
            )
        raw_metadata = zf.read(metadata_members[0]).decode("utf-8")
        mapping = json.loads(zf.read(mapping_members[0]))
    message = email.parser.Parser().parsestr(raw_metadata, headersonly=True)
    metadata = {key: str(message[key]) for key in ("Name", "Version") if message[key]}
    # Core metadata 2.4 (PEP 639) puts the SPDX expression in License-Expression;
    # older wheels only have the free-text License field.
    licence = message["License-Expression"] or message["License"]
    metadata["License"] = str(licence) if licence else "UNKNOWN"
    metadata["METADATA"] = metadata_members[0]
    return metadata, mapping_members[0], mapping


def select_pairs(
    mapping: Mapping[str, Any],
) -> tuple[list[tuple[str, str]], list[str]]:
    """Pick the (conda, canonical PyPI) pairs worth storing.

    Returns the sorted pairs and notes on what was dropped beyond same-name pairs.
    """
    all_pairs: set[tuple[str, str]] = set()
    notes: list[str] = []
    for key, entry in mapping.items():
        conda_name = entry.get("conda_name")
        pypi_name = entry.get("pypi_name") or key
        if not isinstance(conda_name, str) or not isinstance(pypi_name, str):
            notes.append(f"malformed entry {key!r}")
            continue
        conda_name = conda_name.strip()
        pypi = _pep503(pypi_name.strip())
        if _URL_HASH.fullmatch(pypi):
            notes.append(f"{conda_name} -> {pypi[:12]}... (URL hash, not a project name)")
            continue
        all_pairs.add((conda_name, pypi))

    same_name = {c for c, p in all_pairs if _pep503(c) == p}
    kept: list[tuple[str, str]] = []
    for conda_name, pypi in sorted(all_pairs):
        if _pep503(conda_name) == pypi:
            continue
        if conda_name in same_name:
            # The conda package also maps to its own name (cyipopt -> cyipopt and
            # the old alias ipopt).  Storing only the alias would make the lookup
            # answer the alias instead of the same name, so keep the fallback.
            notes.append(f"{conda_name} -> {pypi} (conda name also maps to itself)")
            continue
        kept.append((conda_name, pypi))
    return kept, sorted(notes)


def render(
    pairs: Iterable[tuple[str, str]],
    metadata: Mapping[str, str],
    member: str,
    date: str,
    notes: Iterable[str],
) -> str:
    header = [
        "# conda name -> PyPI distribution name, for pairs that differ after PEP 503",
        "# normalisation; every other name maps to itself (fallback in reconcile/names.py).",
        f"# source: {metadata.get('Name', SOURCE_PACKAGE)} {metadata.get('Version', '?')}"
        f" wheel, {member} (compiled by regro/grayskull)",
        f"# licence: {metadata['License']} (from {metadata['METADATA']})",
        f"# date: {date}",
        "# regenerate: python reconcile/data/regenerate_names.py",
    ]
    header += [f"# dropped: {note}" for note in notes]
    body = [f"{conda}\t{pypi}" for conda, pypi in pairs]
    return "\n".join([*header, *body]) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help="use this conda-pypi wheel instead of pip")
    parser.add_argument("--version", help="conda-pypi version to download (default: latest)")
    parser.add_argument("--date", default=datetime.date.today().isoformat())
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or download_wheel(Path(tmp), args.version)
        metadata, member, mapping = read_wheel(wheel)
    if not isinstance(mapping, dict):
        raise SystemExit(f"{member}: expected a JSON object, got {type(mapping).__name__}")
    pairs, notes = select_pairs(mapping)
    args.output.write_text(
        render(pairs, metadata, member, args.date, notes), encoding="utf-8", newline="\n"
    )
    print(f"wrote {len(pairs)} pairs to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
