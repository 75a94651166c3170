"""The values of reconcile/models.py that every stage shares: severity counts,
the --fail-on threshold, the typed reads of a finding's evidence, and the
string-valued enums that stand in for strings in every output."""

from __future__ import annotations

import json

import pytest

from reconcile.compare import RowStatus
from reconcile.models import (
    DistKind,
    EdgeKind,
    Finding,
    Severity,
    StrEnum,
    at_or_above,
    fail_threshold,
    severity_counts,
)
from reconcile.plan import Step, Tool


def finding(severity: Severity = Severity.ERROR, **evidence: object) -> Finding:
    return Finding(code="c", severity=severity, package="p", message="m", evidence=evidence)


def test_severity_counts_has_every_label_worst_first() -> None:
    found = [finding(Severity.INFO), finding(Severity.ERROR), finding(Severity.INFO)]
    assert list(severity_counts(found).items()) == [("error", 1), ("warning", 0), ("info", 2)]
    assert severity_counts(()) == {"error": 0, "warning": 0, "info": 0}


@pytest.mark.parametrize(
    ("fail_on", "threshold", "failing"),
    [
        pytest.param("error", Severity.ERROR, 1, id="error"),
        pytest.param("warning", Severity.WARNING, 2, id="warning"),
        pytest.param("info", Severity.INFO, 3, id="info"),
        pytest.param("never", None, 0, id="never"),
    ],
)
def test_fail_on(fail_on: str, threshold: Severity | None, failing: int) -> None:
    assert fail_threshold(fail_on) is threshold
    found = [finding(s) for s in (Severity.INFO, Severity.WARNING, Severity.ERROR)]
    assert len(at_or_above(found, fail_on)) == failing


def test_evidence_accessors_read_the_keys_stages_act_on() -> None:
    f = finding(
        path="lib/x.dist-info", paths=["a", "b"], owners=["six", "urllib3"], spec="idna >=2.5",
        kind="constrains", requirement="idna>=2", pin="numpy 1.26.*", field="Version",
        site_packages="lib/python3.10/site-packages", conda_record="conda-meta/x-1-0.json",
        installed_dist="lib/x-2.dist-info", effective="a", renamed="bin/x__clobber-from-y",
        file="environment.yml", line=7,
    )  # fmt: skip
    assert (f.path, f.paths, f.owners) == ("lib/x.dist-info", ("a", "b"), ("six", "urllib3"))
    assert (f.spec, f.requirement, f.pin) == ("idna >=2.5", "idna>=2", "numpy 1.26.*")
    assert f.kind == EdgeKind.CONSTRAINS and f.metadata_field == "Version"
    assert f.site_packages == "lib/python3.10/site-packages"
    assert (f.conda_record, f.installed_dist) == ("conda-meta/x-1-0.json", "lib/x-2.dist-info")
    assert (f.effective, f.renamed) == ("a", "bin/x__clobber-from-y")
    assert (f.file, f.line) == ("environment.yml", 7)


def test_evidence_accessors_give_nothing_for_a_missing_or_mistyped_key() -> None:
    f = finding(path=3, paths="not-a-list", owners=["ok", 4], line=True, file=None)
    assert (f.path, f.paths, f.owners, f.line, f.file) == (None, (), ("ok",), None, None)
    assert (f.spec, f.kind, f.pin, f.conda_record) == (None, None, None, None)


def test_accessors_leave_the_json_as_it_was() -> None:
    evidence = {"spec": "idna >=2.5", "kind": "depends", "paths": ["a"], "line": 3}
    f = finding(**evidence)
    assert (f.spec, f.paths) == ("idna >=2.5", ("a",))
    assert f.to_dict()["evidence"] == evidence


@pytest.mark.parametrize(
    "member",
    [EdgeKind.DEPENDS, DistKind.EGG_LINK, Tool.REMOVE, RowStatus.DIFFERS],
    ids=lambda m: type(m).__name__,
)
def test_string_enums_are_their_value_everywhere(member: StrEnum) -> None:
    value = member.value
    assert member == value and hash(member) == hash(value)
    assert f"{member}" == str(member) == value
    assert f"{member:>12}" == f"{value:>12}"
    assert json.dumps({"k": member}) == json.dumps({"k": value})
    assert json.dumps([member], indent=2) == json.dumps([value], indent=2)


def test_a_step_made_with_the_tools_name_gets_the_member() -> None:
    step = Step(tool="pip", args=("pip", "check"), answers=(), why="w")  # type: ignore[arg-type]
    assert step.tool is Tool.PIP
    assert step.to_dict()["tool"] == "pip"
    with pytest.raises(ValueError, match="'pipx'"):
        Step(tool="pipx", args=(), answers=(), why="w")  # type: ignore[arg-type]
