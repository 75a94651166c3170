"""Where a conda step's exact package comes from: a cache's extracted folder
(the other tests), a cache's archive, a ``--channel``; an archive whose bytes
are not the record's is never used."""

from __future__ import annotations

import json
import shutil

import pytest
from fix_support import copy_scenario, errors, fix, isolate

pytestmark = pytest.mark.lab


@pytest.fixture
def fix_env(lab, tmp_path, monkeypatch):
    return isolate(lab, tmp_path, monkeypatch)


@pytest.fixture
def orphan(lab, fix_env, monkeypatch):
    """pip-uninstalls-conda-package with six's record pointing at a cache and
    a channel that are gone, and an empty package cache."""
    prefix = copy_scenario(lab, "pip-uninstalls-conda-package", fix_env, monkeypatch)
    path = prefix / "conda-meta" / "six-1.16.0-py_0.json"
    record = json.loads(path.read_text())
    gone = fix_env / "gone"
    record.update(
        extracted_package_dir=str(gone / "pkgs" / "six-1.16.0-py_0"),
        url=(gone / "channel" / "noarch" / "six-1.16.0-py_0.conda").as_uri(),
        channel=(gone / "channel").as_uri(),
    )
    path.write_text(json.dumps(record, indent=2))
    cache = fix_env / "cache"
    cache.mkdir()
    monkeypatch.setenv("CONDA_PKGS_DIRS", str(cache))
    return prefix, cache


def test_an_archive_in_a_package_cache_is_extracted_and_linked(lab, orphan, capsys):
    prefix, cache = orphan
    archive = cache / "six-1.16.0-py_0.conda"
    shutil.copyfile(lab.channel / "noarch" / archive.name, archive)
    code, out, err = fix(capsys, lab, prefix)
    assert code == 0, out + err
    assert errors(capsys, prefix) == set()
    record = json.loads((prefix / "conda-meta" / "six-1.16.0-py_0.json").read_text())
    assert record["package_tarball_full_path"] == str(archive)
    assert "extracted_package_dir" not in record  # no cache of conda's holds it extracted
    assert set(cache.iterdir()) == {archive}  # nothing written into the cache


def test_an_archive_with_other_bytes_is_refused(lab, orphan, capsys, tree_hash):
    prefix, cache = orphan
    archive = cache / "six-1.16.0-py_0.conda"
    data = (lab.channel / "noarch" / archive.name).read_bytes()
    archive.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    before = tree_hash(prefix)
    code, out, err = fix(capsys, lab, prefix)
    # The plan already finds no source, so it plans nothing for six and says why.
    assert code == 1 and "no source for six-1.16.0-py_0" in out, out + err
    assert f"{archive} (tried" not in out and str(archive) in out
    assert tree_hash(prefix) == before


def test_a_channel_given_on_the_command_line_is_a_source(lab, orphan, capsys):
    prefix, _ = orphan
    code, out, err = fix(capsys, lab, prefix, "--channel", lab.channel.as_uri())
    assert code == 0, out + err
    assert errors(capsys, prefix) == set()


def test_a_package_with_a_post_link_script_is_refused(lab, orphan, capsys, tree_hash):
    # conda would run the script after linking; fix runs none, so it leaves the repair to conda
    prefix, cache = orphan
    folder = cache / "six-1.16.0-py_0"
    shutil.copytree(lab.root / "pkgs" / folder.name, folder, symlinks=True)
    (folder / "bin").mkdir()
    (folder / "bin" / ".six-post-link.sh").write_text("echo linked >> $PREFIX/.messages.txt\n")
    before = tree_hash(prefix)
    code, _, err = fix(capsys, lab, prefix)
    assert code == 1 and "six-1.16.0-py_0 has a post-link script" in err, err
    assert tree_hash(prefix) == before
