"""reconcile/filenames.py: names and versions read from file and folder names.

The cases are real names: folders and files that pip, setuptools, conda
and conda-build wrote into the corpus's prefixes, the lab's and PyPI's.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import CORPUS, REPO
from packaging.tags import Tag
from packaging.utils import canonicalize_name
from packaging.version import Version

from reconcile.filenames import (
    CondaDist,
    InvalidFilename,
    MetadataDirName,
    parse_conda_dist,
    parse_conda_filename,
    parse_conda_meta_filename,
    parse_dist_filename,
    parse_metadata_dirname,
    parse_sdist_filename,
    parse_wheel_filename,
)
from reconcile.metadata import read_core_metadata

# -- metadata folders ---------------------------------------------------------


@pytest.mark.parametrize(
    ("dirname", "name", "version_text", "version"),
    [
        pytest.param("six-1.16.0.dist-info", "six", "1.16.0", "1.16.0", id="dist-info"),
        # pyqt's conda package (defaults) ships it beside PyQt5-5.15.2.dist-info.
        pytest.param(
            "PyQt5_sip-12.12.2.dist-info",
            "PyQt5_sip",
            "12.12.2",
            "12.12.2",
            id="escaped-dash-kept-as-written",
        ),
        pytest.param(
            "zope.interface-6.0.dist-info", "zope.interface", "6.0", "6.0", id="dot-in-name"
        ),
        pytest.param(
            "backports.zoneinfo-0.2.1-py3.8.egg-info",
            "backports.zoneinfo",
            "0.2.1",
            "0.2.1",
            id="egg-info-python-tag",
        ),
        # conda's setuptools 50.3.1 (defaults) leaves its own egg-info.
        pytest.param(
            "setuptools-50.3.1.post20201107-py3.8.egg-info",
            "setuptools",
            "50.3.1.post20201107",
            "50.3.1.post20201107",
            id="egg-info-post-release",
        ),
        pytest.param(
            "_ipyw_jlab_nb_ext_conf-0.1.0-py3.8.egg-info",
            "_ipyw_jlab_nb_ext_conf",
            "0.1.0",
            "0.1.0",
            id="leading-underscore",
        ),
        pytest.param("bender.egg-info", "bender", "", None, id="egg-info-without-version"),
        pytest.param(
            "lab-legacy-editable.egg-link",
            "lab-legacy-editable",
            "",
            None,
            id="egg-link-whole-stem",
        ),
        # setuptools < 66 let legacy versions through: the text is kept.
        pytest.param("foo-1.0_SNAPSHOT.dist-info", "foo", "1.0_SNAPSHOT", None, id="legacy"),
        pytest.param("pytz-2004d.dist-info", "pytz", "2004d", None, id="legacy-letter"),
        # Not PEP 427 (hand-written in poetry's tests): the first dash ends the
        # name, as discovery always read it; METADATA's Name wins over it.
        pytest.param(
            "editable-src-dir-2.3.4.dist-info", "editable", "src", None, id="unescaped-dashes"
        ),
    ],
)
def test_metadata_dirname(dirname: str, name: str, version_text: str, version: str | None) -> None:
    got = parse_metadata_dirname(dirname)
    assert got == MetadataDirName(name, version_text)
    assert got.version == (Version(version) if version else None)


def _corpus_metadata_dirs() -> list[Path]:
    roots = [REPO / "tests" / "real_writers", REPO / "fixtures"]
    if CORPUS is not None:
        roots.append(CORPUS)
    found = []
    for root in roots:
        for folder, dirs, files in os.walk(root):
            for entry in dirs + files:
                if entry.endswith((".dist-info", ".egg-info")):
                    found.append(Path(folder) / entry)
    return sorted(found)


#: Folders whose name disagrees with their METADATA, each written by hand.
_HAND_WRITTEN = {
    "test_plugin-1.0.dist-info",  # conda's plugin test data: Name is conda-test-plugin
    "editable-src-dir-2.3.4.dist-info",  # poetry's tests
    "editable-with-import-2.3.4.dist-info",  # poetry's tests
}


@pytest.mark.corpus
def test_metadata_dirnames_agree_with_their_metadata() -> None:
    # Real writers name the folder after the distribution: what the name
    # says is what METADATA (or PKG-INFO) says, on every one of them.
    checked = 0
    for path in _corpus_metadata_dirs():
        meta_file = path / ("METADATA" if path.suffix == ".dist-info" else "PKG-INFO")
        if not path.is_dir():
            meta_file = path  # a single-file egg-info
        if path.name in _HAND_WRITTEN or not meta_file.is_file():
            continue
        meta = read_core_metadata(meta_file.read_bytes())
        got = parse_metadata_dirname(path.name)
        if meta.name:
            assert canonicalize_name(got.name) == canonicalize_name(meta.name), path
        if meta.version and got.version_text:
            assert got.version_text == meta.version, path
        checked += 1
    assert checked > 300


# -- wheels and sdists ----------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "name", "version", "build", "tags"),
    [
        pytest.param("foo-1.0.0-py3-none-any.whl", "foo", "1.0.0", (), {"py3-none-any"}, id="pure"),
        pytest.param(
            "foo-1.0-1-py3-none-any.whl",
            "foo",
            "1.0",
            (1, ""),
            {"py3-none-any"},
            id="build-tag",
        ),
        pytest.param(
            "numpy-1.26.4-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "numpy",
            "1.26.4",
            (),
            {"cp312-cp312-manylinux_2_17_x86_64", "cp312-cp312-manylinux2014_x86_64"},
            id="compressed-tag-set",
        ),
        pytest.param(
            "PyQt5_sip-12.12.2-cp311-cp311-win_amd64.whl",
            "pyqt5-sip",
            "12.12.2",
            (),
            {"cp311-cp311-win_amd64"},
            id="name-canonicalised",
        ),
    ],
)
def test_wheel_filename(
    filename: str, name: str, version: str, build: tuple[int, str] | tuple[()], tags: set[str]
) -> None:
    got = parse_wheel_filename(filename)
    assert (got.kind, got.name, got.version, got.build) == ("wheel", name, Version(version), build)
    assert got.tags == {Tag(*t.split("-")) for t in tags}
    assert parse_dist_filename(filename) == got


@pytest.mark.parametrize(
    ("filename", "name", "version"),
    [
        pytest.param(
            "python-dateutil-2.9.0.post0.tar.gz",
            "python-dateutil",
            "2.9.0.post0",
            id="dashes-in-name",
        ),
        pytest.param("zope.interface-6.0.tar.gz", "zope-interface", "6.0", id="dot-in-name"),
        pytest.param("pyreadline-2.1.zip", "pyreadline", "2.1", id="zip"),
    ],
)
def test_sdist_filename(filename: str, name: str, version: str) -> None:
    got = parse_sdist_filename(filename)
    assert (got.kind, got.name, got.version, got.build, got.tags) == (
        "sdist",
        name,
        Version(version),
        (),
        frozenset(),
    )
    assert parse_dist_filename(filename) == got


@pytest.mark.parametrize(
    "filename",
    [
        pytest.param("foo-1.0.whl", id="wheel-without-tags"),
        pytest.param("foo-1.0-SNAPSHOT-py3-none-any.whl", id="wheel-bad-build-tag"),
        pytest.param("foo-x-py3-none-any.whl", id="wheel-legacy-version"),
        pytest.param("foo-1.0-SNAPSHOT.tar.gz", id="sdist-legacy-version"),
        pytest.param("foo.tar.gz", id="sdist-without-version"),
        pytest.param("foo-1.0.tar.bz2", id="neither"),
        pytest.param("foo-1.0-py3-none-any.whl.metadata", id="pep-658-file"),
    ],
)
def test_invalid_dist_filename(filename: str) -> None:
    with pytest.raises(InvalidFilename) as caught:
        parse_dist_filename(filename)
    assert caught.value.filename == filename
    assert repr(filename) in str(caught.value)


# -- conda ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "name", "version", "build"),
    [
        pytest.param(
            "python-dateutil-2.9.0.post0-pyhd8ed1ab_0.conda",
            "python-dateutil",
            "2.9.0.post0",
            "pyhd8ed1ab_0",
            id="dash-in-name",
        ),
        pytest.param(
            "_libgcc_mutex-0.1-conda_forge.tar.bz2",
            "_libgcc_mutex",
            "0.1",
            "conda_forge",
            id="tar-bz2",
        ),
        pytest.param(
            "numpy-1.26.4-py312heda63a1_0.conda", "numpy", "1.26.4", "py312heda63a1_0", id="plain"
        ),
        pytest.param(
            "libstdcxx-ng-13.2.0-hc0a3c3a_7.conda",
            "libstdcxx-ng",
            "13.2.0",
            "hc0a3c3a_7",
            id="two-dashes-in-name",
        ),
    ],
)
def test_conda_filename(filename: str, name: str, version: str, build: str) -> None:
    got = parse_conda_filename(filename)
    assert got == CondaDist(name=name, version=version, build=build)
    stem = filename.removesuffix(".conda").removesuffix(".tar.bz2")
    assert str(got) == stem
    assert parse_conda_dist(stem) == got  # an extracted package folder


@pytest.mark.parametrize(
    ("filename", "name", "version", "build"),
    [
        pytest.param(
            "ca-certificates-2024.8.30-hbcca054_0.json",
            "ca-certificates",
            "2024.8.30",
            "hbcca054_0",
            id="dash-in-name",
        ),
        pytest.param(
            "python-3.12.3-hab00c5b_0_cpython.json",
            "python",
            "3.12.3",
            "hab00c5b_0_cpython",
            id="python",
        ),
        pytest.param(
            "_r-mutex-1.0.1-anacondar_1.json",
            "_r-mutex",
            "1.0.1",
            "anacondar_1",
            id="underscore-and-dash",
        ),
    ],
)
def test_conda_meta_filename(filename: str, name: str, version: str, build: str) -> None:
    assert parse_conda_meta_filename(filename) == CondaDist(name=name, version=version, build=build)


@pytest.mark.parametrize(
    ("parse", "filename"),
    [
        pytest.param(parse_conda_meta_filename, "foo-1.0.json", id="meta-two-fields"),
        pytest.param(parse_conda_meta_filename, "foo--0.json", id="meta-empty-version"),
        pytest.param(parse_conda_meta_filename, "history", id="meta-not-json"),
        pytest.param(parse_conda_filename, "foo-1.0-0.zip", id="not-a-package"),
        pytest.param(parse_conda_filename, "foo-1.0.conda", id="package-two-fields"),
        pytest.param(parse_conda_dist, "-1.0-0", id="empty-name"),
    ],
)
def test_invalid_conda_filename(parse: object, filename: str) -> None:
    assert callable(parse)
    with pytest.raises(InvalidFilename):
        parse(filename)


@pytest.mark.corpus
def test_every_corpus_record_file_name_splits() -> None:
    # conda, mamba, micromamba and pixi name each record name-version-build.json;
    # the split agrees with the record's own fields on every one of them.
    import json

    assert CORPUS is not None
    checked = 0
    for path in sorted(CORPUS.rglob("conda-meta/*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue  # the corrupt record of conda's tests
        if not isinstance(record, dict) or not {"name", "version", "build"} <= record.keys():
            continue
        got = parse_conda_meta_filename(path.name)
        assert (got.name, got.version, got.build) == (
            record["name"],
            str(record["version"]),
            record["build"],
        ), path
        checked += 1
    assert checked > 250
