"""What the findings mean for this project: settings and a baseline applied to them.

Between ``check`` and ``render``: a severity override changes a finding's
severity; an ignore (with its reason) takes a finding out of the report; a
baseline marks the findings that were already there when it was written, so
only new ones fail.  The exit code is decided from the :class:`Outcome` alone.

Baseline matching uses :func:`fingerprint`: the code, the package and the
evidence that names *what* is wrong (the record, the spec or requirement, the
path, the owners), never what changes from run to run or machine to machine
(counts, example paths, versions installed now, channel URLs, absolute paths
of editable sources).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import posixpath
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from packaging.utils import canonicalize_name

from . import __version__
from ._conda import spec_name
from .config import Config, Ignore
from .errors import ReconcileError
from .models import Finding, Severity, at_or_above

__all__ = [
    "BASELINE_SCHEMA",
    "BaselineEntry",
    "InvalidBaseline",
    "Outcome",
    "apply_policy",
    "baseline_json",
    "fingerprint",
    "parse_baseline",
]

BASELINE_SCHEMA = "reconcile.baseline/1"


class InvalidBaseline(ReconcileError):
    """A baseline file that is not one reconcile wrote."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"baseline {source}: {reason}")


def _identity(finding: Finding) -> list[str]:
    """What tells this finding apart from others of its code and package, and
    stays the same from run to run (no counts, no installed versions)."""
    f = finding
    parts: list[str] = []
    if f.code in ("stale-dist-info", "invalid-record", "legacy-metadata", "record-outside-prefix"):
        # The broken file is the finding.
        parts.extend(sorted(f.paths or (f.path or "",)))
    elif f.file is not None:
        parts.append(f.file)  # not the line: lines move when a file is edited
    named = (
        ("site_packages", f.site_packages),
        ("kind", f.kind),
        ("renamed", f.renamed),
        ("field", f.metadata_field),
    )
    parts.extend(f"{key}={value}" for key, value in named if value is not None)
    if f.owners:
        parts.append("owners=" + ",".join(sorted(f.owners)))
    if f.spec is not None:
        parts.append("spec-name=" + spec_name(f.spec))
    if f.requirement is not None:
        parts.append("requires=" + canonicalize_name(spec_name(f.requirement)))
    if f.code == "duplicate-distribution" and f.paths:
        parts.append(posixpath.dirname(f.paths[0]))  # the site-packages
    return parts


def fingerprint(finding: Finding) -> str:
    """A stable id of the problem a finding reports: a digest of the code, the
    package and the evidence that names *what* is wrong (see the module docstring).

    The baseline matches on it, and SARIF's ``partialFingerprints`` carry it."""
    parts = [finding.code, finding.package, *_identity(finding)]
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, kw_only=True, slots=True)
class BaselineEntry:
    fingerprint: str
    code: str
    package: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return dataclasses.asdict(self)


@dataclass(frozen=True, kw_only=True, slots=True)
class Outcome:
    """The findings to report, and what settings and baseline did to them."""

    findings: tuple[Finding, ...]
    """Reported findings: overrides applied, ignored ones removed, known ones kept."""
    fail_on: str = "error"
    ignored: tuple[tuple[Finding, Ignore], ...] = ()
    expired: tuple[Ignore, ...] = ()
    """Ignores past their date: they silence nothing, and say so."""
    unused: tuple[Ignore, ...] = ()
    """Live ignores that matched no finding (the problem may be fixed)."""
    config: str | None = None
    baseline: str | None = None
    known: frozenset[str] = frozenset()
    """Fingerprints of reported findings that the baseline already holds."""
    fixed: tuple[BaselineEntry, ...] = ()
    """Baseline entries that no finding matches any more."""

    def is_known(self, finding: Finding) -> bool:
        return bool(self.known) and fingerprint(finding) in self.known

    def failing(self) -> tuple[Finding, ...]:
        """New findings at or above ``fail_on``: the ones that set exit code 1."""
        return at_or_above((f for f in self.findings if not self.is_known(f)), self.fail_on)

    def expired_matches(self, ignore: Ignore) -> list[Finding]:
        return [f for f in self.findings if ignore.matches(f.code, f.package)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "fail_on": self.fail_on,
            "failing": len(self.failing()),
            "config": self.config,
            "ignored": [{"finding": f.to_dict(), "ignore": i.to_dict()} for f, i in self.ignored],
            "expired_ignores": [i.to_dict() for i in self.expired],
            "unused_ignores": [i.to_dict() for i in self.unused],
            "baseline": self.baseline,
            "known": len([f for f in self.findings if self.is_known(f)]),
            "fixed": [e.to_dict() for e in self.fixed],
        }


def apply_policy(
    findings: Iterable[Finding],
    config: Config,
    *,
    fail_on: str | None = None,
    baseline: Sequence[BaselineEntry] | None = None,
    baseline_source: str | None = None,
    today: dt.date | None = None,
) -> Outcome:
    """Apply ``config`` (and ``baseline``) to ``findings``.

    ``fail_on`` from the command line wins over the settings file; the
    default is ``error``.
    """
    today = today or dt.date.today()
    overrides: Mapping[str, Severity] = config.severity or {}
    live = [i for i in config.ignores if not i.expired(today)]
    expired = tuple(i for i in config.ignores if i.expired(today))
    kept: list[Finding] = []
    ignored: list[tuple[Finding, Ignore]] = []
    used: set[int] = set()
    for finding in findings:
        if finding.code in overrides:
            finding = dataclasses.replace(finding, severity=overrides[finding.code])
        match = next((i for i in live if i.matches(finding.code, finding.package)), None)
        if match is None:
            kept.append(finding)
        else:
            ignored.append((finding, match))
            used.add(id(match))
    known: frozenset[str] = frozenset()
    fixed: tuple[BaselineEntry, ...] = ()
    if baseline is not None:
        now = {fingerprint(f) for f in kept}
        before = {e.fingerprint for e in baseline}
        known = frozenset(now & before)
        fixed = tuple(e for e in baseline if e.fingerprint not in now)
    return Outcome(
        findings=tuple(kept),
        fail_on=fail_on or config.fail_on or "error",
        ignored=tuple(ignored),
        expired=expired,
        unused=tuple(i for i in live if id(i) not in used),
        config=str(config.path) if config.path else None,
        baseline=baseline_source,
        known=known,
        fixed=fixed,
    )


def baseline_json(findings: Iterable[Finding]) -> str:
    """A baseline file for ``findings``: sorted, without dates, so it diffs well."""
    entries = {
        fingerprint(f): BaselineEntry(
            fingerprint=fingerprint(f), code=f.code, package=f.package, message=f.message
        )
        for f in findings
    }
    ordered = sorted(entries.values(), key=lambda e: (e.code, e.package, e.fingerprint))
    document = {
        "schema": BASELINE_SCHEMA,
        "reconcile_version": __version__,
        "findings": [e.to_dict() for e in ordered],
    }
    return json.dumps(document, indent=2) + "\n"


def parse_baseline(text: str, source: str) -> tuple[BaselineEntry, ...]:
    """Entries of a baseline file written by :func:`baseline_json`."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise InvalidBaseline(source, f"not JSON ({exc})") from exc
    if not isinstance(document, dict) or document.get("schema") != BASELINE_SCHEMA:
        raise InvalidBaseline(source, f"not a {BASELINE_SCHEMA} document")
    entries = document.get("findings")
    if not isinstance(entries, list):
        raise InvalidBaseline(source, "'findings' must be a list")
    out = []
    for n, raw in enumerate(entries, start=1):
        fields = ("fingerprint", "code", "package", "message")
        if not isinstance(raw, dict) or not all(isinstance(raw.get(k), str) for k in fields):
            raise InvalidBaseline(source, f"entry {n} needs the strings {', '.join(fields)}")
        out.append(BaselineEntry(**{k: raw[k] for k in fields}))
    return tuple(out)
