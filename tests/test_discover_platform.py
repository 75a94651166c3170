"""The platform of a prefix comes from the prefix (records, then the
interpreter and layout), never from the machine running reconcile, even
without a readable python record (see tests/real_writers/09-*).
"""

from __future__ import annotations

from pathlib import Path

import prefix_kit as kit
import pytest
from prefix_kit import SITE

from reconcile.discover import _python, discover
from reconcile.discover._conda_meta import parse_record, read_conda_meta

# -- the platform -------------------------------------------------------------


BASE = {"name": "x", "version": "1.0", "build": "0", "depends": []}


@pytest.mark.parametrize(
    ("keys", "subdir"),
    [
        pytest.param({"subdir": "osx-arm64"}, "osx-arm64", id="subdir"),
        pytest.param(
            {"url": "https://conda.anaconda.org/conda-forge/osx-arm64/x-1.0-0.conda"},
            "osx-arm64", id="url",
        ),
        pytest.param({"platform": "linux", "arch": "x86_64"}, "linux-64", id="platform-arch"),
        pytest.param({"platform": "win", "arch": "x86"}, "win-32", id="platform-arch-32"),
        pytest.param({"platform": "osx", "arch": "arm64"}, "osx-arm64", id="osx-arm64"),
        pytest.param({"platform": "linux", "arch": None}, "noarch", id="platform-only"),
        pytest.param(
            {"channel": "https://repo.anaconda.com/pkgs/main/win-64"}, "win-64", id="channel"
        ),
        pytest.param({}, None, id="nothing"),
    ],
)
def test_record_subdir_is_derived_as_conda_does(keys: dict, subdir: str | None) -> None:
    record, _ = parse_record({**BASE, **keys}, "conda-meta/x-1.0-0.json", "x-1.0-0.json")
    assert record is not None and record.subdir == subdir


def _macho(cpu: int) -> bytes:
    return (0xFEEDFACF).to_bytes(4, "little") + cpu.to_bytes(4, "little") + b"\0" * 24


def _elf(machine: int) -> bytes:
    return b"\x7fELF\x02\x01\x01" + b"\0" * 11 + machine.to_bytes(2, "little") + b"\0" * 44


def _pe(machine: int) -> bytes:
    return b"MZ" + b"\0" * 58 + (64).to_bytes(4, "little") + b"PE\0\0" + machine.to_bytes(
        2, "little"
    )


@pytest.mark.parametrize(
    ("files", "subdir"),
    [
        pytest.param({"bin/python3.12": _macho(0x0100000C)}, "osx-arm64", id="macho-arm64"),
        pytest.param({"bin/python3.12": _macho(0x01000007)}, "osx-64", id="macho-x86_64"),
        pytest.param({"bin/python3": _elf(0xB7)}, "linux-aarch64", id="elf-aarch64"),
        pytest.param({"python.exe": _pe(0xAA64)}, "win-arm64", id="pe-arm64"),
        pytest.param({"python.exe": _pe(0x8664)}, "win-64", id="pe-x64"),
        pytest.param(
            {"Lib/site-packages/.keep": b"", "Scripts/.keep": b""}, "win-64", id="windows-layout"
        ),
    ],
)
def test_platform_without_an_arch_record_follows_the_prefix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, bytes], subdir: str
) -> None:
    # The machine running the tests must never be the answer.
    monkeypatch.setattr(_python, "host_subdir", lambda: "the-host")
    kit.write(tmp_path / SITE / ".keep", b"")
    kit.write(tmp_path / "python312.dll", b"MZ")
    for rel, data in files.items():
        kit.write(tmp_path / rel, data)
    kit.record(tmp_path, {**BASE, "name": "tzdata", "subdir": "noarch", "noarch": "generic"})
    kit.write(tmp_path / "conda-meta" / "python-3.12.7-h0_cpython.json", '{"name": "python", ')
    records, _, _ = read_conda_meta(str(tmp_path))
    python = _python.find_python(str(tmp_path), records)
    assert python is not None and python.platform == subdir
    assert str(python.version) == "3.12"


def test_platform_falls_back_to_the_host_only_when_nothing_tells(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_python, "host_subdir", lambda: "the-host")
    kit.write(tmp_path / SITE / ".keep", b"")
    kit.record(tmp_path, {**BASE, "subdir": "noarch"})
    python = discover(tmp_path).python
    assert python is not None and python.platform == "the-host"


def test_windows_prefix_with_a_corrupt_python_record_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    prefix = tmp_path / "env"
    kit.write(prefix / "python.exe", _pe(0x8664))
    kit.write(prefix / "python311.dll", b"MZ")
    kit.write(prefix / "python3.dll", b"MZ")
    kit.write(prefix / "conda-meta" / "python-3.11.9-h0_cpython.json", "")
    kit.dist(prefix / "Lib/site-packages", "tqdm", "4.66.1",
          'Requires-Dist: colorama; platform_system == "Windows"\n')
    doc = kit.audit(prefix, capsys, "--format", "json")
    assert doc["python"]["platform"] == "win-64"
    got = {(f["code"], f["package"]) for f in doc["findings"]}
    assert got == {("invalid-record", "python"), ("pip-dependency-unsatisfied", "tqdm")}
    header = kit.audit(prefix, capsys)["text"].splitlines()
    assert any("Python 3.11" in line and "win-64" in line for line in header[:5]), header[:5]
