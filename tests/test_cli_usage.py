"""Usage: what the command line accepts, and the one-line error for the rest.

A usage error is exit 2 and one ``reconcile: error: ...`` line on stderr
(click's own form, a usage block and a boxed message, is never printed).
``main(argv)`` raises SystemExit for what ends a run before a command runs
(--help, --version, a usage error), as argparse's parse_args did, and returns
a command's exit code.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from terminal import REPO, reconcile

from reconcile.cli import main

DEMO = REPO / "fixtures" / "demo" / "prefix"


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CONDA_PREFIX", raising=False)


def _usage_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out, err = capsys.readouterr()
    assert exc.value.code == 2, err
    assert out == ""
    assert err.startswith("reconcile: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and "Usage:" not in err and "╭" not in err
    return err


PREFIX_COMMANDS = ["audit", "graph", "plan", "fix", "export"]


@pytest.mark.parametrize("command", PREFIX_COMMANDS)
def test_name_with_a_prefix_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    err = _usage_error(capsys, [command, str(DEMO), "-n", "work"])
    assert "PREFIX or -n NAME, not both" in err


def test_compare_name_with_two_paths_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    spec = tmp_path / "environment.yml"
    spec.write_text("dependencies:\n  - six\n")
    err = _usage_error(capsys, ["compare", "-n", "work", str(DEMO), str(spec)])
    assert "PREFIX or -n NAME, not both" in err


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        pytest.param(
            [], "missing command: audit, graph, plan, fix, export, compare or lint", id="no-command"
        ),
        pytest.param(["audt"], "no such command 'audt'", id="unknown-command"),
        pytest.param(
            ["audit", "--fail-on", "sometimes"],
            "--fail-on: invalid choice: 'sometimes' (choose from error, warning, info, never)",
            id="fail-on",
        ),
        pytest.param(["graph", "--format", "svg"], "--format: invalid choice: 'svg'", id="format"),
        pytest.param(
            ["plan", "--strategy", "yolo"], "--strategy: invalid choice: 'yolo'", id="strategy"
        ),
        pytest.param(
            ["fix", "--strategy", "rebuild"], "invalid choice: 'rebuild'", id="fix-no-rebuild"
        ),
        pytest.param(["audit", "--bogus"], "no such option: --bogus", id="unknown-option"),
        pytest.param(["audit", "a", "b"], "unexpected extra argument", id="two-prefixes"),
        pytest.param(
            ["audit", "--quick", "--deep"], "--deep: not allowed with --quick", id="quick-deep"
        ),
        pytest.param(
            ["audit", "--baseline", "a", "--write-baseline", "b"],
            "--write-baseline: not allowed with --baseline",
            id="baselines",
        ),
        pytest.param(
            ["plan", "--offline", "--index-url", "https://x"],
            "--index-url: not allowed with --offline",
            id="plan-sources",
        ),
        pytest.param(
            ["export", "--find-links", "w", "--index-url", "https://x"],
            "--index-url: not allowed with --find-links",
            id="export-sources",
        ),
        pytest.param(
            ["fix", "--offline", "--index-url", "https://x"],
            "--index-url: not allowed with --offline",
            id="fix-sources",
        ),
        pytest.param(
            ["audit", "--all", "--jobs", "0"],
            "--jobs: expected a whole number of at least 1, got '0'",
            id="jobs",
        ),
        pytest.param(["compare"], "missing argument '[PREFIX] FILE'", id="compare-nothing"),
        pytest.param(["lint"], "missing argument 'FILE...'", id="lint-nothing"),
        pytest.param(["audit", "--format"], "'--format' requires an argument", id="no-value"),
    ],
)
def test_usage_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], said: str
) -> None:
    assert said in _usage_error(capsys, argv)


def test_usage_error_names_the_help_to_read(capsys: pytest.CaptureFixture[str]) -> None:
    assert "(see 'reconcile plan --help')" in _usage_error(capsys, ["plan", "--strategy", "x"])


def test_usage_error_from_the_console_script() -> None:
    run = reconcile(["audit", "--fail-on", "sometimes"])
    assert run.code == 2 and run.out == ""
    assert run.err.startswith("reconcile: error: --fail-on: invalid choice") and (
        run.err.count("\n") == 1
    )


def test_help_and_version_end_with_0(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--help"], ["-h"], ["audit", "--help"], ["--version"]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 0, argv
    assert capsys.readouterr().out.endswith("reconcile 0.1.0\n")


def test_main_returns_the_command_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", str(DEMO), "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out)["schema"] == "reconcile.audit/1"


# ---------------------------------------------------------------------------
# -o - is standard output


def test_audit_o_dash_is_stdout(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["audit", str(DEMO), "--format", "json"]) == 1
    plain = capsys.readouterr().out
    assert main(["audit", str(DEMO), "--format", "json", "-o", "-"]) == 1
    assert capsys.readouterr().out == plain
    assert not (tmp_path / "-").exists() and not Path("-").exists()


def test_export_o_dash_is_stdout(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    prefix = REPO / "tests" / "real_writers" / "14-pip-orphaned-cycle-export" / "prefix"
    assert main(["export", str(prefix)]) == 0
    plain = capsys.readouterr().out
    assert main(["export", str(prefix), "-o", "-"]) == 0
    assert capsys.readouterr().out == plain and "dependencies:" in plain


def test_lint_o_writes_the_report_and_the_text_summary_to_stdout(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    spec = tmp_path / "environment.yml"
    spec.write_text("name: x\ndependencies:\n  - six ==1.16.0\n  - pip:\n    - six==1.17.0\n")
    assert main(["lint", str(spec)]) == 1
    text = capsys.readouterr().out
    report = tmp_path / "lint.json"
    assert main(["lint", str(spec), "--format", "json", "-o", str(report)]) == 1
    assert capsys.readouterr().out == text
    assert json.loads(report.read_text())["schema"] == "reconcile.lint/1"
    assert main(["lint", str(spec), "--format", "json", "-o", "-"]) == 1
    assert json.loads(capsys.readouterr().out) == json.loads(report.read_text())


# ---------------------------------------------------------------------------
# --quick/--deep only where they change something


@pytest.mark.parametrize("command", ["graph", "export"])
def test_depth_is_not_offered_where_it_changes_nothing(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    for flag in ("--quick", "--deep"):
        assert f"no such option: {flag}" in _usage_error(capsys, [command, str(DEMO), flag])


def test_graph_is_the_same_at_every_depth_of_audit(capsys: pytest.CaptureFixture[str]) -> None:
    """The reason graph has no --quick/--deep: what it prints needs no file check
    (here on the demo, whose conda files pip overwrote)."""
    from reconcile.check import unmet_edges
    from reconcile.config import load_config
    from reconcile.models import Depth
    from reconcile.pipeline import load_graph
    from reconcile.render import GRAPH
    from reconcile.reports import GraphReport

    config = load_config(None, codes=list)
    graphs = (load_graph(DEMO, depth=d, name_map_file=None, config=config) for d in Depth)
    reports = (GraphReport(graph=g, unmet=unmet_edges(g)) for g in graphs)
    shown = {tuple(GRAPH[fmt](r) for fmt in GRAPH) for r in reports}
    assert len(shown) == 1
