"""reconcile/outputs.py: where the files a user names may be written."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconcile.errors import ReconcileError
from reconcile.outputs import STDOUT, refuse_inside, to_stdout


@pytest.mark.parametrize(
    ("given", "stdout"),
    [
        pytest.param(None, True, id="not-given"),
        pytest.param("-", True, id="dash"),
        pytest.param("./-", False, id="a-file-named-dash"),
        pytest.param("out.yml", False, id="a-file"),
    ],
)
def test_dash_and_nothing_mean_stdout(given, stdout):
    assert to_stdout(given) is stdout
    assert STDOUT == "-"


def test_inside_a_prefix_is_refused_with_the_option_and_path(tmp_path):
    prefix = tmp_path / "env"
    (prefix / "lib").mkdir(parents=True)
    with pytest.raises(ReconcileError) as caught:
        refuse_inside(str(prefix / "lib" / "env.yml"), [tmp_path / "other", prefix], "-o")
    message = str(caught.value)
    assert message.startswith("-o ") and "env.yml" in message and "\n" not in message
    assert "inside the audited prefix" in message


def test_the_prefix_itself_is_inside_and_a_sibling_is_not(tmp_path):
    prefix = tmp_path / "env"
    prefix.mkdir()
    with pytest.raises(ReconcileError):
        refuse_inside(str(prefix), [prefix], "-o")
    refuse_inside(str(tmp_path / "env2" / "x.yml"), [prefix], "-o")  # "env2" starts with "env"
    refuse_inside(str(tmp_path / "x.yml"), [prefix], "-o")


def test_links_are_resolved_both_ways(tmp_path):
    prefix = tmp_path / "env"
    prefix.mkdir()
    (tmp_path / "to-env").symlink_to(prefix)
    with pytest.raises(ReconcileError):
        refuse_inside(str(tmp_path / "to-env" / "x.yml"), [prefix], "--constraints")
    with pytest.raises(ReconcileError):
        refuse_inside(str(prefix / "x.yml"), [tmp_path / "to-env"], "--constraints")
    out = tmp_path / "out"
    out.mkdir()
    (prefix / "to-out").symlink_to(out)  # a link in the prefix that leads out of it
    refuse_inside(str(prefix / "to-out" / "x.yml"), [prefix], "-o")


def test_relative_paths_are_taken_from_the_working_folder(tmp_path, monkeypatch):
    prefix = tmp_path / "env"
    prefix.mkdir()
    monkeypatch.chdir(prefix)
    with pytest.raises(ReconcileError):
        refuse_inside("environment.yml", [Path(".")], "-o")
