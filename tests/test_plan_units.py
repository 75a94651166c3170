"""The repair plan on hand-made states: rules no lab scenario can break."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.utils import canonicalize_name
from packaging.version import Version

from reconcile.check import check
from reconcile.graph import build_graph
from reconcile.models import Depth, InstalledDist, PrefixState, PythonInfo, SitePackages
from reconcile.plan import make_plan

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
