"""``conda list --explicit`` files and pip requirements files read as
EnvFile values (reconcile/listfiles.py), told apart by their content; what
compare does with them is in tests/test_compare.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CORPUS

from reconcile.envfile import InvalidEnvFile, load_env_file
from reconcile.listfiles import EXPLICIT, REQUIREMENTS, explicit_env, parse_explicit
from reconcile.requirements import PipKind


@pytest.mark.corpus
@pytest.mark.parametrize(
    "rel",
    [
        # conda 4.x `conda list --explicit` (no hashes), setup-miniconda's and
        # micromamba's with md5, conda-lock's --kind explicit
        pytest.param("AruniRC__detectron-self-train/conda_list.txt", id="conda-no-hashes"),
        pytest.param("conda-incubator__setup-miniconda/etc/example-explicit.Linux.conda.lock",
                     id="setup-miniconda"),
        pytest.param("mamba-org__mamba/micromamba/tests/explicit_env_linux.txt", id="micromamba"),
        pytest.param("conda__conda-lock/tests/zlib/conda-linux-64.lock", id="conda-lock"),
    ],
)  # fmt: skip
def test_real_explicit_files_read_one_exact_spec_per_url(rel):
    assert CORPUS is not None
    path = CORPUS / rel
    env = load_env_file(path)
    urls = [ln for ln in path.read_text().splitlines() if "://" in ln and not ln.startswith("#")]
    assert env.format == EXPLICIT and env.platform == "linux-64" and env.unreadable == ()
    assert len(env.conda) == len(urls) > 0
    for dep in env.conda:
        assert dep.spec.startswith(f"{dep.name}==") and dep.spec.count("=") == 3
        assert dep.text in urls and dep.channel is not None and "://" in dep.channel


def test_an_explicit_line_is_name_version_build_from_its_channel():
    url = "https://conda.anaconda.org/conda-forge/linux-64/ld_impl_linux-64-2.35-h769bd43_9.tar.bz2"
    env = explicit_env(parse_explicit(f"@EXPLICIT\n{url}#sha256:{'a' * 64}\n", "/x/spec.txt"))
    (dep,) = env.conda
    assert (dep.name, dep.spec, dep.channel, dep.line) == (
        "ld_impl_linux-64", "ld_impl_linux-64==2.35=h769bd43_9",
        "https://conda.anaconda.org/conda-forge", 2,
    )  # fmt: skip


def test_a_line_of_an_explicit_file_that_is_no_package_url_is_unreadable():
    env = explicit_env(parse_explicit("@EXPLICIT\nnumpy=1.26\n", "/x/spec.txt"))
    (problem,) = env.unreadable
    assert problem.line == 2 and "not a package URL" in problem.reason


def test_pip_freeze_output_is_a_requirements_file(tmp_path: Path):
    path = tmp_path / "requirements.txt"
    path.write_text(
        "attrs==24.2.0\n"
        "certifi @ file:///home/conda/feedstock_root/build_artifacts/certifi_1/work\n"
        "# Editable Git install with no remote (proj==0.1.0)\n"
        "-e /src/proj\n"
    )
    env = load_env_file(path)
    assert env.format == REQUIREMENTS and env.conda == () and env.unreadable == ()
    # a file: URL is a local path to pip
    assert [e.kind for e in env.pip] == [PipKind.REQUIREMENT, PipKind.PATH, PipKind.EDITABLE]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("# platform: linux-64\n@EXPLICIT\n", id="explicit"),
        pytest.param("six==1.16.0\n", id="requirements"),
    ],
)
def test_lint_reads_environment_files_only(tmp_path: Path, text: str):
    path = tmp_path / "env.txt"
    path.write_text(text)
    with pytest.raises(InvalidEnvFile):
        load_env_file(path, lists=False)
