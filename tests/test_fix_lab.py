"""``reconcile fix`` run for real on copies of the lab's broken prefixes.

Every scenario: fix (offline, the lab's wheels, the lab's package cache),
then no error finding is left and ``pip check`` passes; ``fix --undo`` then
gives back the copy exactly (``hash_tree``: paths, bytes, modes, symlinks,
times).  Scenarios with no consistent plan are refused and left untouched.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from fix_support import copy_scenario, errors, fix, isolate, pip_check, undo
from test_plan_lab import IMPOSSIBLE

from reconcile.cli import main
from reconcile.discover._history import parse_history

pytestmark = pytest.mark.lab


@pytest.fixture
def fix_env(lab, tmp_path, monkeypatch):
    return isolate(lab, tmp_path, monkeypatch)


def test_fix_repairs_every_scenario_and_undo_restores_it(
    lab, scenario, fix_env, capsys, monkeypatch, tree_hash
):
    prefix = copy_scenario(lab, scenario, fix_env, monkeypatch)
    before = tree_hash(prefix)
    had_errors = errors(capsys, prefix)
    code, out, err = fix(capsys, lab, prefix)
    if scenario in IMPOSSIBLE:
        assert code == 1 and "fix refused" in err, err
        assert tree_hash(prefix) == before
        return
    assert code == 0, out + err
    assert errors(capsys, prefix) == set()
    pip_check(lab, prefix)
    if not had_errors and "nothing to fix" in err:
        assert tree_hash(prefix) == before
        return
    assert "journal: " in out and "undo with: reconcile fix --undo" in out
    code, out, err = undo(capsys, prefix)
    assert code == 0, out + err
    assert tree_hash(prefix) == before


@pytest.mark.parametrize(
    "name",
    ["pip-upgrades-conda-package", "pip-uninstalls-conda-package", "pip-upgrades-conda-pip"],
)
def test_prefer_pip_fix_and_undo(lab, name, fix_env, capsys, monkeypatch, tree_hash):
    prefix = copy_scenario(lab, name, fix_env, monkeypatch)
    before = tree_hash(prefix)
    code, out, err = fix(capsys, lab, prefix, "--strategy", "prefer-pip")
    assert code == 0, out + err
    assert errors(capsys, prefix) == set()
    pip_check(lab, prefix)
    assert undo(capsys, prefix)[0] == 0
    assert tree_hash(prefix) == before


def test_conda_steps_leave_conda_meta_as_conda_reads_it(lab, fix_env, capsys, monkeypatch):
    prefix = copy_scenario(lab, "pip-upgrades-conda-package", fix_env, monkeypatch)
    code, out, err = fix(capsys, lab, prefix)
    assert code == 0, out + err
    revisions = parse_history((prefix / "conda-meta" / "history").read_text())
    last = revisions[-1]
    assert last.command and last.command.startswith("reconcile fix")
    assert [a.rsplit("::", 1)[1] for a in last.added] == ["six-1.16.0-py_0"]
    assert [r.rsplit("::", 1)[1] for r in last.removed] == ["six-1.16.0-py_0"]
    record = json.loads((prefix / "conda-meta" / "six-1.16.0-py_0.json").read_text())
    # the record names the cache it was linked from, not the journal's staging copy
    cache = Path(record["extracted_package_dir"])
    assert cache.name == "six-1.16.0-py_0" and cache.is_dir()
    assert not cache.is_relative_to(fix_env / "state")
    assert record["sha256"] and record["url"].endswith("six-1.16.0-py_0.conda")
    assert "lib/python" in record["paths_data"]["paths"][0]["_path"]


def test_dry_run_changes_nothing_and_shows_the_plan(lab, fix_env, capsys, monkeypatch,
                                                    tree_hash):  # fmt: skip
    prefix = copy_scenario(lab, "ignore-installed-duplicate", fix_env, monkeypatch)
    before = tree_hash(prefix)
    plan_code = main(["plan", str(prefix), "--find-links", str(lab.wheels)])
    plan_out = capsys.readouterr().out
    code, out, _ = fix(capsys, lab, prefix, "--dry-run")
    assert code == plan_code == 0
    assert out == plan_out and "pip uninstall" in out
    assert tree_hash(prefix) == before
    assert not (fix_env / "state").exists() or not any((fix_env / "state").rglob("journal.json"))


def test_fix_asks_and_refuses_without_a_terminal(lab, fix_env, capsys, monkeypatch, tree_hash):
    prefix = copy_scenario(lab, "pip-upgrades-conda-package", fix_env, monkeypatch)
    before = tree_hash(prefix)
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))  # not a terminal
    code = main(["fix", str(prefix), "--offline", "--find-links", str(lab.wheels)])
    err = capsys.readouterr().err
    assert code == 2 and "--yes" in err and len(err.strip().splitlines()) == 1
    assert tree_hash(prefix) == before


def test_undo_refuses_when_the_env_changed_since(lab, fix_env, capsys, monkeypatch, tree_hash):
    prefix = copy_scenario(lab, "pip-upgrades-conda-package", fix_env, monkeypatch)
    assert fix(capsys, lab, prefix)[0] == 0
    extra = next(prefix.glob("lib/python*/site-packages")) / "mine.py"
    extra.write_text("# written after the fix\n")
    after = tree_hash(prefix)
    code, _, err = undo(capsys, prefix)
    assert code == 1 and "changed since the fix" in err and "mine.py" in err
    assert tree_hash(prefix) == after
    extra.unlink()
    assert undo(capsys, prefix)[0] == 0
    code, _, err = undo(capsys, prefix)
    assert code == 1 and "already undone" in err


def test_an_env_without_pip_is_served_by_a_pip_that_targets_it(
    lab, fix_env, capsys, monkeypatch, tree_hash
):
    # the demo has no pip of its own; prefer-pip keeps pip's versions where
    # conda's depends allow them: not idna 2.4, which conda's requests refuses
    # (idna <4,>=2.5), so conda's idna record stays and the plan says why
    prefix = copy_scenario(lab, "demo", fix_env, monkeypatch)
    assert not list(prefix.glob("lib/python*/site-packages/pip"))
    before = tree_hash(prefix)
    code, out, err = fix(capsys, lab, prefix, "--strategy", "prefer-pip")
    assert code == 1, out + err
    assert ("still 2 error finding(s) no step repairs: conda-dependency-unsatisfied requests, "
            "pip-overwrote-conda idna") in out
    site = next(prefix.glob("lib/python*/site-packages"))
    assert (site / "six-1.17.0.dist-info" / "INSTALLER").read_text() == "pip\n"
    assert not (prefix / "conda-meta" / "six-1.16.0-py_0.json").exists()
    assert list((prefix / "conda-meta").glob("idna-3.10-*.json"))
    assert undo(capsys, prefix)[0] == 0
    assert tree_hash(prefix) == before
