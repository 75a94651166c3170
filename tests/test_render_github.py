"""``--format github`` (reconcile/render/github.py): workflow commands, parsed back."""

from __future__ import annotations

import os
import re

import pytest
from render_support import TRICKY, audit_findings, lab_prefix, lint_finding, lint_report, run_audit

from reconcile.render import github

_GH_LINE = re.compile(r"^::(error|warning|notice) ([^:]*)::(.*)$")


def _unescape(text: str) -> str:
    for code, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(code, char)
    return text


@pytest.fixture
def audited(lab, scenario, monkeypatch):
    return lab_prefix(lab, scenario, monkeypatch)


def test_github_has_one_command_per_finding_and_a_summary(audited, capsys):
    prefix = str(audited)
    findings = audit_findings(capsys, prefix)
    _, out = run_audit(capsys, prefix, "--format", "github", "--fail-on", "warning")
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


def test_github_escaping_of_data_and_properties():
    assert github.escape_data(TRICKY) == "100%25 sure: a, b%0Asecond line%0D"
    assert github.escape_property(TRICKY) == "100%25 sure%3A a%2C b%0Asecond line%0D"
    assert _unescape(github.escape_property(TRICKY)) == TRICKY


def test_github_line_for_a_file_and_line_finding():
    out = github.findings(lint_report(lint_finding()))
    first, summary = out.splitlines()
    assert first == (
        "::warning title=lint-example (numpy),file=envs/dev%2C 1%3Aenvironment.yml,line=7"
        "::numpy: 100%25 sure: a, b%0Asecond line%0D"
    )
    assert summary == "reconcile: 0 errors, 1 warning, 0 info; 0 at or above --fail-on error"
