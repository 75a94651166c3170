"""``--format junit`` (reconcile/render/junit.py): JUnit XML, read back with
junitparser as CI servers read it."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from junitparser import Failure, JUnitXml
from junitparser import Skipped as JSkipped
from render_support import FAIL_ON, audit_findings, lab_prefix, lint_finding, lint_report, run_audit

from reconcile.check import CODES
from reconcile.models import Severity
from reconcile.render import junit


@pytest.fixture
def audited(lab, scenario, monkeypatch):
    return lab_prefix(lab, scenario, monkeypatch)


@pytest.mark.parametrize("fail_on", FAIL_ON)
def test_junit_counts_match_findings_at_or_above_fail_on(audited, capsys, tmp_path, fail_on):
    prefix = str(audited)
    findings = audit_findings(capsys, prefix)
    report = tmp_path / "junit.xml"
    run_audit(capsys, prefix, "--format", "junit", "--fail-on", fail_on, "--output", str(report))
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


def test_junit_escapes_markup_and_drops_characters_xml_cannot_hold(tmp_path):
    finding = lint_finding(message="<b>&\x00\x1b[31m\udcff")
    report = tmp_path / "j.xml"
    report.write_text(junit.findings(lint_report(finding, fail_on="warning")), encoding="utf-8")
    xml = JUnitXml.fromfile(str(report))
    (case,) = [c for suite in xml for c in suite if c.name == "numpy"]
    (failure,) = case.result
    assert failure.message == "warning: <b>&\ufffd\ufffd[31m\ufffd"
