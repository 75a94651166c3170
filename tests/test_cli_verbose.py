"""``audit -v``: every missing or altered file listed under its finding.

The message names the first file; the finding's evidence holds them all
(``missing``, and ``altered``: path -> what differs); ``-v`` shows them in the
text report.  The JSON carries them with or without ``-v``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from prefix_kit import record, write

from reconcile.cli import main

FILES = [f"share/pkgdata/data{i:02}.txt" for i in range(13)]
GONE, CHANGED = FILES[:7], FILES[7:]


@pytest.fixture
def prefix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A conda package of 13 files of 10 bytes: 7 deleted, 6 grown to 11 bytes."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    root = tmp_path / "env"
    content = b"0123456789"
    paths = [
        {"_path": f, "path_type": "hardlink", "size_in_bytes": 10,
         "sha256": hashlib.sha256(content).hexdigest()}
        for f in FILES
    ]  # fmt: skip
    record(root, {"name": "pkgdata", "version": "1.0", "build": "0", "build_number": 0,
                  "files": FILES, "paths_data": {"paths_version": 1, "paths": paths}})  # fmt: skip
    for f in CHANGED:
        write(root / f, content + b"!")
    return root


def _audit(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(["audit", *args, "--no-cache"]) == 1
    out, err = capsys.readouterr()
    assert err == ""
    return out


def test_verbose_lists_every_missing_and_altered_file(
    prefix: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _audit(capsys, str(prefix), "-v")
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("  missing-file"))
    assert lines[start + 1 : start + 8] == [f"      missing  {f}" for f in GONE]
    start = next(i for i, line in enumerate(lines) if line.startswith("  altered-file"))
    assert lines[start + 1 : start + 7] == [
        f"      altered  {f}: size 11, recorded 10" for f in CHANGED
    ]


def test_without_verbose_only_the_message(prefix: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _audit(capsys, str(prefix))
    assert "      missing  " not in out and "      altered  " not in out
    assert sum(f in out for f in FILES) == 2  # each message names its first file
    assert _audit(capsys, str(prefix), "--verbose") != out


def test_json_is_the_same_with_or_without_verbose(
    prefix: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = json.loads(_audit(capsys, str(prefix), "--format", "json"))
    verbose = json.loads(_audit(capsys, str(prefix), "--format", "json", "-v"))
    assert plain == verbose
    by_code = {f["code"]: f for f in plain["findings"]}
    assert by_code["missing-file"]["evidence"]["missing"] == GONE
    assert sorted(by_code["altered-file"]["evidence"]["altered"]) == CHANGED


def test_verbose_lines_are_not_painted(prefix: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from reconcile.console import paint

    out = _audit(capsys, str(prefix), "-v")
    painted = paint(out).splitlines()
    for line in painted:
        if line.startswith("      "):
            assert "\x1b" not in line
