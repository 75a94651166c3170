"""Shell completion (typer's): commands, options, choices, and after ``-n``
the names of the conda envs on the machine, found where ``-n`` looks for
them (reconcile.discover.locate).  Completing never fails: a broken setup
completes nothing rather than breaking the user's command line.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from reconcile import cli
from reconcile.discover.locate import env_names, locate_prefix

LOOKUP_VARS = ("CONDA_PREFIX", "CONDA_ENVS_PATH", "CONDA_ENVS_DIRS", "CONDA_ROOT",
               "MAMBA_ROOT_PREFIX", "CONDA_EXE")  # fmt: skip


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in LOOKUP_VARS and not k.startswith("_")}
    env.update(HOME=str(home), PYTHONDONTWRITEBYTECODE="1", **extra)
    return env


def _machine(tmp_path: Path) -> dict[str, str]:
    """A home with envs in each place -n looks: an envs dir, environments.txt,
    and a root that is itself an env (base)."""
    home = tmp_path / "home"
    envs = tmp_path / "envs"
    for name in ("work", "web"):
        (envs / name / "conda-meta").mkdir(parents=True)
    (envs / "not-an-env").mkdir()
    listed = tmp_path / "projects" / "wasm"
    (listed / "conda-meta").mkdir(parents=True)
    (home / ".conda").mkdir(parents=True)
    (home / ".conda" / "environments.txt").write_text(f"{listed}\n{tmp_path / 'gone'}\n")
    root = tmp_path / "mamba"
    (root / "conda-meta").mkdir(parents=True)
    return _env(home, CONDA_ENVS_PATH=str(envs), MAMBA_ROOT_PREFIX=str(root))


def _complete_bash(words: str, env: dict[str, str]) -> list[str]:
    """What typer's bash completion answers for the command line ``words``."""
    parts = words.split(" ")
    result = subprocess.run(
        [sys.executable, "-m", "reconcile"],
        env={
            **env,
            "_RECONCILE_COMPLETE": "complete_bash",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(parts) - 1),
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr
    return result.stdout.split()


def test_env_names_complete_after_n(tmp_path: Path) -> None:
    env = _machine(tmp_path)
    assert _complete_bash("reconcile audit -n ", env) == ["base", "wasm", "web", "work"]
    assert _complete_bash("reconcile plan -n w", env) == ["wasm", "web", "work"]
    assert _complete_bash("reconcile compare --name we", env) == ["web"]


def test_every_completed_name_is_one_n_finds(tmp_path: Path) -> None:
    env = _machine(tmp_path)
    names = env_names(env)
    assert names == ["base", "wasm", "web", "work"]
    for name in names:
        assert (locate_prefix(None, name, env=env) / "conda-meta").is_dir(), name


@pytest.mark.parametrize(
    ("words", "values"),
    [
        pytest.param("reconcile audit --format ", ["text", "json", "sarif", "junit", "github"],
                     id="audit-format"),
        pytest.param("reconcile graph --format ", ["text", "json", "dot", "mermaid"],
                     id="graph-format"),
        pytest.param("reconcile plan --strategy ", ["prefer-conda", "prefer-pip", "rebuild"],
                     id="plan-strategy"),
        pytest.param("reconcile fix --strategy prefer-", ["prefer-conda", "prefer-pip"],
                     id="fix-strategy"),
        pytest.param("reconcile lint --fail-on ", ["error", "warning", "info", "never"],
                     id="fail-on"),
        pytest.param("reconcile ", ["audit", "graph", "plan", "fix", "export", "compare", "lint"],
                     id="commands"),
        pytest.param("reconcile audit --dee", ["--deep"], id="option"),
    ],
)  # fmt: skip
def test_choices_and_commands_complete(tmp_path: Path, words: str, values: list[str]) -> None:
    assert _complete_bash(words, _env(tmp_path)) == values


def test_zsh_completes_choices(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reconcile"],
        env={
            **_env(tmp_path),
            "_RECONCILE_COMPLETE": "complete_zsh",
            "_TYPER_COMPLETE_ARGS": "reconcile plan --format ",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0
    for value in ("text", "sh", "json"):
        assert f'"{value}"' in result.stdout


@pytest.mark.parametrize(
    "breakage",
    ["environments.txt is a folder", "envs dir is a file", "home is missing", "lookup raises"],
)
def test_env_name_completion_never_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, breakage: str
) -> None:
    home = tmp_path / "home"
    (home / ".conda").mkdir(parents=True)
    (tmp_path / "envs" / "ok" / "conda-meta").mkdir(parents=True)
    envs = str(tmp_path / "envs")
    if breakage == "environments.txt is a folder":
        (home / ".conda" / "environments.txt").mkdir()
    elif breakage == "envs dir is a file":
        envs = str(tmp_path / "file")
        Path(envs).write_text("x")
    elif breakage == "home is missing":
        home = tmp_path / "nowhere"
    for var in LOOKUP_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("CONDA_ENVS_PATH", envs)
    if breakage == "lookup raises":

        def broken(env: object = None) -> list[str]:
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr("reconcile.discover.locate.env_names", broken)
        assert cli._complete_env_names("") == []
        return
    found = cli._complete_env_names("")
    assert found == ([] if breakage == "envs dir is a file" else ["ok"])


# ---------------------------------------------------------------------------
# setting it up


@pytest.mark.parametrize(
    ("shell", "marker"),
    [
        pytest.param("bash", "complete -o default -F _reconcile_completion reconcile", id="bash"),
        pytest.param("zsh", "compdef _reconcile_completion reconcile", id="zsh"),
        pytest.param("fish", "complete --command reconcile", id="fish"),
    ],
)
def test_show_completion_prints_the_script(tmp_path: Path, shell: str, marker: str) -> None:
    # typer finds the user's shell (shellingham); this variable lets the test name it
    named = _env(tmp_path, _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1")
    result = subprocess.run(
        [sys.executable, "-m", "reconcile", "--show-completion", shell],
        env=named,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert marker in result.stdout and "_RECONCILE_COMPLETE" in result.stdout


def test_install_completion_for_bash(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "reconcile", "--install-completion", "bash"],
        env=_env(home, _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    script = home / ".bash_completions" / "reconcile.sh"
    assert f"source '{script}'" in (home / ".bashrc").read_text()
    assert "_RECONCILE_COMPLETE=complete_bash" in script.read_text()


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_completes_env_names_as_installed(tmp_path: Path) -> None:
    """The whole loop: the script --show-completion prints for the shell it
    runs in (bash, found by typer), sourced, asked for ``reconcile audit -n w``."""
    env = _machine(tmp_path)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "reconcile"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m reconcile "$@"\n')
    shim.chmod(0o755)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    script = (
        'eval "$(reconcile --show-completion)"\n'
        "COMP_WORDS=(reconcile audit -n w); COMP_CWORD=3\n"
        "_reconcile_completion reconcile\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    result = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wasm", "web", "work"]
