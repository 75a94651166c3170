"""Render lint findings as strings.  Renderers never print.

``lint_text`` writes one ``FILE:LINE: severity code: message`` line per
finding (the form editors, pre-commit and CI logs link to a line) and a
summary; ``lint_json`` writes schema ``reconcile.lint/1``.  Both take the
files in the order they were linted, with the findings of each; files that
could not be read are the CLI's one-line errors, passed in as ``errors``
so that the JSON document still lists them.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence

from . import __version__
from .models import Finding, Severity

__all__ = ["LINT_SCHEMA", "lint_json", "lint_text"]

LINT_SCHEMA = "reconcile.lint/1"

#: (file as given, its findings)
Results = Sequence[tuple[str, Sequence[Finding]]]


def _counts(findings: Iterable[Finding]) -> dict[str, int]:
    c = Counter(f.severity for f in findings)
    return {s.label: c.get(s, 0) for s in sorted(Severity, reverse=True)}


def _all(results: Results) -> list[Finding]:
    return [f for _, findings in results for f in findings]


def lint_text(results: Results) -> str:
    lines = [
        f"{f.evidence['file']}:{f.evidence['line']}: {f.severity.label} {f.code}: {f.message}"
        for _, findings in results
        for f in findings
    ]
    files = len(results)
    checked = f"{files} file" + ("" if files == 1 else "s")
    counts = _counts(_all(results))
    if any(counts.values()):
        e, w, i = counts["error"], counts["warning"], counts["info"]
        lines.append(
            f"{e} error{'' if e == 1 else 's'}, {w} warning{'' if w == 1 else 's'}, "
            f"{i} info in {checked}"
        )
    elif files:
        lines.append(f"no problems found in {checked}")
    return "\n".join(lines) + "\n" if lines else ""


def lint_json(results: Results, errors: Sequence[tuple[str, str]] = ()) -> str:
    doc = {
        "schema": LINT_SCHEMA,
        "reconcile_version": __version__,
        "files": [path for path, _ in results],
        "findings": [f.to_dict() for f in _all(results)],
        "errors": [{"file": path, "message": message} for path, message in errors],
        "summary": _counts(_all(results)),
    }
    return json.dumps(doc, indent=2) + "\n"
