"""docs/ci.md: the CI jobs it shows are the files in docs/ci/, and their
commands work: run here, as written, on lab envs built by real installers
(conda's and GitHub's own steps are what the CI services run).

reconcile is installed the way the jobs do it: a wheel built from this
checkout with the command docs/ci.md gives, put where the jobs' ``RECONCILE``
says, then the jobs' own install lines (a venv, pip install, its dependencies
from the package index pip is configured with), once per job."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
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


def _wheel_line() -> str:
    """docs/ci.md's command that builds the wheel (run in reconcile's checkout)."""
    text = (DOCS / "ci.md").read_text(encoding="utf-8")
    (line,) = [ln for ln in text.splitlines() if ln.startswith("python3 -m pip wheel ")]
    return line


def test_both_jobs_install_the_wheel_of_this_version():
    """The file name docs/ci.md's command writes for this version: a version
    bump that forgets the docs fails here."""
    from reconcile import __version__

    wheel = f"ci/conda_reconcile-{__version__}-py3-none-any.whl"
    workflow = yaml.safe_load(GITHUB.read_text(encoding="utf-8"))
    job = yaml.safe_load(GITLAB.read_text(encoding="utf-8"))["reconcile"]
    assert workflow["env"]["RECONCILE"] == job["variables"]["RECONCILE"] == wheel
    assert wheel in (DOCS / "ci.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel docs/ci.md's command builds from this checkout."""
    out = tmp_path_factory.mktemp("wheel") / "ci"
    argv = shlex.split(_wheel_line())
    assert argv[:6] == ["python3", "-m", "pip", "wheel", "--no-deps", "--wheel-dir"]
    argv = [sys.executable, *argv[1:6], str(out), "."]
    subprocess.run(argv, cwd=REPO, check=True, capture_output=True, text=True)
    (built,) = out.glob("*.whl")
    return built


def _checkout(tmp_path: Path, wheel: Path) -> Path:
    """The project's checkout as CI sees it: its environment.yml and
    constraints, and reconcile's wheel where ``RECONCILE`` names it."""
    work = tmp_path / "checkout"
    work.mkdir(parents=True)
    for name in ("environment.yml", "environment-constraints.txt"):
        shutil.copy(REPO / name, work / name)
    (work / "ci").mkdir()
    shutil.copy(wheel, work / "ci" / wheel.name)
    return work


def _installed(result: subprocess.CompletedProcess[str], venv: Path) -> Path:
    assert result.returncode == 0, result.stdout + result.stderr
    tool = venv / "bin" / "reconcile"
    version = subprocess.run([tool, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("reconcile ")
    return venv


@pytest.fixture(scope="module")
def github_tool(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``$RUNNER_TEMP``, after the GitHub job's install step ran as written."""
    if not Path("/usr/bin/python3").exists():
        pytest.skip("the GitHub job's install step runs /usr/bin/python3")
    workflow = yaml.safe_load(GITHUB.read_text(encoding="utf-8"))
    runner_temp = tmp_path_factory.mktemp("runner-temp")
    work = _checkout(runner_temp / "job", wheel)
    env = {"RUNNER_TEMP": str(runner_temp), "RECONCILE": workflow["env"]["RECONCILE"]}
    result = _bash(_step(workflow, "Install reconcile in its own venv"), work, env)
    _installed(result, runner_temp / "reconcile")
    return runner_temp


@pytest.fixture(scope="module")
def gitlab_tool(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The GitLab job's venv (``/opt/reconcile`` there), after its install
    lines ran as written."""
    job = yaml.safe_load(GITLAB.read_text(encoding="utf-8"))["reconcile"]
    where = tmp_path_factory.mktemp("opt") / "reconcile"
    work = _checkout(where.parent / "job", wheel)
    lines = [ln for ln in job["script"] if "/opt/reconcile" in ln and "bin/reconcile" not in ln]
    assert [ln.split()[0] for ln in lines] == ["python3", "/opt/reconcile/bin/pip"]
    script = "\n".join(ln.replace("/opt/reconcile", str(where)) for ln in lines)
    result = _bash(script, work, {"RECONCILE": job["variables"]["RECONCILE"]})
    return _installed(result, where)


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
def test_github_job_commands_run_as_written(lab, tmp_path, github_tool, wheel, name, gate):
    workflow = yaml.safe_load(GITHUB.read_text(encoding="utf-8"))
    work = _checkout(tmp_path, wheel)
    env = {"RUNNER_TEMP": str(github_tool), "CONDA_PREFIX": str(lab.prefix(name))}
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
def test_gitlab_job_commands_run_as_written(lab, tmp_path, gitlab_tool, wheel, name, gate):
    job = yaml.safe_load(GITLAB.read_text(encoding="utf-8"))["reconcile"]
    work = _checkout(tmp_path, wheel)
    (work / "env").symlink_to(lab.prefix(name))  # what `conda env create -p ./env` made
    ours = [line for line in job["script"] if line.startswith("/opt/reconcile/bin/reconcile")]
    assert len(ours) == 2
    script = "\n".join(line.replace("/opt/reconcile", str(gitlab_tool)) for line in ours)
    result = _bash(script, work, {})
    assert result.returncode == gate, result.stderr
    xml = junitparser.JUnitXml.fromfile(str(work / job["artifacts"]["reports"]["junit"]))
    failures = sum(suite.failures for suite in xml)
    assert (failures > 0) is bool(gate)
