"""``--format dot``: the graph for Graphviz, with a legend."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..models import EdgeKind
from ._common import drawn_edges, unmet_text

if TYPE_CHECKING:
    from ..reports import GraphReport

__all__ = ["BROKEN", "COLORS", "LEGEND", "graph"]

#: A node's fill, by provenance (mermaid uses the same).
COLORS = {
    "conda": "#43b02a",
    "conda-python": "#2a7ab0",
    "pip": "#f0ad4e",
    "conflict": "#d9534f",
}
#: What each node style means, for the legend (mermaid's too).
LEGEND = {
    "conda": "conda package",
    "conda-python": "conda's Python package",
    "pip": "pip's only",
    "conflict": "conda's, overwritten or removed by pip",
    "missing": "required, not installed",
}
#: The colour of a broken edge: what is installed does not satisfy it.
BROKEN = "#c9302c"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _id(text: str) -> str:
    return f'"{_escape(text)}"'


def _label(*lines: str) -> str:
    """A quoted label of several lines (dot's ``\\n``)."""
    return '"' + "\\n".join(_escape(line) for line in lines) + '"'


def _legend() -> list[str]:
    """A cluster beside the graph: each node style, and each edge style.
    Its ids hold a colon, which no package name does."""
    lines = ["  subgraph cluster_legend {", '    label="legend";', "    style=dashed;"]
    for name, text in LEGEND.items():
        if name == "missing":
            lines.append(f'    "legend:{name}" [label="{text}", style=dashed, fillcolor=white];')
        else:
            lines.append(f'    "legend:{name}" [label="{text}", fillcolor="{COLORS[name]}"];')
    edges = (
        ("depends", "conda depends", "style=solid"),
        ("requires", "pip requires", "style=dashed"),
        ("broken", "broken: not satisfied", f'style=bold, color="{BROKEN}", fontcolor="{BROKEN}"'),
    )
    for name, text, style in edges:
        a, b = f'"legend:{name}:from"', f'"legend:{name}:to"'
        lines.append(f"    {a} [shape=point, width=0.05]; {b} [shape=point, width=0.05];")
        lines.append(f'    {a} -> {b} [label="{text}", {style}];')
    lines.append("  }")
    return lines


def graph(report: GraphReport) -> str:
    graph = report.graph
    lines = ["digraph reconcile {", "  rankdir=LR;", "  node [shape=box, style=filled];"]
    for key, node in graph.nodes.items():
        label = _label(key, node.version or "missing")
        color = COLORS[node.provenance.value]
        lines.append(f'  {_id(key)} [label={label}, fillcolor="{color}"];')
    edges = drawn_edges(report)
    missing = sorted({dst for _, dst, _, _ in edges if dst not in graph.nodes})
    for name in missing:
        label = _label(name, "not installed")
        lines.append(f"  {_id(name)} [label={label}, style=dashed, fillcolor=white];")
    for src, dst, kind, unmet in edges:
        style = "solid" if kind is EdgeKind.DEPENDS else "dashed"
        if unmet is None:
            lines.append(f"  {_id(src)} -> {_id(dst)} [style={style}];")
            continue
        label = _id(unmet_text(unmet))
        lines.append(f'  {_id(src)} -> {_id(dst)} [style="{style},bold", color="{BROKEN}", '
                     f'fontcolor="{BROKEN}", label={label}];')  # fmt: skip
    lines.extend(_legend())
    lines.append("}")
    return "\n".join(lines) + "\n"
