"""CI formats of ``reconcile audit``: SARIF 2.1.0, JUnit XML, GitHub workflow commands.

Every lab scenario's SARIF is validated against the OASIS schema (vendored in
tests/data, see tests/data/README.md), its JUnit is read back with junitparser,
and its workflow commands are parsed back.  Expected counts come from the
same audit's JSON findings, not from numbers written here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jsonschema
import pytest
from conftest import REPO
from junitparser import Failure, JUnitXml
from junitparser import Skipped as JSkipped

from reconcile.check import CODES
from reconcile.cli import main
from reconcile.models import Finding, Severity
from reconcile.render_ci import (
    audit_github,
    audit_junit,
    audit_sarif,
    evidence_files,
    fingerprint,
    github_escape_data,
    github_escape_property,
)

DATA = Path(__file__).resolve().parent / "data"
DEMO = Path(__file__).resolve().parent.parent / "fixtures" / "demo" / "prefix"
SCHEMA = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
FAIL_ON = ("error", "warning", "info", "never")
READ_PROBLEMS = ("invalid-record", "stale-dist-info")
_GH_LINE = re.compile(r"^::(error|warning|notice) ([^:]*)::(.*)$")


def _validator() -> jsonschema.Draft4Validator:
    checker = jsonschema.FormatChecker()
    # Without rfc3986-validator jsonschema skips these formats silently.
    assert {"uri", "uri-reference"} <= set(checker.checkers)
    return jsonschema.Draft4Validator(SCHEMA, format_checker=checker)


VALIDATOR = _validator()


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["audit", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out


def _findings(capsys: pytest.CaptureFixture[str], prefix: str) -> list[dict[str, Any]]:
    _, out = _run(capsys, prefix, "--format", "json", "--fail-on", "never")
    return json.loads(out)["findings"]


def _unescape(text: str) -> str:
    for code, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(code, char)
    return text


@pytest.fixture
def audited(lab, scenario, monkeypatch):
    monkeypatch.setenv("HOME", str(lab.home(scenario)))
    monkeypatch.delenv("PYTHONUSERBASE", raising=False)
    monkeypatch.delenv("PYTHONNOUSERSITE", raising=False)
    return lab.prefix(scenario)


# --------------------------------------------------------------------------
# every lab scenario


def test_sarif_validates_and_points_at_existing_evidence(audited, capsys):
    prefix = str(audited)
    findings = _findings(capsys, prefix)
    _, out = _run(capsys, prefix, "--format", "sarif", "--fail-on", "never")
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


@pytest.mark.parametrize("fail_on", FAIL_ON)
def test_junit_counts_match_findings_at_or_above_fail_on(audited, capsys, tmp_path, fail_on):
    prefix = str(audited)
    findings = _findings(capsys, prefix)
    report = tmp_path / "junit.xml"
    _run(capsys, prefix, "--format", "junit", "--fail-on", fail_on, "--output", str(report))
    xml = JUnitXml.fromfile(str(report))

    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for f in findings:
        groups[(f["code"], f["package"])].append(f)
    threshold = None if fail_on == "never" else Severity.from_label(fail_on)
    failing = {
        key
        for key, fs in groups.items()
        if threshold is not None
        and any(Severity.from_label(f["severity"]) >= threshold for f in fs)
    }
    suites = {suite.name: suite for suite in xml}
    assert set(CODES) <= set(suites)
    got_failing, got_cases = set(), set()
    for code, suite in suites.items():
        cases = list(suite)
        names = {case.name for case in cases}
        packages = {p for c, p in groups if c == code}
        assert names == (packages or {"all packages"}), code
        assert suite.tests == len(cases)
        assert suite.failures == sum(1 for c in cases if not c.is_passed)
        for case in cases:
            assert not any(isinstance(r, JSkipped) for r in case.result)
            if any(isinstance(r, Failure) for r in case.result):
                got_failing.add((code, case.name))
            if packages:
                got_cases.add((code, case.name))
    assert got_failing == failing
    assert got_cases == set(groups)
    assert xml.failures == len(failing)
    assert xml.tests == sum(max(1, len({p for c, p in groups if c == code})) for code in suites)


def test_github_has_one_command_per_finding_and_a_summary(audited, capsys):
    prefix = str(audited)
    findings = _findings(capsys, prefix)
    _, out = _run(capsys, prefix, "--format", "github", "--fail-on", "warning")
    lines = out.splitlines()
    assert out.endswith("\n")
    commands, summary = lines[:-1], lines[-1]
    assert len(commands) == len(findings)
    kinds = {"error": "error", "warning": "warning", "info": "notice"}
    for line, finding in zip(commands, findings, strict=True):
        m = _GH_LINE.match(line)
        assert m, line
        assert m.group(1) == kinds[finding["severity"]]
        props = dict(p.split("=", 1) for p in m.group(2).split(","))
        assert _unescape(props["title"]) == f"{finding['code']} ({finding['package']})"
        if "file" in props:
            assert os.path.isabs(_unescape(props["file"]))
            assert os.path.lexists(_unescape(props["file"]))
        assert _unescape(m.group(3)) == f"{finding['package']}: {finding['message']}"
    assert not summary.startswith("::")
    failing = sum(f["severity"] in ("error", "warning") for f in findings)
    assert summary.endswith(f"; {failing} at or above --fail-on warning")


# --------------------------------------------------------------------------
# the demo prefix (committed, built by real installers)


def test_output_writes_the_report_and_the_terminal_gets_the_text_summary(
    capsys, tmp_path, monkeypatch
):
    monkeypatch.setenv("HOME", str(tmp_path))
    plain_code, text = _run(capsys, str(DEMO))
    report = tmp_path / "reconcile.sarif"
    code, out = _run(capsys, str(DEMO), "--format", "sarif", "--output", str(report))
    assert code == plain_code == 1
    assert out == text
    assert "$schema" not in out and "ruleId" not in out and "2.1.0" not in out
    doc = json.loads(report.read_text(encoding="utf-8"))
    assert not list(VALIDATOR.iter_errors(doc))
    assert len(doc["runs"][0]["results"]) == len(_findings(capsys, str(DEMO)))


@pytest.mark.parametrize("fmt", ["sarif", "junit", "github"])
def test_without_output_the_report_goes_to_stdout(capsys, tmp_path, monkeypatch, fmt):
    monkeypatch.setenv("HOME", str(tmp_path))
    report = tmp_path / "report"
    _run(capsys, str(DEMO), "--format", fmt, "--output", str(report))
    _, out = _run(capsys, str(DEMO), "--format", fmt)
    assert out == report.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "where",
    [
        pytest.param(lambda tmp: tmp / "missing-dir" / "out.sarif", id="missing-dir"),
        pytest.param(lambda tmp: tmp, id="a-directory"),
        pytest.param(lambda tmp: DEMO / "report.sarif", id="inside-the-prefix"),
    ],
)
def test_output_that_cannot_be_written_is_one_line_and_exit_2(
    capsys, tmp_path, monkeypatch, tree_hash, where
):
    monkeypatch.setenv("HOME", str(tmp_path))
    before = tree_hash(DEMO)
    code = main(["audit", str(DEMO), "--format", "sarif", "--output", str(where(tmp_path))])
    out, err = capsys.readouterr()
    assert code == 2
    assert err.startswith("reconcile: error:") and err.count("\n") == 1
    assert "$schema" not in out
    assert tree_hash(DEMO) == before


def test_fingerprints_do_not_depend_on_where_the_prefix_lives(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    moved = tmp_path / "elsewhere" / "prefix"
    shutil.copytree(DEMO, moved, symlinks=True)

    def prints(prefix: Path) -> list[tuple[str, str]]:
        _, out = _run(capsys, str(prefix), "--format", "sarif")
        results = json.loads(out)["runs"][0]["results"]
        return [(r["ruleId"], r["partialFingerprints"]["reconcile/v1"]) for r in results]

    here = prints(DEMO)
    assert here and here == prints(moved)


# --------------------------------------------------------------------------
# units: escaping, lint-style evidence, the location picker, fingerprints

TRICKY = "100% sure: a, b\nsecond line\r"


def test_github_escaping_of_data_and_properties():
    assert github_escape_data(TRICKY) == "100%25 sure: a, b%0Asecond line%0D"
    assert github_escape_property(TRICKY) == "100%25 sure%3A a%2C b%0Asecond line%0D"
    assert _unescape(github_escape_property(TRICKY)) == TRICKY


def _lint_finding(message: str = TRICKY, line: int = 7) -> Finding:
    return Finding(
        code="lint-example",
        severity=Severity.WARNING,
        package="numpy",
        message=message,
        evidence={"file": "envs/dev, 1:environment.yml", "line": line},
    )


def test_github_line_for_a_file_and_line_finding():
    out = audit_github(None, (_lint_finding(),), "error")
    first, summary = out.splitlines()
    assert first == (
        "::warning title=lint-example (numpy),file=envs/dev%2C 1%3Aenvironment.yml,line=7"
        "::numpy: 100%25 sure: a, b%0Asecond line%0D"
    )
    assert summary == "reconcile: 0 errors, 1 warning, 0 info; 0 at or above --fail-on error"


def test_sarif_for_a_file_and_line_finding_has_a_region_and_its_own_rule():
    doc = json.loads(audit_sarif(None, (_lint_finding(),)))
    assert not list(VALIDATOR.iter_errors(doc))
    (run,) = doc["runs"]
    assert "originalUriBaseIds" not in run
    (result,) = run["results"]
    physical = result["locations"][0]["physicalLocation"]
    assert physical["region"] == {"startLine": 7}
    assert physical["artifactLocation"] == {"uri": "envs/dev%2C%201%3Aenvironment.yml"}
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "lint-example"
    assert result["message"]["text"].endswith(TRICKY)


def test_junit_escapes_markup_and_drops_characters_xml_cannot_hold(tmp_path):
    finding = _lint_finding(message="<b>&\x00\x1b[31m\udcff")
    report = tmp_path / "j.xml"
    report.write_text(audit_junit(None, (finding,), "warning"), encoding="utf-8")
    xml = JUnitXml.fromfile(str(report))
    (case,) = [c for suite in xml for c in suite if c.name == "numpy"]
    (failure,) = case.result
    assert failure.message == "warning: <b>&\ufffd\ufffd[31m\ufffd"


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


def test_evidence_files_per_kind_of_finding():
    missing = Finding(
        code="missing-file",
        severity=Severity.ERROR,
        package="six",
        message="gone",
        evidence={"conda_record": "conda-meta/six-1.json", "paths": ["lib/six.py"]},
    )
    # The missing files cannot be opened: the record that lists them is the evidence.
    assert [loc.path for loc in evidence_files(missing)] == ["conda-meta/six-1.json"]
    duplicate = Finding(
        code="duplicate-distribution",
        severity=Severity.ERROR,
        package="six",
        message="two",
        evidence={"paths": ["sp/six-1.dist-info", "sp/six-2.dist-info"],
                  "effective": "sp/six-1.dist-info"},
    )  # fmt: skip
    # The copy that lost comes first; without a graph a folder stays a folder.
    locs = evidence_files(duplicate)
    assert [(loc.path, loc.directory) for loc in locs] == [
        ("sp/six-2.dist-info", True),
        ("sp/six-1.dist-info", True),
    ]


def test_every_code_has_help_saying_what_to_do():
    from reconcile.render_ci import HELP

    assert set(HELP) == set(CODES)
    doc = json.loads(audit_sarif(None, ()))
    for rule in doc["runs"][0]["tool"]["driver"]["rules"]:
        assert rule["help"]["text"].startswith(HELP[rule["id"]])


def test_lint_speaks_the_same_ci_formats(capsys, monkeypatch):
    """lint's findings (file + line) in SARIF, JUnit and GitHub, line for line."""
    monkeypatch.chdir(REPO / "fixtures" / "lint")
    assert main(["lint", "environment.yml", "--format", "json"]) == 1
    found = json.loads(capsys.readouterr().out)["findings"]
    assert main(["lint", "environment.yml", "--format", "sarif"]) == 1
    sarif = json.loads(capsys.readouterr().out)
    _validator().validate(sarif)
    results = sarif["runs"][0]["results"]
    assert [
        (r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results
    ] == [(f["code"], f["evidence"]["line"]) for f in found]
    assert main(["lint", "environment.yml", "--format", "github"]) == 1
    lines = capsys.readouterr().out.splitlines()[:-1]
    assert [re.search(r",line=(\d+)::", line)[1] for line in lines] == [
        str(f["evidence"]["line"]) for f in found
    ]
    assert main(["lint", "environment.yml", "--format", "junit"]) == 1
    xml = JUnitXml.fromstring(capsys.readouterr().out)
    failures = sum(suite.failures for suite in xml)
    assert failures == len({(f["code"], f["package"]) for f in found if f["severity"] == "error"})
