"""``--format json`` (reconcile/render/json.py): one document per command."""

from __future__ import annotations

import json

from test_compare import env_graph, envfile

from reconcile.compare import compare
from reconcile.render import json as render_json


def test_compare_json_has_a_row_per_line_with_its_status():
    env = envfile("dependencies:\n  - requests\n  - six\n  - pip:\n    - attrs\n    - numpy\n")
    doc = json.loads(render_json.compare(compare(env_graph(), env)))
    assert doc["schema"] == "reconcile.compare/1" and doc["matches"] is False
    assert {(r["side"], r["package"], r["status"], r["line"]) for r in doc["rows"]} == {
        ("conda", "requests", "ok", 2),
        ("conda", "six", "differs", 3),
        ("pip", "attrs", "ok", 5),
        ("pip", "numpy", "missing", 6),
    }
