"""``--format github``: findings as GitHub workflow commands (annotations)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..models import Severity, at_or_above, fail_threshold
from ._common import tally
from ._evidence import evidence_files, is_known, message, prefix_of, shown_path

if TYPE_CHECKING:
    from ..reports import FindingsReport

__all__ = ["escape_data", "escape_property", "findings"]

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """A workflow command's message: ``%``, CR and LF are percent-encoded."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: as data, plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _summary(report: FindingsReport) -> str:
    found, fail_on, known = report.findings, report.fail_on, report.known
    counts = tally(found)
    if fail_threshold(fail_on) is None:
        return f"{counts} (--fail-on never)"
    failing = len(at_or_above((f for f in found if not is_known(f, known)), fail_on))
    old = sum(is_known(f, known) for f in found)
    base = f" (new; {old} in the baseline)" if known else ""
    return f"{counts}; {failing} at or above --fail-on {fail_on}{base}"


def findings(report: FindingsReport) -> str:
    """One ``::error`` / ``::warning`` / ``::notice`` line per finding, at
    its own severity (a finding in the baseline is a notice: it does not
    fail the run), then a one-line summary.

    ``file`` is absolute for paths in a prefix: the runner makes a path under
    the workspace relative to the repository and ignores one outside it.
    """
    graph, known = report.graph, report.known
    prefix = prefix_of(graph)
    lines = []
    for f in report.findings:
        old = is_known(f, known)
        title = f"{f.code} ({f.package})" if f.package else f.code
        props = [("title", title + (" [in baseline]" if old else ""))]
        files = evidence_files(f, graph)
        if files and not files[0].directory:
            props.append(("file", shown_path(files[0], prefix)))
            if files[0].line is not None:
                props.append(("line", str(files[0].line)))
        head = ",".join(f"{k}={escape_property(v)}" for k, v in props)
        level = "notice" if old else _LEVELS[f.severity]
        lines.append(f"::{level} {head}::{escape_data(message(f))}")
    where = f" of {prefix}" if prefix is not None else ""
    what = "reconcile audit" if graph is not None else "reconcile"
    lines.append(f"{what}{where}: {_summary(report)}")
    return "\n".join(lines) + "\n"
