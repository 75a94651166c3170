"""``reconcile audit --all``: every env on the machine, one row each.

The contract: each row says what ``reconcile audit PREFIX`` with the same
options says of that env (its counts, its worst finding, its exit code, or its
one-line error), and the fleet exits with the worst of those codes.  The envs
are real lab prefixes, reached the way conda users reach them: through an
envs dir (``CONDA_ENVS_PATH``) and ``~/.conda/environments.txt``, with an empty
HOME and none of this machine's conda variables.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from conftest import hash_tree

from reconcile.cli import main
from reconcile.discover.locate import list_environments

# Every variable that says where envs are, or what the user site is.
_MACHINE_VARS = (
    "CONDA_PREFIX",
    "CONDA_ENVS_PATH",
    "CONDA_ENVS_DIRS",
    "CONDA_ROOT",
    "MAMBA_ROOT_PREFIX",
    "CONDA_EXE",
    "USERPROFILE",
    "PYTHONUSERBASE",
    "PYTHONNOUSERSITE",
    "APPDATA",
)

#: clean; warnings only; errors; a truncated conda-meta record; missing files
#: (which --quick does not look for).
SCENARIOS = (
    "clean",
    "requires-python-mismatch",
    "pip-upgrades-conda-package",
    "conda-meta-truncated",
    "conda-file-missing",
)


def make_env(path: Path) -> Path:
    (path / "conda-meta").mkdir(parents=True)
    return path


# ---------------------------------------------------------------------------
# finding the envs (no lab needed)


def test_lists_roots_envs_dirs_and_environments_txt_in_order(tmp_path: Path) -> None:
    home = tmp_path / "home"
    root = make_env(tmp_path / "root")  # a root is an env when it has conda-meta
    not_env_root = tmp_path / "mamba"
    not_env_root.mkdir()
    envs_a, envs_b = tmp_path / "envs-a", tmp_path / "envs-b"
    b_env = make_env(envs_a / "b")
    a_env = make_env(envs_a / "a")
    (envs_a / "not-an-env").mkdir()
    (envs_a / "stray-file").write_text("")
    root_child = make_env(root / "envs" / "child")
    elsewhere = make_env(tmp_path / "elsewhere" / "proj")
    listed_dir_without_meta = tmp_path / "bare"
    listed_dir_without_meta.mkdir()
    (envs_b).symlink_to(envs_a)  # the same envs again, by another path
    (home / ".conda").mkdir(parents=True)
    gone = tmp_path / "deleted-env"
    listing = home / ".conda" / "environments.txt"
    listing.write_text(f"{a_env}\n\n{gone}\n{elsewhere}\n  {listed_dir_without_meta}  \n{root}\n")
    before = (listing.read_bytes(), listing.stat().st_mtime_ns)

    found = list_environments(
        {
            "HOME": str(home),
            "CONDA_ROOT": str(root),
            "MAMBA_ROOT_PREFIX": str(not_env_root),
            "CONDA_ENVS_PATH": os.pathsep.join([str(envs_a), str(envs_b)]),
        }
    )

    assert found.prefixes == (root, a_env, b_env, root_child, elsewhere, listed_dir_without_meta)
    assert found.gone == (gone,)
    assert (listing.read_bytes(), listing.stat().st_mtime_ns) == before
    for place in (root, not_env_root, envs_a, envs_b, home / ".conda" / "envs", listing):
        assert place in found.searched


def test_symlinked_env_is_listed_once_by_the_first_path(tmp_path: Path) -> None:
    real = make_env(tmp_path / "real" / "env")
    envs = tmp_path / "envs"
    envs.mkdir()
    (envs / "alias").symlink_to(real)
    (tmp_path / "home" / ".conda").mkdir(parents=True)
    (tmp_path / "home" / ".conda" / "environments.txt").write_text(f"{real}\n")
    found = list_environments({"HOME": str(tmp_path / "home"), "CONDA_ENVS_PATH": str(envs)})
    assert found.prefixes == (envs / "alias",)


def test_nothing_anywhere(tmp_path: Path) -> None:
    found = list_environments({"HOME": str(tmp_path)})
    assert (found.prefixes, found.gone) == ((), ())
    assert tmp_path / ".conda" / "environments.txt" in found.searched


# ---------------------------------------------------------------------------
# the lab fleet


@pytest.fixture
def fleet(lab: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """An envs dir of symlinks to lab prefixes, an empty HOME, no conda variables
    (for in-process runs; subprocesses get ``fleet_env``).  Name -> env path."""
    envs = tmp_path / "envs"
    envs.mkdir()
    home = tmp_path / "home"
    home.mkdir()
    for var in _MACHINE_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("CONDA_ENVS_PATH", str(envs))
    paths = {}
    for name in SCENARIOS:
        (envs / name).symlink_to(lab.prefix(name))
        paths[name] = envs / name
    return paths


def fleet_env() -> dict[str, str]:
    """The whole environment of an ``--all`` subprocess: only what the fixture set."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ["HOME"],
        "CONDA_ENVS_PATH": os.environ["CONDA_ENVS_PATH"],
        "PYTHONDONTWRITEBYTECODE": "1",
        # conftest's per-test cache dir: the parse cache stays out of HOME too.
        "RECONCILE_CACHE_DIR": os.environ["RECONCILE_CACHE_DIR"],
    }


def run_all(*args: str) -> tuple[int, str, str]:
    proc = subprocess.run(
        [sys.executable, "-m", "reconcile", "audit", "--all", *args],
        capture_output=True,
        text=True,
        env=fleet_env(),
        timeout=600,
        check=False,
    )
    assert "Traceback" not in proc.stderr
    return proc.returncode, proc.stdout, proc.stderr


def run_all_json(*args: str) -> tuple[int, dict]:
    code, out, err = run_all("--format", "json", *args)
    assert err == ""
    doc = json.loads(out)
    assert doc["schema"] == "reconcile.fleet/1"
    assert doc["exit_code"] == code
    return code, doc


def single(
    capsys: pytest.CaptureFixture[str], prefix: Path | str, args: Sequence[str]
) -> tuple[int, dict | None, str]:
    """``reconcile audit --format json PREFIX ARGS``: exit code, document, stderr."""
    code = main(["audit", "--format", "json", str(prefix), *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, (json.loads(out) if out else None), err


def assert_row_is_single_audit(row: Mapping, code: int, doc: dict | None, err: str) -> None:
    assert row["exit_code"] == code
    if doc is None:
        assert err == f"reconcile: error: {row['error']}\n"
        assert (row["summary"], row["worst"]) == (None, None)
        return
    assert row["error"] is None
    assert row["prefix"] == doc["prefix"]
    assert row["summary"] == doc["summary"]
    if doc["findings"]:
        first = doc["findings"][0]  # the audit lists the most severe first
        assert row["worst"] == {k: first[k] for k in ("code", "severity", "package", "message")}
    else:
        assert row["worst"] is None


@pytest.mark.parametrize(
    "args",
    [
        pytest.param([], id="default"),
        pytest.param(["--fail-on", "warning"], id="fail-on-warning"),
        pytest.param(["--fail-on", "info"], id="fail-on-info"),
        pytest.param(["--fail-on", "never"], id="fail-on-never"),
        pytest.param(["--quick"], id="quick"),
        pytest.param(["--deep", "--fail-on", "warning"], id="deep"),
    ],
)
def test_each_row_is_what_a_single_audit_says(
    fleet: dict[str, Path], capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    code, doc = run_all_json(*args)
    rows = doc["environments"]
    assert [r["prefix"] for r in rows] == [str(fleet[n]) for n in sorted(SCENARIOS)]
    singles = [single(capsys, fleet[n], args) for n in sorted(SCENARIOS)]
    for row, (single_code, single_doc, err) in zip(rows, singles, strict=True):
        assert_row_is_single_audit(row, single_code, single_doc, err)
    assert code == max(c for c, _, _ in singles)
    assert doc["depth"] == singles[0][1]["depth"]
    if "never" in args:
        assert code == 0
    totals = {k: sum(r["summary"][k] for r in rows) for k in ("error", "warning", "info")}
    assert doc["summary"] == {"environments": len(SCENARIOS), "not_audited": 0, **totals}


def test_text_table_has_one_row_per_env(
    fleet: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_all()
    _, doc = run_all_json()
    assert err == ""
    assert code == doc["exit_code"]
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("ENV "))
    assert lines[header].split() == ["ENV", "ERRORS", "WARNINGS", "WORST", "FINDING"]
    rows = lines[header + 1 : header + 1 + len(SCENARIOS)]
    for line, row in zip(rows, doc["environments"], strict=True):
        prefix, errors, warnings, *worst = line.split()
        assert prefix == row["prefix"]
        assert (int(errors), int(warnings)) == (row["summary"]["error"], row["summary"]["warning"])
        if row["worst"]:
            assert row["worst"]["code"] in worst
            assert line.endswith(row["worst"]["message"])
        else:
            assert worst == ["-"]
    assert lines[header + 1 + len(SCENARIOS)] == ""
    assert lines[-1].endswith(f"exit code {code}")


def test_unreadable_and_gone_entries(
    fleet: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An env that cannot be read at all is a row with its one-line error, the
    others are still audited, and its exit code 2 is the fleet's, whatever
    --fail-on says.  A listed folder that no longer exists is reported as gone."""
    not_a_dir = tmp_path / "a-file"  # hand-written: no installer lists a file as an env
    not_a_dir.write_text("")
    gone = tmp_path / "removed-env"
    listing = Path(os.environ["HOME"]) / ".conda" / "environments.txt"
    listing.parent.mkdir()
    # the clean env again, by its real path: the same env, listed once
    listing.write_text(f"{fleet['clean'].resolve()}\n{gone}\n{not_a_dir}\n")
    before = listing.read_bytes(), listing.stat().st_mtime_ns

    code, doc = run_all_json("--fail-on", "never")

    rows = doc["environments"]
    assert [r["prefix"] for r in rows] == [
        *(str(fleet[n]) for n in sorted(SCENARIOS)),
        str(not_a_dir),
    ]
    assert_row_is_single_audit(rows[-1], *single(capsys, not_a_dir, ["--fail-on", "never"]))
    assert "not a directory" in rows[-1]["error"]
    assert all(r["summary"] is not None for r in rows[:-1])
    assert code == 2
    assert doc["gone"] == [str(gone)]
    assert doc["summary"]["not_audited"] == 1
    assert (listing.read_bytes(), listing.stat().st_mtime_ns) == before

    code, out, _ = run_all("--fail-on", "never")
    assert code == 2
    assert f"gone: {gone} " in out
    assert f"not audited: {rows[-1]['error']}" in out


def test_sequential_and_parallel_agree(fleet: dict[str, Path]) -> None:
    _, one = run_all_json("--jobs", "1")
    _, many = run_all_json("--jobs", "3")
    assert one == many


def test_audit_all_never_changes_a_prefix(lab: object, fleet: dict[str, Path]) -> None:
    prefixes = [lab.prefix(n) for n in SCENARIOS]
    home = Path(os.environ["HOME"])
    before = [hash_tree(p) for p in (*prefixes, home)]
    run_all("--deep")
    run_all("--jobs", "1")
    assert [hash_tree(p) for p in (*prefixes, home)] == before


# ---------------------------------------------------------------------------
# usage errors: one line, exit 2


def _one_line_error(err: str) -> str:
    assert err.startswith("reconcile: error: ") and err.count("\n") == 1, err
    return err


@pytest.mark.parametrize(
    ("args", "expect"),
    [
        pytest.param(["--all", "/some/prefix"], "no PREFIX", id="all-with-prefix"),
        pytest.param(["--all", "-n", "base"], "no -n", id="all-with-name"),
        pytest.param(["--jobs", "2", "/some/prefix"], "--all", id="jobs-without-all"),
    ],
)
def test_usage_errors(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    expect: str,
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    code = main(["audit", *args])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert expect in _one_line_error(err)


def test_no_env_anywhere_lists_the_places_searched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for var in _MACHINE_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("CONDA_ENVS_PATH", str(tmp_path / "envs"))
    code = main(["audit", "--all"])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    message = _one_line_error(err)
    assert str(tmp_path / "envs") in message
    assert str(tmp_path / ".conda" / "environments.txt") in message


def test_bad_name_map_is_one_error_not_one_per_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for var in _MACHINE_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("CONDA_ENVS_PATH", str(tmp_path / "envs"))
    make_env(tmp_path / "envs" / "one")
    make_env(tmp_path / "envs" / "two")
    bad = tmp_path / "names.tsv"
    bad.write_text("only-one-column\n")
    code = main(["audit", "--all", "--name-map", str(bad)])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert str(bad) in _one_line_error(err)


def test_readme_shows_audit_all_as_it_is(
    lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The README's --all block is the real output, for its envs under /tmp/ci
    (compared with runs of spaces folded, since the column width follows the path,
    and without the JSON decoder's position: where the lab's truncated record
    breaks off depends on the length of the lab's own path)."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    block = readme.split("$ reconcile audit --all ", 1)[1].split("$ echo $?", 1)[0]
    shown = block.split("\n", 1)[1]
    envs, home = tmp_path / "envs", tmp_path / "home"
    (home / ".conda").mkdir(parents=True)
    (home / ".conda" / "environments.txt").write_text(f"{tmp_path / 'old-project-env'}\n")
    envs.mkdir()
    for name in SCENARIOS[:4]:  # the README's four: all but conda-file-missing
        (envs / name).symlink_to(lab.prefix(name))
    for var in _MACHINE_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("CONDA_ENVS_PATH", str(envs))
    assert main(["audit", "--all", "--jobs", "1"]) == 1
    out = capsys.readouterr().out.replace(str(tmp_path), "/tmp/ci")

    def fold(text: str) -> list[str]:
        text = re.sub(r"not valid JSON \([^)]*\)", "not valid JSON (...)", text)
        return [" ".join(line.split()) for line in text.splitlines()]

    assert fold(out) == fold(shown)


# ---------------------------------------------------------------------------
# the CI formats and -o: one run, suite or block per env, as its own audit


def _single_out(capsys: pytest.CaptureFixture[str], prefix: Path, fmt: str) -> str:
    main(["audit", str(prefix), "--format", fmt])
    out: str = capsys.readouterr().out
    return out


def test_sarif_is_one_run_per_env_each_its_own_audits(
    fleet: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    from render_support import sarif_validator

    code, out, err = run_all("--format", "sarif")
    _, doc = run_all_json()
    assert (code, err) == (doc["exit_code"], "")
    log = json.loads(out)
    sarif_validator().validate(log)
    runs = log["runs"]
    assert len(runs) == len(SCENARIOS)
    ids = set()
    for run, name in zip(runs, sorted(SCENARIOS), strict=True):
        ids.add(run.pop("automationDetails")["id"])
        (alone,) = json.loads(_single_out(capsys, fleet[name], "sarif"))["runs"]
        assert run == alone, name
    assert len(ids) == len(runs)  # one code-scanning category per env


def test_junit_is_one_suite_per_env_holding_its_own_audits_cases(
    fleet: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    from junitparser import JUnitXml

    code, out, _ = run_all("--format", "junit")
    xml = JUnitXml.fromstring(out)
    suites = list(xml)
    assert [s.name for s in suites] == [str(fleet[n]) for n in sorted(SCENARIOS)]
    failures = 0
    for suite, name in zip(suites, sorted(SCENARIOS), strict=True):
        alone = JUnitXml.fromstring(_single_out(capsys, fleet[name], "junit"))
        cases = lambda cs: sorted((c.classname, c.name, c.is_passed) for c in cs)  # noqa: E731
        assert cases(suite) == cases(c for s in alone for c in s), name
        assert suite.failures == alone.failures
        failures += alone.failures
    assert xml.failures == failures and (failures > 0) == (code == 1)


def test_github_is_each_envs_own_lines_then_the_tally(
    fleet: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_all("--format", "github")
    expected = "".join(_single_out(capsys, fleet[n], "github") for n in sorted(SCENARIOS))
    *body, tally = out.splitlines()
    assert body == expected.splitlines()
    assert tally.startswith("reconcile audit --all: ") and tally.endswith(f"exit code {code}")


@pytest.mark.parametrize("fmt", ["sarif", "junit", "github"])
def test_an_env_that_cannot_be_read_is_said_in_every_ci_format(
    fleet: dict[str, Path], tmp_path: Path, fmt: str
) -> None:
    not_a_dir = tmp_path / "a-file"
    not_a_dir.write_text("")
    listing = Path(os.environ["HOME"]) / ".conda" / "environments.txt"
    listing.parent.mkdir()
    listing.write_text(f"{not_a_dir}\n")
    code, out, _ = run_all("--format", fmt, "--fail-on", "never")
    assert code == 2
    if fmt == "sarif":
        run = json.loads(out)["runs"][-1]
        (invocation,) = run["invocations"]
        assert invocation["executionSuccessful"] is False
        assert "not a directory" in invocation["toolExecutionNotifications"][0]["message"]["text"]
        assert run["results"] == []
    elif fmt == "junit":
        from junitparser import Error, JUnitXml

        suite = list(JUnitXml.fromstring(out))[-1]
        assert suite.name == str(not_a_dir) and suite.errors == 1
        (case,) = list(suite)
        assert isinstance(case.result[0], Error) and "not a directory" in case.result[0].message
    else:
        assert re.search(rf"^::error title=.*::{re.escape(str(not_a_dir))}: .*not a directory", out,
                         re.M)  # fmt: skip


def test_output_takes_the_report_and_stdout_the_table(
    fleet: dict[str, Path], tmp_path: Path
) -> None:
    report = tmp_path / "fleet.sarif"
    code, out, _ = run_all("--format", "sarif", "-o", str(report))
    table_code, table, _ = run_all()
    assert (code, out) == (table_code, table)
    assert report.read_text(encoding="utf-8") == run_all("--format", "sarif")[1]
    dash_code, dash, _ = run_all("--format", "sarif", "-o", "-")
    assert (dash_code, dash) == (code, report.read_text(encoding="utf-8"))
    assert not Path("-").exists()


def test_output_inside_any_env_is_refused(lab: object, fleet: dict[str, Path]) -> None:
    inside = fleet["clean"] / "fleet.sarif"
    before = hash_tree(lab.prefix("clean"))
    code, out, err = run_all("--format", "sarif", "-o", str(inside))
    assert code == 2 and out == ""
    assert err.startswith("reconcile: error: --output ") and err.count("\n") == 1
    assert "inside the audited prefix" in err
    assert hash_tree(lab.prefix("clean")) == before
