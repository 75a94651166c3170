"""The exit code (reconcile/exits.py): one function, over every kind of outcome
a command concludes, and every command's exit code goes through it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from render_support import DEMO

import reconcile.cli
from reconcile.compare import Comparison, Row, RowStatus
from reconcile.envfile import LineProblem
from reconcile.errors import ReconcileError
from reconcile.exits import EXIT_ERROR, EXIT_FINDINGS, EXIT_INTERRUPTED, EXIT_OK, exit_code
from reconcile.export import EnvSpec
from reconcile.fleet import EnvAudit, FleetOptions, FleetReport
from reconcile.models import Depth, Finding, Severity
from reconcile.plan import Plan, Unresolved
from reconcile.policy import Outcome
from reconcile.reports import AuditReport, ExportReport, FixEnd, FixReport, LintReport


def finding(severity: Severity, code: str = "x-code", package: str = "p") -> Finding:
    return Finding(code=code, severity=severity, package=package, message="m")


ERROR, WARNING, INFO = (finding(s) for s in (Severity.ERROR, Severity.WARNING, Severity.INFO))


def outcome(*findings: Finding, fail_on: str = "error", known: bool = False) -> Outcome:
    from reconcile.policy import fingerprint

    prints = frozenset(fingerprint(f) for f in findings) if known else frozenset()
    return Outcome(findings=findings, fail_on=fail_on, baseline="b.json" if known else None,
                   known=prints)  # fmt: skip


# --------------------------------------------------------------------------
# each kind of outcome


@pytest.mark.parametrize(
    ("value", "code"),
    [
        pytest.param(outcome(), EXIT_OK, id="nothing"),
        pytest.param(outcome(ERROR), EXIT_FINDINGS, id="error"),
        pytest.param(outcome(WARNING, INFO), EXIT_OK, id="below-error"),
        pytest.param(outcome(WARNING, fail_on="warning"), EXIT_FINDINGS, id="warning-on-warning"),
        pytest.param(outcome(INFO, fail_on="warning"), EXIT_OK, id="info-on-warning"),
        pytest.param(outcome(INFO, fail_on="info"), EXIT_FINDINGS, id="info-on-info"),
        pytest.param(outcome(ERROR, fail_on="never"), EXIT_OK, id="never"),
        pytest.param(outcome(ERROR, known=True), EXIT_OK, id="in-the-baseline"),
    ],
)
def test_audit_outcome(value: Outcome, code: int) -> None:
    assert exit_code(value) == code


def test_audit_report_is_its_outcome_unless_the_baseline_was_written() -> None:
    graph: Any = object()  # the exit code never looks at the graph
    assert exit_code(AuditReport(graph=graph, outcome=outcome(ERROR))) == EXIT_FINDINGS
    assert exit_code(AuditReport(graph=graph, outcome=outcome(WARNING))) == EXIT_OK
    accepted = AuditReport(graph=graph, outcome=outcome(ERROR), accepted=True)
    assert exit_code(accepted) == EXIT_OK


@pytest.mark.parametrize(
    ("value", "code"),
    [
        pytest.param(LintReport(), EXIT_OK, id="no-file"),
        pytest.param(LintReport(linted=(("a.yml", outcome(WARNING)),)), EXIT_OK, id="warning"),
        pytest.param(
            LintReport(linted=(("a.yml", outcome()), ("b.yml", outcome(ERROR)))),
            EXIT_FINDINGS,
            id="one-file-fails",
        ),
        pytest.param(
            LintReport(linted=(("a.yml", outcome(ERROR)),), errors=(("b.yml", "cannot read"),)),
            EXIT_ERROR,
            id="unreadable-file-wins",
        ),
    ],
)
def test_lint_report(value: LintReport, code: int) -> None:
    assert exit_code(value) == code


def _env(code: int) -> EnvAudit:
    return EnvAudit(prefix=f"/envs/{code}", exit_code=code)


@pytest.mark.parametrize(
    ("codes", "code"),
    [
        pytest.param((), EXIT_OK, id="no-env"),
        pytest.param((0, 0), EXIT_OK, id="clean"),
        pytest.param((0, 1, 0), EXIT_FINDINGS, id="findings"),
        pytest.param((1, 2, 0), EXIT_ERROR, id="unreadable-env-wins"),
    ],
)
def test_fleet_report_is_the_worst_env(codes: tuple[int, ...], code: int) -> None:
    report = FleetReport(options=FleetOptions(depth=Depth.DEFAULT), envs=tuple(map(_env, codes)))
    assert exit_code(report) == code
    assert report.exit_code == code  # what the fleet's text and JSON show


def _row(status: RowStatus) -> Row:
    return Row(side="conda", package="p", wants="p", has="1", status=status)


@pytest.mark.parametrize(
    ("rows", "extra", "exact", "problems", "code"),
    [
        pytest.param((RowStatus.OK, RowStatus.SKIPPED), (), False, (), EXIT_OK, id="matches"),
        pytest.param((RowStatus.DIFFERS,), (), False, (), EXIT_FINDINGS, id="differs"),
        pytest.param((RowStatus.UNCHECKED,), (), False, (), EXIT_FINDINGS, id="unchecked"),
        pytest.param((RowStatus.OK,), (RowStatus.EXTRA,), False, (), EXIT_OK, id="extra"),
        pytest.param((RowStatus.OK,), (RowStatus.EXTRA,), True, (), EXIT_FINDINGS, id="exact"),
        pytest.param(
            (RowStatus.OK,),
            (),
            False,
            (LineProblem(source="e.yml", line=3, text="?", reason="bad"),),
            EXIT_FINDINGS,
            id="unreadable-line",
        ),
    ],
)
def test_comparison(rows, extra, exact, problems, code) -> None:
    result = Comparison(prefix="/env", file="e.yml", rows=tuple(map(_row, rows)),
                        extra=tuple(map(_row, extra)), problems=problems, exact=exact)  # fmt: skip
    assert exit_code(result) == code


@pytest.mark.parametrize(
    ("unresolved", "explanations", "code"),
    [
        pytest.param((), (), EXIT_OK, id="repairs-everything"),
        pytest.param((WARNING, INFO), (), EXIT_OK, id="leaves-warnings"),
        pytest.param((WARNING, ERROR), (), EXIT_FINDINGS, id="leaves-an-error"),
        pytest.param((), ("no pip side fits",), EXIT_FINDINGS, id="impossible"),
    ],
)
def test_plan(unresolved: tuple[Finding, ...], explanations: tuple[str, ...], code: int) -> None:
    left = tuple(Unresolved(finding=f, reason="r") for f in unresolved)
    plan = Plan(prefix=Path("/env"), strategy="prefer-conda", explanations=explanations,
                unresolved=left)  # fmt: skip
    assert exit_code(plan) == code
    assert exit_code(FixReport(end=FixEnd.SHOWN, plan=plan)) == code  # fix --dry-run


def test_export_report() -> None:
    spec: Any = object.__new__(EnvSpec)  # the exit code never looks inside the spec
    assert exit_code(ExportReport(prefix="/env", spec=spec)) == EXIT_OK
    impossible = ExportReport(prefix="/env", explanations=("pip's a needs b>2",))
    assert exit_code(impossible) == EXIT_FINDINGS


@pytest.mark.parametrize(
    ("report", "code"),
    [
        pytest.param(FixReport(end=FixEnd.DONE), EXIT_OK, id="done"),
        pytest.param(
            FixReport(end=FixEnd.DONE, errors_left=("missing-file six",)),
            EXIT_FINDINGS,
            id="done-with-errors-left",
        ),
        pytest.param(FixReport(end=FixEnd.UNDONE), EXIT_OK, id="undone"),
        pytest.param(FixReport(end=FixEnd.REFUSED), EXIT_FINDINGS, id="refused"),
        pytest.param(FixReport(end=FixEnd.DECLINED), EXIT_FINDINGS, id="declined"),
        pytest.param(FixReport(end=FixEnd.ROLLED_BACK), EXIT_FINDINGS, id="rolled-back"),
        pytest.param(FixReport(end=FixEnd.LOST), EXIT_FINDINGS, id="lost"),
    ],
)
def test_fix_report(report: FixReport, code: int) -> None:
    assert exit_code(report) == code


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        pytest.param(ReconcileError("usage"), EXIT_ERROR, id="usage"),
        pytest.param(FileNotFoundError(2, "No such file", "x"), EXIT_ERROR, id="io"),
        pytest.param(RuntimeError("a bug"), EXIT_ERROR, id="internal"),
        pytest.param(KeyboardInterrupt(), EXIT_INTERRUPTED, id="interrupted"),
    ],
)
def test_an_exception_that_stopped_the_command(exc: BaseException, code: int) -> None:
    assert exit_code(exc) == code


def test_anything_else_has_no_exit_code() -> None:
    with pytest.raises(TypeError, match="no exit code for a str"):
        exit_code("0")  # type: ignore[arg-type]


def test_deciding_the_exit_code_imports_no_stage() -> None:
    code = (
        "import json, sys\n"
        "from reconcile.exits import exit_code\n"
        "from reconcile.policy import Outcome\n"
        "print(exit_code(Outcome(findings=())))\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('reconcile.'))))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=REPO
    )
    assert proc.returncode == 0, proc.stderr
    first, loaded = proc.stdout.splitlines()[-2:]
    assert first == "0"
    assert not {"reconcile.plan", "reconcile.compare", "reconcile.fleet"} & set(json.loads(loaded))


# --------------------------------------------------------------------------
# every command goes through it


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, int]]:
    """What the CLI asks exit_code about, and what it answered."""
    calls: list[tuple[object, int]] = []

    def recording(value: Any) -> int:
        code = exit_code(value)
        calls.append((value, code))
        return code

    monkeypatch.setattr(reconcile.cli, "exit_code", recording)
    return calls


@pytest.fixture
def home(demo_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "environment.yml").write_text("dependencies:\n  - six\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return demo_home


LINT_FILE = str(REPO / "fixtures" / "lint" / "environment.yml")


@pytest.mark.parametrize(
    ("argv", "kind", "code"),
    [
        pytest.param(["audit", str(DEMO)], AuditReport, 1, id="audit"),
        pytest.param(["audit", "--all", "--jobs", "1"], FleetReport, 1, id="audit-all"),
        pytest.param(["lint", LINT_FILE], LintReport, 1, id="lint"),
        pytest.param(["lint", LINT_FILE, "gone.yml"], LintReport, 2, id="lint-unreadable"),
        pytest.param(["compare", str(DEMO), "environment.yml"], Comparison, 1, id="compare"),
        pytest.param(["plan", str(DEMO), "--offline"], Plan, 1, id="plan"),
        pytest.param(["export", str(DEMO)], ExportReport, 1, id="export-impossible"),
        pytest.param(["fix", str(DEMO), "--offline", "--dry-run"], FixReport, 1, id="fix-dry-run"),
        pytest.param(["fix", str(DEMO), "--undo"], FixReport, 1, id="fix-nothing-to-undo"),
        pytest.param(["audit", "no-such-env"], ReconcileError, 2, id="usage-error"),
    ],
)
def test_every_command_exits_through_exit_code(
    argv: list[str],
    kind: type,
    code: int,
    home: Path,
    spy: list[tuple[object, int]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert reconcile.cli.main(argv) == code
    assert "Traceback" not in capsys.readouterr().err
    (value, answered) = spy[-1]
    assert isinstance(value, kind)
    assert answered == code
