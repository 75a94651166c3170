"""docs/ci.md: the CI jobs it shows are the files in docs/ci/, and their
reconcile commands work: run here, as written, on lab envs built by real
installers (conda's and GitHub's own steps are what the CI services run)."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import junitparser
import pytest
import yaml
from conftest import REPO
from render_support import sarif_validator as _validator

DOCS = REPO / "docs"
GITHUB = DOCS / "ci" / "github-actions.yml"
GITLAB = DOCS / "ci" / "gitlab-ci.yml"


def test_ci_md_shows_exactly_the_tested_files():
    text = (DOCS / "ci.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
    assert GITHUB.read_text(encoding="utf-8") in blocks
    assert GITLAB.read_text(encoding="utf-8") in blocks


def test_github_job_shape():
    workflow = yaml.safe_load(GITHUB.read_text(encoding="utf-8"))
    job = workflow["jobs"]["reconcile"]
    uses = [s.get("uses", "") for s in job["steps"]]
    assert any(u.startswith("conda-incubator/setup-miniconda@") for u in uses)
    (upload,) = [s for s in job["steps"] if s.get("uses", "").startswith("github/codeql-action")]
    assert upload["if"] == "always()"
    assert workflow["permissions"]["security-events"] == "write"
    audit = _step(workflow, "Audit the env")
    assert f"--output {upload['with']['sarif_file']}" in audit


def test_gitlab_job_shape():
    job = yaml.safe_load(GITLAB.read_text(encoding="utf-8"))["reconcile"]
    junit = job["artifacts"]["reports"]["junit"]
    assert job["artifacts"]["when"] == "always"
    assert any(f"--output {junit}" in line for line in job["script"])


def _step(workflow: dict, name: str) -> str:
    (step,) = [s for s in workflow["jobs"]["reconcile"]["steps"] if s.get("name") == name]
    return step["run"]


def _tool(tmp_path: Path) -> Path:
    """A venv-like bin/reconcile that runs this checkout's reconcile."""
    bin_dir = tmp_path / "tool" / "bin"
    bin_dir.mkdir(parents=True)
    shim = bin_dir / "reconcile"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m reconcile "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    return tmp_path / "tool"


def _checkout(tmp_path: Path) -> Path:
    """The project's checkout as CI sees it: its environment.yml and constraints."""
    work = tmp_path / "checkout"
    work.mkdir()
    for name in ("environment.yml", "environment-constraints.txt"):
        shutil.copy(REPO / name, work / name)
    return work


def _bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CONDA")}
    return subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=cwd,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(("name", "gate"), [("clean", 0), ("demo", 1)])
def test_github_job_commands_run_as_written(lab, tmp_path, name, gate):
    workflow = yaml.safe_load(GITHUB.read_text(encoding="utf-8"))
    tool, work = _tool(tmp_path), _checkout(tmp_path)
    env = {"RUNNER_TEMP": str(tool.parent), "CONDA_PREFIX": str(lab.prefix(name))}
    (tool.parent / "reconcile").symlink_to(tool)  # "$RUNNER_TEMP/reconcile/bin/reconcile"
    lint = _bash(_step(workflow, "Lint environment.yml"), work, env)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    audit = _bash(_step(workflow, "Audit the env"), work, env)
    assert audit.returncode == gate, audit.stderr
    assert "Traceback" not in audit.stderr
    sarif = json.loads((work / "reconcile.sarif").read_text(encoding="utf-8"))
    _validator().validate(sarif)
    commands = [line for line in audit.stdout.splitlines() if line.startswith("::")]
    assert len(commands) == len(sarif["runs"][0]["results"])
    if gate:
        assert any(line.startswith("::error ") for line in commands)


@pytest.mark.parametrize(("name", "gate"), [("clean", 0), ("demo", 1)])
def test_gitlab_job_commands_run_as_written(lab, tmp_path, name, gate):
    job = yaml.safe_load(GITLAB.read_text(encoding="utf-8"))["reconcile"]
    tool, work = _tool(tmp_path), _checkout(tmp_path)
    (work / "env").symlink_to(lab.prefix(name))  # what `conda env create -p ./env` made
    ours = [line for line in job["script"] if line.startswith("/opt/reconcile/bin/reconcile")]
    assert len(ours) == 2
    script = "\n".join(line.replace("/opt/reconcile", str(tool)) for line in ours)
    result = _bash(script, work, {})
    assert result.returncode == gate, result.stderr
    xml = junitparser.JUnitXml.fromfile(str(work / job["artifacts"]["reports"]["junit"]))
    failures = sum(suite.failures for suite in xml)
    assert (failures > 0) is bool(gate)
