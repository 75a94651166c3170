"""compare: does an env match an environment file (reconcile/compare.py)?

Per line of the file, on both sides: conda MatchSpecs against conda's records
(and whether pip has since replaced a record's files), pip lines against the
distributions installed now, by version, URL, revision, path or editability.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from test_export import SITE, conda, dist, graph, make_prefix, python_record

from reconcile.cli import main
from reconcile.compare import Comparison, compare
from reconcile.envfile import EnvFile, parse_env_text
from reconcile.graph import Graph
from reconcile.models import DirectUrl
from reconcile.render import json as render_json

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "fixtures" / "demo" / "prefix"


def envfile(text: str, base: str = "/proj") -> EnvFile:
    raw = parse_env_text(textwrap.dedent(text), f"{base}/environment.yml")
    return EnvFile.from_raw(raw, base_dir=base, read_text=lambda p: "")


def statuses(result: Comparison) -> dict[str, str]:
    return {r.wants: r.status for r in asked(result)}


def asked(result: Comparison) -> list:
    """The rows of the file's own lines (not the conda dependencies pip broke)."""
    return [r for r in result.rows if r.source]


def env_graph() -> Graph:
    six_pip = dist("six", "1.17.0")
    requests = dist("requests", "2.32.3", installer="conda")
    return graph(
        requests,
        six_pip,
        dist("attrs", "24.2.0", requested=True),
        dist("torch", "1.8.2+cu111"),
        dist("proj", "0.1.0", direct_url=DirectUrl(url="file:///src/proj", editable=True),
             editable_target="/src/proj"),
        dist("oldstyle", "0.2", kind="egg-link", editable_target="/src/oldstyle"),
        dist("built", "1.0", direct_url=DirectUrl(url="file:///src/built"),
             editable_target="/src/built"),
        dist("tool", "1.2", direct_url=DirectUrl(
            url="https://github.com/o/tool.git", vcs="git", commit_id="abc1234567",
            requested_revision="main")),
        dist("arch", "3.0", direct_url=DirectUrl(
            url="https://files.example/arch-3.0.tar.gz", archive_hash="sha256=aa")),
        records=(
            python_record(),
            conda("requests", "2.32.3", owns=requests),
            conda("six", "1.16.0", owns=f"{SITE}/six-1.16.0.dist-info"),
            conda("openssl", "3.0.0", "h1", channel="https://repo.anaconda.com/pkgs/main/linux-64"),
        ),
    )  # fmt: skip


# ---------------------------------------------------------------------------
# conda side


@pytest.mark.parametrize(
    ("spec", "status"),
    [
        pytest.param("requests", "ok", id="name"),
        pytest.param("requests=2.32", "ok", id="fuzzy-version"),
        pytest.param("requests=2.32.3=py_0", "ok", id="pinned-build"),
        pytest.param("requests>=3", "differs", id="version"),
        pytest.param("requests=2.32.3=py_1", "differs", id="build"),
        pytest.param("conda-forge::requests", "ok", id="channel"),
        pytest.param("bioconda::requests", "differs", id="other-channel"),
        pytest.param("defaults::openssl", "ok", id="defaults-channel"),
        pytest.param("six=1.16.0", "differs", id="record-overwritten-by-pip"),
        pytest.param("numpy", "missing", id="missing"),
        pytest.param("attrs", "missing", id="only-pip-has-it"),
        pytest.param("sel(win): pywin32", "skipped", id="other-platform-selector"),
        pytest.param("sel(linux): numpy", "missing", id="this-platform-selector"),
    ],
)
def test_conda_lines(spec, status):
    result = compare(env_graph(), envfile(f"dependencies:\n  - {spec}\n"))
    (row,) = asked(result)
    assert (row.side, row.status) == ("conda", status), row


def test_overwritten_record_says_what_is_there_instead():
    (row,) = asked(compare(env_graph(), envfile("dependencies:\n  - six\n")))
    assert "1.17.0 (pip) is installed over it" in row.detail


def test_unparseable_conda_spec_is_an_unreadable_line():
    result = compare(env_graph(), envfile("dependencies:\n  - python\n  - requests >=>=1\n"))
    (problem,) = result.problems
    assert problem.line == 3 and not result.matches


# ---------------------------------------------------------------------------
# pip side


@pytest.mark.parametrize(
    ("line", "status"),
    [
        pytest.param("attrs", "ok", id="name"),
        pytest.param("attrs==24.2.0", "ok", id="pin"),
        pytest.param("attrs<24", "differs", id="version"),
        pytest.param("requests==2.32.3", "ok", id="conda-installed-counts"),
        pytest.param("six==1.16.0", "differs", id="pip-replaced-condas"),
        pytest.param("torch==1.8.2+cu111", "ok", id="local-version"),
        pytest.param("torch==1.8.2+cu112", "differs", id="other-local-version"),
        pytest.param("pywin32; sys_platform == 'win32'", "skipped", id="marker-false"),
        pytest.param("numpy", "missing", id="missing"),
        pytest.param("-e /src/proj", "ok", id="editable"),
        pytest.param("-e /src/oldstyle", "ok", id="egg-link"),
        pytest.param("-e /src/built", "differs", id="not-editable"),
        pytest.param("/src/built", "ok", id="local-dir"),
        pytest.param("/src/proj", "differs", id="local-dir-but-editable"),
        pytest.param("/src/other", "missing", id="other-dir"),
        pytest.param("-e git+https://github.com/o/proj.git#egg=proj", "ok", id="editable-vcs"),
        pytest.param("-e git+https://github.com/o/x.git", "unchecked", id="editable-vcs-no-egg"),
        pytest.param("tool @ git+https://github.com/o/tool.git@abc1234567", "ok", id="vcs-commit"),
        pytest.param("tool @ git+https://github.com/o/tool@abc1234", "ok", id="vcs-short-commit"),
        pytest.param("tool @ git+https://github.com/o/tool.git@main", "ok", id="vcs-branch"),
        pytest.param("tool @ git+https://github.com/o/tool.git@v2", "differs", id="vcs-other-rev"),
        pytest.param("git+https://github.com/o/tool", "ok", id="bare-vcs-url"),
        pytest.param("git+https://github.com/o/gone.git", "missing", id="bare-vcs-url-missing"),
        pytest.param("tool @ git+https://gitlab.com/o/tool.git", "differs", id="other-repo"),
        pytest.param("attrs @ git+https://github.com/o/attrs.git", "differs", id="from-index"),
        pytest.param("arch @ https://files.example/arch-3.0.tar.gz#sha256=aa", "ok", id="archive"),
        pytest.param("arch @ https://files.example/arch-3.0.tar.gz#sha256=bb", "differs",
                     id="archive-other-hash"),
        pytest.param("https://files.example/arch-3.0.tar.gz", "ok", id="bare-archive-url"),
    ],
)  # fmt: skip
def test_pip_lines(line, status):
    result = compare(env_graph(), envfile(f"dependencies:\n  - pip:\n    - {json.dumps(line)}\n"))
    (row,) = asked(result)
    assert (row.side, row.status) == ("pip", status), row


def test_constraints_bind_only_what_is_installed(tmp_path):
    (tmp_path / "pc.txt").write_text("attrs==24.2.0\nsix==1.16.0\nnumpy==2.0\n")
    raw = parse_env_text("dependencies:\n  - pip:\n    - -c pc.txt\n", str(tmp_path / "e.yml"))
    result = compare(env_graph(), EnvFile.from_raw(raw, base_dir=str(tmp_path)))
    assert statuses(result) == {
        "attrs==24.2.0": "ok",
        "six==1.16.0": "differs",
        "numpy==2.0": "skipped",
    }


def test_a_conda_package_pip_replaced_is_a_mismatch_even_when_not_named():
    result = compare(env_graph(), envfile("dependencies:\n  - requests\n"))
    (row,) = [r for r in result.rows if not r.source]
    assert (row.package, row.status) == ("six", "differs")
    assert "1.17.0 (pip) is installed over it" in row.detail and not result.matches


def test_extras_are_mismatches_only_when_exact():
    env = envfile("dependencies:\n  - requests\n  - six\n  - pip:\n    - attrs\n")
    loose, exact = compare(env_graph(), env), compare(env_graph(), env, exact=True)
    assert {r.package for r in loose.extra} >= {"openssl", "python", "torch", "tool"}
    assert "attrs" not in {r.package for r in loose.extra}
    assert loose.mismatches == 1 and exact.mismatches == 1 + len(exact.extra)


def test_options_are_notes_not_rows():
    result = compare(
        env_graph(), envfile("dependencies:\n  - pip:\n    - --index-url https://u:pw@x/simple\n")
    )
    assert asked(result) == []
    assert any("--index-url https://x/simple" in n for n in result.notes)


# ---------------------------------------------------------------------------
# the command line


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "environment.yml"
    path.write_text(textwrap.dedent(text))
    return path


def test_compare_exit_codes(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    prefix = make_prefix(tmp_path / "env")
    good = write(tmp_path, """\
        dependencies:
          - python=3.11
          - six=1.16.0
          - pip:
            - plain==2.0
        """)  # fmt: skip
    assert main(["compare", str(prefix), str(good)]) == 0
    assert "the environment matches the file" in capsys.readouterr().out
    bad = write(tmp_path, "dependencies:\n  - six=1.17\n  - pip:\n    - plain>=3\n")
    assert main(["compare", str(prefix), str(bad)]) == 1
    out = capsys.readouterr().out
    assert "DIFFERS   six=1.17" in out and "plain>=3" in out


def test_demo_does_not_match_even_a_file_it_meets_line_by_line(capsys, tmp_path, monkeypatch):
    """pip replaced conda's six, urllib3 and idna in the demo: a file naming
    only requests is met, but recreating the env from it gives conda's back."""
    monkeypatch.setenv("HOME", str(tmp_path))
    path = write(tmp_path, "dependencies:\n  - requests=2.32.3\n")
    assert main(["compare", str(DEMO), str(path)]) == 1
    out = capsys.readouterr().out
    assert "ok        requests=2.32.3" in out
    for name in ("six", "urllib3", "idna"):
        assert f"({name}, a dependency)" in out


def test_compare_uses_the_active_env_with_one_path(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    prefix = make_prefix(tmp_path / "env")
    monkeypatch.setenv("CONDA_PREFIX", str(prefix))
    path = write(tmp_path, "dependencies:\n  - six\n")
    assert main(["compare", str(path)]) == 0
    assert str(prefix) in capsys.readouterr().out


def test_an_unreadable_line_makes_compare_fail_and_names_the_line(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    path = write(tmp_path, "dependencies:\n  - requests\n  - pip:\n    - -r nowhere.txt\n")
    assert main(["compare", str(DEMO), str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:4:" in out and "cannot read" in out


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        pytest.param("- a\n- b\n", [], "expected a mapping", id="not-a-mapping"),
        pytest.param("name: [x\n", [], "not YAML", id="not-yaml"),
        pytest.param(None, [], "No such file", id="no-file"),
        pytest.param("name: x\n", ["extra-path"], "at most two paths", id="three-paths"),
    ],
)
def test_compare_usage_errors_are_one_line(capsys, tmp_path, monkeypatch, content, args, message):
    monkeypatch.setenv("HOME", str(tmp_path))
    path = tmp_path / "environment.yml"
    if content is not None:
        path.write_text(content)
    code = main(["compare", str(DEMO), str(path), *args])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert message in err and "Traceback" not in err


def test_compare_json_names_file_and_prefix(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    prefix = make_prefix(tmp_path / "env")
    path = write(tmp_path, "dependencies:\n  - python\n  - pip:\n    - plain==2.0\n")
    assert main(["compare", str(prefix), str(path), "--format", "json", "--exact"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["prefix"] == str(prefix) and doc["file"] == str(path)
    assert {r["package"] for r in doc["extra"]} == {"six", "archdist", "vcsdist"}


def test_file_keys_of_a_matchspec_are_not_compared():
    spec = "conda-forge/noarch::requests==2.32.3[md5=ab, build=py_0]"
    env = envfile(f"dependencies:\n  - {json.dumps(spec)}\n")
    (row,) = asked(compare(env_graph(), env))
    assert (row.status, row.detail) == ("ok", "md5 not compared")


def test_two_records_of_one_name_either_may_meet_the_spec():
    g = graph(records=(conda("libx", "1.0", "h0"), conda("libx", "2.0", "h1")))
    env = envfile("dependencies:\n  - libx=2.0\n  - libx=1.0\n  - libx=3\n")
    assert statuses(compare(g, env)) == {"libx=2.0": "ok", "libx=1.0": "ok", "libx=3": "differs"}


# ---------------------------------------------------------------------------
# counts: what the file asked for; one package, one row


def test_counts_say_what_the_file_asked_for(capsys, tmp_path, monkeypatch):
    # The demo: pip replaced conda's six, idna and urllib3.  The file names
    # python, requests and six; idna and urllib3 are rows the file did not ask for.
    monkeypatch.setenv("HOME", str(tmp_path))
    path = write(tmp_path, "dependencies:\n  - python=3.11\n  - requests\n  - six=1.16.0\n")
    assert main(["compare", str(DEMO), str(path)]) == 1
    out = capsys.readouterr().out
    assert "conda: 3 asked for, 1 not met; 2 not in the file were replaced or removed\n" in out
    assert out.rstrip().endswith("does not match the file: 3 mismatches")


def test_a_package_pip_replaced_and_a_pip_line_names_is_one_mismatch():
    # six: conda's record is 1.16.0, pip's 1.17.0 is installed; the file asks
    # pip for six==1.16.0.  One package, one row: the pip line's.
    result = compare(env_graph(), envfile("dependencies:\n  - pip:\n    - six==1.16.0\n"))
    six = [r for r in result.rows if r.package == "six"]
    assert [(r.side, r.status) for r in six] == [("pip", "differs")]
    assert result.mismatches == 1


def test_a_pip_line_met_by_pips_copy_leaves_no_conda_row():
    result = compare(env_graph(), envfile("dependencies:\n  - pip:\n    - six==1.17.0\n"))
    assert [(r.side, r.status) for r in result.rows if r.package == "six"] == [("pip", "ok")]


def test_json_rows_say_whether_the_file_asked_for_them():
    result = compare(env_graph(), envfile("dependencies:\n  - requests\n"))
    doc = json.loads(render_json.compare(result))
    assert {(r["package"], r["asked"]) for r in doc["rows"]} == {
        ("requests", True),
        ("six", False),
    }


# ---------------------------------------------------------------------------
# other kinds of file, told apart by their content: conda list --explicit, pip freeze


def _explicit_of_demo(hash_kind: str = "md5") -> str:
    """What ``conda list --explicit --md5`` (or ``--sha256``) prints for the
    demo: conda's header, then each record's url and hash."""
    lines = [
        "# This file may be used to create an environment using:",
        "# $ conda create --name <env> --file <this file>",
        "# platform: linux-64",
        "@EXPLICIT",
    ]
    for path in sorted((DEMO / "conda-meta").glob("*.json")):
        raw = json.loads(path.read_text())
        digest = raw["md5"] if hash_kind == "md5" else f"sha256:{raw['sha256']}"
        lines.append(f"{raw['url']}#{digest}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("hash_kind", ["md5", "sha256"])
def test_an_explicit_file_is_compared_record_by_record(capsys, tmp_path, monkeypatch, hash_kind):
    monkeypatch.setenv("HOME", str(tmp_path))
    path = tmp_path / "spec-file.txt"
    path.write_text(_explicit_of_demo(hash_kind))
    assert main(["compare", str(DEMO), str(path), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    rows = {r["package"]: r for r in doc["rows"]}
    assert len(rows) == 8 and all(r["asked"] for r in rows.values())
    assert {p for p, r in rows.items() if r["status"] != "ok"} == {"idna", "six", "urllib3"}
    channel = "file:///tmp/reconcile-demo-build/channel"
    assert rows["requests"]["wants"] == f"{channel}::requests==2.32.3=py_0"
    assert rows["requests"]["line"] == 10  # header lines count
    assert "read as a conda list --explicit file for linux-64" in doc["notes"]


def test_an_explicit_file_for_another_platform_says_so():
    from reconcile.listfiles import explicit_env, parse_explicit

    text = (
        "# platform: osx-arm64\n@EXPLICIT\n"
        "https://conda.anaconda.org/conda-forge/noarch/six-1.16.0-pyh6c4a22f_0.tar.bz2\n"
    )
    result = compare(env_graph(), explicit_env(parse_explicit(text, "/x/spec.txt")))
    assert "the file is for osx-arm64 and the env is linux-64: their builds differ" in result.notes


def test_a_pip_freeze_of_the_env_matches_it(capsys, tmp_path, monkeypatch):
    # What real pip writes for the demo's site-packages (conda's packages as
    # ``name @ file:///home/conda/feedstock_root/...``, the editable as ``-e``).
    monkeypatch.setenv("HOME", str(tmp_path))
    site = DEMO / "lib" / "python3.11" / "site-packages"
    freeze = subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", "freeze", "--path", str(site)],
        capture_output=True, text=True, check=True,
        env={**os.environ, "PIP_CONFIG_FILE": os.devnull},
    ).stdout  # fmt: skip
    assert "six==1.17.0" in freeze and "-e " in freeze
    path = tmp_path / "requirements.txt"
    path.write_text(freeze)
    assert main(["compare", str(DEMO), str(path)]) == 0
    out = capsys.readouterr().out
    assert "conda: nothing asked for" in out and "read as a pip requirements file" in out
    assert "ok        six==1.17.0" in out
    assert out.rstrip().endswith("the environment matches the file")


def test_a_requirements_file_with_another_version_does_not_match(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    path = tmp_path / "requirements.txt"
    path.write_text("# pinned\nidna==3.10\nrequests @ https://example.org/requests-2.32.3.tar.gz\n")
    assert main(["compare", str(DEMO), str(path)]) == 1
    out = capsys.readouterr().out
    assert "pip: 2 asked for, 2 not met" in out
    assert "(idna, a dependency)" not in out  # the idna line judges idna


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param("hello world\n", "expected a mapping", id="prose"),
        pytest.param("numpy=1.26\n", "expected a mapping", id="a-conda-spec-list"),
        pytest.param("", "the file is empty", id="empty"),
    ],
)
def test_what_is_no_kind_of_env_file_is_still_refused(capsys, tmp_path, monkeypatch, content,
                                                      message):  # fmt: skip
    monkeypatch.setenv("HOME", str(tmp_path))
    path = tmp_path / "requirements.txt"
    path.write_text(content)
    assert main(["compare", str(DEMO), str(path)]) == 2
    assert message in capsys.readouterr().err
