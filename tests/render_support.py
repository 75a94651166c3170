"""What the render tests share: the SARIF schema's validator, audits of the
demo and the lab run through the CLI, findings made by hand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from reconcile.cli import main
from reconcile.models import Finding, Severity
from reconcile.policy import Outcome
from reconcile.reports import LintReport

DATA = Path(__file__).resolve().parent / "data"
DEMO = Path(__file__).resolve().parent.parent / "fixtures" / "demo" / "prefix"
SCHEMA = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
FAIL_ON = ("error", "warning", "info", "never")
TRICKY = "100% sure: a, b\nsecond line\r"


def sarif_validator() -> jsonschema.Draft4Validator:
    checker = jsonschema.FormatChecker()
    # Without rfc3986-validator jsonschema skips these formats silently.
    assert {"uri", "uri-reference"} <= set(checker.checkers)
    return jsonschema.Draft4Validator(SCHEMA, format_checker=checker)


def run_audit(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["audit", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out


def audit_findings(capsys: pytest.CaptureFixture[str], prefix: str) -> list[dict[str, Any]]:
    """The findings of ``prefix``, from the audit's JSON."""
    _, out = run_audit(capsys, prefix, "--format", "json", "--fail-on", "never")
    findings: list[dict[str, Any]] = json.loads(out)["findings"]
    return findings


def lab_prefix(lab: Any, scenario: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A lab scenario's prefix, audited with its own HOME (its user site)."""
    monkeypatch.setenv("HOME", str(lab.home(scenario)))
    monkeypatch.delenv("PYTHONUSERBASE", raising=False)
    monkeypatch.delenv("PYTHONNOUSERSITE", raising=False)
    prefix: Path = lab.prefix(scenario)
    return prefix


def lint_finding(message: str = TRICKY, line: int = 7) -> Finding:
    """A finding about a line of a file, as lint makes them."""
    return Finding(
        code="lint-example",
        severity=Severity.WARNING,
        package="numpy",
        message=message,
        evidence={"file": "envs/dev, 1:environment.yml", "line": line},
    )


def lint_report(*findings: Finding, fail_on: str = "error") -> LintReport:
    """Findings of one linted file, as ``reconcile lint`` reports them."""
    outcome = Outcome(findings=findings, fail_on=fail_on)
    return LintReport(linted=(("environment.yml", outcome),), fail_on=fail_on)
