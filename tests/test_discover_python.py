"""Which site-packages discover reads: symbolic links under ``lib/``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reconcile.discover import discover
from reconcile.discover._python import other_site_packages, site_identity


def _dist(site: Path, name: str, version: str) -> None:
    folder = site / f"{name}-{version}.dist-info"
    folder.mkdir(parents=True)
    (folder / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    (folder / "RECORD").write_text(f"{folder.name}/METADATA,,\n{folder.name}/RECORD,,\n")
    (folder / "INSTALLER").write_text("pip\n")


@pytest.fixture
def prefix(tmp_path: Path) -> Path:
    root = tmp_path / "env"
    (root / "conda-meta").mkdir(parents=True)
    (root / "pyvenv.cfg").write_text("version = 3.12.7\n")
    _dist(root / "lib/python3.12/site-packages", "six", "1.16.0")
    return root


@pytest.mark.parametrize(
    ("target", "old", "others"),
    [
        pytest.param("python3.12", False, [], id="conda-forge-python3.1-link"),
        pytest.param("python3.1", False, [], id="link-loop"),
        pytest.param("python3.13", False, [], id="dangling"),
        pytest.param(
            "python3.10", True, ["lib/python3.10/site-packages"], id="to-a-real-old-python"
        ),
    ],
)
def test_a_linked_lib_python_dir_is_read_under_its_real_name_once(
    prefix: Path, target: str, old: bool, others: list[str]
) -> None:
    if old:
        _dist(prefix / "lib/python3.10/site-packages", "attrs", "23.1.0")
    os.symlink(target, prefix / "lib/python3.1")
    assert other_site_packages(str(prefix), "lib/python3.12/site-packages") == others
    state = discover(prefix)
    assert [s.path for s in state.other_site_packages] == others
    assert state.site_packages is not None and not state.site_packages.via_link


def test_site_identity_sees_a_link_inside_the_prefix_only(tmp_path: Path, prefix: Path) -> None:
    os.symlink("python3.12", prefix / "lib/python3.1")
    real = os.path.realpath(prefix / "lib/python3.12/site-packages")
    assert site_identity(str(prefix), "lib/python3.1/site-packages") == (real, True)
    assert site_identity(str(prefix), "lib/python3.12/site-packages") == (real, False)
    # the whole prefix reached through a link (a symlinked home) moves both
    alias = tmp_path / "alias"
    os.symlink(prefix, alias)
    assert site_identity(str(alias), "lib/python3.12/site-packages") == (real, False)
