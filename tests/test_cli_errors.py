"""The CLI contract for what users get wrong, and for ``--fail-on``.

Exit codes (reconcile/cli.py): 0 nothing at or above ``--fail-on``, 1 at least
one such finding, 2 a usage or I/O error, reported in one line on stderr and
never as a traceback.  Environments are looked up by name the way conda does;
a miss lists every place that was searched.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from conftest import CORPUS

from reconcile.cli import main

REPO = Path(__file__).resolve().parent.parent


needs_corpus = pytest.mark.corpus

# Every variable the name lookup or the user-site check reads.
_LOOKUP_VARS = (
    "CONDA_PREFIX",
    "CONDA_ENVS_PATH",
    "CONDA_ENVS_DIRS",
    "CONDA_ROOT",
    "MAMBA_ROOT_PREFIX",
    "CONDA_EXE",
    "USERPROFILE",
    "PYTHONUSERBASE",
    "APPDATA",
)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty home folder and no conda variables: nothing leaks in from
    the machine running the tests."""
    path = tmp_path / "home"
    path.mkdir()
    monkeypatch.setenv("HOME", str(path))
    for var in _LOOKUP_VARS:
        monkeypatch.delenv(var, raising=False)
    return path


def run(capsys: pytest.CaptureFixture[str], argv: Sequence[str]) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    assert "Traceback" not in out
    return code, out, err


def assert_one_line_error(err: str) -> str:
    assert err.startswith("reconcile: error: "), err
    assert err.endswith("\n") and err.count("\n") == 1, err
    return err


def make_env(path: Path) -> Path:
    """The smallest thing that is an environment: an empty conda-meta."""
    (path / "conda-meta").mkdir(parents=True)
    return path


# ---------------------------------------------------------------------------
# which prefix


@pytest.mark.parametrize("value", [None, ""], ids=["unset", "empty"])
def test_no_prefix_and_no_active_env(
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    value: str | None,
) -> None:
    if value is not None:
        monkeypatch.setenv("CONDA_PREFIX", value)
    code, out, err = run(capsys, ["audit"])
    assert code == 2
    assert out == ""
    assert "CONDA_PREFIX" in assert_one_line_error(err)


def test_active_env_is_the_default(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env = make_env(tmp_path / "active")
    monkeypatch.setenv("CONDA_PREFIX", str(env))
    code, out, err = run(capsys, ["audit", "--format", "json"])
    assert (code, err) == (0, "")
    assert json.loads(out)["prefix"] == str(env)


def test_name_not_found_lists_every_place_searched(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    envs_a, envs_b = tmp_path / "envs-a", tmp_path / "envs-b"
    make_env(envs_a / "other")
    (envs_b / "ghost").mkdir(parents=True)  # the name, but no conda-meta: not an env
    conda_root, mamba_root = tmp_path / "conda-root", tmp_path / "mamba-root"
    exe_root = tmp_path / "exe-root"
    listed = make_env(tmp_path / "listed" / "other")
    (home / ".conda").mkdir()
    (home / ".conda" / "environments.txt").write_text(f"{listed}\n")
    monkeypatch.setenv("CONDA_ENVS_PATH", os.pathsep.join([str(envs_a), str(envs_b)]))
    monkeypatch.setenv("CONDA_ENVS_DIRS", str(tmp_path / "envs-dirs"))
    monkeypatch.setenv("CONDA_ROOT", str(conda_root))
    monkeypatch.setenv("MAMBA_ROOT_PREFIX", str(mamba_root))
    monkeypatch.setenv("CONDA_EXE", str(exe_root / "bin" / "conda"))

    code, out, err = run(capsys, ["audit", "-n", "ghost"])

    assert code == 2
    assert out == ""
    message = assert_one_line_error(err)
    assert "'ghost'" in message
    for place in (
        home / ".conda" / "environments.txt",
        envs_a,
        envs_b,
        tmp_path / "envs-dirs",
        home / ".conda" / "envs",
        conda_root / "envs",
        mamba_root / "envs",
        exe_root / "envs",
    ):
        assert str(place) in message, place


def test_name_found_via_conda_envs_path(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = tmp_path / "envs-1", tmp_path / "envs-2"
    first.mkdir()
    env = make_env(second / "work")
    monkeypatch.setenv("CONDA_ENVS_PATH", os.pathsep.join([str(first), str(second)]))
    code, out, err = run(capsys, ["audit", "-n", "work", "--format", "json"])
    assert (code, err) == (0, "")
    assert json.loads(out)["prefix"] == str(env)


def test_name_found_via_environments_txt(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = make_env(tmp_path / "projects" / "demo" / "work")
    (home / ".conda").mkdir()
    # conda appends one path per line; stale entries stay until conda cleans up.
    (home / ".conda" / "environments.txt").write_text(
        f"{tmp_path / 'gone' / 'work'}\n{tmp_path / 'projects' / 'other'}\n{env}\n\n"
    )
    code, out, err = run(capsys, ["audit", "-n", "work", "--format", "json"])
    assert (code, err) == (0, "")
    assert json.loads(out)["prefix"] == str(env)


def _missing(tmp_path: Path) -> Path:
    return tmp_path / "no-such-env"


def _file(tmp_path: Path) -> Path:
    path = tmp_path / "environment.yml"
    path.write_text("name: x\n")
    return path


def _bare(tmp_path: Path) -> Path:
    path = tmp_path / "bare"
    (path / "lib").mkdir(parents=True)  # a folder, but no conda-meta, no site-packages
    return path


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        pytest.param(_missing, "no such directory", id="does-not-exist"),
        pytest.param(_file, "not a directory", id="is-a-file"),
        pytest.param(_bare, "no conda-meta", id="not-an-env"),
    ],
)
def test_bad_prefix_path(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], make: object, reason: str
) -> None:
    assert callable(make)
    path = make(tmp_path)
    for command in ("audit", "graph"):
        code, out, err = run(capsys, [command, str(path)])
        assert code == 2
        assert out == ""
        message = assert_one_line_error(err)
        assert str(path) in message and reason in message


def test_site_packages_alone_is_a_prefix(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The other side of "neither conda-meta nor site-packages": a plain venv layout.
    prefix = tmp_path / "venv"
    (prefix / "lib" / "python3.12" / "site-packages").mkdir(parents=True)
    code, out, err = run(capsys, ["audit", str(prefix), "--format", "json"])
    assert (code, err) == (0, "")
    assert json.loads(out)["python"]["version"] == "3.12"


def test_usage_error_exits_2(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["audit", "--fail-on", "sometimes"])
    assert exc.value.code == 2
    _, err = capsys.readouterr()
    assert "invalid choice" in err and "Traceback" not in err


# ---------------------------------------------------------------------------
# --fail-on


def _copy_dist(src: Path, dst: Path) -> None:
    # copyfile, not copytree: corpus files are read-only, the copies must not be.
    dst.mkdir(parents=True)
    for child in src.iterdir():
        shutil.copyfile(child, dst / child.name)


def _severity_prefix(root: Path, worst: str) -> Path:
    """A prefix whose worst finding is ``worst``, built from copies of real
    corpus files:

    - info: a rattler record (no files, no depends) and Poetry's fixture of a
      PEP 660 editable install, given a RECORD -> editable-install;
    - warning: plus Poetry's fixture of a dist-info without RECORD -> stale-dist-info;
    - error: plus conda's corrupt conda-meta record -> invalid-record.
    """
    assert CORPUS is not None
    prefix = root / worst
    site = prefix / "lib" / "python3.12" / "site-packages"
    (prefix / "conda-meta").mkdir(parents=True)
    shutil.copyfile(
        CORPUS
        / "prefix-dev__pixi/crates/pixi_global/src/test_data/conda-meta"
        / "_r-mutex-1.0.1-anacondar_1.json",
        prefix / "conda-meta" / "_r-mutex-1.0.1-anacondar_1.json",
    )
    poetry = CORPUS / "python-poetry__poetry/tests/repositories/fixtures/installed"
    poetry_site = poetry / "lib/python3.7/site-packages"
    editable = "editable_directory_pep_610-1.2.3.dist-info"
    _copy_dist(poetry_site / editable, site / editable)
    (site / editable / "RECORD").write_text(
        f"{editable}/METADATA,,\n{editable}/direct_url.json,,\n{editable}/RECORD,,\n"
    )
    if worst in ("warning", "error"):
        _copy_dist(poetry_site / "standard-1.2.3.dist-info", site / "standard-1.2.3.dist-info")
    if worst == "error":
        name = "corrupt-1.2.3-hashhash.json"
        shutil.copyfile(
            CORPUS / "conda__conda/tests/data/corrupt/json/conda-meta" / name,
            prefix / "conda-meta" / name,
        )
    return prefix


_SUMMARIES = {
    "info": {"error": 0, "warning": 0, "info": 1},
    "warning": {"error": 0, "warning": 1, "info": 1},
    "error": {"error": 1, "warning": 1, "info": 1},
}

# (worst finding present, --fail-on) -> exit code
_EXIT = {
    ("info", "error"): 0,
    ("info", "warning"): 0,
    ("info", "info"): 1,
    ("info", "never"): 0,
    ("warning", "error"): 0,
    ("warning", "warning"): 1,
    ("warning", "info"): 1,
    ("warning", "never"): 0,
    ("error", "error"): 1,
    ("error", "warning"): 1,
    ("error", "info"): 1,
    ("error", "never"): 0,
}


@needs_corpus
@pytest.mark.parametrize("worst", ["info", "warning", "error"])
def test_severity_prefixes_hold_what_they_claim(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], worst: str
) -> None:
    prefix = _severity_prefix(tmp_path, worst)
    code, out, err = run(capsys, ["audit", str(prefix), "--format", "json", "--fail-on", "never"])
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert doc["summary"] == _SUMMARIES[worst], doc["findings"]
    codes = {f["code"] for f in doc["findings"]}
    assert "editable-install" in codes
    assert ("stale-dist-info" in codes) is (worst != "info")
    assert ("invalid-record" in codes) is (worst == "error")


@needs_corpus
@pytest.mark.parametrize(
    ("worst", "fail_on"),
    [pytest.param(w, f, id=f"{w}-fail-on-{f}") for w, f in _EXIT],
)
def test_fail_on(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], worst: str, fail_on: str
) -> None:
    prefix = _severity_prefix(tmp_path, worst)
    for fmt in ("text", "json"):
        code, _, err = run(capsys, ["audit", str(prefix), "--format", fmt, "--fail-on", fail_on])
        assert err == ""
        assert code == _EXIT[(worst, fail_on)]


def test_fail_on_default_is_error(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = make_env(tmp_path / "env")
    (env / "conda-meta" / "broken-1.0-0.json").write_text("{")
    code, out, err = run(capsys, ["audit", str(env)])
    assert (code, err) == (1, "")
    assert "invalid-record" in out


# ---------------------------------------------------------------------------
# python -m reconcile


def test_module_entry_point(home: Path, tmp_path: Path) -> None:
    env = make_env(tmp_path / "env")
    (env / "conda-meta" / "broken-1.0-0.json").write_text("{")
    proc = subprocess.run(
        [sys.executable, "-m", "reconcile", "audit", str(env), "--format", "json"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        timeout=120,
        check=False,
    )
    assert "Traceback" not in proc.stderr
    assert (proc.returncode, proc.stderr) == (1, "")
    doc = json.loads(proc.stdout)
    assert doc["schema"] == "reconcile.audit/1"
    assert [f["code"] for f in doc["findings"]] == ["invalid-record"]
