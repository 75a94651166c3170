"""Bad input never gives a traceback: each broken thing becomes a finding (or
a one-line error with exit code 2), and the rest of the prefix is still read.

Each test copies the lab's clean prefix (written by rattler and pip) and
breaks one thing in the copy, the way disks, interrupted installs and
careless hands do.  The copy's files are new files, never the hardlinks of
the package cache.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from reconcile.cli import main

pytestmark = pytest.mark.lab


@pytest.fixture
def prefix(lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    dest = tmp_path / "env"
    shutil.copytree(lab.prefix("clean"), dest, symlinks=True)
    return dest


def audit(capsys: pytest.CaptureFixture[str], prefix: Path, *args: str) -> tuple[int, dict, str]:
    code = main(["audit", str(prefix), "--format", "json", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, json.loads(out) if out else {}, err


def codes(doc: dict) -> set[tuple[str, str]]:
    return {(f["code"], f["package"]) for f in doc["findings"]}


def site(prefix: Path) -> Path:
    return next(prefix.glob("lib/python*/site-packages"))


def test_fifo_record_is_reported_without_blocking(prefix, capsys):
    os.mkfifo(prefix / "conda-meta" / "fifo-1.0-0.json")
    code, doc, _ = audit(capsys, prefix)
    assert code == 1
    assert ("invalid-record", "fifo") in codes(doc)
    assert any(p["name"] == "requests" for p in doc["packages"]), "the rest is still read"


def test_unreadable_record(prefix, capsys, monkeypatch):
    record = next((prefix / "conda-meta").glob("idna-*.json"))
    data = record.read_bytes()
    record.unlink()
    record.write_bytes(data)
    record.chmod(0)
    if os.access(record, os.R_OK):
        # Root reads through permissions: make the read fail the way EACCES does.
        import reconcile.discover._conda_meta as conda_meta

        real_open = open

        def denying_open(path, *args, **kwargs):
            if os.fspath(path) == str(record):
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, *args, **kwargs)

        monkeypatch.setattr(conda_meta, "open", denying_open, raising=False)
    code, doc, _ = audit(capsys, prefix)
    assert code == 1
    [finding] = [f for f in doc["findings"] if f["package"] == "idna"]
    assert finding["code"] == "invalid-record"
    assert "Permission denied" in finding["message"]


def test_binary_junk_metadata_is_a_finding(prefix, capsys):
    metadata = next(site(prefix).glob("attrs-*.dist-info")) / "METADATA"
    metadata.unlink()
    metadata.write_bytes(bytes(range(256)) * 4)
    _, doc, _ = audit(capsys, prefix, "--fail-on", "never")
    assert ("stale-dist-info", "attrs") in codes(doc)


def test_dist_info_symlink_loop(prefix, capsys):
    loop = site(prefix) / "loop-1.0.dist-info"
    loop.symlink_to(loop.name)
    code, doc, _ = audit(capsys, prefix, "--fail-on", "warning")
    assert code == 1
    assert ("stale-dist-info", "loop") in codes(doc)


def test_record_path_escaping_prefix_is_not_followed(prefix, capsys, tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("not the prefix's")
    dist = next(site(prefix).glob("attrs-*.dist-info"))
    record = dist / "RECORD"
    text = record.read_text()
    record.unlink()
    record.write_text(text + "../../../../outside.txt,,\n/etc/passwd,,\n")
    _, doc, _ = audit(capsys, prefix, "--fail-on", "never")
    # pip itself leaves such paths alone: an info, and attrs is not stale.
    assert not [f for f in doc["findings"] if f["code"] == "stale-dist-info"]
    outside = [f for f in doc["findings"] if f["code"] == "record-outside-prefix"]
    assert [(f["package"], f["severity"]) for f in outside] == [("attrs", "info")]
    assert "2 path(s) outside the prefix" in outside[0]["message"]


def test_prefix_that_is_a_file_is_a_one_line_error(tmp_path, capsys):
    target = tmp_path / "file"
    target.write_text("x")
    code = main(["audit", str(target)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and "not a directory" in err


def test_conda_meta_that_is_a_file(prefix, capsys):
    shutil.rmtree(prefix / "conda-meta")
    (prefix / "conda-meta").write_text("junk")
    code, doc, _ = audit(capsys, prefix)
    assert code == 1
    assert ("invalid-record", "conda-meta") in codes(doc)


@pytest.mark.parametrize(
    ("content", "manager"),
    [
        pytest.param(
            '{"manifest_path": "/p/pixi.toml", "environment_name": "dev",'
            ' "pixi_version": "0.26.1"}',
            {"name": "pixi", "version": "0.26.1", "manifest_path": "/p/pixi.toml",
             "environment_name": "dev", "source": "conda-meta/pixi"},
            id="pixi-0.26",
        ),
        pytest.param(
            "{not json", {"name": "pixi", "version": None, "manifest_path": None,
                          "environment_name": None, "source": "conda-meta/pixi"},
            id="unreadable-marker-is-still-pixi",
        ),
    ],
)
def test_the_pixi_marker_says_who_manages_the_env(prefix, capsys, content, manager):
    _, doc, _ = audit(capsys, prefix)
    assert doc["manager"] is None
    (prefix / "conda-meta" / "pixi").write_text(content)
    _, doc, _ = audit(capsys, prefix)
    assert doc["manager"] == manager
    assert codes(doc) == set()
