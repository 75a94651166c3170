"""The committed demo prefix (fixtures/demo, made by fixtures/build_demo.py)
is what the README's first command audits: it must keep giving the findings
its scenario documents, from any checkout location."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import lab_module

from reconcile.cli import main

DEMO = Path(__file__).resolve().parent.parent / "fixtures" / "demo" / "prefix"


def test_demo_gives_the_documented_findings(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert main(["audit", str(DEMO), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    got = {(f["code"], f["package"]) for f in doc["findings"]}
    assert got == set(lab_module.Scenario.load("demo").expected)
    assert doc["summary"] == {"error": 4, "warning": 0, "info": 1}


def test_demo_audits_the_same_after_moving_the_checkout(capsys, tmp_path, monkeypatch):
    """Nothing in the demo depends on where the checkout lives."""
    monkeypatch.setenv("HOME", str(tmp_path))
    moved = tmp_path / "elsewhere" / "prefix"
    shutil.copytree(DEMO, moved, symlinks=True)
    main(["audit", str(DEMO), "--format", "json", "--quick"])
    here = json.loads(capsys.readouterr().out)["findings"]
    main(["audit", str(moved), "--format", "json", "--quick"])
    there = json.loads(capsys.readouterr().out)["findings"]
    strip = lambda fs: {(f["code"], f["package"], f["severity"]) for f in fs}  # noqa: E731
    assert strip(here) == strip(there)


def test_python_m_reconcile_on_the_demo():
    result = subprocess.run(
        [sys.executable, "-m", "reconcile", "audit", str(DEMO)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "pip-overwrote-conda" in result.stdout
    assert "\n4 errors, 0 warnings, 1 info\n" in result.stdout
    # errors: the audit ends with the commands that repair them
    assert result.stdout.rstrip().endswith(f"reconcile fix {DEMO}")


def test_the_demos_paths_name_its_build_folder_not_a_checkout():
    """What the demo's installers wrote names the fixed folder it was built in
    (fixtures/build_demo.py), which the build removes: every clone audits
    the same paths, and none is this checkout's."""
    sys.path.insert(0, str(DEMO.parent.parent))
    try:
        from build_demo import BUILT_IN
    finally:
        sys.path.pop(0)
    site = DEMO / "lib" / "python3.11" / "site-packages"
    written = {
        "pth": (site / "__editable__.lab_src_editable-0.1.0.pth").read_text(),
        "direct_url": (site / "lab_src_editable-0.1.0.dist-info" / "direct_url.json").read_text(),
        "shebang": (DEMO / "bin" / "normalizer").read_text().splitlines()[0],
        "build.log": (DEMO.parent / "build.log").read_text(),
    }
    repo = str(DEMO.parent.parent.parent)
    for what, text in written.items():
        assert str(BUILT_IN) in text, what
        assert repo not in text, what
    assert not BUILT_IN.exists()
    editable = json.loads(written["direct_url"])["url"]
    assert editable == f"file://{BUILT_IN}/src/lab-src-editable"
