"""Where a finding's evidence lives (reconcile/render/_evidence.py), for the CI formats."""

from __future__ import annotations

from reconcile.models import Finding, Severity
from reconcile.render._evidence import evidence_files


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
