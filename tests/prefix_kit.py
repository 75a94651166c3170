"""Small prefixes written in ``tmp_path`` by tests: a file, a pip dist-info, a
conda record, and the audit of the result as the CLI gives it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reconcile.cli import main

SITE = "lib/python3.12/site-packages"


def write(path: Path, data: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)


def dist(site: Path, name: str, version: str, headers: str, record: str = "") -> Path:
    """A pip-installed dist-info: METADATA with ``headers``, INSTALLER pip, RECORD."""
    folder = site / f"{name}-{version}.dist-info"
    write(folder / "METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
          + headers + "\n")  # fmt: skip
    write(folder / "INSTALLER", "pip\n")
    write(folder / "RECORD", record + f"{folder.name}/METADATA,,\n{folder.name}/RECORD,,\n")
    return folder


def record(prefix: Path, raw: dict[str, object]) -> None:
    """``raw`` as ``conda-meta/<name>-<version>-<build>.json``."""
    name = f"{raw['name']}-{raw['version']}-{raw['build']}.json"
    write(prefix / "conda-meta" / name, json.dumps(raw))


def audit(prefix: Path, capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    """The audit's JSON document (with ``--format json`` in ``args``), else its text."""
    assert main(["audit", str(prefix), "--no-cache", "--fail-on", "never", *args]) == 0
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return json.loads(out) if "--format" in args else {"text": out}
