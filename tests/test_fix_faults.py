"""``reconcile fix`` when things go wrong: every case ends with the prefix
exactly as it was (``hash_tree``), a message that says so, and no traceback.

Faults are injected through ``reconcile.fix.apply.HOOKS`` (before a step,
after a step, when a step's process has started) or by taking a source away.
"""

from __future__ import annotations

import json
import os
import signal
import time

import pytest
from fix_support import copy_scenario, fix, isolate, undo

from reconcile.cli import main
from reconcile.fix import apply
from reconcile.fix.lock import PrefixLock

pytestmark = pytest.mark.lab


@pytest.fixture
def fix_env(lab, tmp_path, monkeypatch):
    return isolate(lab, tmp_path, monkeypatch)


def _hooks(monkeypatch, **methods) -> None:
    hooks = type("TestHooks", (apply.Hooks,), methods)()
    monkeypatch.setattr(apply, "HOOKS", hooks)


def _rolled_back(code: int, err: str) -> None:
    assert code == 1, err
    assert "rolled back" in err and "as it was before the fix" in err, err


def test_a_failing_step_rolls_back(lab, fix_env, capsys, monkeypatch, tree_hash):
    # step 1 removes the bad dist-info, step 2 installs attrs from the staged
    # wheel, which is broken just before pip reads it
    prefix = copy_scenario(lab, "metadata-not-utf8", fix_env, monkeypatch)
    before = tree_hash(prefix)

    def before_step(self, index, action, tx):
        if index == 2:
            for wheel in (tx.journal / "wheels").glob("*.whl"):
                wheel.write_bytes(b"not a zip")

    _hooks(monkeypatch, before_step=before_step)
    code, _, err = fix(capsys, lab, prefix)
    _rolled_back(code, err)
    assert "step 2 failed" in err
    assert tree_hash(prefix) == before


def test_a_killed_pip_rolls_back(lab, fix_env, capsys, monkeypatch, tree_hash):
    prefix = copy_scenario(lab, "pip-upgrades-conda-package", fix_env, monkeypatch)
    before = tree_hash(prefix)
    site = next(prefix.glob("lib/python*/site-packages"))
    listing = sorted(os.listdir(site))

    def started(self, index, action, proc):
        # let pip get going (its stash of six's files) when it is quick enough, then kill it
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and sorted(os.listdir(site)) == listing:
            if proc.poll() is not None:
                break
            time.sleep(0.005)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)

    _hooks(monkeypatch, started=started)
    code, _, err = fix(capsys, lab, prefix)
    if "killed by signal 9" not in err:
        pytest.skip("pip finished before it could be killed")
    _rolled_back(code, err)
    assert tree_hash(prefix) == before


def test_a_conda_package_in_no_source_is_refused_before_any_change(
    lab, fix_env, capsys, monkeypatch, tree_hash
):
    prefix = copy_scenario(lab, "pip-uninstalls-conda-package", fix_env, monkeypatch)
    # A record whose package cache was cleaned and whose channel is gone.
    path = prefix / "conda-meta" / "six-1.16.0-py_0.json"
    record = json.loads(path.read_text())
    gone = fix_env / "gone"
    record.update(
        extracted_package_dir=str(gone / "pkgs" / "six-1.16.0-py_0"),
        url=(gone / "channel" / "noarch" / "six-1.16.0-py_0.conda").as_uri(),
        channel=(gone / "channel").as_uri(),
    )
    path.write_text(json.dumps(record, indent=2))
    empty = fix_env / "empty-cache"
    empty.mkdir()
    monkeypatch.setenv("CONDA_PKGS_DIRS", str(empty))
    before = tree_hash(prefix)
    code, out, err = fix(capsys, lab, prefix)
    assert code == 1, err
    # The plan finds no source, so it plans nothing for six and names every place tried.
    line = next(ln for ln in out.splitlines() if "pip-removed-conda six" in ln)
    assert "no source for six-1.16.0-py_0" in line and str(empty) in line and str(gone) in line
    assert tree_hash(prefix) == before
    # nothing to undo: the fix never started
    assert undo(capsys, prefix)[0] == 1
    # Should the package go between the plan and the fix, fix's own staging
    # refuses before any change.
    from reconcile.sources import Found, Locator

    monkeypatch.setattr(Locator, "conda", lambda self, rec: Found(what=rec.dist_str, origin="x"))
    code, _, err = fix(capsys, lab, prefix)
    line = next(ln for ln in err.splitlines() if "refused" in ln)
    assert code == 1 and "no source for six-1.16.0-py_0" in line and str(gone) in line
    assert tree_hash(prefix) == before


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_an_interrupt_between_steps_rolls_back(lab, how, fix_env, capsys, monkeypatch, tree_hash):
    prefix = copy_scenario(lab, "ignore-installed-duplicate", fix_env, monkeypatch)
    before = tree_hash(prefix)

    def after_step(self, index, action, tx):
        if index == 2:
            if how == "ctrl-c":
                raise KeyboardInterrupt
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler raises before this ends
            raise AssertionError("SIGTERM was not turned into a rollback")

    _hooks(monkeypatch, after_step=after_step)
    code, _, err = fix(capsys, lab, prefix)
    _rolled_back(code, err)
    assert "interrupted" in err
    assert tree_hash(prefix) == before
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_a_new_error_finding_rolls_back(lab, fix_env, capsys, monkeypatch, tree_hash):
    prefix = copy_scenario(lab, "pip-upgrades-conda-package", fix_env, monkeypatch)
    before = tree_hash(prefix)

    def after_step(self, index, action, tx):
        if index == 2:  # damage a record no step touched
            (tx.prefix / "conda-meta" / "python-dateutil-2.9.0.post0-py_0.json").write_text("{")

    _hooks(monkeypatch, after_step=after_step)
    code, _, err = fix(capsys, lab, prefix)
    _rolled_back(code, err)
    assert "would add error finding(s): invalid-record python-dateutil" in err
    assert tree_hash(prefix) == before


def test_a_distribution_that_no_longer_imports_rolls_back(
    lab, fix_env, capsys, monkeypatch, tree_hash
):
    prefix = copy_scenario(lab, "pip-upgrades-conda-package", fix_env, monkeypatch)
    before = tree_hash(prefix)

    def after_step(self, index, action, tx):
        if index == 2:  # same size, so no audit check sees it: only importing does
            six = next(tx.prefix.glob("lib/python*/site-packages/six.py"))
            size = six.stat().st_size
            six.unlink()
            six.write_bytes(b"raise ImportError('broken')\n".ljust(size, b"#"))

    _hooks(monkeypatch, after_step=after_step)
    code, _, err = fix(capsys, lab, prefix)
    _rolled_back(code, err)
    assert "no longer import: six" in err
    assert tree_hash(prefix) == before


def test_a_second_fix_of_the_same_env_is_refused(lab, fix_env, capsys, monkeypatch, tree_hash):
    prefix = copy_scenario(lab, "pip-upgrades-conda-package", fix_env, monkeypatch)
    before = tree_hash(prefix)
    with PrefixLock(prefix):
        # the same env under another spelling shares the lock
        alias = fix_env / "alias"
        alias.symlink_to(prefix)
        for target in (prefix, alias):
            code = main(["fix", str(target), "--yes", "--offline", "--find-links",
                         str(lab.wheels)])  # fmt: skip
            err = capsys.readouterr().err
            assert code == 2, err
            assert len(err.strip().splitlines()) == 1, err
            assert f"another reconcile fix (pid {os.getpid()})" in err
        assert main(["fix", "--undo", str(prefix), "--yes"]) == 2
        capsys.readouterr()
    assert tree_hash(prefix) == before
    assert fix(capsys, lab, prefix)[0] == 0  # free again


def test_a_fix_killed_outright_is_put_back_by_undo(lab, fix_env, capsys, monkeypatch, tree_hash):
    prefix = copy_scenario(lab, "ignore-installed-duplicate", fix_env, monkeypatch)
    before = tree_hash(prefix)

    class Killed(BaseException):
        """Stands for SIGKILL: nothing of the fix's own code runs after it."""

    def after_step(self, index, action, tx):
        if index == 2:
            raise Killed

    _hooks(monkeypatch, after_step=after_step)
    with pytest.raises(Killed):
        main(["fix", str(prefix), "--yes", "--offline", "--find-links", str(lab.wheels)])
    capsys.readouterr()
    assert tree_hash(prefix) != before
    monkeypatch.setattr(apply, "HOOKS", apply.Hooks())
    code = main(["fix", str(prefix), "--yes", "--offline", "--find-links", str(lab.wheels)])
    err = capsys.readouterr().err
    assert code == 2 and "stopped before it finished" in err and "--undo" in err
    code, out, err = undo(capsys, prefix)
    assert code == 0, out + err
    assert tree_hash(prefix) == before


def test_an_unexpected_error_in_a_step_rolls_back(lab, fix_env, capsys, monkeypatch, tree_hash):
    prefix = copy_scenario(lab, "ignore-installed-duplicate", fix_env, monkeypatch)
    before = tree_hash(prefix)

    def before_step(self, index, action, tx):
        if index == 3:
            raise OSError(28, "No space left on device")

    _hooks(monkeypatch, before_step=before_step)
    code, _, err = fix(capsys, lab, prefix)
    _rolled_back(code, err)
    assert "OSError: [Errno 28] No space left on device" in err
    assert tree_hash(prefix) == before


def test_an_undo_cut_short_is_taken_up_again(lab, fix_env, capsys, monkeypatch, tree_hash):
    from reconcile.fix import journal as jr

    prefix = copy_scenario(lab, "ignore-installed-duplicate", fix_env, monkeypatch)
    before = tree_hash(prefix)
    assert fix(capsys, lab, prefix)[0] == 0
    real_restore = jr.restore

    def crash(prefix, listing, journal):
        os.unlink(next(prefix.glob("conda-meta/six-*.json")))  # half of the work done
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(jr, "restore", crash)
    code, _, err = undo(capsys, prefix)
    assert code == 2 and "Input/output error" in err
    monkeypatch.setattr(jr, "restore", real_restore)
    assert main(["fix", str(prefix), "--yes", "--offline"]) == 2  # must be undone first
    assert "--undo" in capsys.readouterr().err
    assert undo(capsys, prefix)[0] == 0
    assert tree_hash(prefix) == before
