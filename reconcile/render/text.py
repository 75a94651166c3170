"""``--format text``: what each command shows a person."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from ..models import Finding, Severity
from ._common import (
    EDGE_SIDES,
    answers,
    checked_summary,
    drawn_edges,
    fleet_tally,
    plural,
    provenance_counts,
    python_line,
    tally,
    unmet_text,
)

if TYPE_CHECKING:
    from ..compare import Comparison, Row
    from ..fleet import EnvAudit, FleetReport
    from ..plan import Plan, Step
    from ..policy import Outcome
    from ..reports import AuditReport, GraphReport, LintReport

__all__ = ["audit", "compare", "fleet", "graph", "lint", "plan"]


# --------------------------------------------------------------------------
# audit


def audit(report: AuditReport) -> str:
    graph, outcome = report.graph, report.outcome
    findings = outcome.findings
    manager = graph.state.manager
    lines = [
        f"reconcile audit of {graph.state.prefix}",
        *([f"managed by {manager.describe()}"] if manager is not None else []),
        python_line(graph),
        provenance_counts(graph),
        "checked: " + checked_summary(graph),
        "",
    ]
    for severity in sorted(Severity, reverse=True):
        group = [f for f in findings if f.severity is severity]
        if not group:
            continue
        lines.append(f"{severity.label.upper()} ({len(group)})")
        width = max(len(f.code) for f in group)
        for i, f in enumerate(group):
            known = " [in baseline]" if outcome.is_known(f) else ""
            lines.append(f"  {f.code:<{width}}  {f.package}: {f.message}{known}")
            if report.verbose:
                lines.extend(_every_file(f))
            # As uv does: the hint under its finding, in the message's column;
            # said once under the last of the findings one command fixes
            # together (every distribution of one orphaned site-packages).
            after = group[i + 1].hint if i + 1 < len(group) else None
            if f.hint and f.hint != after:
                lines.append(f"  {'':<{width}}  hint: {f.hint}")
        lines.append("")
    lines.append(tally(findings) if findings else "no problems found")
    lines.extend(_policy_lines(outcome))
    lines.extend(_next_steps(report))
    return "\n".join(lines) + "\n"


def _next_steps(report: AuditReport) -> list[str]:
    """With errors, the commands that repair them, each on a line of its own
    and quoted so that it can be pasted into a shell as it is."""
    if not any(f.severity is Severity.ERROR for f in report.findings):
        return []
    prefix = shlex.quote(str(report.graph.state.prefix))
    return [
        "",
        "to repair: see the steps, then carry them out (journalled, with --undo):",
        f"  reconcile plan {prefix}",
        f"  reconcile fix {prefix}",
    ]


def _every_file(finding: Finding) -> list[str]:
    """``audit -v``: each missing or altered file of a finding, one a line
    (the message names only the first; conda doctor -v lists them all)."""
    lines = [f"      missing  {path}" for path in sorted(finding.missing)]
    lines += [f"      altered  {path}: {what}" for path, what in sorted(finding.altered.items())]
    return lines


def _policy_lines(outcome: Outcome) -> list[str]:
    """What settings and the baseline did: said, never silent."""
    lines = []
    if outcome.ignored:
        lines.append(f"ignored by {outcome.config}: {len(outcome.ignored)}")
        lines.extend(
            f"  {f.code} {f.package}: {i.reason}"
            + (f" (until {i.until.isoformat()})" if i.until else "")
            for f, i in outcome.ignored
        )
    for i in outcome.expired:
        again = outcome.expired_matches(i)
        lines.append(
            f"expired ignore ({i.where}): {i.code} for {i.package} ended on "
            f"{i.until.isoformat() if i.until else '?'}; "
            + (
                f"its {plural(len(again), 'finding')} reported again"
                if again
                else "it matches nothing now: remove it"
            )
            + f" (reason given: {i.reason})"
        )
    lines.extend(
        f"unused ignore ({i.where}): no {i.code} finding for {i.package}: fixed? remove it"
        for i in outcome.unused
    )
    if outcome.baseline is not None:
        known = sum(1 for f in outcome.findings if outcome.is_known(f))
        lines.append(
            f"baseline {outcome.baseline}: {known} known, "
            f"{len(outcome.findings) - known} new, {len(outcome.fixed)} fixed"
        )
        lines.extend(f"  fixed: {e.code} {e.package}: {e.message}" for e in outcome.fixed)
    return lines


# --------------------------------------------------------------------------
# every env of the machine (audit --all)


def _worst_line(env: EnvAudit) -> str:
    if env.error is not None:
        return f"not audited: {env.error}"
    w = env.worst
    return "-" if w is None else f"[{w.severity.label}] {w.code} {w.package}: {w.message}"


def fleet(report: FleetReport) -> str:
    """One row per env: its path, error and warning counts, and its worst finding."""
    opts = report.options
    rows = [
        (e.prefix, "-", "-", _worst_line(e))
        if e.summary is None
        else (e.prefix, str(e.summary["error"]), str(e.summary["warning"]), _worst_line(e))
        for e in report.envs
    ]
    width = max(len("ENV"), *(len(r[0]) for r in rows))
    lines = [
        f"reconcile audit of {plural(len(rows), 'environment')}"
        f" (depth {opts.depth.value}, --fail-on {opts.fail_on})",
        "",
        f"{'ENV':<{width}}  ERRORS  WARNINGS  WORST FINDING",
    ]
    lines += [f"{env:<{width}}  {err:>6}  {warn:>8}  {worst}" for env, err, warn, worst in rows]
    lines.append("")
    for path in report.gone:
        lines.append(f"gone: {path} (listed in environments.txt, no longer exists)")
    lines.append(f"{fleet_tally(report)}; exit code {report.exit_code}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------
# the graph itself


def graph(report: GraphReport) -> str:
    """Each package, then its dependencies; a dependency what is installed
    does not satisfy is marked ``BROKEN``, with the spec and what is there."""
    graph = report.graph
    edges = drawn_edges(report)
    broken = sum(1 for *_, unmet in edges if unmet is not None)
    lines = [
        f"unified graph of {graph.state.prefix}",
        python_line(graph),
        provenance_counts(graph),
    ]
    if broken:
        lines.append(f"{broken} broken " + ("dependency" if broken == 1 else "dependencies")
                     + " (marked BROKEN: what is installed does not satisfy it)")  # fmt: skip
    lines.append("")
    deps: dict[str, list[str]] = {}
    for src, dst, kind, unmet in edges:
        mark = f" BROKEN: {unmet_text(unmet)}" if unmet is not None else ""
        deps.setdefault(src, []).append(f"{dst} ({EDGE_SIDES[kind]}){mark}")
    for key, node in graph.nodes.items():
        lines.append(f"{key} {node.version or '(missing)'} [{node.provenance.value}]")
        for dep in deps.get(key, []):
            lines.append(f"  -> {dep}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------
# the repair plan


def _plan_args(step: Step, constraints_path: str, index_url: str | None = None) -> list[str]:
    from ..plan import CONSTRAINTS, INDEX_URL

    swap = {CONSTRAINTS: constraints_path, INDEX_URL: index_url or INDEX_URL}
    return [swap.get(a, a) for a in step.args]


def plan(plan: Plan) -> str:
    from ..plan import CONSTRAINTS, Tool

    lines = [f"reconcile plan for {plan.prefix} (strategy {plan.strategy})", ""]
    if not plan.steps and not plan.explanations:
        lines.append("nothing to do: no finding has an automatic repair")
    for i, step in enumerate(plan.steps, 1):
        shown = _plan_args(step, "pip-constraints.txt", plan.index_url)
        command = "rm -rf " + " ".join(shlex.quote(a) for a in shown) \
            if step.tool is Tool.REMOVE else shlex.join(shown)  # fmt: skip
        lines.append(f"{i}. {command}")
        if step.answers:
            lines.append(f"   answers: {answers(step)}")
        lines.append(f"   why: {step.why}")
    if plan.constraints and any(CONSTRAINTS in s.args for s in plan.steps):
        lines += ["", "pip-constraints.txt (conda's versions; pip must not move them):"]
        lines += [f"  {c}" for c in plan.constraints]
    for name, content in plan.files:
        lines += ["", f"{name}:"] + [f"  {line}" for line in content.splitlines()]
    if plan.notes:
        lines += ["", "Afterwards:"] + [f"  - {n}" for n in plan.notes]
    if plan.explanations:
        lines += ["", "No set of pip packages fits conda's versions:"]
        lines += [f"  {e}" for e in plan.explanations]
        if plan.suggestions:
            lines += ["What you can do:"] + [f"  - {s}" for s in plan.suggestions]
    if plan.unresolved:
        lines += ["", "Not repaired by this plan:"]
        lines += [f"  {u.finding.code} {u.finding.package}: {u.reason}" for u in plan.unresolved]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------
# compare


def _compare_label(row: Row) -> str:
    from ..compare import RowStatus

    # What the env does not meet, and what it has beyond the file, stand out.
    loud = row.status.is_mismatch or row.status is RowStatus.EXTRA
    return row.status.value.upper() if loud else row.status.value


def _row_line(row: Row, width: int) -> str:
    from ..urls import redact_text

    has = row.has or "-"
    detail = f"  ({row.detail})" if row.detail else ""
    return redact_text(f"  {_compare_label(row):<9} {row.wants:<{width}}  {has}{detail}")


def compare(result: Comparison) -> str:
    from ..urls import redact_text

    lines = [f"reconcile compare of {result.prefix}", f"against {result.file}", ""]
    for side in ("conda", "pip"):
        rows = [r for r in result.rows if r.side == side]
        if not rows:
            lines.append(f"{side}: nothing asked for")
            lines.append("")
            continue
        asked, bad, more = result.tally(side)
        unnamed = f"; {more} not in the file were replaced or removed" if more else ""
        lines.append(f"{side}: {asked} asked for, {bad} not met{unnamed}")
        width = min(max(len(r.wants) for r in rows), 48)
        lines.extend(_row_line(r, width) for r in rows)
        lines.append("")
    if result.problems:
        lines.append("lines that could not be read:")
        lines.extend(redact_text(f"  {p}") for p in result.problems)
        lines.append("")
    if result.notes:
        lines.append("notes:")
        lines.extend(redact_text(f"  {n}") for n in result.notes)
        lines.append("")
    if result.extra:
        lines.append(f"installed but not in the file: {len(result.extra)}")
        if result.exact:
            width = min(max(len(r.wants) for r in result.extra), 48)
            lines.extend(_row_line(r, width) for r in result.extra)
        lines.append("")
    n = result.mismatches
    unread = len(result.problems)
    if n == 0 and unread == 0:
        lines.append("the environment matches the file")
    else:
        parts = []
        if n:
            parts.append(f"{n} mismatch" + ("" if n == 1 else "es"))
        if unread:
            parts.append(f"{unread} unreadable line" + ("" if unread == 1 else "s"))
        lines.append("the environment does not match the file: " + ", ".join(parts))
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------
# lint


def lint(report: LintReport) -> str:
    """One ``FILE:LINE: severity code: message`` line per finding (the form
    editors, pre-commit and CI logs link to a line), then a summary."""
    lines = [
        f"{f.file}:{f.line}: {f.severity.label} {f.code}: {f.message}"
        for _, findings in report.files
        for f in findings
    ]
    files = len(report.linted)
    checked = plural(files, "file")
    if report.findings:
        lines.append(f"{tally(report.findings)} in {checked}")
    elif files:
        lines.append(f"no problems found in {checked}")
    return "\n".join(lines) + "\n" if lines else ""
