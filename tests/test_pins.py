"""conda-meta/pinned, read as conda 26.7.1 reads it (PrefixData.get_pinned_specs):
the file stripped, blank lines and ``#`` lines skipped, one MatchSpec a line."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconcile.discover import discover
from reconcile.pins import parse_pinned


@pytest.mark.parametrize(
    ("text", "specs", "bad_lines"),
    [
        pytest.param("urllib3 1.26.*\n", ("urllib3 1.26.*",), [], id="one-pin"),
        pytest.param("# keep\n\nnumpy >=1.26,<2\n\n# end\n", ("numpy >=1.26,<2",), [],
                     id="comments-and-blank-lines"),
        pytest.param("numpy 1.26.* # for scipy\n", ("numpy 1.26.* # for scipy",), [],
                     id="trailing-comment-is-the-specs-own"),
        pytest.param("\n  numpy 1.26.*  \n\n", ("numpy 1.26.*",), [],
                     id="the-file-is-stripped-as-a-whole"),
        pytest.param("conda-forge::python 3.12.*\r\nsix ==1.16.0\r\n",
                     ("conda-forge::python 3.12.*", "six ==1.16.0"), [], id="crlf"),
        pytest.param('"numpy"\nsix\n', ("six",), [1], id="a-line-rattler-cannot-read"),
        pytest.param("six\n   \nnumpy\n", ("six", "numpy"), [2], id="a-line-of-spaces"),
        pytest.param("six\n  numpy 1.*\n", ("six", "numpy 1.*"), [2],
                     id="indented-line-conda-refuses-but-is-honoured"),
        pytest.param("", (), [], id="empty"),
    ],
)
def test_parse_pinned(text: str, specs: tuple[str, ...], bad_lines: list[int]) -> None:
    got, bad = parse_pinned(text)
    assert got == specs
    assert [b.line for b in bad] == bad_lines


def _prefix(tmp_path: Path, pinned: bytes | None) -> Path:
    meta = tmp_path / "conda-meta"
    meta.mkdir()
    (meta / "history").write_text("")
    if pinned is not None:
        (meta / "pinned").write_bytes(pinned)
    return tmp_path


def test_discover_reads_the_pins_and_reports_bad_lines(tmp_path: Path) -> None:
    state = discover(_prefix(tmp_path, b'# ours\nurllib3 1.26.*\n"six 1.16.*"\n'))
    assert state.pins == ("urllib3 1.26.*",)
    [problem] = state.problems
    assert (problem.code, problem.package, problem.path) == (
        "invalid-record", "pinned", "conda-meta/pinned",
    )  # fmt: skip
    assert problem.reason.startswith("line 3 '\"six 1.16.*\"'")  # quoted: conda #7978


@pytest.mark.parametrize(
    ("content", "says"),
    [
        pytest.param(b"numpy \xff\n", "not UTF-8", id="not-utf8"),
        pytest.param(None, "cannot read", id="a-directory"),
    ],
)
def test_an_unreadable_pinned_file_is_a_finding_not_a_traceback(
    tmp_path: Path, content: bytes | None, says: str
) -> None:
    prefix = _prefix(tmp_path, content)
    if content is None:
        (prefix / "conda-meta" / "pinned").mkdir()
    state = discover(prefix)
    assert state.pins == ()
    assert [(p.package, says in p.reason) for p in state.problems] == [("pinned", True)]


def test_no_pinned_file_no_pins(tmp_path: Path) -> None:
    state = discover(_prefix(tmp_path, None))
    assert state.pins == () and state.problems == ()
