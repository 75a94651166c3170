"""``reconcile graph``: the unified graph in four formats, from a real prefix."""

from __future__ import annotations

import json

import pytest

from reconcile.cli import main

pytestmark = pytest.mark.lab


def graph(capsys: pytest.CaptureFixture[str], prefix, fmt: str) -> str:
    assert main(["graph", str(prefix), "--format", fmt]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return out


def test_json_graph_joins_conda_and_pip(lab, capsys):
    doc = json.loads(graph(capsys, lab.prefix("pip-replaces-conda-dependency"), "json"))
    assert doc["schema"] == "reconcile.graph/1"
    nodes = {n["name"]: n for n in doc["nodes"]}
    # conda's urllib3 record, pip's urllib3 on disk: one node, in conflict, at pip's version
    assert nodes["urllib3"]["provenance"] == "conflict"
    assert nodes["urllib3"]["conda"]["ownership"] == "overwritten"
    assert nodes["urllib3"]["version"].startswith("2.")
    assert nodes["python"]["provenance"] == "conda"
    edges = {(e["source"], e["target"], e["kind"]) for e in doc["edges"]}
    assert ("requests", "urllib3", "depends") in edges  # conda's depends
    assert ("requests", "urllib3", "requires") in edges  # pip's Requires-Dist
    assert ("types-requests", "urllib3", "requires") in edges


def test_dot_and_mermaid_name_every_node(lab, capsys):
    prefix = lab.prefix("clean")
    doc = json.loads(graph(capsys, prefix, "json"))
    dot = graph(capsys, prefix, "dot")
    mermaid = graph(capsys, prefix, "mermaid")
    text = graph(capsys, prefix, "text")
    assert dot.startswith("digraph reconcile {") and dot.rstrip().endswith("}")
    assert mermaid.startswith("flowchart LR")
    for node in doc["nodes"]:
        assert f'"{node["name"]}"' in dot
        assert f'["{node["name"]} {node["version"]}"]' in mermaid
        assert f"{node['name']} {node['version']} [{node['provenance']}]" in text
    assert '"requests" -> "urllib3"' in dot
