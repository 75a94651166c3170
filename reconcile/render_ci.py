"""Stage 4 for CI: findings as SARIF 2.1.0, JUnit XML and GitHub workflow commands.

Like :mod:`reconcile.render`, every function returns a string and never
prints.  They take the final findings: whatever the CLI did to them between
``check`` and here (severity overrides, ignores, a baseline) stands, and no
severity is recomputed.  ``fail_on`` only decides what counts as a failure.

Each finding is pinned to the file that carries its evidence
(:func:`evidence_files`): the ``conda-meta/*.json`` record for conda-side
findings, a dist-info's METADATA for pip-side ones, the clobbered file for a
clobber.  Findings of other commands that carry ``{"file": path, "line": n}``
evidence (an environment.yml linter) get that file and line.

The functions accept ``graph=None`` for findings that do not come from a
prefix; paths are then written as the findings give them.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import xml.etree.ElementTree as ET
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from . import __version__
from .check import CODES
from .graph import Graph
from .models import Finding, InstalledDist, Severity
from .policy import fingerprint

__all__ = [
    "INFORMATION_URI",
    "SARIF_SCHEMA",
    "Location",
    "audit_github",
    "audit_junit",
    "audit_sarif",
    "evidence_files",
    "fingerprint",
    "github_escape_data",
    "github_escape_property",
]

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
        "uninstall leaves them alone (\"outside of prefix\"). Informational; check what wrote "
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
_GITHUB = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


# --------------------------------------------------------------------------
# where the evidence lives


@dataclass(frozen=True, slots=True)
class Location:
    """A file (or folder) that carries a finding's evidence.

    ``path`` is relative to the audited prefix (POSIX), or absolute when it
    lies outside it (a user site); findings without a prefix keep the path
    they were given.  ``line`` is 1-based when the finding names one.
    """

    path: str
    line: int | None = None
    directory: bool = False


# Evidence keys holding paths of files that exist, most telling first, per
# code.  missing-file's "paths" are the files that are gone: not evidence one
# can open, so its record comes alone.
_KEYS_BY_CODE: Mapping[str, tuple[str, ...]] = {
    "altered-file": ("paths", "conda_record"),
    "file-clobber": ("paths", "renamed"),
    "missing-file": ("conda_record",),
    "duplicate-distribution": ("paths",),
}
_KEYS = ("file", "conda_record", "path", "installed_dist", "paths")


def evidence_files(finding: Finding, graph: Graph | None = None) -> tuple[Location, ...]:
    """The files that carry ``finding``'s evidence, the primary one first;
    empty when the evidence names none.

    A metadata folder is replaced by the file in it that says what the
    finding is about (METADATA; direct_url.json for an editable install),
    using the folder's member list that discovery read: renderers do not
    read the disk.
    """
    ev = finding.evidence
    out: list[Location] = []
    for key in _KEYS_BY_CODE.get(finding.code, _KEYS):
        value = ev.get(key)
        paths = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        if key == "paths" and isinstance(ev.get("effective"), str):
            # A duplicate: the copies that lost come first, they are the debris.
            paths = sorted(paths, key=lambda p: p == ev["effective"])
        for path in paths:
            if not isinstance(path, str) or not path:
                continue
            line = ev.get("line") if key == "file" else None
            loc = _metadata_file(path, finding.code, graph)
            if isinstance(line, int) and not isinstance(line, bool) and line > 0:
                loc = Location(loc.path, line=line)
            if loc not in out:
                out.append(loc)
    return tuple(out)


def _metadata_file(path: str, code: str, graph: Graph | None) -> Location:
    if not path.endswith((".dist-info", ".egg-info")):
        return Location(path)
    dist = _dist_at(graph, path) if graph is not None else None
    if dist is None:
        # Debris discovery did not list (no METADATA at all): the folder itself.
        return Location(path, directory=path.endswith(".dist-info"))
    if dist.kind not in ("dist-info", "egg-info"):
        return Location(path)  # an egg-info file or an egg-link: a file already
    wanted = ("METADATA", "RECORD", "INSTALLER") if dist.kind == "dist-info" else ("PKG-INFO",)
    if code == "editable-install":
        wanted = ("direct_url.json", *wanted)  # PEP 610: where it points
    for name in wanted:
        if name in dist.members:
            return Location(f"{path}/{name}")
    return Location(path, directory=True)


def _dist_at(graph: Graph, path: str) -> InstalledDist | None:
    state = graph.state
    sites = (state.site_packages, *state.other_site_packages, state.user_site)
    for site in sites:
        if site is not None and (path == site.path or path.startswith(site.path + "/")):
            for dist in site.dists:
                if dist.path == path or path.endswith("/" + dist.path.rsplit("/", 1)[-1]):
                    return dist
    return None


def _prefix(graph: Graph | None) -> str | None:
    return None if graph is None else os.path.abspath(graph.state.prefix)


def _shown_path(loc: Location, prefix: str | None) -> str:
    """The path a person (or GitHub's runner) can open: absolute when there is
    a prefix, else as given."""
    if prefix is None or os.path.isabs(loc.path):
        return loc.path
    return posixpath.join(Path(prefix).as_posix(), loc.path)


# --------------------------------------------------------------------------
# SARIF 2.1.0


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


def _text(finding: Finding) -> str:
    """The message a person reads, led by the package when there is one."""
    return f"{finding.package}: {finding.message}" if finding.package else finding.message


def _known(finding: Finding, known: Collection[str] | None) -> bool:
    """In the baseline (``known`` holds its fingerprints; None: no baseline)."""
    return known is not None and fingerprint(finding) in known


def _result(
    finding: Finding,
    index: int,
    graph: Graph | None,
    prefix: str | None,
    known: Collection[str] | None,
) -> dict[str, Any]:
    files = evidence_files(finding, graph)
    primary = files[0] if files else Location("", directory=True)  # the prefix itself
    digest = fingerprint(finding)
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": index,
        "level": _LEVELS[finding.severity],
        "message": {"text": _text(finding)},
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


def audit_sarif(
    graph: Graph | None,
    findings: Sequence[Finding],
    *,
    codes: Mapping[str, tuple[Severity, str]] = CODES,
    known: Collection[str] | None = None,
) -> str:
    """One SARIF 2.1.0 log with one run: a rule per code of ``codes`` (and
    per other code the findings use), a result per finding; with ``known``
    (the baseline's fingerprints), each result's ``baselineState``."""
    prefix = _prefix(graph)
    rule_ids = list(codes)
    rule_ids += sorted({f.code for f in findings} - set(codes))
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
        "results": [_result(f, index[f.code], graph, prefix, known) for f in findings],
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


# --------------------------------------------------------------------------
# JUnit XML


def _threshold(fail_on: str) -> Severity | None:
    return None if fail_on == "never" else Severity.from_label(fail_on)


# XML 1.0 allows neither C0 controls other than tab/newline/CR nor lone
# surrogates (a path decoded with surrogateescape).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return _XML_ILLEGAL.sub("\ufffd", text)


def _groups(
    findings: Iterable[Finding], codes: Mapping[str, tuple[Severity, str]]
) -> Iterator[tuple[str, dict[str, list[Finding]]]]:
    by_code: dict[str, dict[str, list[Finding]]] = {code: {} for code in codes}
    for f in findings:
        by_code.setdefault(f.code, {}).setdefault(f.package, []).append(f)
    yield from by_code.items()


def _set_counts(element: ET.Element, tests: int, failures: int) -> None:
    for key, value in (("tests", tests), ("failures", failures), ("errors", 0), ("skipped", 0)):
        element.set(key, str(value))
    element.set("time", "0")


def audit_junit(
    graph: Graph | None,
    findings: Sequence[Finding],
    fail_on: str,
    *,
    codes: Mapping[str, tuple[Severity, str]] = CODES,
    known: Collection[str] | None = None,
) -> str:
    """JUnit XML: a testsuite per code, a testcase per code and package.

    A testcase fails when one of its findings is at or above ``fail_on`` and
    not in the baseline (``known``: its fingerprints).
    Findings below it leave the testcase passing, with the messages in its
    ``system-out`` (not ``skipped``: the check did run).  A code without any
    finding has one passing testcase, ``all packages``, so the report shows
    what was checked.
    """
    threshold = _threshold(fail_on)
    prefix = _prefix(graph)
    root = ET.Element("testsuites", name="reconcile audit")
    totals = [0, 0]
    for code, packages in _groups(findings, codes):
        suite = ET.SubElement(root, "testsuite", name=code)
        props = ET.SubElement(suite, "properties")
        if prefix is not None:
            ET.SubElement(props, "property", name="prefix", value=_xml_text(prefix))
        ET.SubElement(props, "property", name="fail-on", value=fail_on)
        ET.SubElement(props, "property", name="reconcile", value=__version__)
        classname = f"reconcile.{code}"
        failures = 0
        if not packages:
            ET.SubElement(suite, "testcase", classname=classname, name="all packages", time="0")
        for package, group in sorted(packages.items()):
            case = ET.SubElement(
                suite, "testcase", classname=classname, name=_xml_text(package), time="0"
            )
            files = evidence_files(group[0], graph)
            if files:
                case.set("file", _xml_text(_shown_path(files[0], prefix)))
            lines = []
            for f in group:
                where = [_shown_path(loc, prefix) for loc in evidence_files(f, graph)]
                mark = " [in baseline]" if _known(f, known) else ""
                lines.append(f"{f.severity.label}: {f.message}{mark}")
                lines.extend(f"  evidence: {w}" for w in where)
            body = _xml_text("\n".join(lines) + "\n")
            new = [f for f in group if not _known(f, known)]
            worst = max(new or group, key=lambda f: f.severity)
            if threshold is not None and new and worst.severity >= threshold:
                failures += 1
                failure = ET.SubElement(
                    case,
                    "failure",
                    type=code,
                    message=_xml_text(f"{worst.severity.label}: {worst.message}"),
                )
                failure.text = body
            else:
                ET.SubElement(case, "system-out").text = body
        tests = max(len(packages), 1)
        _set_counts(suite, tests, failures)
        totals[0] += tests
        totals[1] += failures
    _set_counts(root, *totals)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


# --------------------------------------------------------------------------
# GitHub workflow commands


def github_escape_data(text: str) -> str:
    """A workflow command's message: ``%``, CR and LF are percent-encoded."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_escape_property(text: str) -> str:
    """A workflow command's property value: as data, plus ``:`` and ``,``."""
    return github_escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _counts_line(findings: Sequence[Finding], fail_on: str, known: Collection[str] | None) -> str:
    n = {s: sum(f.severity is s for f in findings) for s in Severity}
    counts = (
        f"{n[Severity.ERROR]} error{'s' * (n[Severity.ERROR] != 1)}, "
        f"{n[Severity.WARNING]} warning{'s' * (n[Severity.WARNING] != 1)}, "
        f"{n[Severity.INFO]} info"
    )
    threshold = _threshold(fail_on)
    if threshold is None:
        return f"{counts} (--fail-on never)"
    failing = sum(f.severity >= threshold and not _known(f, known) for f in findings)
    base = f" (new; {sum(_known(f, known) for f in findings)} in the baseline)" if known else ""
    return f"{counts}; {failing} at or above --fail-on {fail_on}{base}"


def audit_github(
    graph: Graph | None,
    findings: Sequence[Finding],
    fail_on: str,
    *,
    known: Collection[str] | None = None,
) -> str:
    """One ``::error`` / ``::warning`` / ``::notice`` line per finding, at
    its own severity (a finding in the baseline, ``known``, is a notice: it
    does not fail the run), then a one-line summary.

    ``file`` is absolute for paths in a prefix: the runner makes a path under
    the workspace relative to the repository and ignores one outside it.
    """
    prefix = _prefix(graph)
    lines = []
    for f in findings:
        old = _known(f, known)
        title = f"{f.code} ({f.package})" if f.package else f.code
        props = [("title", title + (" [in baseline]" if old else ""))]
        files = evidence_files(f, graph)
        if files and not files[0].directory:
            props.append(("file", _shown_path(files[0], prefix)))
            if files[0].line is not None:
                props.append(("line", str(files[0].line)))
        head = ",".join(f"{k}={github_escape_property(v)}" for k, v in props)
        level = "notice" if old else _GITHUB[f.severity]
        lines.append(f"::{level} {head}::{github_escape_data(_text(f))}")
    where = f" of {prefix}" if prefix is not None else ""
    what = "reconcile audit" if graph is not None else "reconcile"
    lines.append(f"{what}{where}: {_counts_line(findings, fail_on, known)}")
    return "\n".join(lines) + "\n"
