"""``--format sarif`` (reconcile/render/sarif.py): SARIF 2.1.0 for code scanning.

Every lab scenario's log is validated against the OASIS schema (vendored in
tests/data, see tests/data/README.md); expected counts come from the same
audit's JSON findings, not from numbers written here.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from render_support import (
    DEMO,
    TRICKY,
    audit_findings,
    lab_prefix,
    lint_finding,
    lint_report,
    run_audit,
    sarif_validator,
)

from reconcile.check import CODES
from reconcile.models import Finding, Severity
from reconcile.policy import fingerprint
from reconcile.render import sarif
from reconcile.render.sarif import HELP

READ_PROBLEMS = ("invalid-record", "stale-dist-info")
VALIDATOR = sarif_validator()


@pytest.fixture
def audited(lab, scenario, monkeypatch):
    return lab_prefix(lab, scenario, monkeypatch)


def test_sarif_validates_and_points_at_existing_evidence(audited, capsys):
    prefix = str(audited)
    findings = audit_findings(capsys, prefix)
    _, out = run_audit(capsys, prefix, "--format", "sarif", "--fail-on", "never")
    doc = json.loads(out)
    errors = sorted(VALIDATOR.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])

    (run,) = doc["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules][: len(CODES)] == list(CODES)
    for rule in rules:
        severity = CODES[rule["id"]][0]
        level = {"error": "error", "warning": "warning", "info": "note"}[severity.label]
        assert rule["defaultConfiguration"]["level"] == level
        assert rule["fullDescription"]["text"] and rule["help"]["text"]
    base = run["originalUriBaseIds"]["PREFIX"]["uri"]
    assert base == Path(os.path.abspath(prefix)).as_uri() + "/"

    results = run["results"]
    assert len(results) == len(findings)
    levels = {"error": "error", "warning": "warning", "info": "note"}
    for result, finding in zip(results, findings, strict=True):
        assert result["ruleId"] == finding["code"]
        assert rules[result["ruleIndex"]]["id"] == finding["code"]
        assert result["level"] == levels[finding["severity"]]
        assert result["properties"]["package"] == finding["package"]
        assert finding["package"] in result["message"]["text"]
        for loc in [*result["locations"], *result.get("relatedLocations", [])]:
            artifact = loc["physicalLocation"]["artifactLocation"]
            if artifact.get("uriBaseId") == "PREFIX":
                assert not artifact["uri"].startswith("/")
                path = os.path.join(prefix, unquote(artifact["uri"]))
            else:
                path = _file_uri_path(artifact["uri"])
            assert os.path.lexists(path), (finding["code"], path)
            # A read problem names what could not be read, which may be a
            # folder where a file belongs (conda-meta/x.json/): that is the finding.
            if "region" in loc["physicalLocation"] and finding["code"] not in READ_PROBLEMS:
                assert not os.path.isdir(path), (finding["code"], path)
    prints = [r["partialFingerprints"]["reconcile/v1"] for r in results]
    assert len(set(prints)) == len(prints), "two results of one run share a fingerprint"


def _file_uri_path(uri: str) -> str:
    parts = urlsplit(uri)
    assert parts.scheme == "file", uri
    return unquote(parts.path)


def _file_uri_path(uri: str) -> str:
    parts = urlsplit(uri)
    assert parts.scheme == "file", uri
    return unquote(parts.path)


def test_fingerprints_do_not_depend_on_where_the_prefix_lives(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    moved = tmp_path / "elsewhere" / "prefix"
    shutil.copytree(DEMO, moved, symlinks=True)

    def prints(prefix: Path) -> list[tuple[str, str]]:
        _, out = run_audit(capsys, str(prefix), "--format", "sarif")
        results = json.loads(out)["runs"][0]["results"]
        return [(r["ruleId"], r["partialFingerprints"]["reconcile/v1"]) for r in results]

    here = prints(DEMO)
    assert here and here == prints(moved)


def test_sarif_for_a_file_and_line_finding_has_a_region_and_its_own_rule():
    doc = json.loads(sarif.findings(lint_report(lint_finding())))
    assert not list(VALIDATOR.iter_errors(doc))
    (run,) = doc["runs"]
    assert "originalUriBaseIds" not in run
    (result,) = run["results"]
    physical = result["locations"][0]["physicalLocation"]
    assert physical["region"] == {"startLine": 7}
    assert physical["artifactLocation"] == {"uri": "envs/dev%2C%201%3Aenvironment.yml"}
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "lint-example"
    assert result["message"]["text"].endswith(TRICKY)


def test_fingerprint_ignores_counts_and_versions_but_not_the_target():
    def dep(spec: str, installed: str, message: str) -> Finding:
        return Finding(
            code="conda-dependency-unsatisfied",
            severity=Severity.ERROR,
            package="requests",
            message=message,
            evidence={"spec": spec, "installed_version": installed, "kind": "depends",
                      "conda_record": "conda-meta/requests-2.32.3-py_0.json"},
        )  # fmt: skip

    a = dep("idna <4,>=2.5", "2.4", "one")
    assert fingerprint(a) == fingerprint(dep("idna >=3", "2.1", "two"))
    assert fingerprint(a) != fingerprint(dep("urllib3 <3", "2.4", "one"))


def test_every_code_has_help_saying_what_to_do(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert set(HELP) == set(CODES)
    _, out = run_audit(capsys, str(DEMO), "--format", "sarif")
    rules = json.loads(out)["runs"][0]["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == list(CODES)
    for rule in rules:
        assert rule["help"]["text"].startswith(HELP[rule["id"]])
