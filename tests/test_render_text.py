"""``--format text`` (reconcile/render/text.py): what each command shows a person."""

from __future__ import annotations

from test_compare import env_graph, envfile

from reconcile.compare import compare
from reconcile.render import text


def test_compare_text_counts_each_side_and_the_mismatches():
    env = envfile("dependencies:\n  - requests\n  - six\n  - pip:\n    - attrs\n    - numpy\n")
    out = text.compare(compare(env_graph(), env))
    assert "conda: 2 asked for, 1 not met" in out
    assert "pip: 2 asked for, 1 not met" in out
    assert out.rstrip().endswith("does not match the file: 2 mismatches")
