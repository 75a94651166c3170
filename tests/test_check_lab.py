"""The audit on real broken environments (fixtures/lab): exact findings.

Each scenario folder holds ``expected.toml``, the exact set of (code,
package) an audit must report.  These prefixes were written by py-rattler
and the prefix's own pip, so the tests exercise the formats real installers
write, not what a test author believes they write.
"""

from __future__ import annotations

import json
import sys

import pytest
from test_real_writers import _expected as real_writer_expected

from reconcile.check import CODES
from reconcile.cli import main

pytestmark = pytest.mark.lab


def audit_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    code = main(["audit", *args, "--format", "json"])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, json.loads(out)


def test_scenario_gives_exactly_the_expected_findings(lab, scenario, capsys, monkeypatch):
    monkeypatch.setenv("HOME", str(lab.home(scenario)))
    monkeypatch.delenv("PYTHONUSERBASE", raising=False)
    monkeypatch.delenv("PYTHONNOUSERSITE", raising=False)
    _, doc = audit_json(capsys, str(lab.prefix(scenario)), "--fail-on", "never")
    got = {(f["code"], f["package"]) for f in doc["findings"]}
    assert got == lab.expected(scenario), "\n".join(
        f"{f['severity']}: {f['code']} {f['package']}: {f['message']}" for f in doc["findings"]
    )


#: Codes no lab scenario produces, with the tests/real_writers case (written by the
#: real installer) that does.  platform-mismatch needs a binary wheel for another
#: platform, and the lab's wheels are pure; a lab scenario would also need a plan
#: that reinstalls the wheel for the env, which the plan does not do yet.
ELSEWHERE = {"platform-mismatch": "15-wheels-for-another-python-or-platform"}


def test_every_code_is_produced_by_some_scenario(lab):
    produced = {code for name in lab.scenarios for code, _ in lab.expected(name)}
    assert produced | set(ELSEWHERE) == set(CODES)
    assert not produced & set(ELSEWHERE)  # once the lab has one, drop it from ELSEWHERE
    for code, case in ELSEWHERE.items():
        assert code in {f["code"] for f in real_writer_expected(case)["finding"]}


def test_clean_prefix_has_no_error_or_warning(lab, capsys, monkeypatch):
    monkeypatch.setenv("HOME", str(lab.home("clean")))
    for depth in ("--quick", "--deep"):
        code, doc = audit_json(capsys, str(lab.prefix("clean")), depth, "--fail-on", "info")
        assert code == 0
        assert doc["summary"] == {"error": 0, "warning": 0, "info": 0}


def test_quick_and_deep_agree_on_metadata_findings(lab, capsys, monkeypatch):
    """--quick skips file checks only: every other finding is the same."""
    file_codes = {"missing-file", "altered-file"}
    for scenario in lab.scenarios:
        monkeypatch.setenv("HOME", str(lab.home(scenario)))
        prefix = str(lab.prefix(scenario))
        _, quick = audit_json(capsys, prefix, "--quick")
        _, deep = audit_json(capsys, prefix, "--deep")
        q = {(f["code"], f["package"]) for f in quick["findings"]}
        d = {(f["code"], f["package"]) for f in deep["findings"] if f["code"] not in file_codes}
        assert q == d, scenario
        assert "files not checked" in quick["checked"]
        assert "sha256" in deep["checked"]


def test_json_document_shape(lab, capsys, monkeypatch):
    monkeypatch.setenv("HOME", str(lab.home("clean")))
    _, doc = audit_json(capsys, str(lab.prefix("clean")))
    assert doc["schema"] == "reconcile.audit/1"
    assert doc["python"]["version"].startswith(f"{sys.version_info.major}.{sys.version_info.minor}")
    by_name = {p["name"]: p for p in doc["packages"]}
    assert by_name["requests"]["provenance"] == "conda-python"
    assert by_name["requests"]["conda"]["ownership"] == "intact"
    assert by_name["attrs"]["provenance"] == "pip"
    assert by_name["attrs"]["conda"] is None
    assert by_name["attrs"]["pip"][0]["installer"] == "pip"
    assert set(doc["summary"]) == {"error", "warning", "info"}
    # No settings file and no baseline: the policy block says so.
    assert doc["policy"]["config"] is None and doc["policy"]["baseline"] is None
    assert doc["policy"]["failing"] == 0 and doc["policy"]["fail_on"] == "error"
    assert all(len(f["fingerprint"]) == 64 for f in doc["findings"])


def test_audit_never_changes_the_prefix(lab, scenario, tree_hash, capsys, monkeypatch):
    """Every file, link, mode and mtime of the prefix (and of the HOME holding
    the user site) is the same after an audit at every depth and a graph."""
    monkeypatch.setenv("HOME", str(lab.home(scenario)))
    prefix, home = lab.prefix(scenario), lab.home(scenario)
    before = (tree_hash(prefix), tree_hash(home))
    for args in (
        ["audit", "--deep"],
        ["audit"],
        ["audit", "--quick"],
        ["graph", "--format", "json"],
    ):
        main([args[0], str(prefix), *args[1:]])
    capsys.readouterr()
    assert (tree_hash(prefix), tree_hash(home)) == before
