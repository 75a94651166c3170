"""Stage 4: render results as strings.  Renderers never print or exit.

Formats: ``text`` for people; ``json`` (schemas ``reconcile.audit/1``,
``reconcile.fleet/1``, ``reconcile.graph/1``, ``reconcile.plan/1``) for machines;
``dot`` and ``mermaid`` for the graph.
"""

from __future__ import annotations

import json
import shlex
from collections import Counter
from typing import TYPE_CHECKING, Any

from . import __version__
from .graph import Graph, Node
from .models import Depth, Finding, Severity
from .pipeline import summary
from .plan import CONSTRAINTS, INDEX_URL, Plan, Step
from .policy import Outcome, fingerprint
from .urls import redact_url

if TYPE_CHECKING:
    from .fleet import EnvAudit, FleetReport

__all__ = [
    "AUDIT_SCHEMA",
    "FLEET_SCHEMA",
    "GRAPH_SCHEMA",
    "audit_json",
    "audit_text",
    "fleet_json",
    "fleet_text",
    "graph_dot",
    "graph_json",
    "graph_mermaid",
    "graph_text",
    "plan_json",
    "plan_sh",
    "plan_text",
]

AUDIT_SCHEMA = "reconcile.audit/1"
GRAPH_SCHEMA = "reconcile.graph/1"


_counts = summary


def checked_summary(graph: Graph) -> str:
    """One line that says what this depth checked."""
    depth = graph.state.depth
    base = "metadata, ownership and dependencies of both conda and pip"
    if depth is Depth.QUICK:
        return base + " (--quick: files not checked)"
    files = graph.state.files.checked  # counted by discover as it checked them
    what = "presence, size and sha256" if depth is Depth.DEEP else "presence and size"
    line = f"{base}; {what} of {files:,} conda files ({depth.value})"
    hashed = graph.state.files.hashed
    if hashed:
        # Their record gives the package's size, not theirs: hashed instead.
        line += f"; sha256 of the {_plural(hashed, 'file')} rewritten for the prefix"
    return line


def _python_line(graph: Graph) -> str:
    py = graph.python
    if py is None:
        return "no Python found in this prefix"
    return f"Python {py.version} ({py.source}), {py.platform}, site-packages {py.site_packages}"


def _provenance_counts(graph: Graph) -> str:
    c = Counter(n.provenance.value for n in graph.nodes.values())
    parts = [f"{c[k]} {k}" for k in ("conda", "conda-python", "pip", "conflict") if c.get(k)]
    return f"{len(graph.nodes)} packages: " + ", ".join(parts) if parts else "no packages"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def audit_text(graph: Graph, outcome: Outcome) -> str:
    findings = outcome.findings
    manager = graph.state.manager
    lines = [
        f"reconcile audit of {graph.state.prefix}",
        *([f"managed by {manager.describe()}"] if manager is not None else []),
        _python_line(graph),
        _provenance_counts(graph),
        "checked: " + checked_summary(graph),
        "",
    ]
    for severity in sorted(Severity, reverse=True):
        group = [f for f in findings if f.severity is severity]
        if not group:
            continue
        lines.append(f"{severity.label.upper()} ({len(group)})")
        width = max(len(f.code) for f in group)
        for f in group:
            known = " [in baseline]" if outcome.is_known(f) else ""
            lines.append(f"  {f.code:<{width}}  {f.package}: {f.message}{known}")
        lines.append("")
    counts = _counts(findings)
    if findings:
        lines.append(
            ", ".join(
                [
                    _plural(counts["error"], "error"),
                    _plural(counts["warning"], "warning"),
                    f"{counts['info']} info",
                ]
            )
        )
    else:
        lines.append("no problems found")
    lines.extend(_policy_lines(outcome))
    return "\n".join(lines) + "\n"


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
                f"its {_plural(len(again), 'finding')} reported again"
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


def _node_dict(node: Node) -> dict[str, Any]:
    record = node.record
    return {
        "name": node.key,
        "provenance": node.provenance.value,
        "version": node.version,
        "installed_by": node.installed_by,
        "conda": None
        if record is None
        else {
            "name": record.name,
            "version": record.version,
            "build": record.build,
            "channel": redact_url(record.channel) if record.channel else record.channel,
            "record": record.source,
            "owns": node.owned_dist,
            "ownership": node.ownership.value if node.ownership else None,
        },
        "pip": [
            {
                "name": d.raw_name,
                "version": d.version_text,
                "path": d.path,
                "kind": d.kind,
                "installer": d.installer,
                "requested": d.requested,
                "editable": bool(d.direct_url and d.direct_url.editable) or d.kind == "egg-link",
                "direct_url": redact_url(d.direct_url.url) if d.direct_url else None,
            }
            for d in node.dists
        ],
    }


def _python_dict(graph: Graph) -> dict[str, Any] | None:
    py = graph.python
    if py is None:
        return None
    return {
        "version": str(py.version),
        "site_packages": py.site_packages,
        "platform": py.platform,
        "implementation": py.implementation,
        "source": py.source,
    }


def _manager_dict(graph: Graph) -> dict[str, Any] | None:
    m = graph.state.manager
    if m is None:
        return None
    return {"name": m.name, "version": m.version, "manifest_path": m.manifest_path,
            "environment_name": m.environment_name, "source": m.source}  # fmt: skip


def _finding_dict(finding: Finding, outcome: Outcome) -> dict[str, Any]:
    out = finding.to_dict()
    out["fingerprint"] = fingerprint(finding)
    if outcome.baseline is not None:
        out["baseline"] = "known" if outcome.is_known(finding) else "new"
    return out


def audit_json(graph: Graph, outcome: Outcome) -> str:
    findings = outcome.findings
    doc = {
        "schema": AUDIT_SCHEMA,
        "reconcile_version": __version__,
        "prefix": str(graph.state.prefix),
        "depth": graph.state.depth.value,
        "checked": checked_summary(graph),
        "python": _python_dict(graph),
        "manager": _manager_dict(graph),
        "packages": [_node_dict(n) for n in graph.nodes.values()],
        "findings": [_finding_dict(f, outcome) for f in findings],
        "summary": _counts(findings),
        "policy": outcome.to_dict(),
    }
    return json.dumps(doc, indent=2, sort_keys=False, default=str) + "\n"


# --------------------------------------------------------------------------
# every env of the machine (audit --all)

FLEET_SCHEMA = "reconcile.fleet/1"


def _worst_line(env: EnvAudit) -> str:
    if env.error is not None:
        return f"not audited: {env.error}"
    w = env.worst
    return "-" if w is None else f"[{w.severity.label}] {w.code} {w.package}: {w.message}"


def _fleet_tally(report: FleetReport) -> str:
    kinds = Counter(
        "not audited"
        if e.summary is None
        else "with errors"
        if e.summary["error"]
        else "with warnings only"
        if e.summary["warning"]
        else "without errors or warnings"
        for e in report.envs
    )
    order = ("with errors", "with warnings only", "without errors or warnings", "not audited")
    return ", ".join(f"{kinds[k]} {k}" for k in order if kinds[k])


def fleet_text(report: FleetReport) -> str:
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
        f"reconcile audit of {_plural(len(rows), 'environment')}"
        f" (depth {opts.depth.value}, --fail-on {opts.fail_on})",
        "",
        f"{'ENV':<{width}}  ERRORS  WARNINGS  WORST FINDING",
    ]
    lines += [f"{env:<{width}}  {err:>6}  {warn:>8}  {worst}" for env, err, warn, worst in rows]
    lines.append("")
    for path in report.gone:
        lines.append(f"gone: {path} (listed in environments.txt, no longer exists)")
    lines.append(f"{_fleet_tally(report)}; exit code {report.exit_code}")
    return "\n".join(lines) + "\n"


def fleet_json(report: FleetReport) -> str:
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
                for label in _counts(())
            },
        },
        "exit_code": report.exit_code,
    }
    return json.dumps(doc, indent=2) + "\n"


# --------------------------------------------------------------------------
# the graph itself


def _active_edges(graph: Graph) -> list[tuple[str, str, str]]:
    out = []
    for e in graph.edges:
        if e.resolved and e.active and e.kind != "constrains" and e.source != e.target:
            out.append((e.source, e.target, e.kind))
    return sorted(set(out))


def graph_text(graph: Graph) -> str:
    lines = [
        f"unified graph of {graph.state.prefix}",
        _python_line(graph),
        _provenance_counts(graph),
        "",
    ]
    deps: dict[str, list[str]] = {}
    for src, dst, kind in _active_edges(graph):
        deps.setdefault(src, []).append(f"{dst} ({'conda' if kind == 'depends' else 'pip'})")
    for key, node in graph.nodes.items():
        lines.append(f"{key} {node.version or '(missing)'} [{node.provenance.value}]")
        for dep in deps.get(key, []):
            lines.append(f"  -> {dep}")
    return "\n".join(lines) + "\n"


def graph_json(graph: Graph) -> str:
    doc = {
        "schema": GRAPH_SCHEMA,
        "reconcile_version": __version__,
        "prefix": str(graph.state.prefix),
        "python": _python_dict(graph),
        "nodes": [_node_dict(n) for n in graph.nodes.values()],
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


_DOT_COLORS = {
    "conda": "#43b02a",
    "conda-python": "#2a7ab0",
    "pip": "#f0ad4e",
    "conflict": "#d9534f",
}


def _dot_id(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def graph_dot(graph: Graph) -> str:
    lines = ["digraph reconcile {", "  rankdir=LR;", "  node [shape=box, style=filled];"]
    for key, node in graph.nodes.items():
        label = f"{key}\\n{node.version or 'missing'}"
        color = _DOT_COLORS[node.provenance.value]
        lines.append(f'  {_dot_id(key)} [label="{label}", fillcolor="{color}"];')
    for src, dst, kind in _active_edges(graph):
        style = "solid" if kind == "depends" else "dashed"
        lines.append(f"  {_dot_id(src)} -> {_dot_id(dst)} [style={style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid_id(key: str, ids: dict[str, str]) -> str:
    return ids.setdefault(key, f"n{len(ids)}")


def graph_mermaid(graph: Graph) -> str:
    ids: dict[str, str] = {}
    lines = ["flowchart LR"]
    for key, node in graph.nodes.items():
        label = f"{key} {node.version or 'missing'}".replace('"', "'")
        lines.append(
            f'  {_mermaid_id(key, ids)}["{label}"]:::{node.provenance.value.replace("-", "_")}'
        )
    for src, dst, kind in _active_edges(graph):
        arrow = "-->" if kind == "depends" else "-.->"
        lines.append(f"  {_mermaid_id(src, ids)} {arrow} {_mermaid_id(dst, ids)}")
    for name, color in _DOT_COLORS.items():
        lines.append(f"  classDef {name.replace('-', '_')} fill:{color}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------
# the repair plan

PLAN_SCHEMA = "reconcile.plan/1"


def _plan_args(step: Step, constraints_path: str, index_url: str | None = None) -> list[str]:
    swap = {CONSTRAINTS: constraints_path, INDEX_URL: index_url or INDEX_URL}
    return [swap.get(a, a) for a in step.args]


def _answers(step: Step) -> str:
    return ", ".join(a.replace(":", " ", 1) for a in step.answers)


def plan_text(plan: Plan) -> str:
    lines = [f"reconcile plan for {plan.prefix} (strategy {plan.strategy})", ""]
    if not plan.steps and not plan.explanations:
        lines.append("nothing to do: no finding has an automatic repair")
    for i, step in enumerate(plan.steps, 1):
        shown = _plan_args(step, "pip-constraints.txt", plan.index_url)
        command = "rm -rf " + " ".join(shlex.quote(a) for a in shown) if step.tool == "remove" \
            else shlex.join(shown)  # fmt: skip
        lines.append(f"{i}. {command}")
        if step.answers:
            lines.append(f"   answers: {_answers(step)}")
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


def _comment(text: str) -> str:
    # Names come from files in the prefix: keep them on one comment line.
    return "".join(c if c.isprintable() else "?" for c in text)


def _sh_word(arg: str) -> str:
    """A path (anything with a slash: files, folders, file:// channels) is
    always single-quoted, so a reader sees at once that nothing in it expands;
    other words only when the shell needs it."""
    if "/" in arg or "\\" in arg:
        return "'" + arg.replace("'", "'\"'\"'") + "'"
    return shlex.quote(arg)


def plan_sh(plan: Plan) -> str:
    lines = [
        "#!/usr/bin/env bash",
        _comment(f"# reconcile {__version__} repair plan for {plan.prefix}"),
        f"# strategy: {plan.strategy}; review it before you run it.",
        "# Paths are single-quoted on purpose: a '$' in them is literal.",
        "# shellcheck disable=SC2016",
        "set -euo pipefail",
    ]
    if plan.explanations:
        lines += ["# No set of pip packages fits conda's versions:"]
        lines += [_comment(f"#   {e}") for e in plan.explanations]
        lines += ["echo 'reconcile: no consistent repair exists; see the comments' >&2", "exit 1"]
        return "\n".join(lines) + "\n"
    uses_constraints = any(CONSTRAINTS in s.args for s in plan.steps)
    if uses_constraints:
        lines += [
            'CONSTRAINTS="$(mktemp)"',
            "trap 'rm -f \"$CONSTRAINTS\"' EXIT",
            "cat > \"$CONSTRAINTS\" <<'RECONCILE_CONSTRAINTS'",
            *plan.constraints,
            "RECONCILE_CONSTRAINTS",
        ]
    if plan.files:
        # The rebuild's files go into a fresh folder, quoted heredocs: no
        # expansion inside them.
        lines += ['WORK="$(mktemp -d)"', 'cd "$WORK"']
        for name, content in plan.files:
            end = "RECONCILE_EOF"
            while end in content.splitlines():
                end += "_"
            lines += [f"cat > {shlex.quote(name)} <<'{end}'", *content.splitlines(), end]
    if any(INDEX_URL in s.args for s in plan.steps):
        # The --index-url holds credentials: they are never written here.
        lines += [
            _comment(f"# credentials in --index-url are not shown ({plan.index_url}):"),
            "# export RECONCILE_INDEX_URL='<the --index-url, with its credentials>' first.",
            ': "${RECONCILE_INDEX_URL:?set RECONCILE_INDEX_URL to the --index-url}"',
        ]
    swap = {CONSTRAINTS: '"$CONSTRAINTS"', INDEX_URL: '"$RECONCILE_INDEX_URL"'}
    for i, step in enumerate(plan.steps, 1):
        lines += ["", _comment(f"# {i}. answers: {_answers(step)}"), _comment(f"#    {step.why}")]
        args = [swap.get(a) or _sh_word(a) for a in step.args]
        lines.append(("rm -rf -- " if step.tool == "remove" else "") + " ".join(args))
    for u in plan.unresolved:
        lines.append(_comment(f"# not repaired: {u.finding.code} {u.finding.package}: {u.reason}"))
    return "\n".join(lines) + "\n"


def plan_json(plan: Plan) -> str:
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
