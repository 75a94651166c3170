"""Detector logic on small in-memory states (no disk): the cases no lab
scenario can reach cheaply, such as another platform's markers, another
Python's Requires-Python, and conda ``constrains``."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from reconcile.check import check
from reconcile.graph import build_graph
from reconcile.models import (
    CondaPath,
    CondaRecord,
    Depth,
    FileCheck,
    InstalledDist,
    PrefixState,
    PythonInfo,
    SitePackages,
)

SITE = "lib/python3.8/site-packages"


def python(version: str = "3.8.18", platform: str = "linux-64") -> PythonInfo:
    return PythonInfo(
        version=Version(version), site_packages=SITE, platform=platform, source="test"
    )


def dist(
    name: str,
    version: str,
    *requires: str,
    requires_python: str | None = None,
    installer: str = "pip",
) -> InstalledDist:
    return InstalledDist(
        name=canonicalize_name(name),
        raw_name=name,
        version=Version(version),
        version_text=version,
        path=f"{SITE}/{name}-{version}.dist-info",
        kind="dist-info",
        installer=installer,
        requires=tuple(Requirement(r) for r in requires),
        requires_python=SpecifierSet(requires_python) if requires_python else None,
    )


def conda(
    name: str,
    version: str,
    *,
    depends: tuple[str, ...] = (),
    constrains: tuple[str, ...] = (),
    owns: InstalledDist | None = None,
) -> CondaRecord:
    paths = (CondaPath(f"{owns.path}/METADATA"),) if owns else ()
    return CondaRecord(
        name=name,
        version=version,
        build="0",
        depends=depends,
        constrains=constrains,
        paths=paths,
        source=f"conda-meta/{name}-{version}-0.json",
    )


def state(
    *dists: InstalledDist, records: tuple[CondaRecord, ...] = (), py: PythonInfo | None = None
) -> PrefixState:
    return PrefixState(
        prefix=Path("/env"),
        depth=Depth.QUICK,
        records=records,
        python=py or python(),
        site_packages=SitePackages(path=SITE, dists=dists),
    )


def findings(s: PrefixState) -> set[tuple[str, str]]:
    return {(f.code, f.package) for f in check(build_graph(s))}


@pytest.mark.parametrize(
    ("platform", "expected"),
    [
        pytest.param("linux-64", set(), id="linux-env-skips-windows-only"),
        pytest.param("win-64", {("pip-dependency-unsatisfied", "app")}, id="windows-env-needs-it"),
    ],
)
def test_markers_are_evaluated_for_the_target_platform(platform, expected):
    app = dist("app", "1.0", 'pywin32>=300; sys_platform == "win32"')
    assert findings(state(app, py=python(platform=platform))) == expected


def test_python_version_markers_use_the_env_python_not_ours():
    # reconcile runs on 3.10+; the env is 3.8, so the backport is required.
    app = dist("app", "1.0", 'importlib-metadata; python_version < "3.10"')
    assert findings(state(app)) == {("pip-dependency-unsatisfied", "app")}
    assert findings(state(app, dist("importlib-metadata", "6.0"))) == set()


def test_requires_python_is_judged_against_the_env_python():
    new = dist("new", "2.0", requires_python=">=3.10")
    assert findings(state(new)) == {("requires-python-mismatch", "new")}
    assert findings(state(new, py=python("3.12.1"))) == set()


def test_extras_requested_by_a_dependent_switch_on_requirements():
    lib = dist("lib", "1.0", 'socks-helper>=2; extra == "socks"')
    assert findings(state(lib)) == set(), "nobody asked for the extra"
    app = dist("app", "1.0", "lib[socks]")
    assert findings(state(lib, app)) == {("pip-dependency-unsatisfied", "lib")}


def test_conda_constrains_bind_only_installed_packages():
    tool = conda("tool", "1.0", constrains=("numpy <2",))
    assert findings(state(records=(tool,))) == set()
    numpy = dist("numpy", "2.1.0")
    assert findings(state(numpy, records=(tool,))) == {("conda-dependency-unsatisfied", "tool")}


def test_conda_depends_met_only_by_pip_is_a_warning():
    six = dist("six", "1.17.0")
    dateutil = conda("python-dateutil", "2.9.0", depends=("six >=1.5",))
    [finding] = check(build_graph(state(six, records=(dateutil,))))
    assert finding.code == "conda-dependency-unsatisfied"
    assert finding.severity.label == "warning"
    assert finding.evidence["provided_by"] == "pip"


def test_pip_version_over_conda_record_is_what_conda_depends_sees():
    ours = dist("six", "1.4.0")
    six = conda("six", "1.16.0", owns=dist("six", "1.16.0", installer="conda"))
    dateutil = conda("python-dateutil", "2.9.0", depends=("six >=1.5",))
    got = findings(state(ours, records=(six, dateutil)))
    assert got == {
        ("pip-overwrote-conda", "six"),
        ("conda-dependency-unsatisfied", "python-dateutil"),
    }


def test_virtual_package_depends_are_not_judged():
    lib = conda("libfoo", "1.0", depends=("__glibc >=2.17", "__unix"))
    assert findings(state(records=(lib,))) == set()


def test_name_map_joins_conda_only_package_to_pypi_requirement():
    # conda's msgpack-python ships no dist-info here; the bundled map says it
    # provides PyPI "msgpack", so a pip requirement on msgpack is met by conda.
    record = conda("msgpack-python", "1.0.5")
    app = dist("app", "1.0", "msgpack>=1")
    assert findings(state(app, records=(record,))) == set()
    assert findings(state(app, records=(conda("msgpack-python", "0.6.2"),))) == {
        ("pip-dependency-unsatisfied", "app")
    }


@pytest.mark.parametrize(
    ("raw", "local"),
    [
        pytest.param({"url": "file:///src/proj", "dir_info": {}}, True, id="dir-info"),
        pytest.param(
            {"url": "file:///w/x-1.0-py3-none-any.whl", "archive_info": {}}, False,
            id="archive-info-without-hash",
        ),
        pytest.param(
            {"url": "file:///w/x-1.0.tar.gz", "archive_info": {"hash": "sha256=00"}}, False,
            id="archive-info-with-hash",
        ),
    ],
)
def test_an_archive_is_never_a_local_directory(raw, local):
    from reconcile.discover._dists import _direct_url

    assert _direct_url(raw).is_local_dir is local


def _owned_six(*, installer: str, installer_size: int, record_size: int) -> PrefixState:
    on_disk = InstalledDist(
        name=canonicalize_name("six"),
        raw_name="six",
        version=Version("1.16.0"),
        version_text="1.16.0",
        path=f"{SITE}/six-1.16.0.dist-info",
        kind="dist-info",
        installer=installer,
        installer_size=installer_size,
        record_size=record_size,
        members=("INSTALLER", "METADATA", "RECORD"),
    )
    folder = on_disk.path
    six = CondaRecord(
        name="six",
        version="1.16.0",
        build="pyh6c4a22f_0",
        paths=(
            CondaPath(f"{folder}/INSTALLER", "hardlink", 6),
            CondaPath(f"{folder}/METADATA", "hardlink", 100),
            CondaPath(f"{folder}/RECORD", "hardlink", 349),
        ),
        has_paths_data=True,
        source="conda-meta/six-1.16.0-pyh6c4a22f_0.json",
    )
    return state(on_disk, records=(six,))


@pytest.mark.parametrize(
    ("installer", "installer_size", "record_size", "expected"),
    [
        pytest.param("conda", 6, 349, set(), id="untouched"),
        pytest.param("conda", 6, 391, set(), id="record-edited-in-place-is-not-an-installer"),
        pytest.param("pip", 4, 391, {("pip-overwrote-conda", "six")}, id="pip-force-reinstall"),
        pytest.param("Poetry", 6, 391, {("pip-overwrote-conda", "six")}, id="same-size-installer"),
    ],
)
def test_a_record_size_change_is_a_rewrite_only_under_another_installer(
    installer, installer_size, record_size, expected
):
    got = findings(_owned_six(installer=installer, installer_size=installer_size,
                              record_size=record_size))
    assert got == expected


def test_a_metapackage_and_its_package_of_a_similar_name_keep_their_own_nodes():
    # conda-forge: importlib-metadata holds the files, importlib_metadata is a
    # metapackage that depends on it; neither ships a dist-info here.
    real = CondaRecord(
        name="importlib-metadata", version="2.0.0", build="py_1", noarch="python",
        paths=(CondaPath(f"{SITE}/importlib_metadata/__init__.py"),),
        source="conda-meta/importlib-metadata-2.0.0-py_1.json",
    )
    meta = CondaRecord(
        name="importlib_metadata", version="2.0.0", build="1", noarch="python",
        depends=("importlib-metadata 2.0.0 py_1",),
        source="conda-meta/importlib_metadata-2.0.0-1.json",
    )
    graph = build_graph(state(records=(real, meta)))
    for record in (real, meta):
        node = graph.by_conda_name(record.name)
        assert node is not None and node.record is record
    assert check(graph) == ()


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param("nbconvert >=7", set(), id="metapackage-name"),
        pytest.param("nbconvert-core 7.16.4 pyhd8ed1ab_1", set(), id="exact-conda-name-and-build"),
        pytest.param(
            "nbconvert-core 7.16.4 pyhd8ed1ab_0", {("conda-dependency-unsatisfied", "app")},
            id="another-build",
        ),
    ],
)
def test_depends_match_conda_names_exactly(spec, expected):
    dist_ = dist("nbconvert", "7.16.4", installer="conda")
    core = CondaRecord(
        name="nbconvert-core", version="7.16.4", build="pyhd8ed1ab_1",
        paths=(CondaPath(f"{dist_.path}/METADATA"),), source="conda-meta/nbconvert-core.json",
    )
    meta = conda("nbconvert", "7.16.4", depends=("nbconvert-core 7.16.4 pyhd8ed1ab_1",))
    app = conda("app", "1.0", depends=(spec,))
    assert findings(state(dist_, records=(core, meta, app))) == expected


def test_a_name_no_conda_record_carries_falls_back_to_the_pypi_side():
    # conda-forge's python-build ships the PyPI dist "build"; a depends on
    # "build" (no conda record of that name) is judged by the version only.
    dist_ = dist("build", "1.2.1", installer="conda")
    python_build = CondaRecord(
        name="python-build", version="1.2.1", build="pyhd8ed1ab_0",
        paths=(CondaPath(f"{dist_.path}/METADATA"),), source="conda-meta/python-build.json",
    )
    ok = conda("app", "1.0", depends=("build >=1",))
    too_old = conda("old", "1.0", depends=("build <1",))
    assert findings(state(dist_, records=(python_build, ok, too_old))) == {
        ("conda-dependency-unsatisfied", "old")
    }


def test_conda_specs_are_checked_against_the_records_version():
    # defaults' pytest 6.1.1 was built without git metadata: its dist-info
    # says 0.0.0.  conda's anaconda metapackage pins the record's version.
    dist_ = dist("pytest", "0.0.0", installer="conda")
    pytest_ = CondaRecord(
        name="pytest", version="6.1.1", build="py38h06a4308_0",
        paths=(CondaPath(f"{dist_.path}/METADATA"),), source="conda-meta/pytest.json",
    )
    anaconda = conda("anaconda", "2020.11", depends=("pytest 6.1.1 py38h06a4308_0",))
    assert findings(state(dist_, records=(pytest_, anaconda))) == set()
    # once pip replaced conda's files, pip's version is the one that counts
    ours = dist("pytest", "5.4.0")
    assert findings(state(ours, records=(pytest_, anaconda))) == {
        ("pip-overwrote-conda", "pytest"),
        ("conda-dependency-unsatisfied", "anaconda"),
    }


@pytest.mark.parametrize(
    ("installer", "says"),
    [
        pytest.param("uv", "uv installed 1.26.19 over conda's urllib3 2.2.2", id="uv"),
        pytest.param("uv-pixi", "uv (through pixi) installed 1.26.19", id="uv-pixi"),
        pytest.param("Poetry", "Poetry installed 1.26.19", id="poetry"),
        pytest.param(None, "an installer that wrote no INSTALLER file installed", id="none"),
    ],
)
def test_overwrite_messages_name_the_installer(installer, says):
    ours = InstalledDist(
        name=canonicalize_name("urllib3"), raw_name="urllib3", version=Version("1.26.19"),
        version_text="1.26.19", path=f"{SITE}/urllib3-1.26.19.dist-info", kind="dist-info",
        installer=installer,
    )
    urllib3 = conda("urllib3", "2.2.2", owns=dist("urllib3", "2.2.2", installer="conda"))
    [finding] = check(build_graph(state(ours, records=(urllib3,))))
    assert finding.code == "pip-overwrote-conda"
    assert says in finding.message


def test_another_conda_records_dist_info_is_not_called_a_reinstall():
    # conda's old record still lists six-1.15.0.dist-info; the dist-info on disk
    # is conda's too, listed by another record of six.
    new = dist("six", "1.16.0", installer="conda")
    old = conda("six", "1.15.0", owns=dist("six", "1.15.0", installer="conda"))
    other = CondaRecord(
        name="six-compat", version="1.16.0", build="0",
        paths=(CondaPath(f"{new.path}/METADATA"),), source="conda-meta/six-compat-1.16.0-0.json",
    )
    messages = [f.message for f in check(build_graph(state(new, records=(old, other))))
                if f.code == "pip-overwrote-conda"]
    assert messages and "reinstalled" not in messages[0]
    assert "from conda's six-compat-1.16.0-0" in messages[0]


@pytest.mark.parametrize(
    ("pins", "expected"),
    [
        pytest.param(("six 1.16.*",), set(), id="inside"),
        pytest.param(("six <1.16",), {("pin-violated", "six")}, id="outside"),
        pytest.param(("attrs 23.*",), set(), id="binds-only-installed-packages"),
    ],
)
def test_pins_are_judged_against_what_is_installed(pins, expected):
    six = dist("six", "1.16.0")
    s = state(six)
    s = PrefixState(prefix=s.prefix, depth=s.depth, python=s.python,
                    site_packages=s.site_packages, pins=pins)  # fmt: skip
    assert findings(s) == expected


@pytest.mark.parametrize("installer", ["pip", "uv"])
def test_a_clobber_names_each_owner_and_its_side_once(installer):
    # conda installed six over pip's copy (conda wrote last): pip's dist-info
    # stays beside conda's, and both list six.py.  "six (pip) (pip)" before.
    conda_six = dist("six", "1.16.0", installer="conda")
    pip_six = InstalledDist(
        name=canonicalize_name("six"), raw_name="six", version=Version("1.17.0"),
        version_text="1.17.0", path=f"{SITE}/six-1.17.0.dist-info", kind="dist-info",
        installer=installer, record=(f"{SITE}/six.py",),
    )  # fmt: skip
    record = CondaRecord(
        name="six", version="1.16.0", build="0", source="conda-meta/six-1.16.0-0.json",
        paths=(CondaPath(f"{conda_six.path}/METADATA"), CondaPath(f"{SITE}/six.py")),
    )  # fmt: skip
    [clobber] = [f for f in check(build_graph(state(conda_six, pip_six, records=(record,))))
                 if f.code == "file-clobber"]  # fmt: skip
    assert clobber.message == (
        f"1 file(s) claimed by both six (conda) and six ({installer}), e.g. {SITE}/six.py"
    )


def test_missing_and_altered_files_carry_every_path_not_only_the_first_ones():
    # conda doctor -v lists every missing or altered path; the finding's data
    # holds them all ("paths" stays the first five, as the CI formats show them).
    files = [f"share/pkg/data{i:02}.txt" for i in range(13)]
    record = CondaRecord(
        name="pkgdata", version="1.0", build="0", source="conda-meta/pkgdata-1.0-0.json",
        paths=tuple(CondaPath(f, size=10) for f in files),
    )  # fmt: skip
    s = PrefixState(
        prefix=Path("/env"), depth=Depth.DEFAULT, records=(record,), python=python(),
        site_packages=SitePackages(path=SITE),
        files=FileCheck(checked=13, missing=frozenset(files[:7]),
                        altered={f: "size 11, recorded 10" for f in files[7:]}),
    )  # fmt: skip
    by_code = {f.code: f for f in check(build_graph(s))}
    missing, altered = by_code["missing-file"], by_code["altered-file"]
    assert missing.evidence["count"] == 7 and len(missing.evidence["paths"]) == 5
    assert missing.evidence["missing"] == files[:7]
    assert altered.evidence["count"] == 6 and altered.evidence["paths"] == files[7:12]
    assert altered.evidence["altered"] == {f: "size 11, recorded 10" for f in files[7:]}
    assert missing.to_dict()["evidence"]["missing"] == files[:7]  # what --format json prints
