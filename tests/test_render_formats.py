"""The format tables (reconcile/render/__init__.py) as the CLI uses them.

Every format of every command's table renders through the CLI on the demo
(the cases are drawn from the tables, so a format added to a table is tested
here at once); a table's names are its command's ``--format`` choices, and a
name not in it is argparse's one usage error, exit 2.  Also what ``--output``
does with a report, and lint in the CI formats.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import typer.main
from conftest import REPO
from junitparser import JUnitXml
from render_support import DEMO, audit_findings, run_audit, sarif_validator

from reconcile import render
from reconcile.cli import app, main

LINT_FILE = REPO / "fixtures" / "lint" / "environment.yml"
TABLES: dict[str, render.Formats] = {
    "audit": render.AUDIT,
    "audit --all": render.FLEET,
    "graph": render.GRAPH,
    "plan": render.PLAN,
    "compare": render.COMPARE,
    "lint": render.LINT,
}


@pytest.fixture
def home(demo_home: Path) -> Path:
    """A HOME whose only env is the demo; nothing else of the machine's."""
    return demo_home


def _argv(command: str, fmt: str, tmp_path: Path) -> list[str]:
    if command == "audit --all":
        return ["audit", "--all", "--jobs", "1", "--format", fmt]
    if command == "compare":
        wanted = tmp_path / "environment.yml"
        wanted.write_text("dependencies:\n  - requests\n  - six\n", encoding="utf-8")
        return ["compare", str(DEMO), str(wanted), "--format", fmt]
    if command == "lint":
        return ["lint", str(LINT_FILE), "--format", fmt]
    if command == "plan":
        return ["plan", str(DEMO), "--offline", "--format", fmt]
    return [command, str(DEMO), "--format", fmt]


#: What each command's run on the demo exits with (its findings, the six pip
#: replaced, the lint fixture's errors; the graph has no exit code of its own).
EXIT = {"audit": 1, "audit --all": 1, "graph": 0, "plan": 1, "compare": 1, "lint": 1}

#: The first line of each command's text.
TEXT_HEAD = {
    "audit": f"reconcile audit of {DEMO}",
    "audit --all": "reconcile audit of 1 environment (depth default, --fail-on error)",
    "graph": f"unified graph of {DEMO}",
    "plan": f"reconcile plan for {DEMO} (strategy prefer-conda)",
    "compare": f"reconcile compare of {DEMO}",
    "lint": f"{LINT_FILE}:",
}


def _json(command: str, out: str) -> None:
    schema = {"audit --all": "fleet"}.get(command, command)
    assert json.loads(out)["schema"] == f"reconcile.{schema}/1"


def _sarif(command: str, out: str) -> None:
    sarif_validator().validate(json.loads(out))


def _junit(command: str, out: str) -> None:
    assert out.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')
    assert JUnitXml.fromstring(out).failures > 0


def _github(command: str, out: str) -> None:
    *commands, summary = out.splitlines()
    levels = ("::error ", "::warning ", "::notice ")
    if command == "audit --all":  # each env's annotations, then its summary line
        commands = [c for c in commands if not c.startswith("reconcile audit of ")]
    assert commands and all(line.startswith(levels) for line in commands)
    assert summary.startswith("reconcile")


def _text(command: str, out: str) -> None:
    assert out.startswith(TEXT_HEAD[command])


def _starts(head: str) -> Callable[[str, str], None]:
    def check(command: str, out: str) -> None:
        assert out.startswith(head), out[:200]

    return check


#: How each format's output is recognised, whatever the command.
LOOKS: dict[str, Callable[[str, str], None]] = {
    "text": _text,
    "json": _json,
    "sarif": _sarif,
    "junit": _junit,
    "github": _github,
    "dot": _starts("digraph reconcile {\n"),
    "mermaid": _starts("flowchart LR\n"),
    "sh": _starts("#!/usr/bin/env bash\n"),
}


@pytest.mark.parametrize(
    ("command", "fmt"),
    [pytest.param(c, f, id=f"{c}-{f}") for c, table in TABLES.items() for f in table],
)
def test_every_format_of_every_command_renders(
    command: str, fmt: str, home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(_argv(command, fmt, tmp_path))
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err
    assert code == EXIT[command]
    assert out.endswith("\n")
    LOOKS[fmt](command, out)


@pytest.mark.parametrize("table", list(TABLES.values()), ids=list(TABLES))
def test_every_renderer_of_a_table_is_a_function_of_the_render_package(
    table: render.Formats,
) -> None:
    for fmt in table:
        renderer = table[fmt]
        assert callable(renderer)
        assert renderer.__module__.startswith("reconcile.render.")
    with pytest.raises(KeyError):
        table["nope"]


@pytest.mark.parametrize("command", ["audit", "graph", "plan", "compare", "lint"])
def test_format_choices_are_the_tables_names(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        main([command, "--help"])
    assert stop.value.code == 0
    shown = capsys.readouterr().out
    assert all(name in shown for name in TABLES[command])
    # typer's --format is a choice of exactly the table's names (shell
    # completion offers them); argparse printed them as {text,json,...}
    click_command = typer.main.get_command(app).commands[command]  # type: ignore[attr-defined]
    (option,) = [p for p in click_command.params if "--format" in getattr(p, "opts", ())]
    assert list(option.type.choices) == list(TABLES[command])


@pytest.mark.parametrize("command", ["audit", "graph", "plan", "compare", "lint"])
def test_unknown_format_is_a_usage_error_exit_2(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        main([command, "x", "--format", "nope"])
    assert stop.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    # one line (the usage block argparse printed first is gone with typer)
    assert err.count("\n") == 1, err
    m = re.fullmatch(
        r"reconcile: error: --format: invalid choice: 'nope' \(choose from (.*)\) "
        rf"\(see 'reconcile {command} --help'\)\n",
        err,
    )
    assert m, err
    assert [c.strip("'") for c in m[1].split(", ")] == list(TABLES[command])


def test_an_audit_in_text_loads_no_other_format_nor_stage() -> None:
    """Picking the renderer from the table imports that format's module only:
    an audit in text loads neither the plan, compare, the CI formats nor XML."""
    code = (
        "import json, sys\n"
        "from reconcile.cli import main\n"
        f"rc = main(['audit', {str(DEMO)!r}])\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('reconcile.', 'xml')))))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=REPO
    )
    assert proc.returncode == 0, proc.stderr
    loaded = set(json.loads(proc.stdout.splitlines()[-1]))
    assert "reconcile.render.text" in loaded
    unwanted = {
        "reconcile.plan", "reconcile.compare", "reconcile.export", "reconcile.fleet",
        "reconcile.render.json", "reconcile.render.sarif", "reconcile.render.junit",
        "xml.etree.ElementTree",
    }  # fmt: skip
    assert not loaded & unwanted


# --------------------------------------------------------------------------
# --output: the report to a file, the text summary to the terminal


def test_output_writes_the_report_and_the_terminal_gets_the_text_summary(
    capsys, tmp_path, monkeypatch
):
    monkeypatch.setenv("HOME", str(tmp_path))
    plain_code, text = run_audit(capsys, str(DEMO))
    report = tmp_path / "reconcile.sarif"
    code, out = run_audit(capsys, str(DEMO), "--format", "sarif", "--output", str(report))
    assert code == plain_code == 1
    assert out == text
    assert "$schema" not in out and "ruleId" not in out and "2.1.0" not in out
    doc = json.loads(report.read_text(encoding="utf-8"))
    assert not list(sarif_validator().iter_errors(doc))
    assert len(doc["runs"][0]["results"]) == len(audit_findings(capsys, str(DEMO)))


@pytest.mark.parametrize("fmt", ["sarif", "junit", "github"])
def test_without_output_the_report_goes_to_stdout(capsys, tmp_path, monkeypatch, fmt):
    monkeypatch.setenv("HOME", str(tmp_path))
    report = tmp_path / "report"
    run_audit(capsys, str(DEMO), "--format", fmt, "--output", str(report))
    _, out = run_audit(capsys, str(DEMO), "--format", fmt)
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


# --------------------------------------------------------------------------
# lint in the CI formats


def test_lint_speaks_the_same_ci_formats(capsys, monkeypatch):
    """lint's findings (file + line) in SARIF, JUnit and GitHub, line for line."""
    monkeypatch.chdir(REPO / "fixtures" / "lint")
    assert main(["lint", "environment.yml", "--format", "json"]) == 1
    found = json.loads(capsys.readouterr().out)["findings"]
    assert main(["lint", "environment.yml", "--format", "sarif"]) == 1
    sarif = json.loads(capsys.readouterr().out)
    sarif_validator().validate(sarif)
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
