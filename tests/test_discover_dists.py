"""site-packages as real writers leave them (see tests/real_writers): old
metadata packaging >= 22 rejects, and RECORD paths that leave site-packages.
Each prefix is written in ``tmp_path``.
"""

from __future__ import annotations

from pathlib import Path

import prefix_kit as kit
import pytest
from prefix_kit import SITE

from reconcile.discover._dists import read_site_packages
from reconcile.models import Severity

# -- old metadata -----------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "field"),
    [
        pytest.param("Requires-Python: >=3.5.*\n", "Requires-Python", id="pylint-2.6"),
        pytest.param("Requires-Dist: pytz (>dev)\n", "Requires-Dist", id="celery-4-pytz-dev"),
        pytest.param("", "Version", id="non-pep440-version"),
    ],
)
def test_legacy_field_is_an_info_never_stale(tmp_path: Path, headers: str, field: str) -> None:
    version = "0.23ubuntu1" if field == "Version" else "1.0"
    kit.dist(tmp_path / SITE, "old", version, headers + "Requires-Dist: six>=1.0\n")
    site, problems = read_site_packages(str(tmp_path), SITE)
    assert [(p.code, p.severity, p.field) for p in problems] == [
        ("legacy-metadata", Severity.INFO, field)
    ]
    (dist,) = site.dists
    # A usable distribution: its valid Requires-Dist lines are still read.
    assert [str(r) for r in dist.requires] == ["six>=1.0"]
    assert dist.version_text == version


def test_legacy_requires_dist_lines_are_one_finding_per_field(tmp_path: Path) -> None:
    kit.dist(tmp_path / SITE, "azureml-dataset-runtime", "1.9.0",
          "Requires-Dist: pyarrow (>=0.15.*); extra == 'pandas'\n"
          "Requires-Dist: pyarrow (>=0.15.*); extra == 'parquet'\n")  # fmt: skip
    _, problems = read_site_packages(str(tmp_path), SITE)
    (problem,) = problems
    assert "'parquet'" in problem.reason
    assert "these requirements are not evaluated" in problem.reason


def test_legacy_dist_keeps_its_edges_and_never_mismatches_python(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    prefix = tmp_path / "env"
    kit.write(prefix / "pyvenv.cfg", "version = 3.12.7\n")
    kit.dist(prefix / SITE, "pylint", "2.6.0",
          "Requires-Python: >=3.5.*\nRequires-Dist: pytz (>dev)\nRequires-Dist: toml>=0.7.1\n")
    doc = kit.audit(prefix, capsys, "--format", "json")
    got = sorted((f["code"], f["severity"]) for f in doc["findings"])
    assert got == [
        ("legacy-metadata", "info"),
        ("legacy-metadata", "info"),
        ("pip-dependency-unsatisfied", "error"),  # toml: the valid edge is kept
    ]


def test_old_pkg_info_fields_after_a_header_description_are_read(tmp_path: Path) -> None:
    # setuptools < 57 (here 40.2, conda's py27 test env in the corpus) wrote
    # the long description as a header, its blank lines as eight spaces, and
    # Requires-Python and Provides-Extra after it.  A space-only line
    # continues the header (RFC 822, and pip's email parser): the fields
    # after it are the distribution's.  (An egg-info's extras are not kept.)
    kit.write(
        tmp_path / SITE / "keyring-13.2.1-py2.7.egg-info" / "PKG-INFO",
        "Metadata-Version: 2.1\nName: keyring\nVersion: 13.2.1\n"
        "Description: .. image:: https://img.shields.io/pypi/v/keyring.svg\n"
        "        \n        Store and access your passwords safely.\n        \n"
        "Platform: UNKNOWN\nRequires-Python: >=2.7\nProvides-Extra: docs\n",
    )
    site, problems = read_site_packages(str(tmp_path), SITE)
    (dist,) = site.dists
    assert (dist.name, dist.version_text, problems) == ("keyring", "13.2.1", [])
    assert str(dist.requires_python) == ">=2.7"


# -- RECORD paths -----------------------------------------------------------


def test_record_leaving_site_packages_inside_the_prefix_is_owned(tmp_path: Path) -> None:
    kit.dist(tmp_path / SITE, "pip", "24.2", "", "../../../bin/pip,,\n")
    site, problems = read_site_packages(str(tmp_path), SITE)
    assert problems == []
    assert "bin/pip" in site.dists[0].record


@pytest.mark.parametrize(
    "row",
    [
        pytest.param("../../Scripts/pip.exe,,\n", id="pip-on-windows"),
        pytest.param("..\\..\\Scripts\\pip.exe,,\n", id="old-pip-backslashes"),
        pytest.param("../../../bin/pip,,\n", id="conda-noarch-built-on-unix"),
    ],
)
def test_windows_rows_give_no_finding(tmp_path: Path, row: str) -> None:
    kit.dist(tmp_path / "Lib/site-packages", "pip", "24.2", "", row)
    _, problems = read_site_packages(str(tmp_path), "Lib/site-packages")
    assert problems == []


def test_record_outside_the_prefix_is_an_info(tmp_path: Path) -> None:
    kit.dist(tmp_path / "Lib/site-packages", "x", "1.0", "", "../../../../etc/x.cfg,,\n")
    site, problems = read_site_packages(str(tmp_path), "Lib/site-packages")
    assert [(p.code, p.severity) for p in problems] == [("record-outside-prefix", Severity.INFO)]
    assert "'../../../../etc/x.cfg'" in problems[0].reason
    assert site.dists[0].name == "x"
