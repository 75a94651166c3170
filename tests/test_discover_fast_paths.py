"""Fast paths give what the plain way gives (the rest is in test_discover_cache.py)."""

from __future__ import annotations

import csv

import pytest

from reconcile.discover._dists import _record_paths


def _plain(text: str) -> list[str]:
    return [row[0] for row in csv.reader(text.splitlines()) if row and row[0]]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("a/b.py,sha256=x,12\nc.py,,\n", id="plain"),
        pytest.param("a.py,sha256=x,1\r\n\r\nb.py\n,,\n  \n", id="blank-and-crlf"),
        pytest.param("a b.py,,\nα/β.py,,\n", id="space-and-unicode"),
        pytest.param("x.py\x0by.py,,\n", id="vertical-tab-splits-lines"),
    ],
)
def test_record_fast_path_reads_like_csv(text):
    fast = _record_paths(text, text.splitlines())
    assert fast is not None
    assert [path for path in fast if path] == _plain(text)  # the reader skips empty ones


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('"a,b.py",sha256=x,1\n', id="quoted-comma"),
        pytest.param("a.py,,\nb\x00.py,,\n", id="nul"),
        pytest.param("a" * (csv.field_size_limit() + 1) + ",,\n", id="huge-field"),
    ],
)
def test_record_fast_path_leaves_odd_files_to_csv(text):
    assert _record_paths(text, text.splitlines()) is None
