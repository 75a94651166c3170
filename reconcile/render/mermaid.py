"""``--format mermaid``: the graph as a Mermaid flowchart, with a legend."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..models import EdgeKind
from ._common import drawn_edges, unmet_text
from .dot import BROKEN, COLORS, LEGEND

if TYPE_CHECKING:
    from ..reports import GraphReport

__all__ = ["graph"]


def _id(key: str, ids: dict[str, str]) -> str:
    return ids.setdefault(key, f"n{len(ids)}")


def _text(text: str) -> str:
    """Text in a node or on an edge, within double quotes: Mermaid's entity
    codes for what would end the quotes or read as markup."""
    return (
        text.replace("#", "#35;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
    )


def _class(name: str) -> str:
    return name.replace("-", "_")


def graph(report: GraphReport) -> str:
    graph = report.graph
    ids: dict[str, str] = {}
    lines = ["flowchart LR"]
    for key, node in graph.nodes.items():
        label = _text(f"{key} {node.version or 'missing'}")
        lines.append(f'  {_id(key, ids)}["{label}"]:::{_class(node.provenance.value)}')
    edges = drawn_edges(report)
    for name in sorted({dst for _, dst, _, _ in edges if dst not in graph.nodes}):
        lines.append(f'  {_id(name, ids)}["{_text(name)} not installed"]:::missing')
    broken: list[int] = []  # link numbers, in the order links are written
    links = 0
    for src, dst, kind, unmet in edges:
        arrow = "-->" if kind is EdgeKind.DEPENDS else "-.->"
        if unmet is None:
            lines.append(f"  {_id(src, ids)} {arrow} {_id(dst, ids)}")
        else:
            label = _text(f"broken: {unmet_text(unmet)}")
            lines.append(f'  {_id(src, ids)} {arrow}|"{label}"| {_id(dst, ids)}')
            broken.append(links)
        links += 1
    # The legend: each node style, then each edge style between two points.
    # Its ids start with "legend_", which no "n<number>" id does.
    lines.append("  subgraph legend [legend]")
    lines.append("    direction LR")
    for name, text in LEGEND.items():
        lines.append(f'    legend_{_class(name)}["{_text(text)}"]:::{_class(name)}')
    for name, arrow, text in (
        ("depends", "-->", "conda depends"),
        ("requires", "-.->", "pip requires"),
        ("broken", "-->", "broken: not satisfied"),
    ):
        a, b = f"legend_{name}_from", f"legend_{name}_to"
        lines.append(f'    {a}(( )) {arrow}|"{text}"| {b}(( ))')
        if name == "broken":
            broken.append(links)
        links += 1
    lines.append("  end")
    for name, color in COLORS.items():
        lines.append(f"  classDef {_class(name)} fill:{color}")
    lines.append("  classDef missing fill:#ffffff,stroke-dasharray:4 3")
    if broken:
        numbers = ",".join(map(str, broken))
        lines.append(f"  linkStyle {numbers} stroke:{BROKEN},stroke-width:3px,color:{BROKEN}")
    return "\n".join(lines) + "\n"
