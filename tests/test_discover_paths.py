"""How a conda record's file list is read (discover._conda_meta._paths) and
checked against the disk (discover._files), on records as real writers leave
them: ``paths_data`` shorter than ``files`` (conda 24.9/25 on Windows, the
Miniconda 4.8 installer), noarch paths not yet linked, files rewritten for the
prefix without a ``prefix_placeholder`` key (mamba 2, micromamba,
constructor), Windows prefixes.  The healthy prefixes are in
tests/real_writers; here each is damaged as a person would, and the damage
must still be found.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from reconcile.cli import main
from reconcile.discover import discover
from reconcile.discover._conda_meta import _paths
from reconcile.models import CondaPath, Depth

CASES = Path(__file__).resolve().parent / "real_writers"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _entry(path: str, data: bytes, **extra: Any) -> dict[str, Any]:
    return {
        "_path": path,
        "path_type": "hardlink",
        "sha256": _sha(data),
        "sha256_in_prefix": _sha(data),
        "size_in_bytes": len(data),
        **extra,
    }


# -- reading the record -------------------------------------------------------


def test_paths_data_naming_only_placeholder_files_keeps_every_file() -> None:
    # The Miniconda 4.8.2 installer writes paths_data for the files it
    # rewrote for the prefix only; `files` names them all.
    raw = {
        "files": ["bin/python3.8", "bin/python3.8-config", "lib/python3.8/os.py"],
        "paths_data": {
            "paths": [_entry("bin/python3.8-config", b"#!/bin/sh\n", prefix_placeholder="/opt/ph")],
            "paths_version": 1,
        },
    }
    paths, has_paths_data = _paths(raw) or ((), False)
    assert has_paths_data
    assert [p.path for p in paths] == raw["files"]
    config = paths[1]
    assert config.placeholder and config.size == len(b"#!/bin/sh\n")
    assert paths[0] == CondaPath("bin/python3.8") and paths[2] == CondaPath("lib/python3.8/os.py")


@pytest.mark.parametrize(
    ("site", "scripts"),
    [
        pytest.param("lib/python3.12/site-packages", "bin", id="unix"),
        pytest.param("Lib/site-packages", "Scripts", id="windows"),
    ],
)
def test_noarch_paths_of_a_shorter_paths_data_are_linked(site: str, scripts: str) -> None:
    # conda 25: paths_data keeps the package's own noarch paths and lacks
    # one entry (.nonadmin on Windows); `files` has them linked.
    init, tool = b"x = 1\n", b"#!python\n"
    raw = {
        "noarch": "python",
        "files": [f"{site}/pkg/__init__.py", f"{scripts}/tool", ".nonadmin"],
        "paths_data": {
            "paths": [
                _entry("site-packages/pkg/__init__.py", init),
                _entry("python-scripts/tool", tool),
            ]
        },
    }
    paths, _ = _paths(raw) or ((), False)
    assert [(p.path, p.size) for p in paths] == [
        (f"{site}/pkg/__init__.py", len(init)),
        (f"{scripts}/tool", len(tool)),
        (".nonadmin", None),
    ]


def test_lists_of_equal_length_in_another_order_are_matched_by_path() -> None:
    a, b = b"a" * 3, b"b" * 5
    raw = {
        "files": ["lib/a.txt", "lib/b.txt"],
        "paths_data": {"paths": [_entry("lib/b.txt", b), _entry("lib/a.txt", a)]},
    }
    paths, _ = _paths(raw) or ((), False)
    assert [(p.path, p.size) for p in paths] == [("lib/a.txt", 3), ("lib/b.txt", 5)]


def test_sha256_in_prefix_is_kept_only_when_it_differs() -> None:
    same = _entry("lib/same.txt", b"same")
    rewritten = {**_entry("bin/x-config", b"package bytes"), "sha256_in_prefix": _sha(b"env")}
    raw = {"paths_data": {"paths": [same, rewritten]}, "files": ["lib/same.txt", "bin/x-config"]}
    paths, _ = _paths(raw) or ((), False)
    assert paths[0].sha256_in_prefix is None
    assert paths[1].sha256_in_prefix == _sha(b"env") and not paths[1].placeholder


def test_a_malformed_entry_is_still_reported_when_paths_data_is_short() -> None:
    raw = {"files": ["a", "b"], "paths_data": {"paths": [{"no_path": 1}]}}
    assert _paths(raw) is None


# -- damage in real writers' prefixes is still found ---------------------------


def _copy(case: str, tmp_path: Path) -> Path:
    prefix = tmp_path / case
    shutil.copytree(CASES / case / "prefix", prefix, symlinks=True)
    return prefix


def _audit(prefix: Path, depth: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    args = ["audit", str(prefix), "--format", "json", "--fail-on", "never", "--no-cache"]
    if depth != "default":
        args.append(f"--{depth}")
    assert main(args) == 0
    return json.loads(capsys.readouterr().out)


def _edit(path: Path, same_size: bool) -> None:
    data = path.read_bytes()
    if same_size:
        path.write_bytes(data[:-2] + b"#\n")
    else:
        path.write_bytes(data + b"# hand edit\n")


@pytest.mark.parametrize(
    ("case", "damage", "depth", "found"),
    [
        pytest.param(
            "02-paths-data-shorter-than-files",
            ("rm", "Lib/site-packages/six.py"),
            "default",
            ("missing-file", "six"),
            id="02-missing-noarch-file",
        ),
        pytest.param(
            "02-paths-data-shorter-than-files",
            ("grow", "Scripts/conda-env-script.py"),
            "default",
            ("altered-file", "conda"),
            id="02-entry-point-edited",
        ),
        pytest.param(
            "02-paths-data-shorter-than-files",
            ("grow", "Lib/site-packages/six.py"),
            "default",
            ("altered-file", "six"),
            id="02-noarch-file-edited",
        ),
        pytest.param(
            "03-rewritten-without-placeholder",
            ("grow", "bin/python3.12-config"),
            "default",
            ("altered-file", "python"),
            id="03-rewritten-file-edited",
        ),
        pytest.param(
            "03-rewritten-without-placeholder",
            ("same", "lib/pkgconfig/python-3.12.pc"),
            "default",
            ("altered-file", "python"),
            id="03-rewritten-file-edited-same-size",
        ),
        pytest.param(
            "03-rewritten-without-placeholder",
            ("same", "bin/python3.12-config"),
            "deep",
            ("altered-file", "python"),
            id="03-rewritten-file-edited-deep",
        ),
        pytest.param(
            "03-rewritten-without-placeholder",
            ("rm", "bin/python3.12-config"),
            "default",
            ("missing-file", "python"),
            id="03-rewritten-file-gone",
        ),
        pytest.param(
            "12-windows-prefix",
            ("grow", "Scripts/tool-helper.py"),
            "default",
            ("altered-file", "tool"),
            id="12-python-scripts-file-edited",
        ),
        pytest.param(
            "12-windows-prefix",
            ("same", "Lib/site-packages/tool.pth"),
            "deep",
            ("altered-file", "tool"),
            id="12-crlf-pth-edited-deep",
        ),
        pytest.param(
            "12-windows-prefix",
            ("rm", "Lib/site-packages/urllib3/__init__.py"),
            "default",
            ("missing-file", "urllib3"),
            id="12-backslash-record-file-gone",
        ),
    ],
)
def test_damage_in_a_real_writers_prefix_is_found(
    case: str,
    damage: tuple[str, str],
    depth: str,
    found: tuple[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    prefix = _copy(case, tmp_path)
    how, rel = damage
    if how == "rm":
        (prefix / rel).unlink()
    else:
        _edit(prefix / rel, same_size=how == "same")
    doc = _audit(prefix, depth, capsys)
    got = {(f["code"], f["package"]) for f in doc["findings"]}
    assert got == {found}, doc["findings"]
    hit = next(f for f in doc["findings"] if (f["code"], f["package"]) == found)
    assert rel in hit["evidence"]["paths"]


def test_default_depth_hashes_only_the_rewritten_files_and_says_so(tmp_path: Path) -> None:
    prefix = _copy("03-rewritten-without-placeholder", tmp_path)
    state = discover(prefix, depth=Depth.DEFAULT, home=tmp_path)
    assert state.files.hashed == 2
    assert state.files.checked == 4
    deep = discover(prefix, depth=Depth.DEEP, home=tmp_path)
    assert deep.files.hashed == 0  # --deep hashes everything; nothing to single out
    # A normal conda prefix has no such file: nothing is hashed by default.
    assert discover(CASES / "12-windows-prefix" / "prefix", home=tmp_path).files.hashed == 0


def test_summary_line_counts_the_hashed_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    doc = _audit(CASES / "03-rewritten-without-placeholder" / "prefix", "default", capsys)
    assert doc["checked"].endswith("; sha256 of the 2 files rewritten for the prefix")
    doc = _audit(CASES / "12-windows-prefix" / "prefix", "default", capsys)
    assert "rewritten" not in doc["checked"]


def test_windows_fixture_keeps_its_crlf_bytes() -> None:
    # .gitattributes (-text) must keep these byte-exact, or the recorded
    # sizes would no longer match.
    prefix = CASES / "12-windows-prefix" / "prefix" / "Lib" / "site-packages"
    assert b"\r\n" in (prefix / "winhelper-0.3.dist-info" / "RECORD").read_bytes()
    assert (prefix / "tool.pth").read_bytes().endswith(b"\r\n")
