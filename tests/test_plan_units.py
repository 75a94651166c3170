"""The repair plan on hand-made states: rules no lab scenario can break."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.utils import canonicalize_name
from packaging.version import Version

from reconcile.check import check
from reconcile.graph import build_graph
from reconcile.models import (
    CondaPath,
    CondaRecord,
    Depth,
    Finding,
    InstalledDist,
    PrefixState,
    PythonInfo,
    Severity,
    SitePackages,
)
from reconcile.plan import make_plan
from reconcile.sources import Found

SITE = "lib/python3.12/site-packages"
REAL_SITE = "/env/lib/python3.12/site-packages"


def _dist(site: str, name: str = "six", version: str = "1.16.0") -> InstalledDist:
    folder = f"{site}/{name}-{version}.dist-info"
    return InstalledDist(
        name=canonicalize_name(name),
        raw_name=name,
        version=Version(version),
        version_text=version,
        path=folder,
        kind="dist-info",
        installer="pip",
        record=(f"{site}/{name}.py", f"{folder}/METADATA", f"{folder}/RECORD"),
        has_record=True,
    )


def _state(other: SitePackages) -> PrefixState:
    return PrefixState(
        prefix=Path("/env"),
        depth=Depth.QUICK,
        python=PythonInfo(
            version=Version("3.12.7"), site_packages=SITE, platform="linux-64", source="test"
        ),
        site_packages=SitePackages(path=SITE, dists=(_dist(SITE),), real_path=REAL_SITE),
        other_site_packages=(other,),
    )


def _removed(state: PrefixState) -> tuple[list[str], list[str]]:
    graph = build_graph(state)
    findings = check(graph)
    assert [f.code for f in findings] == ["orphaned-site-packages"]
    plan = make_plan(graph, findings)
    removed = [a for s in plan.steps if s.tool == "remove" for a in s.args]
    return removed, [u.finding.code for u in plan.unresolved]


ALIAS = "lib/python3.1/site-packages"


@pytest.mark.parametrize(
    "other",
    [
        # conda-forge's lib/python3.1 -> python3.12, as a state might carry it
        pytest.param(
            SitePackages(path=ALIAS, dists=(_dist(ALIAS),), real_path=REAL_SITE, via_link=True),
            id="through-the-python3.1-link",
        ),
        pytest.param(
            SitePackages(path=ALIAS, dists=(_dist(ALIAS),), real_path=REAL_SITE),
            id="real-path-is-the-live-site",
        ),
        pytest.param(
            SitePackages(
                path="lib/python3.9/site-packages",
                dists=(_dist("lib/python3.9/site-packages"),),
                real_path="/elsewhere/lib/python3.9/site-packages",
                via_link=True,
            ),
            id="link-out-of-the-prefix",
        ),
    ],
)
def test_a_site_packages_reached_through_a_link_is_never_deleted(other: SitePackages) -> None:
    removed, unresolved = _removed(_state(other))
    assert removed == []
    assert unresolved == ["orphaned-site-packages"]


def test_a_real_orphaned_site_packages_is_still_removed() -> None:
    old = "lib/python3.9/site-packages"
    other = SitePackages(path=old, dists=(_dist(old),), real_path=f"/env/{old}")
    removed, unresolved = _removed(_state(other))
    assert f"/env/{old}/six-1.16.0.dist-info" in removed
    assert unresolved == []


# ---------------------------------------------------------------------------
# prefer-pip keeps pip's copy only where conda's depends allow it; pins bind
# every plan.  Hand-made graphs: urllib3 under conda's requests, and defaults'
# numpy 1.x layout (numpy-base owns numpy/ and the numpy dist-info; conda's
# numpy holds no files and depends on numpy-base exactly, as in conda's
# tests/data/env_metadata/py36-osx-whl).


def _pip(name: str, version: str, *files: str, installer: str = "pip", mtime: float = 2.0):
    folder = f"{SITE}/{name}-{version}.dist-info"
    return InstalledDist(
        name=canonicalize_name(name), raw_name=name, version=Version(version),
        version_text=version, path=folder, kind="dist-info", installer=installer,
        record=(*(f"{SITE}/{f}" for f in files), f"{folder}/METADATA", f"{folder}/RECORD"),
        has_record=True, mtime=mtime,
    )  # fmt: skip


def _rec(name: str, version: str, *files: str, build: str = "py_0", depends=()) -> CondaRecord:
    return CondaRecord(
        name=name, version=version, build=build, depends=tuple(depends),
        paths=tuple(CondaPath(f"{SITE}/{f}") for f in files), channel="conda-forge",
        subdir="noarch", source=f"conda-meta/{name}-{version}-{build}.json",
    )  # fmt: skip


class _Everywhere:
    """A locator that finds every package: these tests are about what a plan
    chooses, not where it comes from (tests/test_sources.py)."""

    def conda(self, record: CondaRecord) -> Found:
        return Found(what=record.name, origin=f"cache: {record.name}-{record.version}")

    def conda_dist(self, name: str, version: str, build: str) -> Found:
        return Found(what=name, origin=f"cache: {name}-{version}-{build}")

    def pip(self, name, version, dist) -> Found:
        return Found(what=str(name), origin=f"wheels: {name}-{version}.whl")


def _plan(dists, records, strategy, pins=(), extra: tuple[Finding, ...] = ()):
    state = PrefixState(
        prefix=Path("/env"), depth=Depth.QUICK, pins=tuple(pins),
        python=PythonInfo(version=Version("3.12.7"), site_packages=SITE,
                          platform="linux-64", source="test"),
        records=(_rec("python", "3.12.7", build="h_0"), *records),
        site_packages=SitePackages(path=SITE, dists=tuple(dists)),
    )  # fmt: skip
    graph = build_graph(state)
    findings = (*check(graph), *extra)
    plan = make_plan(graph, findings, strategy=strategy, locator=_Everywhere())  # type: ignore[arg-type]
    left = {(u.finding.code, u.finding.package): u.reason for u in plan.unresolved}
    return findings, plan, left


def _requests_stack(requests_depends: str):
    return (
        [_pip("urllib3", "1.26.19", "urllib3/__init__.py"),
         _pip("requests", "2.32.3", "requests/__init__.py", installer="conda", mtime=1.0)],
        [_rec("urllib3", "2.2.2", "urllib3/__init__.py", "urllib3-2.2.2.dist-info/METADATA",
              depends=("python >=3.8",)),
         _rec("requests", "2.32.3", "requests/__init__.py", "requests-2.32.3.dist-info/METADATA",
              depends=("python >=3.8", requests_depends))],
    )  # fmt: skip


def test_prefer_pip_keeps_pips_urllib3_when_conda_requests_accepts_it() -> None:
    dists, records = _requests_stack("urllib3 >=1.21.1,<3")
    _, plan, left = _plan(dists, records, "prefer-pip")
    assert left == {}
    conda = [s.args for s in plan.steps if s.tool == "conda"]
    assert conda == [("conda", "remove", "-p", "/env", "--yes", "--force", "--offline",
                      "urllib3")]  # fmt: skip
    assert plan.steps[-1].args[-1] == "urllib3==1.26.19"  # pip's copy goes back


def test_prefer_pip_names_the_conda_depends_pips_version_breaks() -> None:
    dists, records = _requests_stack("urllib3 >=2,<3")
    _, plan, left = _plan(dists, records, "prefer-pip")
    assert plan.steps == ()  # conda's record stays: removing it would strand requests
    reason = left[("pip-overwrote-conda", "urllib3")]
    assert "urllib3 1.26.19" in reason and "conda's requests (depends 'urllib3 >=2,<3')" in reason


NUMPY_FILES = ("numpy/__init__.py", "numpy/core/multiarray.py")


def _numpy(pandas_needs: str = "numpy >=1.22"):
    dists = [
        _pip("numpy", "1.26.4", *NUMPY_FILES),
        _pip("pandas", "2.2.0", "pandas/__init__.py", installer="conda", mtime=1.0),
    ]
    records = [
        _rec("numpy-base", "1.26.3", *NUMPY_FILES, "numpy-1.26.3.dist-info/METADATA",
             build="py312h_0", depends=("python >=3.12,<3.13.0a0",)),
        _rec("numpy", "1.26.3", build="py312h_0",
             depends=("numpy-base 1.26.3 py312h_0", "python >=3.12,<3.13.0a0")),
        _rec("pandas", "2.2.0", "pandas/__init__.py", "pandas-2.2.0.dist-info/METADATA",
             build="py312_0", depends=(pandas_needs, "python >=3.12,<3.13.0a0")),
    ]  # fmt: skip
    return dists, records


def test_prefer_pip_never_installs_numpy_base_over_pips_numpy() -> None:
    findings, plan, left = _plan(*_numpy(), "prefer-pip")
    assert {(f.code, f.package) for f in findings} == {
        ("pip-overwrote-conda", "numpy"), ("conda-dependency-unsatisfied", "numpy")}  # fmt: skip
    assert left == {}
    conda = [s.args for s in plan.steps if s.tool == "conda"]
    # both of conda's records of numpy go; nothing conda installs afterwards
    assert conda == [("conda", "remove", "-p", "/env", "--yes", "--force", "--offline",
                      "numpy", "numpy-base")]  # fmt: skip
    assert plan.steps[-1].args[-1] == "numpy==1.26.4"


def test_prefer_pip_keeps_numpy_with_conda_only_when_pandas_accepts_it() -> None:
    _, plan, left = _plan(*_numpy("numpy >=2"), "prefer-pip")
    assert not [s for s in plan.steps if s.tool == "conda"]
    assert "conda's pandas (depends 'numpy >=2')" in left[("pip-overwrote-conda", "numpy")]


def test_prefer_conda_reinstalls_numpy_base_once_for_both_findings() -> None:
    _, plan, left = _plan(*_numpy(), "prefer-conda")
    assert left == {}
    conda = [s for s in plan.steps if s.tool == "conda"]
    assert [s.args[-1] for s in conda] == ["conda-forge::numpy-base==1.26.3=py312h_0"]
    assert set(conda[0].answers) == {"pip-overwrote-conda:numpy",
                                     "conda-dependency-unsatisfied:numpy"}  # fmt: skip


def test_no_conda_package_whose_files_are_pips_kept_copy_is_installed() -> None:
    # A dependency finding that asks for numpy-base by name (from a stale
    # audit): the plan must not put numpy-base's files over pip's numpy.
    stale = Finding(
        code="conda-dependency-unsatisfied",
        severity=Severity.ERROR,
        package="scipy",
        message="...",
        evidence={"spec": "numpy-base >=1.26"},
    )
    _, plan, left = _plan(*_numpy(), "prefer-pip", extra=(stale,))
    assert not [s for s in plan.steps if s.tool == "conda" and "install" in s.args]
    assert "numpy-base ships files of pip's numpy" in left[
        ("conda-dependency-unsatisfied", "scipy")]  # fmt: skip


@pytest.mark.parametrize("strategy", ["prefer-conda", "prefer-pip"])
def test_no_plan_moves_a_pinned_package_outside_its_pin(strategy: str) -> None:
    # conda's record (2.2.2) and pip's copy (1.26.19) are both outside "urllib3 2.3.*"
    dists, records = _requests_stack("urllib3 >=1.21.1,<3")
    findings, plan, left = _plan(dists, records, strategy, pins=["urllib3 2.3.*"])
    assert ("pin-violated", "urllib3") in {(f.code, f.package) for f in findings}
    assert plan.steps == ()
    assert "'urllib3 2.3.*'" in left[("pip-overwrote-conda", "urllib3")]
    assert "'urllib3 2.3.*'" in left[("pin-violated", "urllib3")]


def test_a_reinstall_inside_the_pin_answers_the_pin() -> None:
    dists, records = _requests_stack("urllib3 >=1.21.1,<3")
    _, plan, left = _plan(dists, records, "prefer-conda", pins=["urllib3 2.2.*"])
    assert left == {}
    [reinstall] = [s for s in plan.steps if "--force-reinstall" in s.args and s.tool == "conda"]
    assert "pin-violated:urllib3" in reinstall.answers


def test_a_reinstall_for_files_pip_never_touched_does_not_blame_pip() -> None:
    # Files of conda's intact six went missing (deleted by hand or by a
    # cleanup script): the reinstall's reason must not say pip left them.
    six = _pip("six", "1.16.0", "six.py", installer="conda")
    record = _rec("six", "1.16.0", "six.py", "six-1.16.0.dist-info/METADATA")
    missing = Finding(
        code="missing-file", severity=Severity.ERROR, package="six", message="...",
        evidence={"conda_record": record.source, "paths": [f"{SITE}/six.py"], "count": 1},
    )  # fmt: skip
    _, plan, left = _plan([six], [record], "prefer-conda", extra=(missing,))
    assert left == {}
    [reinstall] = [s for s in plan.steps if s.tool == "conda"]
    assert reinstall.answers == ("missing-file:six",)
    assert "pip" not in reinstall.why


def test_a_constraint_two_conda_packages_disagree_on_does_not_blame_pip() -> None:
    # conda-forge's python constrains python_abi to its own ABI; here conda's
    # python_abi record is another Python's.  pip has nothing to do with it.
    python = CondaRecord(
        name="python", version="3.12.7", build="h_0", channel="conda-forge", subdir="linux-64",
        constrains=("python_abi 3.12.* *_cp312",), source="conda-meta/python-3.12.7-h_0.json",
    )  # fmt: skip
    abi = _rec("python_abi", "3.11", build="5_cp311")
    state = PrefixState(
        prefix=Path("/env"), depth=Depth.QUICK, records=(python, abi),
        python=PythonInfo(version=Version("3.12.7"), site_packages=SITE,
                          platform="linux-64", source="test"),
        site_packages=SitePackages(path=SITE),
    )  # fmt: skip
    graph = build_graph(state)
    findings = check(graph)
    assert {(f.code, f.package) for f in findings} == {("conda-dependency-unsatisfied", "python")}
    plan = make_plan(graph, findings, locator=_Everywhere())  # type: ignore[arg-type]
    [left] = plan.unresolved
    assert left.reason == ("conda's own packages disagree (python constrains python_abi "
                           "3.12.* *_cp312); run `conda update` for them")


def test_a_constraint_pips_copy_breaks_blames_pip() -> None:
    requests = CondaRecord(
        name="requests", version="2.32.3", build="py_0", channel="conda-forge", subdir="noarch",
        constrains=("urllib3 <2",), source="conda-meta/requests-2.32.3-py_0.json",
    )  # fmt: skip
    _, _, left = _plan([_pip("urllib3", "2.2.3", "urllib3/__init__.py")], [requests],
                          "prefer-conda")  # fmt: skip
    assert left[("conda-dependency-unsatisfied", "requests")] == (
        "pip's urllib3 breaks a conda constraint (urllib3 <2); install the package with conda "
        "or loosen it"
    )
