"""``reconcile graph`` (reconcile/render: text, json, dot, mermaid): broken
edges are marked in every format, and dot and mermaid carry a legend.

A broken edge is one the audit judges unmet (reconcile.check.unmet_edges):
the demo's conda requests depends on idna >=2.5 and pip put idna 2.4 there.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from render_support import DEMO

from reconcile.cli import main
from reconcile.render.dot import LEGEND


def graph(capsys: pytest.CaptureFixture[str], prefix, fmt: str) -> str:
    assert main(["graph", str(prefix), "--format", fmt]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return out


#: The demo's unmet edges: (source, target, kind).
DEMO_BROKEN = {("requests", "idna", "depends"), ("requests", "idna", "requires")}


def test_json_marks_the_broken_edges_with_the_audits_message(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    doc = json.loads(graph(capsys, DEMO, "json"))
    broken = {(e["source"], e["target"], e["kind"]) for e in doc["edges"] if e["broken"]}
    assert broken == DEMO_BROKEN
    problems = {e["problem"] for e in doc["edges"] if e["broken"]}
    assert main(["audit", str(DEMO), "--format", "json"]) == 1
    audit = {f["message"] for f in json.loads(capsys.readouterr().out)["findings"]}
    # the conda depends is the audit's finding; the pip Requires-Dist says the same of pip's side
    assert problems & audit == {
        "conda's requests 2.32.3 depends on 'idna <4,>=2.5' but idna 2.4 is installed (by pip)"
    }
    assert all(e["problem"] is None for e in doc["edges"] if not e["broken"])


def test_text_marks_each_broken_edge_with_the_spec_and_what_is_there(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    out = graph(capsys, DEMO, "text")
    assert "2 broken dependencies (marked BROKEN" in out
    marked = [line for line in out.splitlines() if line.startswith("  -> ") and "BROKEN" in line]
    assert marked == [
        "  -> idna (conda) BROKEN: needs 'idna <4,>=2.5', has 2.4",
        "  -> idna (pip) BROKEN: needs 'idna<4,>=2.5', has 2.4",
    ]
    assert "  -> urllib3 (conda)" in out.splitlines()  # met: unmarked


def test_dot_draws_broken_edges_red_and_bold_and_has_a_legend(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    out = graph(capsys, DEMO, "dot")
    edges = re.findall(r'^  "([^"]+)" -> "([^"]+)" \[(.*)\];$', out, re.M)
    red = {(s, t) for s, t, attrs in edges if 'color="#c9302c"' in attrs}
    assert red == {("requests", "idna")}
    assert sum('color="#c9302c"' in attrs for *_, attrs in edges) == 2
    legend = out[out.index("subgraph cluster_legend {") :]
    for text in (*LEGEND.values(), "conda depends", "pip requires", "broken: not satisfied"):
        assert f'label="{text}"' in legend
    if shutil.which("dot"):  # Graphviz reads it (when installed)
        subprocess.run(["dot", "-Tsvg"], input=out, text=True, capture_output=True, check=True)


def test_mermaid_styles_exactly_the_broken_links_and_has_a_legend(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    out = graph(capsys, DEMO, "mermaid")
    links = [line for line in out.splitlines() if re.search(r" (-->|-\.->)", line)]
    (style,) = [line for line in out.splitlines() if line.startswith("  linkStyle ")]
    numbers = [int(n) for n in style.split()[1].split(",")]
    # linkStyle counts links in the order they are written, the legend's too
    assert [i for i, line in enumerate(links) if '|"broken' in line] == numbers
    assert len(numbers) == 3  # requests -> idna twice, and the legend's broken edge
    assert "stroke:#c9302c" in style
    assert "'idna #lt;4,#gt;=2.5'" in out  # < and > as Mermaid's entity codes
    legend = out[out.index("  subgraph legend [legend]") : out.index("  end\n")]
    for text in LEGEND.values():
        assert f'["{text}"]' in legend


@pytest.mark.lab
def test_a_dependency_that_is_not_installed_is_a_broken_edge_to_a_missing_node(
    lab, capsys, monkeypatch
):
    """pip install --no-deps left python-dateutil without six: the edge goes
    to a node drawn as not installed, in every format."""
    monkeypatch.setenv("HOME", str(lab.home("no-deps-leaves-missing")))
    prefix = lab.prefix("no-deps-leaves-missing")
    doc = json.loads(graph(capsys, prefix, "json"))
    (edge,) = [e for e in doc["edges"] if e["broken"]]
    assert (edge["source"], edge["target"], edge["resolved"]) == ("python-dateutil", "six", False)
    target = edge["target"]
    text = graph(capsys, prefix, "text")
    assert f"  -> {target} (pip) BROKEN: needs {edge['spec']!r}, not installed" in text
    dot = graph(capsys, prefix, "dot")
    assert f'"{target}" [label="{target}\\nnot installed", style=dashed' in dot
    mermaid = graph(capsys, prefix, "mermaid")
    assert re.search(rf'^  n\d+\["{target} not installed"\]:::missing$', mermaid, re.M)
