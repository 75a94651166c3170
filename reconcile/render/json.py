"""``--format json``: one document per command, each with its own schema.

``reconcile.audit/1``, ``reconcile.fleet/1``, ``reconcile.graph/1``,
``reconcile.plan/1``, ``reconcile.compare/1``, ``reconcile.lint/1``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..models import Finding, severity_counts
from ._common import (
    AUDIT_SCHEMA,
    COMPARE_SCHEMA,
    FLEET_SCHEMA,
    GRAPH_SCHEMA,
    LINT_SCHEMA,
    PLAN_SCHEMA,
    checked_summary,
    node_dict,
    python_dict,
)

if TYPE_CHECKING:
    from ..compare import Comparison, Row
    from ..fleet import FleetReport
    from ..graph import Graph
    from ..plan import Plan
    from ..policy import Outcome
    from ..reports import AuditReport, LintReport

__all__ = ["audit", "compare", "fleet", "graph", "lint", "plan"]


def _manager_dict(graph: Graph) -> dict[str, Any] | None:
    m = graph.state.manager
    if m is None:
        return None
    return {"name": m.name, "version": m.version, "manifest_path": m.manifest_path,
            "environment_name": m.environment_name, "source": m.source}  # fmt: skip


def _finding_dict(finding: Finding, outcome: Outcome) -> dict[str, Any]:
    from ..policy import fingerprint

    out = finding.to_dict()
    out["fingerprint"] = fingerprint(finding)
    if outcome.baseline is not None:
        out["baseline"] = "known" if outcome.is_known(finding) else "new"
    return out


def audit(report: AuditReport) -> str:
    graph, outcome = report.graph, report.outcome
    findings = outcome.findings
    doc = {
        "schema": AUDIT_SCHEMA,
        "reconcile_version": __version__,
        "prefix": str(graph.state.prefix),
        "depth": graph.state.depth.value,
        "checked": checked_summary(graph),
        "python": python_dict(graph),
        "manager": _manager_dict(graph),
        "packages": [node_dict(n) for n in graph.nodes.values()],
        "findings": [_finding_dict(f, outcome) for f in findings],
        "summary": severity_counts(findings),
        "policy": outcome.to_dict(),
    }
    return json.dumps(doc, indent=2, sort_keys=False, default=str) + "\n"


def fleet(report: FleetReport) -> str:
    """``reconcile.fleet/1``: each env's ``summary`` is the one its own audit's
    JSON (``reconcile.audit/1``) would carry."""
    envs = report.envs
    doc = {
        "schema": FLEET_SCHEMA,
        "reconcile_version": __version__,
        "depth": report.options.depth.value,
        "fail_on": report.options.fail_on,
        "environments": [
            {
                "prefix": e.prefix,
                "exit_code": e.exit_code,
                "summary": None if e.summary is None else dict(e.summary),
                "worst": None
                if e.worst is None
                else {
                    "code": e.worst.code,
                    "severity": e.worst.severity.label,
                    "package": e.worst.package,
                    "message": e.worst.message,
                },
                "error": e.error,
            }
            for e in envs
        ],
        "gone": list(report.gone),
        "summary": {
            "environments": len(envs),
            "not_audited": sum(e.summary is None for e in envs),
            **{
                label: sum(e.summary[label] for e in envs if e.summary is not None)
                for label in severity_counts(())
            },
        },
        "exit_code": report.exit_code,
    }
    return json.dumps(doc, indent=2) + "\n"


def graph(graph: Graph) -> str:
    doc = {
        "schema": GRAPH_SCHEMA,
        "reconcile_version": __version__,
        "prefix": str(graph.state.prefix),
        "python": python_dict(graph),
        "nodes": [node_dict(n) for n in graph.nodes.values()],
        "edges": [
            {
                "source": e.source,
                "target": e.target,
                "kind": e.kind,
                "spec": e.spec,
                "resolved": e.resolved,
                "active": e.active,
                "extra": e.via_extra,
            }
            for e in graph.edges
        ],
    }
    return json.dumps(doc, indent=2) + "\n"


def plan(plan: Plan) -> str:
    doc = {
        "schema": PLAN_SCHEMA,
        "reconcile_version": __version__,
        "prefix": str(plan.prefix),
        "strategy": plan.strategy,
        "possible": plan.possible,
        "steps": [s.to_dict() for s in plan.steps],
        "constraints": list(plan.constraints),
        "unresolved": [
            {"finding": u.finding.to_dict(), "reason": u.reason} for u in plan.unresolved
        ],
        "notes": list(plan.notes),
        "files": [{"name": n, "content": c} for n, c in plan.files],
        "explanations": list(plan.explanations),
        "suggestions": list(plan.suggestions),
    }
    if plan.index_url is not None:
        doc["index_url"] = plan.index_url  # masked; "{index_url}" in args stands for it
    return json.dumps(doc, indent=2, default=str) + "\n"


def compare(result: Comparison) -> str:
    from ..urls import redact_text

    def row(r: Row) -> dict[str, Any]:
        return {
            "side": r.side,
            "package": r.package,
            "status": r.status,
            "wants": redact_text(r.wants),
            "has": redact_text(r.has) if r.has else None,
            "detail": redact_text(r.detail) if r.detail else None,
            "file": r.source,
            "line": r.line,
            "asked": r.asked,
        }

    doc = {
        "schema": COMPARE_SCHEMA,
        "prefix": result.prefix,
        "file": result.file,
        "matches": result.matches,
        "mismatches": result.mismatches,
        "rows": [row(r) for r in result.rows],
        "extra": [row(r) for r in result.extra],
        "unreadable": [
            {"file": p.source, "line": p.line, "text": redact_text(p.text), "reason": p.reason}
            for p in result.problems
        ],
        "notes": [redact_text(n) for n in result.notes],
    }
    return json.dumps(doc, indent=2) + "\n"


def lint(report: LintReport) -> str:
    """``reconcile.lint/1``: the files linted, their findings, and the files
    that could not be read (the CLI's one-line errors)."""
    doc = {
        "schema": LINT_SCHEMA,
        "reconcile_version": __version__,
        "files": [path for path, _ in report.linted],
        "findings": [f.to_dict() for f in report.findings],
        "errors": [{"file": path, "message": message} for path, message in report.errors],
        "summary": severity_counts(report.findings),
    }
    return json.dumps(doc, indent=2) + "\n"
