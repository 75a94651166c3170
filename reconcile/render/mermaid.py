"""``--format mermaid``: the graph as a Mermaid flowchart."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..models import EdgeKind
from ._common import active_edges
from .dot import COLORS

if TYPE_CHECKING:
    from ..graph import Graph

__all__ = ["graph"]


def _id(key: str, ids: dict[str, str]) -> str:
    return ids.setdefault(key, f"n{len(ids)}")


def graph(graph: Graph) -> str:
    ids: dict[str, str] = {}
    lines = ["flowchart LR"]
    for key, node in graph.nodes.items():
        label = f"{key} {node.version or 'missing'}".replace('"', "'")
        lines.append(f'  {_id(key, ids)}["{label}"]:::{node.provenance.value.replace("-", "_")}')
    for src, dst, kind in active_edges(graph):
        arrow = "-->" if kind is EdgeKind.DEPENDS else "-.->"
        lines.append(f"  {_id(src, ids)} {arrow} {_id(dst, ids)}")
    for name, color in COLORS.items():
        lines.append(f"  classDef {name.replace('-', '_')} fill:{color}")
    return "\n".join(lines) + "\n"
