"""Running ``reconcile fix`` on copies of lab prefixes (test support, not the tool)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from reconcile.cli import main


def isolate(lab: Any, tmp_path: Path, monkeypatch: Any) -> Path:
    """What a user's shell would give the fix, minus this machine: the state
    dir in tmp, the lab's package cache and no other, no pip config."""
    for var in ("CONDA_PKGS_DIRS", "CONDA_ROOT", "CONDA_EXE", "MAMBA_EXE", "MAMBA_ROOT_PREFIX",
                "RATTLER_CACHE_DIR", "PIXI_CACHE_DIR", "XDG_STATE_HOME", "XDG_CACHE_HOME",
                "PYTHONPATH"):  # fmt: skip
        monkeypatch.delenv(var, raising=False)
    for var in [v for v in os.environ if v.startswith("PIP_")]:
        monkeypatch.delenv(var)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.setenv("PYTHONNOUSERSITE", "1")
    monkeypatch.setenv("RECONCILE_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("CONDA_PKGS_DIRS", str(lab.root / "pkgs"))
    return tmp_path


def copy_scenario(lab, name: str, tmp_path: Path, monkeypatch) -> Path:
    prefix = tmp_path / "env"
    shutil.copytree(lab.prefix(name), prefix, symlinks=True)
    home = tmp_path / "home"
    shutil.copytree(lab.home(name), home, symlinks=True)
    monkeypatch.setenv("HOME", str(home))
    return prefix


def fix(capsys, lab, prefix: Path, *extra: str) -> tuple[int, str, str]:
    code = main(["fix", str(prefix), "--yes", "--offline", "--find-links", str(lab.wheels),
                 *extra])  # fmt: skip
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def undo(capsys, prefix: Path) -> tuple[int, str, str]:
    code = main(["fix", "--undo", str(prefix), "--yes"])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def errors(capsys, prefix: Path) -> set[tuple[str, str]]:
    main(["audit", str(prefix), "--format", "json", "--fail-on", "never", "--no-cache"])
    doc = json.loads(capsys.readouterr().out)
    return {(f["code"], f["package"]) for f in doc["findings"] if f["severity"] == "error"}


def pip_check(lab, prefix: Path) -> None:
    python = prefix / "bin" / "python"
    has_pip = any(prefix.glob("lib/python3*/site-packages/pip/__init__.py"))
    # an env without pip (the demo) is checked by a pip outside it
    pip = (
        [str(python), "-m", "pip"]
        if has_pip
        else [sys.executable, "-m", "pip", "--python", str(python)]
    )
    result = subprocess.run([*pip, "check"], capture_output=True, text=True, check=False,
                            env=lab.env("clean"))  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
