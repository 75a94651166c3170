"""The provider and its candidate sources, on their own.

Resolver behaviour is tested in resolvelib's style: each file of
``tests/resolve_cases/`` holds an index (name -> version -> requires,
requires_python, files, yanked), conda's fixed pins, the requirements, the
target env and the expected pins or the expected explanation.  The sources
are tested on real files: wheels built by ``pip wheel`` from tiny projects,
sdists written with tarfile/zipfile, and a PEP 503/691 index served from
127.0.0.1.
"""

from __future__ import annotations

import hashlib
import http.server
import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import threading
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.tags import Tag
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from reconcile.models import Depth, DirectUrl, InstalledDist, PrefixState, PythonInfo, SitePackages
from reconcile.plan import resolver_advice
from reconcile.resolve import (
    Candidate,
    ChainSource,
    FindLinksSource,
    Fixed,
    IndexSource,
    InstalledSource,
    LazyCandidates,
    ResolutionFailed,
    SourceUnavailable,
    default_source,
    resolve,
    target_tags,
    verbose_reporter,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CASES = Path(__file__).parent / "resolve_cases"


def python(version: str = "3.11.7", platform: str = "linux-64") -> PythonInfo:
    v = Version(version)
    return PythonInfo(
        version=v,
        site_packages=f"lib/python{v.major}.{v.minor}/site-packages",
        platform=platform,
        source="test",
    )


def reqs(*texts: str) -> list[Requirement]:
    return [Requirement(t) for t in texts]


def n(name: str) -> NormalizedName:
    return canonicalize_name(name)


@pytest.fixture(autouse=True)
def _no_user_pip_state(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Never read the developer's pip configuration, caches or indexes."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    for var in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_NO_INDEX", "PIP_CACHE_DIR"):
        monkeypatch.delenv(var, raising=False)


# ---------------------------------------------------------------------------
# the case files


class CaseSource:
    """An in-memory index from a case file: one candidate per file."""

    def __init__(self, index: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> None:
        self.index = {n(k): v for k, v in index.items()}
        self.asked: list[str] = []

    def candidates(self, name: NormalizedName) -> Sequence[Candidate]:
        self.asked.append(name)
        out = []
        for version, spec in self.index.get(name, {}).items():
            rp = spec.get("requires_python")
            for filename in spec.get("files") or [None]:
                out.append(
                    Candidate(
                        name=name,
                        version=Version(version),
                        origin="index case",
                        requires=tuple(Requirement(r) for r in spec.get("requires", [])),
                        requires_python=SpecifierSet(rp) if rp else None,
                        filename=filename,
                        yanked=spec.get("yanked"),
                    )
                )
        return out


@dataclass
class Case:
    path: Path
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def python(self) -> PythonInfo:
        p = self.data.get("python", {})
        return python(p.get("version", "3.11.7"), p.get("platform", "linux-64"))

    @property
    def fixed(self) -> dict[NormalizedName, Fixed]:
        return {
            n(name): Fixed(
                name=n(name),
                version=Version(spec["version"]),
                origin=spec["origin"],
                requires=tuple(Requirement(r) for r in spec.get("requires", [])),
            )
            for name, spec in self.data.get("fixed", {}).items()
        }

    def run(self, **kwargs: Any) -> dict[NormalizedName, Candidate]:
        return resolve(
            reqs(*self.data["requirements"]),
            fixed=self.fixed,
            source=CaseSource(self.data.get("index", {})),
            python=self.python,
            prefer={n(k): Version(v) for k, v in self.data.get("prefer", {}).items()},
            **kwargs,
        )


def load_case(path: Path) -> Case:
    with open(path, "rb") as f:
        return Case(path, tomllib.load(f))


def case_params() -> list[Any]:
    return [pytest.param(p, id=p.stem) for p in sorted(CASES.glob("*.toml"))]


def test_case_folder_has_the_required_kinds_of_case() -> None:
    names = {p.stem for p in CASES.glob("*.toml")}
    assert {"backtracking", "conda_pin_impossible", "extras", "markers_other_target"} <= names
    assert {"requires_python", "prefer_installed", "simple", "wheel_tags"} <= names


@pytest.mark.parametrize("path", case_params())
def test_case(path: Path) -> None:
    case = load_case(path)
    expected = case.data["expected"]
    if "pins" in expected:
        result = case.run()
        assert {k: str(c.version) for k, c in result.items()} == {
            n(k): v for k, v in expected["pins"].items()
        }
        for name, extras in expected.get("extras", {}).items():
            assert result[n(name)].extras == frozenset(n(e) for e in extras)
        for name, filename in expected.get("files", {}).items():
            assert result[n(name)].filename == filename
        assert sorted(k for k, c in result.items() if c.fixed) == sorted(
            n(x) for x in expected.get("fixed", [])
        )
        return
    with pytest.raises(ResolutionFailed) as info:
        case.run()
    failure = info.value
    if "explanations" in expected:
        assert list(failure.explanations) == expected["explanations"]
    text = "\n".join(failure.explanations)
    for part in expected.get("contains", []):
        assert part in text
    advice = resolver_advice(failure)  # what the plan shows, from the failure's data
    if "suggestions" in expected:
        assert list(advice) == expected["suggestions"]
    for part in expected.get("suggestions_contain", []):
        assert any(part in s for s in advice), advice


def test_backtracking_case_really_backtracks() -> None:
    lines: list[str] = []
    result = load_case(CASES / "backtracking.toml").run(reporter=verbose_reporter(lines.append))
    assert str(result[n("a")].version) == "1.0"
    assert "resolver: pin a 2.0 [index case]" in lines
    assert any("conflict on" in line and "backtracking" in line for line in lines)
    assert "resolver: pin a 1.0 [index case]" in lines
    assert lines[0] == "resolver: starting"
    assert lines[-1].startswith("resolver: done, 3 packages in ")


def test_failure_is_one_line_and_carries_its_causes_as_data() -> None:
    with pytest.raises(ResolutionFailed) as info:
        load_case(CASES / "conda_pin_impossible.toml").run()
    failure = info.value
    assert "\n" not in str(failure)
    assert str(failure).startswith("no consistent set of versions: Cannot make x and z agree")
    (cause,) = failure.causes
    assert cause.requirement == Requirement("z<2")
    assert cause.parent is not None and not cause.parent.fixed
    assert (cause.parent.name, cause.parent.version) == ("x", Version("1.2"))
    assert cause.conda is not None
    assert (cause.conda.version, cause.conda.origin) == (
        Version("2.1"),
        "conda (conda-forge/linux-64 z-2.1-h0_0)",
    )
    assert [(c.kind, c.name, c.causes) for c in failure.conflicts] == [("conda", "z", (cause,))]
    assert failure.explanations == tuple(c.text for c in failure.conflicts)


def test_failure_says_who_asked_the_user_or_conda() -> None:
    with pytest.raises(ResolutionFailed) as info:
        load_case(CASES / "conda_parent_conflict.toml").run()
    asked = {(str(c.requirement), c.parent and c.parent.label, c.parent and c.parent.fixed,
              c.conda) for c in info.value.causes}  # fmt: skip
    assert asked == {
        ("idna<2.5", None, None, None),
        ("idna<4,>=2.5", "requests 2.32.3", True, None),
    }
    assert [c.kind for c in info.value.conflicts] == ["disagree"]


def test_root_requirement_whose_marker_is_false_for_the_env_is_dropped() -> None:
    source = CaseSource({"a": {"1.0": {}}})
    result = resolve(
        reqs("a", "b; sys_platform == 'win32'"), fixed={}, source=source, python=python()
    )
    assert list(result) == ["a"]
    assert "b" not in source.asked


def test_conda_packages_are_never_looked_up_in_the_source() -> None:
    source = CaseSource({"x": {"1.0": {"requires": ["z"]}}, "z": {"9.0": {}}})
    fixed = {n("z"): Fixed(name=n("z"), version=Version("2.1"), origin="conda (test)")}
    result = resolve(reqs("x"), fixed=fixed, source=source, python=python())
    assert result[n("z")].version == Version("2.1") and result[n("z")].fixed
    assert result[n("z")].origin == "conda (test)"
    assert "z" not in source.asked


def test_extras_of_a_conda_package_resolve_around_its_fixed_version() -> None:
    source = CaseSource({"pysocks": {"1.7.1": {}}})
    z = Fixed(
        name=n("requests"),
        version=Version("2.32.3"),
        origin="conda (test)",
        requires=(Requirement("PySocks!=1.5.7,>=1.5.6; extra == 'socks'"),),
    )
    result = resolve(
        reqs("requests[socks]"), fixed={n("requests"): z}, source=source, python=python()
    )
    assert result[n("requests")].extras == {"socks"} and result[n("requests")].fixed
    assert str(result[n("pysocks")].version) == "1.7.1"


def test_none_found_names_every_place_searched(tmp_path: Path) -> None:
    chain = ChainSource(
        CaseSource({}),
        InstalledSource(()),
        FindLinksSource([tmp_path / "a", tmp_path / "b"], missing_ok=True),
    )
    with pytest.raises(ResolutionFailed) as info:
        resolve(reqs("ghost"), fixed={}, source=chain, python=python())
    assert info.value.explanations == (
        "No version of ghost satisfies ghost (none found in CaseSource, installed, "
        f"find-links {tmp_path / 'a'}, find-links {tmp_path / 'b'})",
    )


# ---------------------------------------------------------------------------
# the env's wheel tags


@pytest.mark.parametrize(
    ("version", "platform", "good", "bad"),
    [
        pytest.param(
            "3.11.7",
            "linux-64",
            ["cp311-cp311-manylinux_2_17_x86_64", "cp311-cp311-manylinux2014_x86_64",
             "cp39-abi3-manylinux1_x86_64", "cp311-cp311-linux_x86_64", "py3-none-any"],
            ["cp311-cp311-musllinux_1_1_x86_64", "cp311-cp311-win_amd64",
             "cp312-cp312-manylinux_2_17_x86_64", "cp311-cp311-manylinux_2_17_aarch64"],
            id="linux-64",
        ),
        pytest.param(
            "3.12.1",
            "linux-aarch64",
            ["cp312-cp312-manylinux_2_17_aarch64", "cp312-cp312-manylinux2014_aarch64"],
            ["cp312-cp312-manylinux_2_17_x86_64", "cp312-cp312-manylinux2010_aarch64"],
            id="linux-aarch64",
        ),
        pytest.param(
            "3.10.4",
            "osx-64",
            ["cp310-cp310-macosx_10_9_x86_64", "cp310-cp310-macosx_10_9_universal2",
             "cp310-cp310-macosx_11_0_x86_64", "py2.py3-none-any"],
            ["cp310-cp310-macosx_11_0_arm64", "cp310-cp310-manylinux_2_17_x86_64"],
            id="osx-64",
        ),
        pytest.param(
            "3.13.0",
            "osx-arm64",
            ["cp313-cp313-macosx_11_0_arm64", "cp313-cp313-macosx_11_0_universal2",
             "cp38-abi3-macosx_11_0_arm64"],
            ["cp313-cp313-macosx_10_9_x86_64", "cp313-cp313t-macosx_11_0_arm64"],
            id="osx-arm64",
        ),
        pytest.param(
            "3.9.18",
            "win-64",
            ["cp39-cp39-win_amd64", "py3-none-win_amd64", "cp39-none-any"],
            ["cp39-cp39-win32", "cp39-cp39-manylinux_2_17_x86_64", "cp310-cp310-win_amd64"],
            id="win-64",
        ),
        pytest.param(
            "3.12.0",
            "noarch",
            ["py3-none-any", "py312-none-any"],
            ["cp312-cp312-linux_x86_64", "cp312-cp312-any"],
            id="noarch",
        ),
    ],
)  # fmt: skip
def test_target_tags(version: str, platform: str, good: list[str], bad: list[str]) -> None:
    from packaging.tags import parse_tag

    tags = set(target_tags(python(version, platform), glibc=(2, 28), macos=(11, 0)))
    for text in good:
        assert parse_tag(text) & tags, text
    for text in bad:
        assert not parse_tag(text) & tags, text


def test_target_tags_prefer_the_most_specific_wheel() -> None:
    tags = target_tags(python("3.11.7", "linux-64"), glibc=(2, 28))
    rank = {t: i for i, t in reversed(list(enumerate(tags)))}
    assert (
        rank[Tag("cp311", "cp311", "manylinux_2_28_x86_64")]
        < rank[Tag("cp311", "abi3", "manylinux_2_17_x86_64")]
    )
    assert rank[Tag("cp311", "abi3", "manylinux_2_17_x86_64")] < rank[Tag("py3", "none", "any")]


def test_target_tags_do_not_follow_the_running_interpreter() -> None:
    other = "win-64" if sys.platform != "win32" else "linux-64"
    from packaging.tags import sys_tags

    assert not set(target_tags(python("3.8.18", other))) & set(sys_tags()) - {
        t for t in sys_tags() if t.platform == "any"
    }


# ---------------------------------------------------------------------------
# real files: wheels built by pip, sdists written here


PYPROJECT = """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "{name}"
version = "{version}"
{extra}

[tool.setuptools]
py-modules = []
"""


def _project(root: Path, name: str, version: str, extra: str = "") -> Path:
    path = root / f"{name}-{version}"
    path.mkdir(parents=True)
    (path / "pyproject.toml").write_text(PYPROJECT.format(name=name, version=version, extra=extra))
    return path


def _pip_wheel(projects: Sequence[Path], out: Path) -> None:
    env = {
        **os.environ,
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_NO_INDEX": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-build-isolation", "--no-deps",
         "--no-index", "-w", str(out), *map(str, projects)],
        check=True, env=env, capture_output=True,
    )  # fmt: skip


def _sdist(out: Path, name: str, version: str, pkg_info: str, *, zip_: bool = False) -> Path:
    top = f"{name}-{version}"
    data = pkg_info.encode()
    if zip_:
        path = out / f"{top}.zip"
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr(f"{top}/PKG-INFO", data)
            zf.writestr(f"{top}/setup.py", "raise SystemExit('never built')\n")
        return path
    path = out / f"{top}.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        for member, content in ((f"{top}/PKG-INFO", data), (f"{top}/setup.py", b"1/0\n")):
            info = tarfile.TarInfo(member)
            info.size = len(content)
            tf.addfile(info, io.BytesIO(content))
    return path


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tinya 1.0 (Requires-Dist with markers and an extra), tinyb 1.0, 2.0
    (Requires-Python >=3.9) and 3.0 (retagged as a Windows-only wheel), tinyc
    1.0, all built by ``pip wheel``; tinyd sdists written by hand."""
    if importlib.util.find_spec("setuptools") is None:
        pytest.skip("pip wheel needs setuptools in the test environment (no build isolation)")
    root = tmp_path_factory.mktemp("projects")
    out = tmp_path_factory.mktemp("wheelhouse")
    tinya = _project(
        root,
        "tinya",
        "1.0",
        'requires-python = ">=3.8"\n'
        "dependencies = [\"tinyb>=1; python_version >= '3.8'\", "
        "\"colorama; sys_platform == 'win32'\"]\n"
        '[project.optional-dependencies]\nfast = ["tinyc"]',
    )
    _pip_wheel([tinya, _project(root, "tinyb", "1.0"), _project(root, "tinyc", "1.0")], out)
    _pip_wheel([_project(root, "tinyb", "2.0", 'requires-python = ">=3.9"')], out)
    _pip_wheel([_project(root, "tinyb", "3.0")], out)
    built = out / "tinyb-3.0-py3-none-any.whl"
    built.rename(out / "tinyb-3.0-py3-none-win_amd64.whl")
    _sdist(
        out,
        "tinyd",
        "1.0",
        "Metadata-Version: 2.2\nName: tinyd\nVersion: 1.0\nRequires-Dist: tinyb>=1\n",
    )
    _sdist(
        out,
        "tinyd",
        "2.0",
        "Metadata-Version: 2.2\nName: tinyd\nVersion: 2.0\nDynamic: Requires-Dist\n",
    )
    _sdist(out, "tinyd", "3.0", "Metadata-Version: 2.1\nName: tinyd\nVersion: 3.0\n", zip_=True)
    (out / "tinye-1.0-py3-none-any.whl").write_bytes(b"not a zip")
    (out / "README.txt").write_text("not a distribution")
    return out


@pytest.fixture
def links(wheelhouse: Path, tmp_path: Path) -> Path:
    """A private copy of the wheelhouse, so a test can see it is left alone."""
    copy = tmp_path / "links"
    shutil.copytree(wheelhouse, copy)
    return copy


def _listing(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_find_links_reads_real_wheels_without_extracting(links: Path) -> None:
    before = _listing(links)
    source = FindLinksSource(links)
    found = source.candidates(n("tinya"))
    assert isinstance(found, LazyCandidates)
    assert [a.filename for a in found.artifacts] == ["tinya-1.0-py3-none-any.whl"]
    (cand,) = found
    assert cand.origin == f"find-links {links}"
    assert cand.url == (links / "tinya-1.0-py3-none-any.whl").as_uri()
    assert cand.requires_python == SpecifierSet(">=3.8")
    assert set(map(str, cand.requires)) == {
        'tinyb>=1; python_version >= "3.8"',
        'colorama; sys_platform == "win32"',
        'tinyc; extra == "fast"',
    }
    digest = hashlib.sha256((links / "tinya-1.0-py3-none-any.whl").read_bytes()).hexdigest()
    assert cand.hashes == {"sha256": digest}
    assert _listing(links) == before


def test_find_links_resolves_for_the_target_env(links: Path) -> None:
    source = FindLinksSource([links])
    linux = resolve(reqs("tinya[fast]"), fixed={}, source=source, python=python("3.11.7"))
    assert {k: str(c.version) for k, c in linux.items()} == {
        "tinya": "1.0",
        "tinyb": "2.0",  # 3.0 is a Windows wheel
        "tinyc": "1.0",
    }
    assert linux[n("tinya")].extras == {"fast"}
    old = resolve(reqs("tinyb"), fixed={}, source=source, python=python("3.8.18"))
    assert str(old[n("tinyb")].version) == "1.0"  # 2.0 needs Python >= 3.9
    win = resolve(reqs("tinyb"), fixed={}, source=source, python=python("3.8.18", "win-64"))
    assert win[n("tinyb")].filename == "tinyb-3.0-py3-none-win_amd64.whl"
    with pytest.raises(ResolutionFailed) as info:  # colorama is for Windows only
        resolve(reqs("tinya"), fixed={}, source=source, python=python("3.11.7", "win-64"))
    assert info.value.explanations == (
        "No version of colorama satisfies colorama (from tinya 1.0) "
        f"(none found in find-links {links})",
    )


def test_find_links_explains_what_it_excluded(links: Path) -> None:
    with pytest.raises(ResolutionFailed) as info:
        resolve(reqs("tinyb>=2"), fixed={}, source=FindLinksSource(links), python=python("3.8.1"))
    assert info.value.explanations == (
        "No version of tinyb satisfies tinyb>=2 (available: 1.0; "
        "no wheel for linux-64 and Python 3.8: 3.0; excluded by Requires-Python: 2.0)",
    )


def test_find_links_uses_only_static_sdists_and_never_builds(links: Path) -> None:
    source = FindLinksSource(links)
    result = resolve(reqs("tinyd"), fixed={}, source=source, python=python())
    assert {k: str(c.version) for k, c in result.items()} == {"tinyd": "1.0", "tinyb": "2.0"}
    assert result[n("tinyd")].filename == "tinyd-1.0.tar.gz"
    with pytest.raises(ResolutionFailed) as info:
        resolve(reqs("tinyd>=2"), fixed={}, source=source, python=python())
    assert info.value.explanations == (
        "No version of tinyd satisfies tinyd>=2 "
        "(available: 1.0; sdist without static metadata (not built): 2.0, 3.0)",
    )
    assert [c.version for c in source.candidates(n("tinyd"))] == [Version("1.0")]


def test_find_links_skips_unreadable_wheels(links: Path) -> None:
    source = FindLinksSource(links)
    assert list(source.candidates(n("tinye"))) == []
    with pytest.raises(ResolutionFailed) as info:
        resolve(reqs("tinye"), fixed={}, source=source, python=python())
    assert "unreadable metadata: 1.0" in info.value.explanations[0]


def test_find_links_missing_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailable, match="no such folder"):
        FindLinksSource([tmp_path / "nope"])
    assert list(FindLinksSource([tmp_path / "nope"], missing_ok=True).candidates(n("x"))) == []


def test_direct_url_requirement_reads_the_named_file(links: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    wheel = links / "tinyb-1.0-py3-none-any.whl"
    result = resolve(
        reqs(f"tinyb @ {wheel.as_uri()}"),
        fixed={},
        source=FindLinksSource(empty),
        python=python(),
    )
    assert result[n("tinyb")].url == wheel.as_uri()
    assert result[n("tinyb")].origin == f"direct {wheel.as_uri()}"


# ---------------------------------------------------------------------------
# what is installed, and the default chain


SITE = "lib/python3.11/site-packages"


def _dist(name: str, version: str, *requires: str, url: str | None = None) -> InstalledDist:
    return InstalledDist(
        name=n(name),
        raw_name=name,
        version=Version(version),
        version_text=version,
        path=f"{SITE}/{name}-{version}.dist-info",
        kind="dist-info",
        installer="pip",
        requires=tuple(Requirement(r) for r in requires),
        direct_url=DirectUrl(url=url) if url else None,
    )


def _graph(prefix: Path, *dists: InstalledDist) -> Any:
    from reconcile.graph import build_graph

    state = PrefixState(
        prefix=prefix,
        depth=Depth.QUICK,
        python=python(),
        site_packages=SitePackages(path=SITE, dists=dists),
    )
    return build_graph(state)


def test_installed_source_offers_what_is_installed(tmp_path: Path) -> None:
    graph = _graph(
        tmp_path,
        _dist("app", "1.0", "lib>=1"),
        _dist("lib", "1.5"),
        _dist("src", "0.1", url="file:///home/u/src"),
        _dist("priv", "2.0", url="https://user:s3cret@example.invalid/priv-2.0.tar.gz"),
    )
    source = InstalledSource(graph)
    (app,) = source.candidates(n("app"))
    assert app.origin == "installed" and app.requires == (Requirement("lib>=1"),)
    assert source.candidates(n("src"))[0].url == "file:///home/u/src"
    assert "s3cret" not in str(source.candidates(n("priv"))[0])
    result = resolve(
        reqs("app", "src @ file:///home/u/src"), fixed={}, source=source, python=python()
    )
    assert {k: c.origin for k, c in result.items()} == dict.fromkeys(
        ("app", "lib", "src"), "installed"
    )


def test_prefer_keeps_installed_over_a_newer_wheel(links: Path, tmp_path: Path) -> None:
    graph = _graph(tmp_path, _dist("tinyb", "1.0"))
    source = ChainSource(InstalledSource(graph), FindLinksSource(links))
    kept = resolve(
        reqs("tinyb"), fixed={}, source=source, python=python(), prefer={n("tinyb"): Version("1.0")}
    )
    assert kept[n("tinyb")].origin == "installed"
    moved = resolve(reqs("tinyb"), fixed={}, source=source, python=python())
    assert moved[n("tinyb")].version == Version("2.0")
    assert moved[n("tinyb")].origin == f"find-links {links}"


def test_default_source_offline_uses_installed_and_pips_wheel_cache(
    monkeypatch: pytest.MonkeyPatch, links: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "pipcache"
    nested = cache / "wheels" / "ab" / "cd" / "ef" / "0123"
    nested.mkdir(parents=True)
    shutil.copy(links / "tinyc-1.0-py3-none-any.whl", nested)
    monkeypatch.setenv("PIP_CACHE_DIR", str(cache))
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/never-used/")
    source = default_source(_graph(tmp_path, _dist("app", "1.0", "tinyc")))
    assert isinstance(source, ChainSource)
    assert [type(s).__name__ for s in source.sources] == ["InstalledSource", "FindLinksSource"]
    result = resolve(reqs("app"), fixed={}, source=source, python=python())
    assert result[n("app")].origin == "installed"
    assert result[n("tinyc")].origin == f"wheel cache {cache / 'wheels'}"
    assert result[n("tinyc")].url == (nested / "tinyc-1.0-py3-none-any.whl").as_uri()


def test_default_source_with_find_links_and_index_url(tmp_path: Path, links: Path) -> None:
    graph = _graph(tmp_path)
    source = default_source(graph, find_links=[links], index_url="https://u:pw@example.invalid/s")
    assert isinstance(source, ChainSource)
    kinds = [type(s).__name__ for s in source.sources]
    assert kinds == ["InstalledSource", "FindLinksSource", "IndexSource"]
    index = source.sources[2]
    assert isinstance(index, IndexSource)
    assert index.url == "https://example.invalid/s/"
    assert "pw" not in source.where


def test_default_source_online_honours_pip_configuration(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    conf = tmp_path / "pip.conf"
    conf.write_text(
        "[global]\nindex-url = https://global.example.invalid/simple\n"
        "[install]\nindex_url = https://install.example.invalid/simple\n"
        "extra-index-url =\n    https://extra1.example.invalid/simple\n"
        "    https://extra2.example.invalid/simple\n"
    )
    monkeypatch.setenv("PIP_CONFIG_FILE", str(conf))
    graph = _graph(tmp_path)

    def urls() -> list[str]:
        source = default_source(graph, offline=False)
        assert isinstance(source, ChainSource)
        return [s.url for s in source.sources if isinstance(s, IndexSource)]

    assert urls() == [
        "https://install.example.invalid/simple/",
        "https://extra1.example.invalid/simple/",
        "https://extra2.example.invalid/simple/",
    ]
    monkeypatch.setenv("PIP_INDEX_URL", "https://env.example.invalid/simple")
    monkeypatch.setenv("PIP_EXTRA_INDEX_URL", "")
    assert urls() == ["https://env.example.invalid/simple/"]
    (tmp_path / "pip.conf").write_text("[global]\nno-index = true\n")
    monkeypatch.delenv("PIP_INDEX_URL")
    assert urls() == []


# ---------------------------------------------------------------------------
# a simple index on the loopback interface


def _member(name: str) -> zipfile.ZipInfo:
    """A zip member with a fixed date: a wheel built twice has the same bytes
    (and sha256) even when the clock ticks over a second in between."""
    return zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))


def _wheel_bytes(name: str, version: str, *requires: str, requires_python: str = "") -> bytes:
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    if requires_python:
        meta += f"Requires-Python: {requires_python}\n"
    meta += "".join(f"Requires-Dist: {r}\n" for r in requires)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        info = f"{name}-{version}.dist-info"
        zf.writestr(_member(f"{info}/METADATA"), meta)
        zf.writestr(
            _member(f"{info}/WHEEL"),
            "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        zf.writestr(_member(f"{info}/RECORD"), "")
    return buf.getvalue()


def _metadata_of(wheel: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(wheel)) as zf:
        (member,) = [m for m in zf.namelist() if m.endswith("METADATA")]
        return zf.read(member)


@dataclass
class Published:
    filename: str
    body: bytes
    requires_python: str | None = None
    yanked: str | None = None
    metadata: bool = True
    bad_metadata_hash: bool = False


@dataclass
class IndexServer:
    """Serves ``/simple/<name>/`` (JSON when asked and ``json_api``, else
    HTML) and ``/files/...`` with their ``.metadata`` files."""

    projects: dict[str, list[Published]]
    json_api: bool = True
    auth: str | None = None  # "user:password"
    log: list[tuple[str, str]] = field(default_factory=list)  # (path, accept)
    url: str = ""
    stop: Any = None  # set by the ``serve`` fixture

    def page(self, name: str, accept: str) -> tuple[str, bytes]:
        files = self.projects[name]

        def sha(data: bytes) -> str:
            return hashlib.sha256(data).hexdigest()

        def meta_hash(p: Published) -> str:
            data = b"tampered" if p.bad_metadata_hash else _metadata_of(p.body)
            return sha(data)

        if self.json_api and "application/vnd.pypi.simple.v1+json" in accept:
            doc = {
                "meta": {"api-version": "1.1"},
                "name": name,
                "files": [
                    {
                        "filename": p.filename,
                        "url": f"../../files/{p.filename}",
                        "hashes": {"sha256": sha(p.body)},
                        "requires-python": p.requires_python,
                        "yanked": p.yanked if p.yanked is not None else False,
                        "core-metadata": {"sha256": meta_hash(p)} if p.metadata else False,
                    }
                    for p in files
                ],
            }
            return "application/vnd.pypi.simple.v1+json", json.dumps(doc).encode()
        from html import escape

        anchors = []
        for p in files:
            attrs = f'href="/files/{p.filename}#sha256={sha(p.body)}"'
            if p.requires_python:
                attrs += f' data-requires-python="{escape(p.requires_python)}"'
            if p.yanked:
                attrs += f' data-yanked="{escape(p.yanked)}"'
            elif p.yanked is not None:
                attrs += " data-yanked"  # PEP 592: yanked, no reason given
            if p.metadata and name == "lib":
                attrs += ' data-core-metadata="true"'  # PEP 714's name, no hash
            elif p.metadata:
                attrs += f' data-dist-info-metadata="sha256={meta_hash(p)}"'  # PEP 658's
            anchors.append(f"<a {attrs}>{p.filename}</a><br/>")
        body = "<!DOCTYPE html><html><body>" + "\n".join(anchors) + "</body></html>"
        return "text/html", body.encode()

    def file(self, filename: str) -> bytes | None:
        for files in self.projects.values():
            for p in files:
                if filename == p.filename:
                    return p.body
                if filename == p.filename + ".metadata" and p.metadata:
                    return _metadata_of(p.body)
        return None


def _handler(index: IndexServer) -> type[http.server.BaseHTTPRequestHandler]:
    import base64

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            accept = self.headers.get("Accept", "")
            index.log.append((self.path, accept))
            if index.auth is not None:
                token = base64.b64encode(index.auth.encode()).decode()
                if self.headers.get("Authorization") != f"Basic {token}":
                    self.send_error(401)
                    return
            parts = self.path.strip("/").split("/")
            if parts[0] == "t":  # anaconda.org style: /t/<token>/...
                parts = parts[2:]
            if parts[0] == "simple" and len(parts) == 2 and parts[1] in index.projects:
                ctype, body = index.page(parts[1], accept)
            elif parts[0] == "files" and len(parts) == 2:
                found = index.file(parts[1])
                if found is None:
                    self.send_error(404)
                    return
                ctype, body = "application/octet-stream", found
            else:
                self.send_error(404)
                return
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

    return Handler


@pytest.fixture
def serve() -> Iterator[Any]:
    """Start an index on 127.0.0.1 (any free port); stopped at the end."""
    stops: list[Any] = []

    def start(index: IndexServer) -> IndexServer:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(index))
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        stopped = False

        def stop() -> None:
            nonlocal stopped
            if not stopped:
                stopped = True
                server.shutdown()
                server.server_close()
                thread.join(timeout=5)

        stops.append(stop)
        index.url = f"http://127.0.0.1:{server.server_address[1]}/simple/"
        index.stop = stop
        return index

    yield start
    for stop in stops:
        stop()


def _projects() -> dict[str, list[Published]]:
    def wheel(name: str, version: str, *requires: str, **kw: Any) -> Published:
        rp = kw.pop("requires_python", None)
        body = _wheel_bytes(name, version, *requires, requires_python=rp or "")
        return Published(f"{name}-{version}-py3-none-any.whl", body, requires_python=rp, **kw)

    return {
        "app": [
            wheel("app", "1.0", "lib>=1"),
            wheel("app", "2.0", "lib>=2", "extra-thing; extra == 'x'"),
            wheel("app", "3.0", requires_python=">=3.99"),
            wheel("app", "2.5", yanked="broken"),
        ],
        "lib": [
            wheel("lib", "0.5", yanked=""),
            wheel("lib", "1.0"),
            wheel("lib", "2.0"),
            wheel("lib", "2.1", metadata=False),
        ],
        "bad": [wheel("bad", "1.0", bad_metadata_hash=True)],
        "odd": [
            Published("odd-1.0-py3-none-any.whl", _wheel_bytes("odd", "9.9")),
            wheel("odd", "0.1"),
        ],
    }


def _fetched(index: IndexServer) -> list[str]:
    return [path for path, _ in index.log if path.startswith("/files/")]


@pytest.mark.parametrize("json_api", [True, False], ids=["pep691-json", "pep503-html"])
def test_index_source_reads_metadata_files_not_wheels(
    serve: Any, tmp_path: Path, json_api: bool
) -> None:
    index = serve(IndexServer(_projects(), json_api=json_api))
    source = IndexSource(index.url, cache_dir=tmp_path / "cache")
    result = resolve(reqs("app<2.1", "lib<2.1"), fixed={}, source=source, python=python())
    assert {k: str(c.version) for k, c in result.items()} == {"app": "2.0", "lib": "2.0"}
    app = result[n("app")]
    assert app.origin == f"index {index.url}"
    assert app.url == index.url.replace("/simple/", "/files/") + "app-2.0-py3-none-any.whl"
    assert app.hashes["sha256"] == hashlib.sha256(_projects()["app"][1].body).hexdigest()
    # Only the metadata of the versions tried was read; no wheel was downloaded.
    assert _fetched(index) == [
        "/files/app-2.0-py3-none-any.whl.metadata",
        "/files/lib-2.0-py3-none-any.whl.metadata",
    ]
    pages = [accept for path, accept in index.log if path.startswith("/simple/")]
    assert all(a.startswith("application/vnd.pypi.simple.v1+json") for a in pages)


@pytest.mark.parametrize("json_api", [True, False], ids=["pep691-json", "pep503-html"])
def test_index_source_filters_requires_python_and_yanked(
    serve: Any, tmp_path: Path, json_api: bool
) -> None:
    index = serve(IndexServer(_projects(), json_api=json_api))
    source = IndexSource(index.url, cache_dir=tmp_path / "cache")
    found = source.candidates(n("app"))
    assert isinstance(found, LazyCandidates)
    arts = {str(a.version): a for a in found.artifacts}
    assert arts["3.0"].requires_python == SpecifierSet(">=3.99")
    assert arts["2.5"].yanked == "broken" and arts["2.0"].yanked is None
    with pytest.raises(ResolutionFailed) as info:
        resolve(reqs("app>2"), fixed={}, source=source, python=python())
    assert info.value.explanations == (
        "No version of app satisfies app>2 "
        "(available: 1.0, 2.0; excluded by Requires-Python: 3.0; yanked: 2.5)",
    )
    pinned = resolve(reqs("app==2.5"), fixed={}, source=source, python=python())
    assert pinned[n("app")].yanked == "broken"
    libs = source.candidates(n("lib"))
    assert isinstance(libs, LazyCandidates)
    assert [a.yanked for a in libs.artifacts] == ["", None, None, None]
    assert "/files/app-3.0-py3-none-any.whl.metadata" not in _fetched(index)


def test_index_source_without_metadata_files_reads_the_wheel(serve: Any, tmp_path: Path) -> None:
    index = serve(IndexServer(_projects()))
    source = IndexSource(index.url, cache_dir=tmp_path / "cache")
    result = resolve(reqs("lib"), fixed={}, source=source, python=python())
    assert str(result[n("lib")].version) == "2.1"
    assert _fetched(index) == ["/files/lib-2.1-py3-none-any.whl"]


def test_index_source_caches_responses(serve: Any, tmp_path: Path) -> None:
    index = serve(IndexServer(_projects()))
    cache = tmp_path / "cache"
    first = resolve(
        reqs("app<2.1"), fixed={}, source=IndexSource(index.url, cache), python=python()
    )
    index.log.clear()
    again = resolve(
        reqs("app<2.1"), fixed={}, source=IndexSource(index.url, cache), python=python()
    )
    assert again == first
    # Pages are revalidated (and answered 304); metadata files are not fetched again.
    assert [p for p, _ in index.log] == ["/simple/app/", "/simple/lib/"]


def test_index_source_falls_back_to_the_cache_when_offline(serve: Any, tmp_path: Path) -> None:
    index = serve(IndexServer(_projects()))
    cache = tmp_path / "cache"
    first = resolve(
        reqs("app<2.1"), fixed={}, source=IndexSource(index.url, cache), python=python()
    )
    index.stop()
    again = resolve(
        reqs("app<2.1"), fixed={}, source=IndexSource(index.url, cache), python=python()
    )
    assert again == first
    with pytest.raises(SourceUnavailable) as info:
        IndexSource(index.url, cache_dir=tmp_path / "empty").candidates(n("app"))
    assert str(info.value).startswith(f"cannot read {index.url}app/: ")


def test_index_cache_is_kept_in_reconciles_cache_folder(
    serve: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The HTTP cache goes where the parse cache goes: $RECONCILE_CACHE_DIR."""
    index = serve(IndexServer(_projects()))
    monkeypatch.setenv("RECONCILE_CACHE_DIR", str(tmp_path / "rc"))
    graph = _graph(tmp_path / "env")

    def run() -> dict[NormalizedName, Candidate]:
        source = default_source(graph, index_url=index.url)  # as plan and export make it
        return resolve(reqs("app<2.1"), fixed={}, source=source, python=python())

    first = run()
    assert [p for p in (tmp_path / "rc" / "http").rglob("*") if p.is_file()]
    assert not (tmp_path / "home" / ".cache" / "reconcile").exists()
    index.stop()
    assert run() == first  # read back from there with the index gone


def test_index_source_skips_files_whose_metadata_names_another_version(
    serve: Any, tmp_path: Path
) -> None:
    index = serve(IndexServer(_projects()))
    source = IndexSource(index.url, cache_dir=tmp_path / "cache")
    result = resolve(reqs("odd"), fixed={}, source=source, python=python())
    assert result[n("odd")].version == Version("0.1")
    with pytest.raises(ResolutionFailed) as info:
        resolve(reqs("odd>=1"), fixed={}, source=source, python=python())
    assert info.value.explanations == (
        "No version of odd satisfies odd>=1 "
        "(available: 0.1; metadata of another name or version: 1.0)",
    )


def test_index_source_missing_project_has_no_candidates(serve: Any, tmp_path: Path) -> None:
    index = serve(IndexServer(_projects()))
    source = IndexSource(index.url, cache_dir=tmp_path / "cache")
    assert list(source.candidates(n("nothing-here"))) == []
    with pytest.raises(ResolutionFailed) as info:
        resolve(reqs("nothing-here"), fixed={}, source=source, python=python())
    assert info.value.explanations == (
        f"No version of nothing-here satisfies nothing-here (none found in index {index.url})",
    )


def test_index_source_rejects_metadata_with_the_wrong_hash(serve: Any, tmp_path: Path) -> None:
    index = serve(IndexServer(_projects()))
    source = IndexSource(index.url, cache_dir=tmp_path / "cache")
    with pytest.raises(SourceUnavailable, match="hash does not match"):
        resolve(reqs("bad"), fixed={}, source=source, python=python())


def test_index_source_sends_credentials_and_never_shows_them(serve: Any, tmp_path: Path) -> None:
    index = serve(IndexServer(_projects(), auth="alice:s3cret"))
    authed = index.url.replace("http://", "http://alice:s3cret@")
    source = IndexSource(authed, cache_dir=tmp_path / "cache")
    lines: list[str] = []
    result = resolve(
        reqs("app<2.1"),
        fixed={},
        source=source,
        python=python(),
        reporter=verbose_reporter(lines.append),
    )
    assert str(result[n("app")].version) == "2.0"
    shown = repr(result) + "\n".join(lines) + source.where
    assert "s3cret" not in shown and "alice" not in shown
    with pytest.raises(SourceUnavailable) as info:
        IndexSource(index.url, cache_dir=tmp_path / "other").candidates(n("app"))
    assert "HTTP 401" in str(info.value)
    wrong = IndexSource(index.url.replace("http://", "http://alice:wrong@"), tmp_path / "x")
    with pytest.raises(SourceUnavailable) as info:
        wrong.candidates(n("app"))
    assert "wrong" not in str(info.value) and "alice" not in str(info.value)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://u:pw@host/simple/", "https://host/simple/"),
        ("https://tok@host/simple/", "https://host/simple/"),
        (
            "https://pypi.anaconda.org/t/tk-123/chan/simple/",
            "https://pypi.anaconda.org/chan/simple/",
        ),
        ("https://host/a.whl?sig=abc&v=1#sha256=00", "https://host/a.whl?v=1#sha256=00"),
        ("https://host/a.whl?X-Amz-Signature=abc&api_key=k", "https://host/a.whl"),
        ("file:///home/u/src", "file:///home/u/src"),
    ],
)
def test_urls_are_shown_without_credentials(url: str, shown: str) -> None:
    from reconcile.urls import redact_url

    assert redact_url(url) == shown


def test_index_with_a_token_path_is_fetched_with_it_and_shown_without(
    serve: Any, tmp_path: Path
) -> None:
    index = serve(IndexServer(_projects()))
    tokened = index.url.replace("/simple/", "/t/tk-SECRET/simple/")
    source = IndexSource(tokened, cache_dir=tmp_path / "cache")
    assert source.url == index.url
    result = resolve(reqs("app<2.1"), fixed={}, source=source, python=python())
    assert result[n("app")].version == Version("2.0")
    assert "tk-SECRET" not in repr(result)
    assert [p for p, _ in index.log][:2] == [
        "/t/tk-SECRET/simple/app/",
        "/t/tk-SECRET/files/app-2.0-py3-none-any.whl.metadata",
    ]


def test_index_source_needs_http(tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailable, match="not an http"):
        IndexSource("ftp://example.invalid/simple", cache_dir=tmp_path)


def test_importing_the_module_reads_no_archives_and_opens_no_network() -> None:
    code = (
        "import sys, reconcile.resolve\n"
        "heavy = ['zipfile', 'tarfile', 'urllib.request', 'html.parser', 'configparser']\n"
        "print([m for m in heavy if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
