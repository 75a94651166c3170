"""conda's pins (reconcile/conda_pins.py) as the repair plan and export use
them, on in-memory graphs: no prefix on disk.

A pin is the version pip sees for a PyPI name a conda record provides: the
version of the dist-info conda installed, not the record's.  ``plan`` (every
strategy) and ``plan --strategy rebuild`` (export's constraints file) must
write the same pins for one env; a plan leaves out the pins of what it hands
to pip (prefer-pip) or removes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from reconcile.check import check
from reconcile.conda_pins import PinReason, conda_pins
from reconcile.export import ExportOptions, build_spec
from reconcile.graph import Graph, build_graph
from reconcile.models import (
    CondaPath,
    CondaRecord,
    Depth,
    InstalledDist,
    PrefixState,
    PythonInfo,
    SitePackages,
)
from reconcile.plan import Plan, make_plan, rebuild_plan
from reconcile.render.env import constraints_txt, environment_yml
from reconcile.resolve import InstalledSource
from reconcile.sources import Locator

SITE = "lib/python3.12/site-packages"
PY = PythonInfo(version=Version("3.12.7"), site_packages=SITE, platform="linux-64", source="test")
MAIN = "https://repo.anaconda.com/pkgs/main"
CF = "https://conda.anaconda.org/conda-forge"


def meta(name: str, version: str, *requires: str, installer: str = "conda",
         mtime: float = 1.0, kind: str = "dist-info") -> InstalledDist:  # fmt: skip
    """A metadata folder in the env's site-packages, named as wheels and
    sip's ``configure.py`` name them (``PyQt5_sip-4.19.25.dist-info``)."""
    folder = f"{SITE}/{name}-{version}.{kind}"
    return InstalledDist(
        name=canonicalize_name(name), raw_name=name, version=Version(version),
        version_text=version, path=folder, kind=kind, installer=installer,
        requires=tuple(Requirement(r) for r in requires),
        record=(f"{folder}/METADATA", f"{folder}/RECORD"), has_record=True,
        members=("INSTALLER", "METADATA", "RECORD"), mtime=mtime,
    )  # fmt: skip


def record(name: str, version: str, build: str, *files: str, channel: str = MAIN,
           subdir: str = "linux-64", depends: tuple[str, ...] = ("python >=3.12,<3.13.0a0",),
           noarch: str | None = None) -> CondaRecord:  # fmt: skip
    """A conda-meta record; ``files`` are site-packages paths, and a metadata
    folder stands for the files conda lists in it."""
    paths: list[str] = []
    for f in files:
        if f.endswith(".dist-info"):
            paths += [f"{SITE}/{f}/{m}" for m in ("INSTALLER", "METADATA", "RECORD")]
        elif f.endswith(".egg-info"):
            paths += [f"{SITE}/{f}/{m}" for m in ("PKG-INFO", "SOURCES.txt", "top_level.txt")]
        else:
            paths.append(f"{SITE}/{f}")
    return CondaRecord(
        name=name, version=version, build=build, channel=f"{channel}/{subdir}", subdir=subdir,
        noarch=noarch, depends=depends, paths=tuple(CondaPath(p) for p in sorted(paths)),
        source=f"conda-meta/{name}-{version}-{build}.json",
    )  # fmt: skip


def graph(records: tuple[CondaRecord, ...], dists: tuple[InstalledDist, ...]) -> Graph:
    python = record("python", "3.12.7", "h_0", depends=())
    state = PrefixState(
        prefix=Path("/env"), depth=Depth.QUICK, python=PY, records=(python, *records),
        site_packages=SitePackages(path=SITE, dists=dists),
    )  # fmt: skip
    return build_graph(state)


def plan(g: Graph, strategy: str, *, resolve: bool = False) -> Plan:
    """``reconcile plan``, with nothing found anywhere (no package cache,
    every channel unreachable) and, with ``resolve``, the installed dists as
    pip's only source."""
    locator = Locator(pip=None, python=PY, caches=[], offline=True, probe=lambda url: False)
    source = InstalledSource(g) if resolve else None
    return make_plan(g, check(g), strategy=strategy, source=source, locator=locator)


def rebuild_constraints(g: Graph) -> tuple[str, ...]:
    """The pip-constraints.txt lines of ``plan --strategy rebuild`` (what
    ``cli._rebuild`` builds from export's spec)."""
    spec = build_spec(g, ExportOptions(pinned=True, constraints="pip-constraints.txt"))
    rebuilt = rebuild_plan(g, check(g), environment_yml=environment_yml(spec),
                           constraints_txt=constraints_txt(spec))  # fmt: skip
    text = dict(rebuilt.files)["pip-constraints.txt"]
    return tuple(line for line in text.splitlines() if line and not line.startswith("#"))


# ---------------------------------------------------------------------------
# Anaconda's pyqt 5.15.2 (AnacondaRecipes/pyqt-feedstock, recipe/build.sh
# before the 2022 split): one package built from PyQt5, a private PyQt5.sip
# from sip 4.19.25 (``configure.py --sip-module PyQt5.sip``, which writes
# ``PyQt5_sip-4.19.25.dist-info``), PyQtWebEngine and PyQtChart.  The record
# owns four dist-infos; only three are at the record's version.

PYQT_DISTS = ("PyQt5-5.15.2.dist-info", "PyQt5_sip-4.19.25.dist-info",
              "PyQtChart-5.15.2.dist-info", "PyQtWebEngine-5.15.2.dist-info")  # fmt: skip
PYQT_PINS = ("pyqt5==5.15.2", "pyqt5-sip==4.19.25", "pyqtchart==5.15.2", "pyqtwebengine==5.15.2")


def pyqt(*extra: InstalledDist, sip: InstalledDist | str | None = "conda") -> Graph:
    """The env with Anaconda's pyqt; ``sip`` is conda's own PyQt5_sip
    (``"conda"``), what replaced it, or None when ``pip uninstall`` took it."""
    dists = [meta("PyQt5", "5.15.2"), meta("PyQtChart", "5.15.2"), meta("PyQtWebEngine", "5.15.2")]
    if sip == "conda":
        dists.append(meta("PyQt5_sip", "4.19.25"))
    elif isinstance(sip, InstalledDist):
        dists.append(sip)
    owner = record("pyqt", "5.15.2", "py312h53c8c3e_0", "PyQt5/QtCore.abi3.so",
                   "PyQt5/sip.cpython-312-x86_64-linux-gnu.so", *PYQT_DISTS)  # fmt: skip
    return graph((owner,), (*dists, *extra))


def test_plan_and_rebuild_pin_each_dist_info_of_a_record_at_its_own_version() -> None:
    g = pyqt()
    for strategy in ("prefer-conda", "prefer-pip"):
        assert plan(g, strategy).constraints == PYQT_PINS, strategy
    assert rebuild_constraints(g) == PYQT_PINS


def test_each_pin_names_its_record_and_where_its_version_comes_from() -> None:
    pins = conda_pins(pyqt())
    assert {(p.name, str(p.version), p.record.name, p.why) for p in pins.values()} >= {
        ("pyqt5", "5.15.2", "pyqt", PinReason.METADATA),
        ("pyqt5-sip", "4.19.25", "pyqt", PinReason.METADATA),
        ("pyqtchart", "5.15.2", "pyqt", PinReason.METADATA),
        ("pyqtwebengine", "5.15.2", "pyqt", PinReason.METADATA),
    }


def test_the_resolver_sees_the_sip_conda_installed_not_the_records_version() -> None:
    # A pip package that needs PyQt5.sip 4.19 fits: conda installed 4.19.25.
    tool = meta("qt_tool", "1.0", "PyQt5-sip<4.20,>=4.19", installer="pip", mtime=2.0)
    g = pyqt(tool)
    assert not [f for f in check(g) if f.code == "pip-dependency-unsatisfied"]
    done = plan(g, "prefer-conda", resolve=True)
    assert done.possible, done.explanations
    assert done.steps == ()


# ---------------------------------------------------------------------------
# What a plan leaves out, and why; plan and rebuild still agree wherever the
# plan keeps conda's packages.


def six_over_conda() -> Graph:
    """pip installed six 1.17.0 over conda-forge's six 1.16.0: pip's dist-info
    replaced the one conda's record lists (pip removes the old folder)."""
    six = record("six", "1.16.0", "pyh6c4a22f_0", "six.py", "six-1.16.0.dist-info",
                 channel=CF, subdir="noarch", noarch="python")  # fmt: skip
    return graph((six,), (meta("six", "1.17.0", installer="pip", mtime=2.0),))


def setuptools_over_anaconda() -> Graph:
    """pip upgraded Anaconda's setuptools 50.3.1, whose metadata is
    ``setuptools-50.3.1.post20201107-py3.8.egg-info`` (tests/real_writers/14)."""
    setuptools = record("setuptools", "50.3.1", "py312h06a4308_1", "setuptools/__init__.py",
                        "setuptools-50.3.1.post20201107-py3.12.egg-info")  # fmt: skip
    return graph((setuptools,), (meta("setuptools", "69.5.1", installer="pip", mtime=2.0),))


@pytest.mark.parametrize(
    ("make", "name", "conda", "why"),
    [
        pytest.param(six_over_conda, "six", "1.16.0", PinReason.FOLDER, id="six"),
        # what conda's reinstall brings back is the egg-info's version, not 50.3.1
        pytest.param(setuptools_over_anaconda, "setuptools", "50.3.1.post20201107",
                     PinReason.FOLDER, id="setuptools-post-release"),
        pytest.param(lambda: pyqt(sip=meta("PyQt5_sip", "12.13.0", installer="pip", mtime=2.0)),
                     "pyqt5-sip", "4.19.25", PinReason.FOLDER, id="one-of-pyqts-dist-infos"),
    ],
)  # fmt: skip
def test_a_dist_info_pip_overwrote(make, name: str, conda: str, why: PinReason) -> None:
    g = make()
    assert ("pip-overwrote-conda", name) in {(f.code, f.package) for f in check(g)}
    pin = conda_pins(g)[canonicalize_name(name)]
    assert (str(pin.version), pin.why) == (conda, why)
    # prefer-conda reinstalls conda's package: pip must keep what comes back.
    kept = plan(g, "prefer-conda").constraints
    assert f"{name}=={conda}" in kept
    assert kept == rebuild_constraints(g)
    # prefer-pip keeps pip's copy: a pip package now, at pip's version, which
    # the step that puts it back names; no conda pin holds it.
    assert not [c for c in plan(g, "prefer-pip").constraints if c.startswith(f"{name}==")]


def test_prefer_pip_never_removes_a_record_that_holds_other_dists() -> None:
    # pip uninstall PyQt5-sip: dropping conda's pyqt record (conda remove
    # --force) would also delete PyQt5, PyQtChart and PyQtWebEngine, which
    # nothing puts back: prefer-pip explains instead, and every pin stays.
    g = pyqt(sip=None)
    assert ("pip-removed-conda", "pyqt5-sip") in {(f.code, f.package) for f in check(g)}
    prefer_pip = plan(g, "prefer-pip")
    assert not [s for s in prefer_pip.steps if s.tool == "conda"]
    [left] = [u.reason for u in prefer_pip.unresolved if u.finding.package == "pyqt5-sip"]
    assert left == ("prefer-pip would remove conda's pyqt, which also holds pyqt5 5.15.2, "
                    "pyqtchart 5.15.2, pyqtwebengine 5.15.2: `conda remove --force` would "
                    "delete them too")  # fmt: skip
    assert set(prefer_pip.constraints) >= {"pyqt5==5.15.2", "pyqtchart==5.15.2"}
    # prefer-conda reinstalls pyqt, its sip at 4.19.25 with it
    assert plan(g, "prefer-conda").constraints == PYQT_PINS == rebuild_constraints(g)


def test_a_record_the_plan_removes_takes_all_its_pins_along() -> None:
    # pip uninstalled every distribution pyqt holds: prefer-pip drops the
    # record, and no pin of pyqt's is left.
    g = graph((record("pyqt", "5.15.2", "py312h53c8c3e_0", "PyQt5/QtCore.abi3.so",
                      *PYQT_DISTS),), ())  # fmt: skip
    prefer_pip = plan(g, "prefer-pip")
    assert [s.args[-1] for s in prefer_pip.steps if s.tool == "conda"] == ["pyqt"]
    assert prefer_pip.constraints == ()


def test_a_conda_package_without_python_metadata_is_fixed_but_never_written() -> None:
    # conda-forge's backports ships the namespace's __init__.py and no
    # dist-info; conda-forge's python depends on python_abi, so the graph
    # takes python for a Python package too.  pip sees neither installed.
    backports = record("backports", "1.0", "pyhd8ed1ab_4", "backports/__init__.py",
                       channel=CF, subdir="noarch", noarch="python")  # fmt: skip
    python_abi = record("python", "3.12.7", "hc5c86c4_0_cpython", depends=("python_abi 3.12.*",))
    tool = meta("lab_tool", "1.0", "backports>=1", installer="pip", mtime=2.0)
    g = build_graph(PrefixState(
        prefix=Path("/env"), depth=Depth.QUICK, python=PY, records=(python_abi, backports),
        site_packages=SitePackages(path=SITE, dists=(tool,)),
    ))  # fmt: skip
    pins = conda_pins(g)
    assert {n: (str(p.version), p.why) for n, p in pins.items()} == {
        "backports": ("1.0", PinReason.PROVIDED),
        "python": ("3.12.7", PinReason.PROVIDED),
    }
    assert all(p.line is None for p in pins.values())
    for strategy in ("prefer-conda", "prefer-pip"):
        done = plan(g, strategy, resolve=True)
        assert done.constraints == () == rebuild_constraints(g)
        # the resolver takes conda's backports as given: no index has it here
        assert done.possible, done.explanations


def test_pips_copy_beside_a_conda_package_without_metadata() -> None:
    # A conda pyqt that ships PyQt5 with no dist-info (what the name map's
    # pyqt -> PyQt5 line is for), and pip's PyQt5 wheel on top of it.
    bare = record("pyqt", "5.9.2", "py312h05f1152_2", "PyQt5/QtCore.so")
    g = graph((bare,), (meta("PyQt5", "5.15.10", installer="pip", mtime=2.0),))
    pin = conda_pins(g)[canonicalize_name("pyqt5")]
    assert (str(pin.version), pin.why) == ("5.9.2", PinReason.SHADOWED)
    assert plan(g, "prefer-conda").constraints == ("pyqt5==5.9.2",) == rebuild_constraints(g)
    assert plan(g, "prefer-pip").constraints == ()


def test_a_metadata_name_that_is_no_pypi_name_is_never_written() -> None:
    # Anaconda's _ipyw_jlab_nb_ext_conf (tests/real_writers/14): canonical
    # "-ipyw-jlab-nb-ext-conf==0.1.0" is an option to pip (-i: the index URL).
    ipyw = record("_ipyw_jlab_nb_ext_conf", "0.1.0", "py312h06a4308_0",
                  "_ipyw_jlab_nb_ext_conf-0.1.0.dist-info")  # fmt: skip
    g = graph((ipyw,), (meta("_ipyw_jlab_nb_ext_conf", "0.1.0"),))
    assert canonicalize_name("_ipyw_jlab_nb_ext_conf") in conda_pins(g)  # still fixed
    assert plan(g, "prefer-conda").constraints == () == rebuild_constraints(g)
    spec = build_spec(g, ExportOptions(pinned=True))
    assert any("has no PyPI project name; not constrained" in n for n in spec.notes)


def test_only_the_records_first_dist_falls_back_to_the_records_version() -> None:
    # Metadata folders whose names carry no version (``x.egg-info``) and
    # whose PKG-INFO has none pip can read: the record's version is its own
    # distribution's, never its second one's.
    def bare(name: str) -> InstalledDist:
        return InstalledDist(name=canonicalize_name(name), raw_name=name, version=None,
                             version_text="", path=f"{SITE}/{name}.egg-info", kind="egg-info",
                             installer="conda")  # fmt: skip

    both = record("tool", "2.0", "py312_0", "tool.egg-info", "tool_helper.egg-info")
    g = graph((both,), (bare("tool"), bare("tool_helper")))
    pins = conda_pins(g)
    assert {n: (str(p.version), p.why) for n, p in pins.items()} == {
        "tool": ("2.0", PinReason.RECORD)}  # fmt: skip
    spec = build_spec(g, ExportOptions(pinned=True))
    assert [n for n in spec.notes if "not constrained" in n] == [
        "tool-helper: conda's version '2.0' is not a version pip can pin; not constrained"]
    assert plan(g, "prefer-conda").constraints == ("tool==2.0",) == rebuild_constraints(g)
