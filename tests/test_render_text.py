"""``--format text`` (reconcile/render/text.py): what each command shows a person."""

from __future__ import annotations

from test_compare import env_graph, envfile

from reconcile.compare import compare
from reconcile.render import text


def test_compare_text_counts_each_side_and_the_mismatches():
    env = envfile("dependencies:\n  - requests\n  - six\n  - pip:\n    - attrs\n    - numpy\n")
    out = text.compare(compare(env_graph(), env))
    assert "conda: 2 asked for, 1 not met" in out
    assert "pip: 2 asked for, 1 not met" in out
    assert out.rstrip().endswith("does not match the file: 2 mismatches")


# --------------------------------------------------------------------------
# audit: hints and the next step


def _audit_report(prefix: str, *findings):
    from pathlib import Path

    from packaging.version import Version

    from reconcile.graph import build_graph
    from reconcile.models import Depth, PrefixState, PythonInfo
    from reconcile.policy import Outcome
    from reconcile.reports import AuditReport

    py = PythonInfo(version=Version("3.11.7"), site_packages="lib/python3.11/site-packages",
                    platform="linux-64", source="test")  # fmt: skip
    graph = build_graph(PrefixState(prefix=Path(prefix), depth=Depth.QUICK, python=py))
    return AuditReport(graph=graph, outcome=Outcome(findings=tuple(findings), fail_on="error"))


def _finding(code, severity, package="pkg", hint=None):
    from reconcile.models import Finding, Severity

    return Finding(code=code, severity=Severity.from_label(severity), package=package,
                   message=f"{code} message", hint=hint)  # fmt: skip


def test_audit_with_errors_ends_with_the_commands_that_repair_them_quoted_for_a_shell():
    import shlex

    out = text.audit(_audit_report("/envs/my env", _finding("pip-overwrote-conda", "error")))
    tail = out.splitlines()[-3:]
    assert tail[0].startswith("to repair:")
    assert [shlex.split(line) for line in tail[1:]] == [
        ["reconcile", "plan", "/envs/my env"],
        ["reconcile", "fix", "/envs/my env"],
    ]


def test_audit_without_errors_suggests_no_repair():
    for findings in (
        (),
        (_finding("file-clobber", "warning"), _finding("editable-install", "info")),
    ):
        out = text.audit(_audit_report("/envs/work", *findings))
        assert "reconcile plan" not in out and "reconcile fix" not in out


def test_a_hint_is_shown_under_its_finding_once_per_run_of_equal_hints():
    rm = "consider removing it: rm -r /envs/work/lib/python3.10/site-packages"
    out = text.audit(
        _audit_report(
            "/envs/work",
            _finding("orphaned-site-packages", "warning", "attrs", hint=rm),
            _finding("orphaned-site-packages", "warning", "six", hint=rm),
            _finding("stale-dist-info", "warning", "zzz", hint="remove it: rm -r /envs/work/x"),
            _finding("user-site-leak", "warning", "idna"),
        )
    )
    lines = out.splitlines()
    at = lines.index("WARNING (4)")
    width = len("orphaned-site-packages")
    assert lines[at + 1 : at + 6] == [
        f"  {'orphaned-site-packages':<{width}}  attrs: orphaned-site-packages message",
        f"  {'orphaned-site-packages':<{width}}  six: orphaned-site-packages message",
        f"  {'':<{width}}  hint: {rm}",
        f"  {'stale-dist-info':<{width}}  zzz: stale-dist-info message",
        f"  {'':<{width}}  hint: remove it: rm -r /envs/work/x",
    ]
    assert lines[at + 6].lstrip().startswith("user-site-leak")
