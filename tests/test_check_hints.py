"""Hints (reconcile/check.py): the one command that fixes a finding alone.

On lab prefixes built by real installers, each hint's command is run as a
shell would run it, on a copy, and must leave an env that audits clean; on
small in-memory states, every case where one command is not right and safe
gets no hint.  The text report shows hints (test_render_text.py); the JSON
and CI formats do not carry them.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name
from packaging.version import Version

from reconcile.check import check
from reconcile.cli import main
from reconcile.discover import discover
from reconcile.graph import build_graph
from reconcile.models import (
    CondaPath,
    CondaRecord,
    Depth,
    EnvManager,
    InstalledDist,
    PrefixState,
    PythonInfo,
    ReadProblem,
    Severity,
    SitePackages,
)


def _copy(lab, scenario: str, tmp_path: Path, monkeypatch) -> Path:
    """A copy of a lab scenario's prefix (its home too, for the user site)."""
    src = Path(lab.prefix(scenario))
    home = tmp_path / "home"
    shutil.copytree(lab.home(scenario), home, symlinks=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("PYTHONNOUSERSITE", raising=False)
    monkeypatch.delenv("PYTHONUSERBASE", raising=False)
    dest = tmp_path / "my env"  # a space: the hint must quote the path
    shutil.copytree(src, dest, symlinks=True)
    return dest


def _audit(prefix: Path):
    return check(build_graph(discover(prefix, depth=Depth.DEFAULT)))


@pytest.mark.lab
@pytest.mark.parametrize(
    ("case", "code", "command"),
    [
        pytest.param("stale-dist-info", "stale-dist-info", "rm -r ", id="debris-dist-info"),
        pytest.param(
            "orphaned-site-packages", "orphaned-site-packages", "rm -r ", id="orphaned-folder"
        ),
    ],
)
def test_a_removal_hint_run_as_written_leaves_a_clean_env(
    lab, tmp_path, monkeypatch, case, code, command
):
    prefix = _copy(lab, case, tmp_path, monkeypatch)
    (finding,) = [f for f in _audit(prefix) if f.code == code]
    assert finding.hint is not None
    shown = finding.hint.split(": ", 1)[1]
    assert shown.startswith(command)
    argv = shlex.split(shown)
    target = Path(argv[-1])
    assert target.is_dir() and target.is_relative_to(prefix)
    assert f"'{prefix}/" in shown  # the path with a space is quoted for the shell
    subprocess.run(argv, check=True)
    assert _audit(prefix) == ()


@pytest.mark.lab
def test_the_user_site_hint_is_what_conda_env_config_vars_set_writes(lab, tmp_path, monkeypatch):
    """``conda env config vars set PYTHONNOUSERSITE=1 -p PREFIX`` writes
    ``conda-meta/state`` (conda >= 4.8); activation exports it, site.py then
    leaves the user site out, and so does the audit."""
    prefix = _copy(lab, "user-site-leak", tmp_path, monkeypatch)
    (finding,) = [f for f in _audit(prefix) if f.code == "user-site-leak"]
    assert finding.hint is not None
    argv = shlex.split(finding.hint.split(": ", 1)[1])
    assert argv == ["conda", "env", "config", "vars", "set", "PYTHONNOUSERSITE=1", "-p",
                    str(prefix)]  # fmt: skip
    # what conda writes for that command
    (prefix / "conda-meta" / "state").write_text(
        json.dumps({"env_vars": {"PYTHONNOUSERSITE": "1"}}, indent=2)
    )
    assert _audit(prefix) == ()
    # conda's "***unset***" is no value: the user site is visible again
    (prefix / "conda-meta" / "state").write_text(
        '{"env_vars": {"PYTHONNOUSERSITE": "***unset***"}}'
    )
    assert [f.code for f in _audit(prefix)] == ["user-site-leak"]


@pytest.mark.lab
def test_a_dist_info_that_is_a_distribution_gets_no_hint(lab, tmp_path, monkeypatch):
    """METADATA that is not UTF-8: the distribution is installed and used;
    removing its metadata would orphan its files."""
    prefix = _copy(lab, "metadata-not-utf8", tmp_path, monkeypatch)
    (finding,) = _audit(prefix)
    assert finding.code == "stale-dist-info" and finding.hint is None


@pytest.mark.lab
def test_hints_stay_out_of_json(lab, tmp_path, monkeypatch, capsys):
    prefix = _copy(lab, "stale-dist-info", tmp_path, monkeypatch)
    assert main(["audit", str(prefix), "--format", "json"]) == 0
    (finding,) = json.loads(capsys.readouterr().out)["findings"]
    assert set(finding) == {"code", "severity", "package", "message", "evidence", "fingerprint"}
    assert "rm -r" not in json.dumps(finding)


# --------------------------------------------------------------------------
# where one command is not right and safe: no hint

SITE = "lib/python3.11/site-packages"
OLD = "lib/python3.10/site-packages"


def _python(platform: str = "linux-64") -> PythonInfo:
    return PythonInfo(version=Version("3.11.7"), site_packages=SITE, platform=platform,
                      source="test")  # fmt: skip


def _dist(site: str, name: str = "attrs") -> InstalledDist:
    return InstalledDist(
        name=canonicalize_name(name), raw_name=name, version=Version("24.2.0"),
        version_text="24.2.0", path=f"{site}/{name}-24.2.0.dist-info", kind="dist-info",
        installer="pip",
    )  # fmt: skip


def _debris(path: str = f"{SITE}/attrs-24.2.0.dist-info") -> ReadProblem:
    return ReadProblem(code="stale-dist-info", package="attrs", path=path,
                       reason="no METADATA (left: INSTALLER)", severity=Severity.WARNING,
                       debris=True)  # fmt: skip


def _record(*paths: str) -> CondaRecord:
    return CondaRecord(name="attrs", version="24.2.0", build="py_0",
                       paths=tuple(CondaPath(p) for p in paths),
                       source="conda-meta/attrs-24.2.0-py_0.json")  # fmt: skip


def _hints(**fields) -> dict[str, str | None]:
    fields.setdefault("python", _python())
    state = PrefixState(prefix=Path("/envs/work"), depth=Depth.QUICK, **fields)
    return {f.code: f.hint for f in check(build_graph(state))}


def test_debris_gets_a_hint_in_memory_too():
    hint = _hints(problems=(_debris(),))["stale-dist-info"]
    assert (
        hint
        == f"nothing reads it; consider removing it: rm -r /envs/work/{SITE}/attrs-24.2.0.dist-info"
    )


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"problems": (_debris(),), "python": _python("win-64")}, id="windows-prefix"),
        pytest.param(
            {
                "problems": (_debris(),),
                "records": (_record(f"{SITE}/attrs-24.2.0.dist-info/RECORD"),),
            },
            id="a-conda-record-lists-it",
        ),
        pytest.param(
            {"problems": (_debris("/home/u/.local/x-1.dist-info"),)}, id="outside-the-prefix"
        ),
        pytest.param(
            {
                "problems": (
                    ReadProblem(
                        code="stale-dist-info",
                        package="attrs",
                        path=f"{SITE}/attrs-24.2.0.dist-info",
                        reason="cannot list: Permission denied",
                        severity=Severity.WARNING,
                    ),
                )
            },
            id="unreadable-not-debris",
        ),
    ],
)
def test_no_removal_hint_where_removing_is_not_safe(fields):
    assert _hints(**fields)["stale-dist-info"] is None


@pytest.mark.parametrize(
    ("site", "records"),
    [
        pytest.param(SitePackages(path=OLD, dists=(_dist(OLD),), via_link=True), (), id="via-link"),
        pytest.param(
            SitePackages(path=OLD, dists=(_dist(OLD),), real_path="/real/site"),
            (),
            id="the-envs-own-folder",
        ),
        pytest.param(
            SitePackages(path=OLD, dists=(_dist(OLD),)),
            (_record(f"{OLD}/attrs/__init__.py"),),
            id="conda-has-files-there",
        ),
    ],
)
def test_no_orphan_hint_where_the_folder_is_not_only_debris(site, records):
    live = SitePackages(path=SITE, real_path="/real/site")
    got = _hints(site_packages=live, other_site_packages=(site,), records=records)
    assert got["orphaned-site-packages"] is None


def test_the_user_site_hint_is_for_conda_envs_only(tmp_path):
    user = SitePackages(path=str(tmp_path / ".local" / SITE), dists=(_dist(SITE, "six"),))
    own = SitePackages(path=SITE, dists=(_dist(SITE, "six"),))
    fields = {"site_packages": own, "user_site": user, "user_site_visible": True}
    conda_env = _hints(records=(_record(),), **fields)
    assert conda_env["user-site-leak"] == (
        "keep the user site off this env (from its next activation): "
        "conda env config vars set PYTHONNOUSERSITE=1 -p /envs/work"
    )
    pixi = EnvManager(name="pixi", version="0.39.0", manifest_path="/p/pixi.toml",
                      environment_name="default", source="conda-meta/pixi")  # fmt: skip
    assert _hints(records=(_record(),), manager=pixi, **fields)["user-site-leak"] is None
    assert _hints(**fields)["user-site-leak"] is None  # a venv: no conda to set it
