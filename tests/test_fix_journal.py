"""The journal's snapshot and restore, the lock and the state dir, on small
trees made here (no lab): every kind of change a tool can make is undone."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reconcile.errors import ReconcileError
from reconcile.fix import journal as jr
from reconcile.fix._state import prefix_dir, state_dir
from reconcile.fix.lock import FixLocked, PrefixLock


def _tree(root: Path) -> Path:
    (root / "conda-meta").mkdir(parents=True)
    (root / "conda-meta" / "a-1-0.json").write_text("{}")
    site = root / "lib" / "site-packages"
    (site / "pkg").mkdir(parents=True)
    (site / "pkg" / "__init__.py").write_text("x = 1\n")
    (site / "pkg" / "data.bin").write_bytes(bytes(range(256)))
    (site / "old.dist-info").mkdir()
    (site / "old.dist-info" / "RECORD").write_text("pkg/__init__.py,,\n")
    (root / "bin").mkdir()
    (root / "bin" / "tool").write_text("#!/bin/sh\n")
    (root / "bin" / "tool").chmod(0o755)
    (root / "bin" / "link").symlink_to("tool")
    (root / "bin" / "dangling").symlink_to("nowhere")
    (root / "readonly").mkdir()
    (root / "readonly" / "f").write_text("r")
    (root / "readonly").chmod(0o555)
    (root / "untouched.txt").write_text("not journalled, not changed")
    return root


KEEP = ["conda-meta", "lib/site-packages", "bin", "readonly"]


def _mess_up(root: Path) -> None:
    site = root / "lib" / "site-packages"
    (site / "pkg" / "__init__.py").write_text("x = 2  # rewritten\n")
    os.unlink(site / "pkg" / "data.bin")
    (site / "pkg" / "data.bin").mkdir()  # a file became a folder
    for p in (site / "old.dist-info").iterdir():
        p.unlink()
    (site / "old.dist-info").rmdir()
    (site / "new-1.0.dist-info").mkdir()
    (site / "new-1.0.dist-info" / "METADATA").write_text("Name: new\n")
    (site / "pkg" / "__pycache__").mkdir()
    (site / "pkg" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    (root / "bin" / "tool").chmod(0o644)
    os.unlink(root / "bin" / "link")
    (root / "bin" / "link").write_text("now a file")
    os.unlink(root / "bin" / "dangling")
    (root / "bin" / "dangling").symlink_to("elsewhere")
    (root / "conda-meta" / "history").write_text("==> 2026 <==\n")
    (root / "readonly").chmod(0o755)
    (root / "readonly" / "f").write_text("changed")
    (root / "readonly").chmod(0o555)


def test_restore_undoes_every_kind_of_change(tmp_path, tree_hash):
    root = _tree(tmp_path / "env")
    journal = tmp_path / "journal"
    journal.mkdir()
    before_hash = tree_hash(root)
    before = jr.snapshot(root, KEEP, journal)
    _mess_up(root)
    assert tree_hash(root) != before_hash
    assert jr.unrestorable(before, jr.listing(root)) == []
    assert jr.restore(root, jr.load(journal / "before.json"), journal) == []
    assert tree_hash(root) == before_hash
    (root / "readonly").chmod(0o755)  # so that tmp_path can be cleaned


def test_a_changed_file_outside_the_journal_is_reported_not_guessed(tmp_path):
    root = _tree(tmp_path / "env")
    journal = tmp_path / "journal"
    journal.mkdir()
    before = jr.snapshot(root, KEEP, journal)
    (root / "untouched.txt").write_text("changed by a tool that was not expected to")
    assert jr.unrestorable(before, jr.listing(root)) == ["untouched.txt"]
    assert jr.restore(root, before, journal) == ["untouched.txt"]
    (root / "readonly").chmod(0o755)


def test_the_store_holds_each_content_once(tmp_path):
    root = tmp_path / "env"
    (root / "a").mkdir(parents=True)
    for name in ("x", "y", "z"):
        (root / "a" / name).write_text("same bytes")
    journal = tmp_path / "journal"
    journal.mkdir()
    found = jr.snapshot(root, ["a"], journal)
    assert len({found[f"a/{n}"].sha256 for n in "xyz"}) == 1
    assert len([p for p in (journal / "store").rglob("*") if p.is_file()]) == 1


def test_pkgs_and_envs_of_a_base_env_are_not_part_of_it(tmp_path):
    root = tmp_path / "base"
    for sub in ("pkgs/x-1-0", "envs/other/conda-meta", "conda-meta"):
        (root / sub).mkdir(parents=True)
    assert set(jr.listing(root)) == {"", "conda-meta"}


def test_state_dir_follows_the_xdg_rules(tmp_path, monkeypatch):
    monkeypatch.delenv("RECONCILE_STATE_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    assert state_dir() == tmp_path / ".local" / "state" / "reconcile"
    monkeypatch.setenv("XDG_STATE_HOME", "relative/is/ignored")
    assert state_dir() == tmp_path / ".local" / "state" / "reconcile"
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert state_dir() == tmp_path / "xdg" / "reconcile"
    monkeypatch.setenv("RECONCILE_STATE_DIR", str(tmp_path / "mine"))
    assert state_dir() == tmp_path / "mine"


def test_the_state_dir_may_not_be_inside_the_prefix(tmp_path, monkeypatch):
    monkeypatch.setenv("RECONCILE_STATE_DIR", str(tmp_path / "env" / "state"))
    (tmp_path / "env").mkdir()
    with pytest.raises(ReconcileError, match="inside the prefix"):
        prefix_dir(tmp_path / "env")


def test_one_lock_per_env_whatever_its_spelling(tmp_path, monkeypatch):
    monkeypatch.setenv("RECONCILE_STATE_DIR", str(tmp_path / "state"))
    env = tmp_path / "env"
    env.mkdir()
    (tmp_path / "alias").symlink_to(env)
    other = tmp_path / "other"
    other.mkdir()
    with PrefixLock(env):
        with pytest.raises(FixLocked, match=f"pid {os.getpid()}"):
            PrefixLock(tmp_path / "alias").acquire()
        with PrefixLock(other):  # another env is free
            pass
    with PrefixLock(tmp_path / "alias"):  # released on exit
        pass
