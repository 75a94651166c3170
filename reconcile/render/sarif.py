"""``--format sarif``: findings as one SARIF 2.1.0 log, for GitHub code scanning.

Takes the final findings: whatever the CLI did to them between ``check``
and here (severity overrides, ignores, a baseline) stands, and no severity
is recomputed.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .. import __version__
from ..models import Finding, Severity
from ._evidence import Location, evidence_files, message, prefix_of

if TYPE_CHECKING:
    from ..graph import Graph
    from ..reports import FindingsReport

__all__ = ["HELP", "INFORMATION_URI", "SARIF_SCHEMA", "findings"]

#: The OASIS schema's own id (SARIF 2.1.0 with errata 01).
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
INFORMATION_URI = "https://pypi.org/project/conda-reconcile/"
PREFIX_BASE = "PREFIX"  # the uriBaseId of paths inside the audited prefix

#: What each finding means and what to do about it (SARIF rule help).
HELP: Mapping[str, str] = {
    "pip-overwrote-conda": (
        "pip (or another installer) wrote its own copy of a package over conda's, so "
        "conda-meta describes files that are no longer there and conda will act on stale "
        "records. Reinstall the package with conda (`conda install --force-reinstall`), or "
        "uninstall pip's copy first; `reconcile plan` writes the steps."
    ),
    "pip-removed-conda": (
        "`pip uninstall` removed a package conda installed; conda still records it as "
        "installed. Install it again with conda, or `conda remove` it if nothing needs it."
    ),
    "duplicate-distribution": (
        "Two or more metadata folders for one distribution sit in one site-packages "
        "(`pip install --ignore-installed`, or conda installing over pip). Python and pip see "
        "only one of them; remove the stale copies and reinstall the package once."
    ),
    "file-clobber": (
        "Two packages ship the same file and the last one installed won: uninstalling "
        "either breaks the other. Keep one of the packages, or report the overlap to their "
        "maintainers."
    ),
    "missing-file": (
        "Files a conda record lists are gone from the prefix (deleted by hand, by pip, or "
        "by a cleanup script). Reinstall the package with conda."
    ),
    "altered-file": (
        "A file conda installed no longer has the size (or with --deep the sha256) its "
        "record lists: something rewrote it. Reinstall the package with conda if the change "
        "was not intended."
    ),
    "conda-dependency-unsatisfied": (
        "A conda package's depends or constrains is not met by what is installed now, "
        "often because pip replaced or removed the package it needs. Install a matching "
        "version with conda; `reconcile plan` writes the steps."
    ),
    "pip-dependency-unsatisfied": (
        "A distribution's Requires-Dist is missing or outside its specifier (what "
        "`pip check` reports), whichever installer provides the package. Install a version "
        "that fits, preferably with conda when conda owns the package."
    ),
    "requires-python-mismatch": (
        "A distribution declares a Requires-Python that excludes the environment's Python; "
        "it may fail to import. Install a release built for this Python."
    ),
    "orphaned-site-packages": (
        "A site-packages of another Python version (left after a Python upgrade) still holds "
        "distributions; the environment's Python never reads it. Remove the folder, and "
        "reinstall what is still needed for the current Python."
    ),
    "user-site-leak": (
        "The user site (~/.local/lib/pythonX.Y/site-packages) is on this environment's "
        "sys.path and holds distributions that can shadow the environment's own. Set "
        "PYTHONNOUSERSITE=1 for the environment, or uninstall them from the user site."
    ),
    "stale-dist-info": (
        "A metadata folder that pip can neither use nor uninstall (no METADATA, no RECORD, "
        "unreadable, or not UTF-8). Remove the debris and reinstall the package if it is "
        "still wanted."
    ),
    "legacy-metadata": (
        "Old metadata that packaging 22 and later reject (Requires-Python: >=3.5.*, a "
        "Requires-Dist such as pyarrow (>=0.15.*), a non-PEP 440 Version). pip still reads "
        "and installs over such a distribution, so it is usable; only that field is not "
        "evaluated. Upgrading the package to a release with valid metadata removes it."
    ),
    "record-outside-prefix": (
        "A RECORD lists paths outside the environment. They are never followed, and pip "
        'uninstall leaves them alone ("outside of prefix"). Informational; check what wrote '
        "the row if the distribution did not come from a package index."
    ),
    "invalid-record": (
        "A conda-meta file is not valid JSON, lacks required keys, disagrees with its file "
        "name, or is one of two records for one name. conda cannot act on it reliably: "
        "reinstall that package with conda, or move the broken file out of conda-meta."
    ),
    "editable-install": (
        "An editable or local-path install: the environment imports code from a folder "
        "outside it, which an export cannot recreate from an index. Informational; check "
        "that the folder still exists."
    ),
    "pin-violated": (
        "A package is installed at a version outside the user's pin in conda-meta/pinned, "
        "usually because pip replaced conda's copy (pip does not read conda's pins). "
        "Reinstall a version inside the pin with conda; `reconcile plan` never plans a step "
        "that leaves a pinned package outside its pin."
    ),
    "platform-mismatch": (
        "A wheel built for another Python or platform is installed: the tags in its WHEEL "
        "file fit neither this environment's Python nor its OS and architecture. pip and uv "
        "refuse such a wheel here; it came by `pip install --target` with `--platform` or "
        "`--python-version`, or a copied site-packages. Its compiled modules will likely not "
        "import: reinstall the package with the environment's own pip "
        "(`pip install --force-reinstall --no-deps NAME==VERSION`) or with conda."
    ),
}

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _rule(code: str, codes: Mapping[str, tuple[Severity, str]]) -> dict[str, Any]:
    severity, description = codes.get(code, (Severity.WARNING, code))
    advice = HELP.get(code, description)
    return {
        "id": code,
        "name": "".join(w.capitalize() for w in re.split(r"[^A-Za-z0-9]+", code)),
        "shortDescription": {"text": description[:1].upper() + description[1:]},
        "fullDescription": {"text": advice},
        "help": {"text": f"{advice}\n\nFinding code `{code}` of reconcile {__version__}."},
        "defaultConfiguration": {"level": _LEVELS[severity]},
        "properties": {"tags": ["conda", "pip", "environment"]},
    }


def _artifact(loc: Location, prefix: str | None) -> dict[str, Any]:
    slash = "/" if loc.directory else ""  # RFC 3986: a folder's URI ends with a slash
    if os.path.isabs(loc.path):
        return {"uri": Path(loc.path).as_uri().rstrip("/") + slash}
    uri = quote(loc.path.rstrip("/"), safe="/") + slash
    return {"uri": uri, "uriBaseId": PREFIX_BASE} if prefix is not None else {"uri": uri}


def _physical(loc: Location, prefix: str | None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": _artifact(loc, prefix)}
    if not loc.directory:
        # GitHub code scanning places an alert by region.startLine; a finding
        # about a whole file (a conda record, a METADATA) is anchored at line 1.
        physical["region"] = {"startLine": loc.line or 1}
    return physical


def _result(
    finding: Finding,
    index: int,
    graph: Graph | None,
    prefix: str | None,
    known: Collection[str] | None,
) -> dict[str, Any]:
    from ..policy import fingerprint

    files = evidence_files(finding, graph)
    primary = files[0] if files else Location("", directory=True)  # the prefix itself
    digest = fingerprint(finding)
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": index,
        "level": _LEVELS[finding.severity],
        "message": {"text": message(finding)},
        "locations": [{"physicalLocation": _physical(primary, prefix)}],
        # GitHub matches alerts across runs by primaryLocationLineHash only; a
        # hash of the line's text means nothing for a file-level finding in a
        # prefix outside the repository, so it carries reconcile's own
        # identity of the finding, which is also kept under its own name.
        "partialFingerprints": {"reconcile/v1": digest, "primaryLocationLineHash": digest},
        "properties": {
            "package": finding.package,
            "severity": finding.severity.label,
            "evidence": dict(finding.evidence),
        },
    }
    if known is not None:  # SARIF §3.27.24: relative to the baseline run
        result["baselineState"] = "unchanged" if digest in known else "new"
    if len(files) > 1:
        result["relatedLocations"] = [
            {"id": i, "physicalLocation": _physical(loc, prefix)}
            for i, loc in enumerate(files[1:], start=1)
        ]
    return result


def findings(report: FindingsReport) -> str:
    """One SARIF 2.1.0 log with one run: a rule per code the command can
    report (and per other code the findings use), a result per finding; with
    a baseline, each result's ``baselineState``."""
    graph, codes, known = report.graph, report.codes, report.known
    found = report.findings
    prefix = prefix_of(graph)
    rule_ids = list(codes)
    rule_ids += sorted({f.code for f in found} - set(codes))
    index = {code: i for i, code in enumerate(rule_ids)}
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "reconcile",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_rule(code, codes) for code in rule_ids],
            }
        },
        "results": [_result(f, index[f.code], graph, prefix, known) for f in found],
        "columnKind": "unicodeCodePoints",
    }
    if prefix is not None:
        # SARIF §3.14.14: a base URI ends with a slash.
        run["originalUriBaseIds"] = {
            PREFIX_BASE: {
                "uri": Path(prefix).as_uri().rstrip("/") + "/",
                "description": {"text": "the audited conda prefix"},
            }
        }
    doc = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(doc, indent=2, default=str) + "\n"
