"""Baseline: accept today's findings, fail only on new ones, report the fixed ones.

A copy of the lab's clean env is broken twice by real pip, once before the
baseline is written (the old problem) and once after (the new one); then the
old problem is fixed, again with pip.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import lab_module

from reconcile.cli import main
from reconcile.models import Finding, Severity
from reconcile.policy import InvalidBaseline, fingerprint, parse_baseline

pytestmark = pytest.mark.lab


def _pip(lab, prefix: Path, home: Path, *args: str) -> None:
    cmd = [str(prefix / "bin" / "python"), "-m", "pip", *args[:1], "--disable-pip-version-check"]
    cmd += ["--no-index", "--find-links", str(lab.wheels), *args[1:]]
    result = subprocess.run(
        cmd, env=lab_module.pip_env(home), capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def _audit(capsys, prefix: Path, *args: str) -> tuple[int, dict]:
    code = main(["audit", str(prefix), "--format", "json", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, json.loads(out)


def test_baseline_fails_only_on_the_new_problem_and_reports_the_fixed_one(
    lab, tmp_path, capsys, monkeypatch
):
    prefix, home = tmp_path / "env", tmp_path / "home"
    shutil.copytree(lab.prefix("clean"), prefix, symlinks=True)
    shutil.copytree(lab.home("clean"), home, symlinks=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    baseline = tmp_path / "reconcile-baseline.json"

    # Old problem: python-dateutil without its six.
    _pip(lab, prefix, home, "install", "--no-deps", "python-dateutil")
    code, old = _audit(capsys, prefix)
    assert code == 1
    old_keys = {(f["code"], f["package"]) for f in old["findings"]}
    assert old_keys == {("pip-dependency-unsatisfied", "python-dateutil")}
    code, _ = _audit(capsys, prefix, "--write-baseline", str(baseline))
    assert code == 0
    entries = parse_baseline(baseline.read_text(), str(baseline))
    assert {(e.code, e.package) for e in entries} == old_keys
    code, doc = _audit(capsys, prefix, "--baseline", str(baseline))
    assert code == 0 and doc["policy"]["failing"] == 0
    assert [f["baseline"] for f in doc["findings"]] == ["known"]

    # New problem: pip replaces conda's urllib3 with 2.x.
    _pip(lab, prefix, home, "install", "urllib3==2.2.3")
    code, doc = _audit(capsys, prefix, "--baseline", str(baseline))
    assert code == 1
    new = {(f["code"], f["package"]) for f in doc["findings"] if f["baseline"] == "new"}
    known = {(f["code"], f["package"]) for f in doc["findings"] if f["baseline"] == "known"}
    assert known == old_keys
    assert ("pip-overwrote-conda", "urllib3") in new and not new & old_keys
    assert doc["policy"]["failing"] == sum(
        1 for f in doc["findings"] if f["baseline"] == "new" and f["severity"] == "error"
    )
    assert doc["policy"]["fixed"] == []
    _ci_formats_agree(capsys, prefix, baseline, doc)

    # Fix the old one: six arrives, python-dateutil is whole again.
    _pip(lab, prefix, home, "install", "six")
    code, doc = _audit(capsys, prefix, "--baseline", str(baseline))
    assert code == 1  # the new problem still fails
    assert [(e["code"], e["package"]) for e in doc["policy"]["fixed"]] == sorted(old_keys)
    assert all(f["baseline"] == "new" for f in doc["findings"])
    main(["audit", str(prefix), "--baseline", str(baseline)])
    text = capsys.readouterr().out
    assert "1 fixed" in text and "fixed: pip-dependency-unsatisfied python-dateutil" in text


def _ci_formats_agree(capsys, prefix: Path, baseline: Path, doc: dict) -> None:
    """SARIF's baselineState, JUnit's failures and GitHub's levels say what the JSON says."""
    import xml.etree.ElementTree as ET

    state = {f["fingerprint"]: f["baseline"] for f in doc["findings"]}
    main(["audit", str(prefix), "--baseline", str(baseline), "--format", "sarif"])
    results = json.loads(capsys.readouterr().out)["runs"][0]["results"]
    assert {r["partialFingerprints"]["reconcile/v1"]: r["baselineState"] for r in results} == {
        k: "unchanged" if v == "known" else "new" for k, v in state.items()
    }
    main(["audit", str(prefix), "--baseline", str(baseline), "--format", "junit"])
    root = ET.fromstring(capsys.readouterr().out)
    failed = {
        (case.get("classname").removeprefix("reconcile."), case.get("name"))
        for case in root.iter("testcase")
        if case.find("failure") is not None
    }
    assert failed == {
        (f["code"], f["package"])
        for f in doc["findings"]
        if f["baseline"] == "new" and f["severity"] == "error"
    }
    main(["audit", str(prefix), "--baseline", str(baseline), "--format", "github"])
    lines = capsys.readouterr().out.splitlines()
    (old,) = [line for line in lines if "python-dateutil" in line]
    assert old.startswith("::notice ") and "in baseline" in old


def _finding(package: str = "Foo_Bar", **evidence) -> Finding:
    return Finding(
        code="missing-file",
        severity=Severity.ERROR,
        package=package,
        message=f"{evidence.get('count', 0)} files are missing",
        evidence=evidence,
    )


def test_fingerprint_ignores_what_drifts_between_runs():
    a = _finding(conda_record="conda-meta/foo-1.0-0.json", count=3, paths=["a", "b", "c"])
    b = _finding(conda_record="conda-meta/foo-1.0-0.json", count=4, paths=["a", "d"])
    assert fingerprint(a) == fingerprint(b)  # more files gone: the same problem
    c = _finding(conda_record="conda-meta/foo-1.1-0.json", count=3)
    assert fingerprint(a) == fingerprint(c)  # a rebuilt record, still missing files
    d = _finding("other", conda_record="conda-meta/other-1.0-0.json", count=3)
    assert fingerprint(a) != fingerprint(d)  # another package: another problem


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("{", id="not-json"),
        pytest.param('{"schema": "reconcile.audit/1", "findings": []}', id="other-schema"),
        pytest.param('{"schema": "reconcile.baseline/1", "findings": [{"code": 1}]}', id="entry"),
    ],
)
def test_a_bad_baseline_is_a_one_line_error(text, tmp_path, capsys, lab):
    path = tmp_path / "b.json"
    path.write_text(text)
    with pytest.raises(InvalidBaseline):
        parse_baseline(text, str(path))
    assert main(["audit", str(lab.prefix("clean")), "--baseline", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("reconcile: error: baseline") and err.count("\n") == 1


def test_a_baseline_is_never_written_into_the_audited_prefix(lab, tmp_path, capsys, tree_hash):
    prefix = tmp_path / "env"
    shutil.copytree(lab.prefix("demo"), prefix, symlinks=True)
    before = tree_hash(prefix)
    code = main(["audit", str(prefix), "--write-baseline", str(prefix / "baseline.json")])
    err = capsys.readouterr().err
    assert code == 2 and "inside the audited prefix" in err and err.count("\n") == 1
    assert tree_hash(prefix) == before
