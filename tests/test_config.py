"""Settings: [tool.reconcile] / reconcile.toml, found upward, validated, applied.

Each feature is shown on a real lab prefix (``demo``: pip replaced conda's
idna, six and urllib3, which breaks conda's requests) through the CLI.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from reconcile.cli import main

pytestmark = pytest.mark.lab


def _audit(capsys, prefix, *args: str) -> tuple[int, dict]:
    code = main(["audit", str(prefix), "--format", "json", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, json.loads(out) if out else {}


def _keys(doc: dict) -> set[tuple[str, str]]:
    return {(f["code"], f["package"]) for f in doc["findings"]}


def _error(capsys, prefix, *args: str) -> str:
    code = main(["audit", str(prefix), *args])
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    assert err.count("\n") == 1 and "Traceback" not in err
    return err


@pytest.fixture
def demo(lab, tmp_path, monkeypatch) -> Path:
    """The demo prefix, audited from an empty project folder (no settings above it)."""
    monkeypatch.chdir(tmp_path)
    return lab.prefix("demo")


def test_no_settings_file_changes_nothing(capsys, demo):
    code, doc = _audit(capsys, demo)
    assert doc["policy"]["config"] is None
    assert ("pip-overwrote-conda", "six") in _keys(doc)
    assert code == 1


def test_an_ignore_with_a_reason_silences_exactly_its_finding(capsys, demo, tmp_path):
    _, before = _audit(capsys, demo)
    (tmp_path / "reconcile.toml").write_text(
        '[[ignore]]\ncode = "pip-overwrote-conda"\npackage = "Six"\n'
        'reason = "the vendor wheel needs six 1.17"\n'
    )
    _, after = _audit(capsys, demo)
    assert _keys(before) - _keys(after) == {("pip-overwrote-conda", "six")}
    assert _keys(after) < _keys(before)
    (ignored,) = after["policy"]["ignored"]
    assert ignored["finding"]["package"] == "six"
    assert ignored["ignore"]["reason"] == "the vendor wheel needs six 1.17"
    main(["audit", str(demo)])
    text = capsys.readouterr().out
    assert "the vendor wheel needs six 1.17" in text  # said, never silent


def test_an_ignore_for_every_package_of_a_code(capsys, demo, tmp_path):
    _, before = _audit(capsys, demo)
    (tmp_path / "reconcile.toml").write_text(
        '[[ignore]]\ncode = "pip-overwrote-conda"\npackage = "*"\nreason = "pip owns these"\n'
    )
    _, after = _audit(capsys, demo)
    gone = _keys(before) - _keys(after)
    # the demo's pip replaced conda's idna, six and urllib3
    assert gone == {("pip-overwrote-conda", p) for p in ("idna", "six", "urllib3")}
    assert not any(code == "pip-overwrote-conda" for code, _ in _keys(after))


def test_an_expired_ignore_stops_working_and_says_so(capsys, demo, tmp_path):
    (tmp_path / "reconcile.toml").write_text(
        "fail-on = 'warning'\n[severity]\nconda-dependency-unsatisfied = 'info'\n"
        "pip-overwrote-conda = 'info'\nstale-dist-info = 'info'\n"
        '[[ignore]]\ncode = "pip-overwrote-conda"\npackage = "idna"\n'
        'reason = "until the 3.x port"\nuntil = 2020-01-31\n'
    )
    code, doc = _audit(capsys, demo, "--fail-on", "info")
    assert ("pip-overwrote-conda", "idna") in _keys(doc)
    assert code == 1
    (expired,) = doc["policy"]["expired_ignores"]
    assert expired["until"] == "2020-01-31"
    assert not doc["policy"]["ignored"]
    main(["audit", str(demo)])
    text = capsys.readouterr().out
    assert "expired ignore" in text and "2020-01-31" in text and "until the 3.x port" in text


def test_an_ignore_until_a_future_date_still_works(capsys, demo, tmp_path):
    (tmp_path / "reconcile.toml").write_text(
        '[[ignore]]\ncode = "pip-overwrote-conda"\npackage = "idna"\n'
        'reason = "port pending"\nuntil = "2999-12-31"\n'
    )
    _, doc = _audit(capsys, demo)
    assert ("pip-overwrote-conda", "idna") not in _keys(doc)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        pytest.param("fail_on = 'error'\n", "'fail_on'", id="top-level"),
        pytest.param("[severity]\nmissing-files = 'info'\n", "'missing-files'", id="severity-code"),
        pytest.param(
            "[[ignore]]\ncode = 'missing-file'\npackage = 'x'\nreason = 'r'\nutil = 2030-01-01\n",
            "'util'",
            id="ignore-key",
        ),
        pytest.param(
            "[[ignore]]\ncode = 'pip-overwrote'\npackage = 'x'\nreason = 'r'\n",
            "'pip-overwrote'",
            id="ignore-code",
        ),
    ],
)
def test_a_misspelled_key_is_reported_by_name(capsys, demo, tmp_path, text, named):
    (tmp_path / "reconcile.toml").write_text(text)
    err = _error(capsys, demo)
    assert named in err and "reconcile.toml" in err


@pytest.mark.parametrize(
    ("text", "words"),
    [
        pytest.param(
            "[[ignore]]\ncode = 'missing-file'\npackage = 'x'\n", "needs reason", id="no-reason"
        ),
        pytest.param(
            "[[ignore]]\ncode = 'missing-file'\npackage = 'x'\nreason = '  '\n",
            "needs reason",
            id="blank-reason",
        ),
        pytest.param(
            "[[ignore]]\ncode = 'missing-file'\nreason = 'r'\n", "needs package", id="no-package"
        ),
        pytest.param(
            "[[ignore]]\ncode = 'missing-file'\npackage = 'x'\nreason = 'r'\nuntil = 'soon'\n",
            "until must be a date",
            id="bad-date",
        ),
        pytest.param("fail-on = 'warnings'\n", "fail-on = 'warnings'", id="bad-fail-on"),
        pytest.param("[severity]\naltered-file = 'low'\n", "'low'", id="bad-level"),
        pytest.param("[name-map]\npytorch = 'not a name!'\n", "not a valid PyPI", id="name-map"),
        pytest.param("fail-on = \n", "not valid TOML", id="not-toml"),
    ],
)
def test_a_bad_value_is_a_one_line_error(capsys, demo, tmp_path, text, words):
    (tmp_path / "reconcile.toml").write_text(text)
    assert words in _error(capsys, demo)


def test_pyproject_table_is_found_from_a_subfolder(capsys, demo, tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text(
        "[project]\nname = 'x'\n\n[tool.reconcile]\nfail-on = 'never'\n"
    )
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    code, doc = _audit(capsys, demo)
    assert code == 0 and doc["findings"]
    assert doc["policy"]["config"] == str(tmp_path / "pyproject.toml")
    # The command line wins over the file.
    code, _ = _audit(capsys, demo, "--fail-on", "error")
    assert code == 1


def test_a_pyproject_without_the_table_is_passed_over(capsys, demo, tmp_path, monkeypatch):
    (tmp_path / "reconcile.toml").write_text("fail-on = 'never'\n")
    inner = tmp_path / "project"
    inner.mkdir()
    (inner / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    monkeypatch.chdir(inner)
    code, doc = _audit(capsys, demo)
    assert code == 0 and doc["policy"]["config"] == str(tmp_path / "reconcile.toml")


def test_reconcile_toml_wins_over_pyproject_in_one_folder(capsys, demo, tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.reconcile]\nfail-on = 'error'\n")
    (tmp_path / "reconcile.toml").write_text("fail-on = 'never'\n")
    code, _ = _audit(capsys, demo)
    assert code == 0


def test_config_option_names_a_file(capsys, demo, tmp_path):
    settings = tmp_path / "elsewhere" / "ci.toml"
    settings.parent.mkdir()
    settings.write_text("[severity]\npip-overwrote-conda = 'warning'\n")
    _, doc = _audit(capsys, demo, "--config", str(settings))
    levels = {f["severity"] for f in doc["findings"] if f["code"] == "pip-overwrote-conda"}
    assert levels == {"warning"}
    assert "no such settings file" in _error(capsys, demo, "--config", str(tmp_path / "nope"))


def test_severity_override_decides_the_exit_code(capsys, demo, tmp_path):
    # Make every error of the demo a warning: --fail-on error then passes.
    _, doc = _audit(capsys, demo)
    codes = {f["code"] for f in doc["findings"] if f["severity"] == "error"}
    (tmp_path / "reconcile.toml").write_text(
        "[severity]\n" + "".join(f"{c} = 'warning'\n" for c in sorted(codes))
    )
    code, doc = _audit(capsys, demo)
    assert code == 0 and not any(f["severity"] == "error" for f in doc["findings"])
    code, _ = _audit(capsys, demo, "--fail-on", "warning")
    assert code == 1


def test_name_map_in_settings_reaches_the_graph_and_the_file_wins(
    capsys, demo, tmp_path, monkeypatch
):
    import reconcile.graph

    seen = []
    real = reconcile.graph.build_graph

    def spy(state, names):
        seen.append(names)
        return real(state, names)

    monkeypatch.setattr(reconcile.graph, "build_graph", spy)
    (tmp_path / "reconcile.toml").write_text(
        "[name-map]\npytorch = 'torch-renamed'\nmsgpack-python = 'msgpack-renamed'\n"
    )
    names = tmp_path / "names.tsv"
    names.write_text("pytorch\ttorch-from-file\n")
    main(["graph", str(demo), "--format", "json"])
    main(["graph", str(demo), "--format", "json", "--name-map", str(names)])
    capsys.readouterr()
    from_settings, both = seen
    assert from_settings.pypi_names("pytorch") == ("torch-renamed",)
    assert from_settings.pypi_names("msgpack-python") == ("msgpack-renamed",)
    assert from_settings.pypi_names("pyqt") != ("pyqt",)  # the bundled table is still there
    assert both.pypi_names("pytorch") == ("torch-from-file",)
    assert both.pypi_names("msgpack-python") == ("msgpack-renamed",)


def test_lint_reads_the_same_settings(capsys, tmp_path, monkeypatch):
    spec = tmp_path / "environment.yml"
    spec.write_text(
        "name: x\nchannels: [conda-forge]\ndependencies:\n  - python=3.11\n  - numpy=1.26\n"
        "  - pip\n  - pip:\n    - requests==2.32.3\n"
    )
    monkeypatch.chdir(tmp_path)
    main(["lint", str(spec), "--format", "json"])
    codes = {f["code"] for f in json.loads(capsys.readouterr().out)["findings"]}
    assert "pip-unconstrained" in codes
    assert main(["lint", str(spec), "--fail-on", "warning"]) == 1
    capsys.readouterr()
    (tmp_path / "reconcile.toml").write_text(
        "fail-on = 'warning'\n[[ignore]]\ncode = 'pip-unconstrained'\npackage = '*'\n"
        "reason = 'requests pulls nothing conda has'\n"
    )
    assert main(["lint", str(spec)]) == 0
    out = capsys.readouterr().out
    assert "pip-unconstrained" not in out


def test_fleet_applies_the_settings_to_every_env(capsys, lab, tmp_path, monkeypatch):
    envs = tmp_path / "envs"
    envs.mkdir()
    (envs / "demo").symlink_to(lab.prefix("demo"))
    (envs / "clean").symlink_to(lab.prefix("clean"))
    home = tmp_path / "home"
    home.mkdir()
    for key in [k for k in os.environ if k.startswith("CONDA")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("CONDA_ENVS_PATH", str(envs))
    monkeypatch.chdir(tmp_path)
    assert main(["audit", "--all", "--jobs", "1"]) == 1
    capsys.readouterr()
    _, doc = _audit(capsys, lab.prefix("demo"))
    levels = sorted({f["code"] for f in doc["findings"] if f["severity"] == "error"})
    (tmp_path / "reconcile.toml").write_text(
        "[severity]\n" + "".join(f"{c} = 'warning'\n" for c in levels)
    )
    assert main(["audit", "--all", "--jobs", "1"]) == 0
    assert main(["audit", "--all", "--jobs", "1", "--fail-on", "warning"]) == 1
