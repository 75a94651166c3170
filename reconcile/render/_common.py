"""What several formats show alike: counts, the checked line, the JSON of a node."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..models import Depth, DistKind, EdgeKind, Finding, severity_counts
from ..urls import redact_url

if TYPE_CHECKING:
    from ..graph import Graph, Node
    from ..plan import Step

AUDIT_SCHEMA = "reconcile.audit/1"
FLEET_SCHEMA = "reconcile.fleet/1"
GRAPH_SCHEMA = "reconcile.graph/1"
PLAN_SCHEMA = "reconcile.plan/1"
COMPARE_SCHEMA = "reconcile.compare/1"
LINT_SCHEMA = "reconcile.lint/1"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def tally(findings: Iterable[Finding]) -> str:
    """``4 errors, 0 warnings, 1 info``: the counts every summary line shows."""
    counts = severity_counts(findings)
    return (
        f"{plural(counts['error'], 'error')}, {plural(counts['warning'], 'warning')}, "
        f"{counts['info']} info"
    )


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
        line += f"; sha256 of the {plural(hashed, 'file')} rewritten for the prefix"
    return line


def python_line(graph: Graph) -> str:
    py = graph.python
    if py is None:
        return "no Python found in this prefix"
    return f"Python {py.version} ({py.source}), {py.platform}, site-packages {py.site_packages}"


def provenance_counts(graph: Graph) -> str:
    c = Counter(n.provenance.value for n in graph.nodes.values())
    parts = [f"{c[k]} {k}" for k in ("conda", "conda-python", "pip", "conflict") if c.get(k)]
    return f"{len(graph.nodes)} packages: " + ", ".join(parts) if parts else "no packages"


def active_edges(graph: Graph) -> list[tuple[str, str, EdgeKind]]:
    """The edges the text, dot and mermaid graphs draw: resolved, active,
    not a ``constrains`` (it binds only what is installed) nor a self-loop."""
    out = []
    for e in graph.edges:
        if e.resolved and e.active and e.kind is not EdgeKind.CONSTRAINS and e.source != e.target:
            out.append((e.source, e.target, e.kind))
    return sorted(set(out))


def node_dict(node: Node) -> dict[str, Any]:
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
                "editable": bool(d.direct_url and d.direct_url.editable)
                or d.kind == DistKind.EGG_LINK,
                "direct_url": redact_url(d.direct_url.url) if d.direct_url else None,
            }
            for d in node.dists
        ],
    }


def python_dict(graph: Graph) -> dict[str, Any] | None:
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


def answers(step: Step) -> str:
    """The findings a plan step answers, for a person: ``code package, ...``."""
    return ", ".join(a.replace(":", " ", 1) for a in step.answers)
