"""``--format github``: findings as GitHub workflow commands (annotations)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..models import Severity, at_or_above, fail_threshold
from ._common import fleet_tally, tally
from ._evidence import evidence_files, is_known, message, shown_path

if TYPE_CHECKING:
    from ..fleet import FleetReport
    from ..reports import FindingsReport

__all__ = ["escape_data", "escape_property", "findings", "fleet"]

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


def _annotations(report: FindingsReport) -> list[str]:
    known, prefix = report.known, report.prefix
    lines = []
    for f in report.findings:
        old = is_known(f, known)
        title = f"{f.code} ({f.package})" if f.package else f.code
        props = [("title", title + (" [in baseline]" if old else ""))]
        files = evidence_files(f, report.dist_at)
        if files and not files[0].directory:
            props.append(("file", shown_path(files[0], prefix)))
            if files[0].line is not None:
                props.append(("line", str(files[0].line)))
        head = ",".join(f"{k}={escape_property(v)}" for k, v in props)
        level = "notice" if old else _LEVELS[f.severity]
        lines.append(f"::{level} {head}::{escape_data(message(f))}")
    return lines


def findings(report: FindingsReport) -> str:
    """One ``::error`` / ``::warning`` / ``::notice`` line per finding, at
    its own severity (a finding in the baseline is a notice: it does not
    fail the run), then a one-line summary.

    ``file`` is absolute for paths in a prefix: the runner makes a path under
    the workspace relative to the repository and ignores one outside it.
    """
    prefix = report.prefix
    lines = _annotations(report)
    where = f" of {prefix}" if prefix is not None else ""
    what = "reconcile audit" if prefix is not None else "reconcile"
    lines.append(f"{what}{where}: {_summary(report)}")
    return "\n".join(lines) + "\n"


def fleet(report: FleetReport) -> str:
    """``audit --all``: each env's annotations and summary line, as its own
    audit writes them, in the listing's order; an env that could not be
    audited is an ``::error`` with the reason; then the fleet's tally."""
    fail_on = report.options.fail_on
    lines = []
    for env in report.envs:
        if env.error is not None:
            title = escape_property("reconcile audit (not audited)")
            lines.append(f"::error title={title}::{escape_data(f'{env.prefix}: {env.error}')}")
            continue
        one = env.findings_report(fail_on)
        lines += _annotations(one)
        lines.append(f"reconcile audit of {env.prefix}: {_summary(one)}")
    for path in report.gone:
        text = f"{path} is listed in environments.txt but no longer exists"
        lines.append(f"::notice title={escape_property('reconcile audit --all')}::"
                     f"{escape_data(text)}")  # fmt: skip
    lines.append(f"reconcile audit --all: {fleet_tally(report)}; exit code {report.exit_code}")
    return "\n".join(lines) + "\n"
