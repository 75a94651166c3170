"""Progress on stderr for work that can take seconds, for a person at a
terminal only: ``--deep`` hashing, ``audit --all``, the resolver while
planning.  One line, rewritten in place and erased at the end, so nothing of
it stays on the screen or reaches a pipe or a log.

``fix``'s step lines ("[i/n] ...") are not this progress: they are the record
of what is being done to the env, and go to stderr on a terminal or not
(tests/test_fix_*.py, tests/test_readme_demo.py).
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from terminal import REPO, clean_env, reconcile

from reconcile.console import Status
from reconcile.discover.locate import list_environments
from reconcile.fleet import FleetOptions, run_fleet
from reconcile.models import Depth

DEMO = REPO / "fixtures" / "demo" / "prefix"
ERASE = "\r\x1b[K"


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        pytest.param(["audit", "--deep", str(DEMO)], "hashing every conda file of", id="deep"),
        pytest.param(["plan", str(DEMO), "--offline"], "planning the repair of", id="plan"),
        pytest.param(
            ["plan", str(DEMO), "--offline", "--strategy", "rebuild"],
            "planning a rebuild of",
            id="rebuild",
        ),
    ],
)
def test_progress_on_a_terminal_is_shown_then_erased(args: list[str], shown: str) -> None:
    run = reconcile(args, stderr_tty=True)
    assert f"{ERASE}reconcile: {shown}" in run.err
    assert run.err.endswith(ERASE), run.err  # nothing of it is left on the screen
    assert "\n" not in run.err  # one line, rewritten in place
    assert "\x1b" not in run.out  # stdout, a pipe here, is the plain report


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["audit", "--deep", str(DEMO)], id="deep"),
        pytest.param(["plan", str(DEMO), "--offline"], id="plan"),
    ],
)
def test_no_progress_when_stderr_is_not_a_terminal(args: list[str]) -> None:
    assert reconcile(args).err == ""
    # stdout on a terminal does not make stderr one
    assert reconcile(args, stdout_tty=True).err == ""


def test_no_progress_at_quick_or_default_depth() -> None:
    assert reconcile(["audit", str(DEMO)], stderr_tty=True).err == ""


def test_plan_verbose_keeps_its_lines_and_shows_no_progress() -> None:
    run = reconcile(["plan", str(DEMO), "--offline", "-v"], stderr_tty=True)
    assert "resolver: " in run.err
    assert "\x1b[K" not in run.err


def _envs(tmp_path: Path, names: list[str]) -> Path:
    envs = tmp_path / "envs"
    for name in names:
        (envs / name / "conda-meta").mkdir(parents=True)
    return envs


def test_audit_all_shows_its_progress(tmp_path: Path) -> None:
    envs = _envs(tmp_path, ["a", "b"])
    env = clean_env(HOME=str(tmp_path), CONDA_ENVS_PATH=str(envs))
    for var in ("CONDA_ROOT", "MAMBA_ROOT_PREFIX", "CONDA_EXE", "CONDA_ENVS_DIRS"):
        env.pop(var, None)
    run = reconcile(["audit", "--all", "--jobs", "1"], stderr_tty=True, env=env)
    assert run.code == 0, run
    assert f"{ERASE}reconcile: auditing 2 environments" in run.err
    assert run.err.endswith(ERASE)


def test_run_fleet_reports_each_env_done(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    envs = _envs(tmp_path, ["a", "b", "c"])
    monkeypatch.setenv("HOME", str(tmp_path))
    found = list_environments({"HOME": str(tmp_path), "CONDA_ENVS_PATH": str(envs)})
    calls: list[tuple[int, int]] = []
    options = FleetOptions(depth=Depth.QUICK, name_map_file=None, fail_on="error")
    run_fleet(found, options, jobs=1, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 3), (2, 3), (3, 3)]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_status_writes_one_line_and_erases_it() -> None:
    stream = _Terminal()
    with Status("working", stream=stream) as status:
        status.update("still working")
    assert stream.getvalue() == (f"{ERASE}reconcile: working{ERASE}reconcile: still working{ERASE}")


def test_status_is_silent_off_a_terminal() -> None:
    stream = io.StringIO()
    with Status("working", stream=stream) as status:
        status.update("still working")
        assert not status.on
    assert stream.getvalue() == ""


def test_status_fits_the_line() -> None:
    stream = _Terminal()
    with Status("x" * 500, stream=stream):
        pass
    shown = stream.getvalue().split(ERASE)[1]
    assert len(shown) < 80  # a wrapped line could not be rewritten in place
