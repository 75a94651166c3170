"""Read and write ``*.dist-info`` folders (PEP 376/627, the wheel spec's RECORD).

The bench builds prefixes whose Python metadata must look exactly like what
pip leaves behind, because reconcile and its peers (pip, uv, pipdeptree) all
parse it: METADATA in email-header form, RECORD as CSV rows of
``path,sha256=<urlsafe b64, no padding>,size`` with RECORD itself unhashed.
"""

from __future__ import annotations

import base64
import csv
import email.parser
import hashlib
import io
import os
import posixpath
from dataclasses import dataclass

__all__ = [
    "DistInfo",
    "read_dist_infos",
    "record_hash",
    "rewrite_installer",
    "write_record",
]


@dataclass(frozen=True)
class DistInfo:
    """What the bench needs from one installed distribution."""

    name: str  # as written in METADATA
    version: str
    folder: str  # prefix-relative path of the .dist-info folder
    requires: tuple[str, ...]  # Requires-Dist lines, verbatim
    requires_python: str | None
    license: str | None
    purelib: bool  # WHEEL's Root-Is-Purelib: conda's noarch: python
    files: tuple[str, ...]  # RECORD paths, prefix-relative


def record_hash(data: bytes) -> str:
    """The RECORD hash field: ``sha256=`` + urlsafe base64 without padding."""
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _headers(text: str) -> email.message.Message:
    # METADATA is RFC 822-style headers (core metadata spec); the body is
    # the long description, which nothing here needs.
    return email.parser.HeaderParser().parsestr(text)


def _record_paths(site_rel: str, text: str) -> tuple[str, ...]:
    """RECORD paths made prefix-relative (``../../../bin/x`` -> ``bin/x``)."""
    out = []
    for row in csv.reader(io.StringIO(text)):
        if row and row[0]:
            out.append(posixpath.normpath(posixpath.join(site_rel, row[0])))
    return tuple(out)


def _read_text(path: str) -> str:
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def read_dist_infos(prefix: str, site_rel: str) -> list[DistInfo]:
    """Every ``*.dist-info`` in ``prefix/site_rel``, sorted by folder name."""
    site = os.path.join(prefix, site_rel)
    dists = []
    for entry in sorted(os.listdir(site)):
        if not entry.endswith(".dist-info"):
            continue
        folder = os.path.join(site, entry)
        meta = _headers(_read_text(os.path.join(folder, "METADATA")))
        wheel_path = os.path.join(folder, "WHEEL")
        wheel = _headers(_read_text(wheel_path)) if os.path.exists(wheel_path) else None
        license_text = meta.get("License-Expression") or meta.get("License")
        dists.append(
            DistInfo(
                name=str(meta["Name"]),
                version=str(meta["Version"]),
                folder=f"{site_rel}/{entry}",
                requires=tuple(str(r) for r in meta.get_all("Requires-Dist") or ()),
                requires_python=meta.get("Requires-Python"),
                license=license_text if license_text and "\n" not in license_text else None,
                purelib=wheel is None or wheel.get("Root-Is-Purelib", "true") == "true",
                files=_record_paths(site_rel, _read_text(os.path.join(folder, "RECORD"))),
            )
        )
    return dists


def _record_row(path: str, data: bytes | None) -> list[str]:
    # RECORD's own row has no hash and no size (PEP 376).
    return [path, "", ""] if data is None else [path, record_hash(data), str(len(data))]


def _write_rows(folder: str, rows: list[list[str]]) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    with open(os.path.join(folder, "RECORD"), "w", encoding="utf-8", newline="") as fh:
        fh.write(buf.getvalue())


def write_record(folder: str, rows: list[tuple[str, bytes | None]]) -> None:
    """Write ``folder/RECORD`` for (path relative to site-packages, content)
    pairs; content None marks RECORD itself."""
    _write_rows(folder, [_record_row(path, data) for path, data in rows])


def rewrite_installer(folder: str, installer: str) -> None:
    """Make a pip-written dist-info look conda-installed.

    conda-built packages carry ``INSTALLER`` = ``conda`` and no ``REQUESTED``
    (pip writes that only for what the user named).  RECORD is rewritten to
    match, as it is in the package conda unpacked: its hashes and sizes are
    what reconcile compares with conda's ``paths_data``.
    """
    base = os.path.basename(folder)
    data = f"{installer}\n".encode()
    with open(os.path.join(folder, "INSTALLER"), "wb") as fh:
        fh.write(data)
    requested = os.path.join(folder, "REQUESTED")
    if os.path.exists(requested):
        os.remove(requested)
    rows = []
    for row in csv.reader(io.StringIO(_read_text(os.path.join(folder, "RECORD")))):
        if not row or row[0] == f"{base}/REQUESTED":
            continue
        rows.append(_record_row(row[0], data) if row[0] == f"{base}/INSTALLER" else row)
    _write_rows(folder, rows)
