"""``--format dot``: the graph for Graphviz."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..models import EdgeKind
from ._common import active_edges

if TYPE_CHECKING:
    from ..graph import Graph

__all__ = ["COLORS", "graph"]

#: A node's fill, by provenance (mermaid uses the same).
COLORS = {
    "conda": "#43b02a",
    "conda-python": "#2a7ab0",
    "pip": "#f0ad4e",
    "conflict": "#d9534f",
}


def _id(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def graph(graph: Graph) -> str:
    lines = ["digraph reconcile {", "  rankdir=LR;", "  node [shape=box, style=filled];"]
    for key, node in graph.nodes.items():
        label = f"{key}\\n{node.version or 'missing'}"
        color = COLORS[node.provenance.value]
        lines.append(f'  {_id(key)} [label="{label}", fillcolor="{color}"];')
    for src, dst, kind in active_edges(graph):
        style = "solid" if kind is EdgeKind.DEPENDS else "dashed"
        lines.append(f"  {_id(src)} -> {_id(dst)} [style={style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
