"""export on prefixes as real writers leave them (tests/real_writers/14-*).

The constraints file and the pip section must be what pip can read and what
pip sees: the version text of the installed metadata, only PyPI project names,
never conda-build's work folder; a cycle of pip packages nobody asked for is
kept; a pip line that a conda pin would fight is said out loud.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from reconcile.channels import conda_build_url
from reconcile.cli import main
from reconcile.export import pip_line, valid_pin
from reconcile.models import DirectUrl, InstalledDist

HERE = Path(__file__).resolve().parent / "real_writers"
ANACONDA = HERE / "14-anaconda-base-metapackage-export" / "prefix"
CYCLE = HERE / "14-pip-orphaned-cycle-export" / "prefix"


def export(prefix: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
           *extra: str) -> tuple[list[str], list[str], str, str]:  # fmt: skip
    """(pip section, constraints lines, yml text, stderr) of an export."""
    yml = tmp_path / "environment.yml"
    constraints = tmp_path / "pip-constraints.txt"
    code = main(["export", str(prefix), "-o", str(yml), "--constraints", str(constraints),
                 "--no-cache", *extra])  # fmt: skip
    _, err = capsys.readouterr()
    assert code == 0, err
    text = yml.read_text()
    deps = yaml.safe_load(text)["dependencies"]
    pip = next((d["pip"] for d in deps if isinstance(d, dict)), [])
    lines = [
        line for line in constraints.read_text().splitlines() if line and not line.startswith("#")
    ]
    return pip, lines, text, err


def assert_pip_can_read(lines: list[str]) -> None:
    for line in lines:
        assert not line.startswith("-") or line.startswith(("-c ", "-e ")), line
        if line.startswith("-"):
            continue
        req = Requirement(line)
        assert canonicalize_name(req.name, validate=True) == canonicalize_name(req.name)


@pytest.mark.parametrize("mode", [pytest.param((), id="history"),
                                  pytest.param(("--pinned",), id="pinned")])  # fmt: skip
def test_anaconda_base_constraints_pin_what_pip_sees(tmp_path, capsys, mode):
    pip, constraints, text, err = export(ANACONDA, tmp_path, capsys, *mode)
    assert constraints == ["pip==20.2.4", "setuptools==50.3.1.post20201107"]
    assert_pip_can_read(constraints)
    assert not any(line.startswith("-") for line in constraints)
    assert "ipyw" not in "\n".join(constraints + pip)
    assert "_ipyw_jlab_nb_ext_conf" in text  # the conda side keeps it, the note says why
    assert "has no PyPI project name; not constrained" in text
    # conda's attrs (its record unreadable) is not exported as the build folder
    assert pip == ["-c pip-constraints.txt", "attrs==20.3.0", "tqdm==4.66.1"]
    assert_pip_can_read(pip)
    assert "/tmp/build/" not in "\n".join(pip)
    # the metapackage pins tqdm 4.50.2: recreating the env would repeat pip's overwrite
    warning = "tqdm: conda's anaconda 2020.11 depends on 'tqdm 4.50.2 py_0'"
    assert f"# warning: {warning}" in text
    assert f"reconcile export: warning: {warning}" in err
    assert "attrs: conda's anaconda" not in err  # conda's attrs 20.3.0 is the line's


def test_a_pip_cycle_nobody_asked_for_is_kept_whole(tmp_path, capsys):
    pip, constraints, _, err = export(CYCLE, tmp_path, capsys)
    assert pip == [
        "-c pip-constraints.txt",
        "sphinx==7.2.6",
        "sphinxcontrib-applehelp==1.0.7",
        "sphinxcontrib-devhelp==1.0.5",
        "sphinxcontrib-htmlhelp==2.0.4",
        "sphinxcontrib-qthelp==1.0.6",
        "sphinxcontrib-serializinghtml==1.1.9",
    ]
    assert constraints == ["pip==23.3.2"]
    assert_pip_can_read(pip + constraints)
    assert err == ""


def test_the_requested_member_of_a_cycle_brings_the_rest(tmp_path, capsys):
    import shutil

    prefix = tmp_path / "prefix"
    shutil.copytree(CYCLE, prefix)
    site = prefix / "lib/python3.11/site-packages"
    (site / "sphinx-7.2.6.dist-info" / "REQUESTED").write_text("")
    pip, _, _, _ = export(prefix, tmp_path, capsys)
    assert pip == ["-c pip-constraints.txt", "sphinx==7.2.6"]


# ---------------------------------------------------------------------------


def _dist(url: str, installer: str = "conda", archive_hash: str | None = None) -> InstalledDist:
    from packaging.version import Version

    return InstalledDist(
        name=canonicalize_name("anyio"), raw_name="anyio", version=Version("3.6.1"),
        version_text="3.6.1", path="lib/python3.10/site-packages/anyio-3.6.1.dist-info",
        kind="dist-info", installer=installer,
        direct_url=DirectUrl(url=url, archive_hash=archive_hash),
    )  # fmt: skip


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("file:///home/conda/feedstock_root/build_artifacts/anyio_1652464130670/work",
                     id="conda-forge"),
        pytest.param("file:///home/conda/feedstock_root/build_artifacts/bld/"
                     "rattler-build_anyio_1785888127/work", id="rattler-build"),
        pytest.param("file:///D:/bld/anyio_1652464130670/work/dist", id="conda-forge-windows"),
        pytest.param("file:///tmp/build/80754af9/anyio_1614363568447/work", id="anaconda-linux"),
        pytest.param("file:///opt/concourse/worker/volumes/live/4f3b/volume/anyio_1/work",
                     id="anaconda-macos-concourse"),
        pytest.param("file:///C:/b/abs_8a1b2c3d4e/croot/anyio_1680000000000/work",
                     id="anaconda-windows"),
        pytest.param("file:///croot/anyio_1680000000000/work", id="anaconda-croot"),
        pytest.param("file:///Users/me/miniforge3/conda-bld/anyio_1680000000000/work",
                     id="local-conda-build"),
        pytest.param("file:///home/conda/feedstock_root/build_artifacts/anyio_1/work/dist/"
                     "anyio-3.6.1-py3-none-any.whl", id="archive-in-build-folder"),
    ],
)  # fmt: skip
def test_a_conda_build_folder_is_never_a_direct_reference(url):
    assert conda_build_url(url)
    assert pip_line(_dist(url)) == ("index", "anyio==3.6.1")
    assert pip_line(_dist(url, archive_hash="sha256=ab")) == ("index", "anyio==3.6.1")


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        pytest.param("file:///home/me/src/anyio", "local", id="own-folder"),
        pytest.param("file:///tmp/build/anyio", "local", id="tmp-build-not-anacondas"),
        pytest.param("https://files.example/anyio-3.6.1.tar.gz", "archive", id="https"),
    ],
)
def test_other_folders_stay_what_they_are(url, kind):
    assert not conda_build_url(url)
    assert pip_line(_dist(url, installer="pip"))[0] == kind


@pytest.mark.parametrize(
    ("name", "line", "ok"),
    [
        pytest.param("setuptools", "setuptools==50.3.1.post20201107", True, id="post-release"),
        pytest.param("-ipyw-jlab-nb-ext-conf", "-ipyw-jlab-nb-ext-conf==0.1.0", False,
                     id="conda-only-name"),
        pytest.param("six", "six==1.0", True, id="plain"),
        pytest.param("six", "other==1.0", False, id="other-name"),
    ],
)  # fmt: skip
def test_valid_pin(name, line, ok):
    assert valid_pin(name, line) is ok


def test_a_pip_only_metadata_name_pip_cannot_read_is_a_note_not_a_line():
    from packaging.version import Version
    from test_export import dist, graph

    from reconcile.export import build_spec

    odd = InstalledDist(
        name=canonicalize_name("_private_tool"), raw_name="_private_tool",
        version=Version("0.1"), version_text="0.1",
        path="lib/python3.11/site-packages/_private_tool-0.1-py3.11.egg-info",
        kind="egg-info", installer=None,
    )  # fmt: skip
    spec = build_spec(graph(odd, dist("attrs", "24.2.0", requested=True)))
    assert [p.line for p in spec.pip] == ["attrs==24.2.0"]
    assert "_private_tool: not a PyPI project name; no pip line written for it" in spec.notes
