"""The repair plan, run for real on every lab scenario, then audited again.

For each scenario: copy the broken prefix, plan (prefer-conda, then
prefer-pip where pip replaced conda packages), carry out the steps (pip with
the prefix's own pip and the lab's wheels, conda through py-rattler from the
lab's channel), and audit the result: no error may remain, and nothing that
was fine before may be broken.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from plan_runner import run_plan

from reconcile.cli import main

pytestmark = pytest.mark.lab

#: Scenarios where no set of pip packages fits under prefer-conda, and the
#: words the explanation must hold.  types-requests' only lab version needs
#: urllib3>=2 while conda's urllib3 is 1.26.20; lab-oldpy's only version
#: excludes every Python 3.
# Scenarios whose pip side cannot be made to fit conda's with the lab's wheels.
# (types-requests against conda's urllib3 1.26 is not one: the wheels hold
# types-requests 2.31.0.6, which takes urllib3 1.26 through types-urllib3; the
# README's demo shows the conflict when that wheel is out of reach.)
IMPOSSIBLE = {
    "requires-python-mismatch": ("No version of lab-oldpy", "Requires-Python"),
}


def _copy(lab, scenario: str, tmp_path: Path) -> tuple[Path, Path]:
    prefix = tmp_path / "env"
    shutil.copytree(lab.prefix(scenario), prefix, symlinks=True)
    home = tmp_path / "home"
    shutil.copytree(lab.home(scenario), home, symlinks=True)
    return prefix, home


def _audit(capsys, prefix: Path) -> set[tuple[str, str, str]]:
    main(["audit", str(prefix), "--format", "json", "--fail-on", "never"])
    doc = json.loads(capsys.readouterr().out)
    return {(f["code"], f["package"], f["severity"]) for f in doc["findings"]}


def _plan(capsys, lab, prefix: Path, *extra: str) -> tuple[int, dict]:
    code = main(["plan", str(prefix), "--format", "json", "--find-links", str(lab.wheels), *extra])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, json.loads(out)


def _run_and_audit(capsys, lab, prefix, home, doc, monkeypatch):
    before = _audit(capsys, prefix)
    run_plan(doc, lab=lab, prefix=prefix, home=home)
    after = _audit(capsys, prefix)
    errors = {f for f in after if f[2] == "error"}
    assert not errors, f"errors left: {errors}\nplan: {json.dumps(doc['steps'], indent=1)}"
    # Only what the plan announced may be new (prefer-pip: conda packages
    # that now depend on pip's copy of a package conda no longer records).
    announced = {
        ("conda-dependency-unsatisfied", pkg, "warning")
        for note in doc["notes"]
        for pkg in note.split("conda's ", 1)[-1].split(" then")[0].split(", ")
    }
    assert after - before <= announced, f"new findings: {after - before}"


def test_prefer_conda_plan_repairs_the_scenario(lab, scenario, tmp_path, capsys, monkeypatch):
    prefix, home = _copy(lab, scenario, tmp_path)
    monkeypatch.setenv("HOME", str(home))
    code, doc = _plan(capsys, lab, prefix)
    assert doc["schema"] == "reconcile.plan/1"
    if scenario in IMPOSSIBLE:
        assert code == 1 and not doc["possible"]
        words = IMPOSSIBLE[scenario]
        assert any(all(w in e for w in words) for e in doc["explanations"]), doc["explanations"]
        assert doc["suggestions"]
        return
    assert doc["possible"], doc["explanations"]
    _run_and_audit(capsys, lab, prefix, home, doc, monkeypatch)
    # and the repaired env plans nothing more
    code, again = _plan(capsys, lab, prefix)
    assert [s for s in again["steps"]] == [], again["steps"]


@pytest.mark.parametrize(
    "name",
    ["pip-upgrades-conda-package", "pip-replaces-conda-dependency", "force-reinstall-same-version",
     "pip-uninstalls-conda-package", "ignore-installed-duplicate", "pip-upgrades-conda-pip"],
)  # fmt: skip
def test_prefer_pip_keeps_pips_versions(lab, name, tmp_path, capsys, monkeypatch):
    prefix, home = _copy(lab, name, tmp_path)
    monkeypatch.setenv("HOME", str(home))
    kept = {
        p["name"]: p["version"]
        for p in json.loads(_graph(capsys, prefix))["nodes"]
        if p["provenance"] == "conflict" and p["pip"]
    }
    code, doc = _plan(capsys, lab, prefix, "--strategy", "prefer-pip")
    assert code == 0 and doc["possible"], doc
    _run_and_audit(capsys, lab, prefix, home, doc, monkeypatch)
    now = {p["name"]: p for p in json.loads(_graph(capsys, prefix))["nodes"]}
    for package, version in kept.items():
        assert now[package]["version"] == version, package
        assert now[package]["provenance"] == "pip", package


def _graph(capsys, prefix: Path) -> str:
    main(["graph", str(prefix), "--format", "json"])
    return capsys.readouterr().out


def test_sh_plan_is_valid_bash_and_quotes_everything(lab, tmp_path, capsys, monkeypatch):
    prefix = tmp_path / "my env; $(touch pwned) 'x'"
    shutil.copytree(lab.prefix("pip-upgrades-conda-package"), prefix, symlinks=True)
    monkeypatch.setenv("HOME", str(tmp_path))
    main(["plan", str(prefix), "--format", "sh", "--find-links", str(lab.wheels)])
    script = capsys.readouterr().out
    path = tmp_path / "repair.sh"
    path.write_text(script)
    assert subprocess.run(["bash", "-n", str(path)], check=False).returncode == 0
    assert script.startswith("#!/usr/bin/env bash\n") and "set -euo pipefail" in script
    # POSIX word splitting of every command gives the prefix back as one word
    in_heredoc = False
    for line in script.splitlines():
        if line.startswith("cat >") or line == "RECONCILE_CONSTRAINTS":
            in_heredoc = not in_heredoc and line.startswith("cat >")
            continue
        if in_heredoc or line.startswith("#") or not line.strip():
            continue
        for word in shlex.split(line):
            if "my env" in word:
                assert word == str(prefix) or word.startswith(f"{prefix}/"), line
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        if os.environ.get("CI"):
            pytest.fail("shellcheck is missing on CI (.ci/run installs it)")
        pytest.skip("shellcheck is not installed (apt-get install shellcheck)")
    result = subprocess.run([shellcheck, str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout


def test_rebuild_plan_carries_the_exported_files(lab, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    prefix = lab.prefix("pip-upgrades-conda-package")
    code, doc = _plan(capsys, lab, prefix, "--strategy", "rebuild")
    assert code == 0 and doc["strategy"] == "rebuild"
    files = {f["name"]: f["content"] for f in doc["files"]}
    assert "six=1.16.0=py_0" in files["environment.yml"]  # conda's six comes back
    assert "six==1.16.0" in files["pip-constraints.txt"].splitlines()
    create = doc["steps"][0]["args"]
    assert create[:3] == ["conda", "env", "create"] and create[-1] == "environment.yml"
    assert create[create.index("-p") + 1] == f"{prefix}-rebuilt"
    main(["plan", str(prefix), "--strategy", "rebuild", "--format", "sh",
          "--find-links", str(lab.wheels)])  # fmt: skip
    script = tmp_path / "rebuild.sh"
    script.write_text(capsys.readouterr().out)
    assert subprocess.run(["bash", "-n", str(script)], check=False).returncode == 0
    # the heredocs hold the files exactly
    text = script.read_text()
    assert files["environment.yml"] in text and files["pip-constraints.txt"] in text


def test_rebuild_plan_refuses_when_pip_cannot_fit(lab, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    code, doc = _plan(capsys, lab, lab.prefix("requires-python-mismatch"), "--strategy", "rebuild")
    assert code == 1 and not doc["possible"] and doc["files"] == []
    assert any("lab-oldpy 1.0.0 requires Python" in e for e in doc["explanations"])


@pytest.mark.parametrize("strategy", ["prefer-conda", "prefer-pip"])
def test_plans_honour_the_users_pins(lab, strategy, tmp_path, capsys, monkeypatch):
    """pip-breaks-pin: urllib3 pinned to 1.26.* in conda-meta/pinned, pip's 2.2.3
    over it.  prefer-conda puts conda's 1.26.20 back (inside the pin), which answers
    the pin too; prefer-pip would keep 2.2.3, so it plans nothing for urllib3 and
    says which pin stops it."""
    prefix, home = _copy(lab, "pip-breaks-pin", tmp_path)
    monkeypatch.setenv("HOME", str(home))
    _, doc = _plan(capsys, lab, prefix, "--strategy", strategy)
    assert doc["possible"], doc
    if strategy == "prefer-conda":
        assert doc["unresolved"] == []
        _run_and_audit(capsys, lab, prefix, home, doc, monkeypatch)
        assert _audit(capsys, prefix) == set()
        return
    assert doc["steps"] == []
    left = {(u["finding"]["code"], u["finding"]["package"]): u["reason"]
            for u in doc["unresolved"]}  # fmt: skip
    assert set(left) == {("pip-overwrote-conda", "urllib3"), ("pin-violated", "urllib3")}
    assert "'urllib3 1.26.*'" in left[("pip-overwrote-conda", "urllib3")]
    assert "conda-meta/pinned" in left[("pip-overwrote-conda", "urllib3")]
