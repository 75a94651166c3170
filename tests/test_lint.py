"""``reconcile lint``: an environment.yml checked before any env exists (reconcile/lint.py).

Bad specs are hand-written (no installer writes them; they are what people
write), one per problem, each asserting the code and the exact line.  The
corpus cases lint every ``*.yml``/``*.yaml`` of ``../shared/corpus`` through
the CLI; the project's own ``environment.yml`` and pre-commit hook are
checked the way CI and pre-commit run them.
"""

from __future__ import annotations

import json
import re
import shlex
import textwrap
from pathlib import Path

import corpus_cases
import pytest
import yaml
from conftest import CORPUS

from reconcile.cli import main
from reconcile.lint import LINT, lint, load_for_lint
from reconcile.names import NameMap

REPO = Path(__file__).resolve().parent.parent
SHA = "0123456789abcdef0123456789abcdef01234567"
needs_corpus = pytest.mark.corpus


def write(folder: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (name -> text) under ``folder``; return the first one."""
    paths = []
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        paths.append(path)
    return paths[0]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["lint", *argv])
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------------------
# one bad spec per problem: (files, code, file the line is in, line)

CASES = [
    pytest.param(
        {
            "environment.yml": """
            dependencies:
              - python=3.11
              - numpy
              - pip
              - pip:
                - numpy
            """
        },
        "in-conda-and-pip",
        "environment.yml",
        6,
        id="same-package-both-sides",
    ),
    pytest.param(
        {
            "environment.yml": """
            dependencies:
              - python=3.11
              - numpy=1.26.4
              - pip
              - pip:
                - -c constraints.txt
                - numpy==2.0.0
            """,
            "constraints.txt": "numpy==1.26.4\n",
        },
        "pip-replaces-conda",
        "environment.yml",
        7,
        id="pip-pins-another-version",
    ),
    pytest.param(
        {
            "environment.yml": """
            channels:
              - pytorch
            dependencies:
              - python=3.11
              - pytorch=2.1.0
              - pip
              - pip:
                - -c constraints.txt
                - torch==2.0.1
            """,
            "constraints.txt": "torch==2.1.0\n",
        },
        "pip-replaces-conda",
        "environment.yml",
        9,
        id="pip-names-the-dist-a-conda-package-provides",
    ),
    pytest.param(
        {
            "environment.yml": """
            dependencies:
              - python=3.11
              - requests
              - pip
              - pip:
                - -c constraints.txt
                - requests @ https://files.example.org/requests-2.0.0-py3-none-any.whl
            """,
            "constraints.txt": "requests==2.32.3\n",
        },
        "pip-replaces-conda",
        "environment.yml",
        7,
        id="pip-url-for-a-conda-package",
    ),
    pytest.param(
        {
            "environment.yml": """
            dependencies:
              - python=3.11
              - numpy
              - pip
              - pip:
                - requests==2.32.3
            """
        },
        "pip-unconstrained",
        "environment.yml",
        5,
        id="no-constraints-file",
    ),
    pytest.param(
        {
            "environment.yml": """
            dependencies:
              - python=3.11
              - numpy=1.26.4
              - scipy=1.13.1
              - pip
              - pip:
                - requests==2.32.3
                - -c constraints.txt
            """,
            "constraints.txt": "numpy==1.26.4\n",
        },
        "constraints-incomplete",
        "environment.yml",
        8,
        id="constraints-miss-a-conda-package",
    ),
    pytest.param(
        {
            "environment.yml": """
            dependencies:
              - python=3.11
              - numpy=1.26.4
              - pip
              - pip:
                - -c constraints.txt
                - requests==2.32.3
            """,
            "constraints.txt": "# at least 1.26\nnumpy>=1.26\n",
        },
        "constraints-incomplete",
        "environment.yml",
        6,
        id="constraint-is-a-range-not-a-pin",
    ),
    pytest.param(
        {
            "environment.yml": """
            dependencies:
              - python=3.11
              - numpy=1.26.4
              - pip
              - pip:
                - -c constraints.txt
                - requests==2.32.3
            """,
            "constraints.txt": "requests==2.32.3\nnumpy==2.0.0\n",
        },
        "constraint-conflicts-conda",
        "constraints.txt",
        2,
        id="constraint-contradicts-conda",
    ),
    pytest.param(
        {
            "environment.yml": """
            dependencies:
              - python=3.11
              - pip
              - pip:
                - requests==2.32.3
                - git+https://github.com/example/tool.git#egg=tool
            """
        },
        "vcs-unpinned",
        "environment.yml",
        6,
        id="vcs-without-ref",
    ),
    pytest.param(
        {
            "environment.yml": """
            dependencies:
              - python=3.11
              - pip
              - pip:
                - -r requirements.txt
            """,
            "requirements.txt": "requests==2.32.3\n\n-e git+https://github.com/example/tool#egg=tool\n",
        },
        "vcs-unpinned",
        "requirements.txt",
        3,
        id="vcs-without-ref-in-a-requirements-file",
    ),
    pytest.param(
        {
            "environment.yml": """
            dependencies:
              - python=3.11
              - pip
              - pip:
                - tool @ git+https://github.com/example/tool.git@main
            """
        },
        "vcs-ref-mutable",
        "environment.yml",
        5,
        id="vcs-at-a-branch",
    ),
    pytest.param(
        {
            "environment.yml": """
            dependencies:
              - python=3.11
              - pip:
                - requests==2.32.3
            """
        },
        "pip-not-in-conda",
        "environment.yml",
        3,
        id="pip-section-without-pip",
    ),
    pytest.param(
        {
            "environment.yml": """
            channels:
              - conda-forge
              - https://alice:s3cret-Pw@conda.example.com/private
            dependencies:
              - python=3.11
            """
        },
        "credentials-in-url",
        "environment.yml",
        3,
        id="password-in-a-channel",
    ),
    pytest.param(
        {
            "environment.yml": """
            channels:
              - https://conda.example.com/t/s3cret-Pw/private
            dependencies:
              - python=3.11
            """
        },
        "credentials-in-url",
        "environment.yml",
        2,
        id="token-in-a-channel",
    ),
    pytest.param(
        {
            "environment.yml": """
            dependencies:
              - python=3.11
              - pip
              - pip:
                - --extra-index-url https://alice:s3cret-Pw@pypi.example.com/simple
                - requests==2.32.3
            """
        },
        "credentials-in-url",
        "environment.yml",
        5,
        id="password-in-an-index-url",
    ),
    pytest.param(
        {
            "environment.yml": """
            dependencies:
              - python=3.11
              - pip
              - pip:
                - requests==2.32.3
                - tool @ git+https://ghp_s3cretPwAbCdEfGhIjKlMnOpQr@github.com/example/tool@<sha>
            """.replace("<sha>", SHA)
        },
        "credentials-in-url",
        "environment.yml",
        6,
        id="token-as-user-in-a-pip-line",
    ),
    pytest.param(
        {
            "environment.yml": """
            dependencies:
              - python=3.11
              - numpy>=>1
            """
        },
        "unreadable-line",
        "environment.yml",
        3,
        id="not-a-conda-spec",
    ),
    pytest.param(
        {
            "environment.yml": """
            dependencies:
              - python=3.11
              - numpy: ">=1.20"
            """
        },
        "unreadable-line",
        "environment.yml",
        3,
        id="a-mapping-instead-of-a-spec",
    ),
    pytest.param(
        {
            "environment.yml": """
            dependencies:
              - python=3.11
              - pip
              - pip:
                - -r missing-requirements.txt
            """
        },
        "unreadable-line",
        "environment.yml",
        5,
        id="missing-requirements-file",
    ),
    pytest.param(
        {
            "environment.yml": """
            name: demo
            dependecies:
              - python=3.11
            """
        },
        "unknown-key",
        "environment.yml",
        2,
        id="misspelt-key",
    ),
    pytest.param(
        {
            "environment.yml": """
            dependencies:
              - python=3.10
            channels:
              - conda-forge
            dependencies:
              - python=3.11
            """
        },
        "duplicate-key",
        "environment.yml",
        5,
        id="key-given-twice",
    ),
]


@pytest.mark.parametrize(("files", "code", "where", "line"), CASES)
def test_each_problem_is_found_at_its_line(tmp_path, files, code, where, line):
    env = load_for_lint(str(write(tmp_path, files)))
    findings = lint(env, NameMap.bundled())
    got = [(Path(f.evidence["file"]).name, f.evidence["line"]) for f in findings if f.code == code]
    assert got == [(where, line)], findings
    (finding,) = (f for f in findings if f.code == code)
    if code != "unknown-key":  # a near miss is raised to a warning
        assert finding.severity is LINT[code][0]


@pytest.mark.parametrize(("files", "code", "where", "line"), CASES)
def test_each_problem_is_one_text_line_of_the_cli(tmp_path, capsys, files, code, where, line):
    path = write(tmp_path, files)
    status, out, err = run(capsys, "--fail-on", "info", str(path))
    assert err == "" and status == 1
    pattern = rf"^(?P<file>\S+):{line}: (error|warning|info) {re.escape(code)}: \S.*$"
    matches = [m for m in re.finditer(pattern, out, re.M) if Path(m["file"]).name == where]
    assert len(matches) == 1, out
    assert "s3cret" not in out  # the secret itself is never echoed


def test_credentials_are_never_echoed_in_any_format(tmp_path, capsys):
    path = write(
        tmp_path,
        {
            "environment.yml": """
            channels:
              - https://alice:s3cret-Pw@conda.example.com/private
              - https://conda.example.com/t/s3cret-Tk/private
            dependencies:
              - https://bob:s3cret-Ch@conda.example.com/other::numpy
              - python=3.11
              - pip
              - pip:
                - --index-url https://alice:s3cret-Ix@pypi.example.com/simple
                - -r https://alice:s3cret-Rq@example.com/requirements.txt
                - requests==2.32.3
            """
        },
    )
    for fmt in ("text", "json"):
        status, out, err = run(capsys, "--format", fmt, str(path))
        assert status == 1 and err == ""
        assert "s3cret" not in out, out
    doc = json.loads(out)
    lines = sorted(
        f["evidence"]["line"] for f in doc["findings"] if f["code"] == "credentials-in-url"
    )
    assert lines == [2, 3, 5, 9, 10]


def test_credential_placeholders_are_not_findings(tmp_path):
    """``${VAR}`` is how conda and pip are given a secret; a user name alone
    is how pip picks a keyring entry; ``git@`` over ssh is a login name."""
    path = write(
        tmp_path,
        {
            "environment.yml": """
            channels:
              - https://conda.example.com/t/${CONDA_TOKEN}/private
              - https://${CONDA_USER}:${CONDA_PASSWORD}@conda.example.com/other
            dependencies:
              - python=3.11
              - pip
              - pip:
                - --extra-index-url https://alice@pypi.example.com/simple
                - --extra-index-url https://${PIP_USER}:${PIP_PASSWORD}@pypi.example.com/x
                - tool @ git+ssh://git@github.com/example/tool.git@<sha>
            """.replace("<sha>", SHA)
        },
    )
    findings = lint(load_for_lint(str(path)), NameMap.bundled())
    assert [f for f in findings if f.code == "credentials-in-url"] == []


@pytest.mark.parametrize(
    ("conda", "pip", "code"),
    [
        pytest.param("numpy >=1.20,<2", "numpy>=1.5", "in-conda-and-pip", id="overlapping-ranges"),
        pytest.param("numpy=1.23", "numpy>=1.23.5", "in-conda-and-pip", id="fuzzy-and-lower-bound"),
        pytest.param("numpy >1.5", "numpy<1.6", "in-conda-and-pip", id="strict-bounds-overlap"),
        pytest.param("numpy >=2", "numpy<2", "pip-replaces-conda", id="disjoint-ranges"),
        pytest.param("numpy=1.23.1", "numpy==1.24", "pip-replaces-conda", id="other-pin"),
        pytest.param("numpy", "numpy==1.24", "in-conda-and-pip", id="conda-unpinned"),
    ],
)
def test_version_overlap_decides_between_replace_and_overlap(tmp_path, conda, pip, code):
    path = write(
        tmp_path,
        {
            "environment.yml": f"""
            dependencies:
              - python=3.11
              - {conda}
              - pip
              - pip:
                - {pip}
            """
        },
    )
    findings = lint(load_for_lint(str(path)), NameMap.bundled())
    assert [(f.code, f.evidence["line"]) for f in findings if f.package == "numpy"] == [(code, 6)]


def test_full_commit_ids_and_svn_revisions_are_pinned(tmp_path):
    path = write(
        tmp_path,
        {
            "environment.yml": f"""
            dependencies:
              - python=3.11
              - pip
              - pip:
                - tool @ git+https://github.com/example/tool.git@{SHA}
                - -e git+https://github.com/example/other@{SHA}#egg=other
                - -e svn+https://svn.example.org/repo/trunk@1234#egg=third
            """
        },
    )
    assert lint(load_for_lint(str(path)), NameMap.bundled()) == ()


CLEAN = {
    "environment.yml": """
    name: clean
    channels:
      - conda-forge
    dependencies:
      - python >=3.11
      - pip
      - numpy ==1.26.4
      - typing_extensions ==4.12.2
      - pytorch ==2.1.0
      - cudatoolkit=11.8
      - pip:
        - -c constraints.txt
        - requests==2.32.3
        - tool @ git+https://github.com/example/tool.git@<sha>
    """.replace("<sha>", SHA),
    "constraints.txt": "numpy==1.26.4\ntyping-extensions==4.12.2\ntorch==2.1.0\n",
}


def test_a_clean_spec_has_no_findings_and_exits_0(tmp_path, capsys):
    path = write(tmp_path, CLEAN)
    assert lint(load_for_lint(str(path)), NameMap.bundled()) == ()
    status, out, err = run(capsys, "--fail-on", "info", str(path))
    assert (status, out, err) == (0, "no problems found in 1 file\n", "")


def test_json_report(tmp_path, capsys):
    bad = write(tmp_path / "bad", {"environment.yml": "dependencies:\n  - pip:\n    - foo\n"})
    clean = write(tmp_path / "clean", CLEAN)
    status, out, _ = run(capsys, "--format", "json", str(bad), str(clean))
    doc = json.loads(out)
    assert doc["schema"] == "reconcile.lint/1"
    assert doc["files"] == [str(bad), str(clean)]
    assert [(f["code"], f["severity"], f["evidence"]["line"]) for f in doc["findings"]] == [
        ("pip-not-in-conda", "warning", 2)
    ]
    assert doc["findings"][0]["evidence"]["file"] == str(bad)
    assert doc["summary"] == {"error": 0, "warning": 1, "info": 0}
    assert doc["errors"] == []
    assert status == 0  # a warning, under the default --fail-on error


@pytest.mark.parametrize(
    ("fail_on", "expected"),
    [("error", 0), ("warning", 1), ("info", 1), ("never", 0)],
)
def test_fail_on(tmp_path, capsys, fail_on, expected):
    path = write(tmp_path, {"environment.yml": "dependencies:\n  - pip:\n    - foo\n"})
    assert run(capsys, "--fail-on", fail_on, str(path))[0] == expected


def test_name_map_joins_conda_and_pypi_names(tmp_path, capsys):
    path = write(
        tmp_path,
        {
            "environment.yml": """
            dependencies:
              - python=3.11
              - pip
              - acme-tools-conda=1.0
              - pip:
                - acme-tools==2.0
            """,
            "names.tsv": "acme-tools-conda\tacme-tools\n",
        },
    )
    without = run(capsys, "--fail-on", "error", str(path))
    assert without[0] == 0 and "pip-replaces-conda" not in without[1]
    status, out, _ = run(capsys, "--name-map", str(tmp_path / "names.tsv"), str(path))
    assert status == 1
    assert re.search(r"environment\.yml:6: error pip-replaces-conda: .*acme-tools-conda", out)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        pytest.param("dependencies: [python\n", "not YAML at line 2", id="not-yaml"),
        pytest.param("- python\n- pip\n", "expected a mapping", id="a-list"),
        pytest.param("", "the file is empty", id="empty"),
        pytest.param("version: 1\npackage: []\n", "not an environment file", id="lock-file"),
        pytest.param(b"name: \xff\n", "not UTF-8", id="not-utf8"),
    ],
)
def test_a_file_that_is_no_environment_file_is_one_line_exit_2(tmp_path, capsys, text, reason):
    path = tmp_path / "environment.yml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    clean = write(tmp_path / "clean", CLEAN)
    status, out, err = run(capsys, str(path), str(clean))
    assert status == 2
    assert err.count("\n") == 1 and err.startswith("reconcile: error: ") and reason in err
    assert out == "no problems found in 1 file\n"  # the other file is still linted


def test_a_missing_file_is_one_line_exit_2(tmp_path, capsys):
    status, out, err = run(capsys, str(tmp_path / "nope.yml"))
    assert status == 2 and out == "" and err.count("\n") == 1 and "nope.yml" in err


# ---------------------------------------------------------------------------
# the corpus: real files people committed


def _corpus_yml() -> list[tuple[str, str]]:
    """(path relative to the corpus, MANIFEST kind) of every .yml/.yaml (as
    committed in tests/corpus_cases.json)."""
    return [(rel, kind) for rel, kind in corpus_cases.load()["yml_files"]]


_LINE = re.compile(r"^\S.*:\d+: (error|warning|info) [a-z-]+: \S")
_SUMMARY = re.compile(r"^(\d+ errors?, \d+ warnings?, \d+ info|no problems found) in 1 file$")


@needs_corpus
@pytest.mark.parametrize(("rel", "kind"), _corpus_yml())
def test_every_corpus_yml_is_linted_without_a_traceback(capsys, rel, kind):
    assert CORPUS is not None
    status, out, err = run(capsys, "--format", "text", str(CORPUS / rel))
    assert "Traceback" not in err and "internal error" not in err
    if kind.startswith("environment-yml"):
        assert err == ""
        *findings, summary = out.splitlines()
        assert _SUMMARY.match(summary), out
        assert all(_LINE.match(line) for line in findings), out
        # exit 1 exactly when an error is found (the default --fail-on error)
        errors = sum(_LINE.match(line).group(1) == "error" for line in findings)
        assert status == (1 if errors else 0), out
    else:  # pixi and conda-lock lock files: one line that says why, exit 2
        assert kind in ("pixi-lock", "conda-lock")
        assert (status, out) == (2, "")
        assert err.count("\n") == 1 and "not an environment file" in err


@needs_corpus
def test_corpus_rules_are_not_a_flood():
    """What the corpus gets, per code: real problems, few of each, none in most files."""
    assert CORPUS is not None
    per_code: dict[str, set[str]] = {}
    files = 0
    for rel, kind in _corpus_yml():
        if not kind.startswith("environment-yml"):
            continue
        files += 1
        for f in lint(load_for_lint(str(CORPUS / rel)), NameMap.bundled()):
            per_code.setdefault(f.code, set()).add(rel)
    assert files >= 100
    # dask's and xarray's CI files install upstream dask from git without a ref
    assert "dask__distributed/continuous_integration/environment.yml" in per_code["vcs-unpinned"]
    assert "conda__conda/tests/env/support/invalid_keys.yml" in per_code["unknown-key"]
    # no code but the file-level "pip has no constraints" fires on most files
    for code, rels in per_code.items():
        if code != "pip-unconstrained":
            assert len(rels) <= files // 4, (code, len(rels))
    assert "credentials-in-url" not in per_code  # the corpus's URLs use ${VAR} placeholders


# ---------------------------------------------------------------------------
# the project's own files


def test_the_projects_environment_yml_passes_its_own_lint(capsys):
    status, out, err = run(capsys, "--fail-on", "info", str(REPO / "environment.yml"))
    assert (status, err) == (0, "") and out == "no problems found in 1 file\n"


def test_the_projects_environment_yml_has_pyprojects_dependencies_from_conda():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    from packaging.requirements import Requirement

    # the env's Python is 3.11 or later: dependencies only older Pythons need are not there
    py311 = {"python_version": "3.11", "python_full_version": "3.11.0"}
    requirements = [Requirement(r) for r in pyproject["project"]["dependencies"]]
    wanted = {r.name.lower() for r in requirements if not r.marker or r.marker.evaluate(py311)}
    assert wanted
    env = load_for_lint(str(REPO / "environment.yml"))
    assert wanted <= {d.name for d in env.conda}
    assert env.channels == ("conda-forge",)
    python = next(d for d in env.conda if d.name == "python")
    assert python.spec.replace(" ", "") == "python>=3.11"
    assert any(e.editable and e.path == str(REPO) for e in env.pip)
    # the constraints pin every conda package at conda's version
    constraints = {e.name: str(e.requirement.specifier) for e in env.pip if e.constraint}
    for dep in env.conda:
        if dep.name in wanted:
            assert constraints[dep.name] == "==" + dep.spec.split("==")[1].strip()


def test_ci_runs_the_lint():
    ci = (REPO / ".ci" / "run").read_text()
    assert ".venv/bin/reconcile lint environment.yml" in ci
    assert ci.index("pip install") < ci.index("reconcile lint environment.yml")


def test_pre_commit_hook_runs_the_real_command(tmp_path, capsys):
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    (hook,) = (h for h in hooks if h["id"] == "reconcile-lint")
    assert hook["language"] == "python"
    files = re.compile(hook["files"])
    for name in ("environment.yml", "ci/environment-dev.yaml", "environment.yaml"):
        assert files.search(name), name
    for name in ("pyproject.toml", "conda-lock.yml", "myenvironment.yml.bak"):
        assert not files.search(name), name
    # pre-commit runs ``entry`` with the matching files appended
    program, *args = shlex.split(hook["entry"])
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts[program] == "reconcile.cli:main"
    bad = write(tmp_path, {"environment.yml": "dependencies:\n  - pip:\n    - git+https://x/y\n"})
    assert main([*args, str(REPO / "environment.yml")]) == 0
    assert main([*args, str(REPO / "environment.yml"), str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}:3: error vcs-unpinned:" in out


def test_every_code_is_documented():
    readme = (REPO / "README.md").read_text()
    for code, (severity, description) in LINT.items():
        assert description
        assert f"| `{code}` | {severity.label} |" in readme, code


def test_readme_shows_the_lint_output_as_it_is(capsys, monkeypatch):
    readme = (REPO / "README.md").read_text()
    command = "$ cd fixtures/lint && reconcile lint environment.yml\n"
    shown = readme.split(command, 1)[1].split("```", 1)[0]
    monkeypatch.chdir(REPO / "fixtures" / "lint")
    status, out, err = run(capsys, "environment.yml")
    assert (status, err) == (1, "")
    assert out == shown
    assert "hunter2" in (REPO / "fixtures" / "lint" / "environment.yml").read_text()
    assert "hunter2" not in out


# ---------------------------------------------------------------------------
# reconcile's own export: what it writes passes the lint


@pytest.mark.lab
@pytest.mark.parametrize(
    "mode", [pytest.param([], id="history"), pytest.param(["--pinned"], id="pinned")]
)
def test_exported_environment_files_pass_the_lint(
    lab, scenario, mode, capsys, tmp_path, monkeypatch
):
    """export writes conda's side, pip's side and the constraints that keep
    pip off conda's packages; lint must find nothing to say about it (both
    read conda's and pip's names through the same name map)."""
    monkeypatch.setenv("HOME", str(lab.home(scenario)))
    yml, constraints = tmp_path / "environment.yml", tmp_path / "pip-constraints.txt"
    exported = main(["export", str(lab.prefix(scenario)), *mode, "-o", str(yml),
                     "--constraints", str(constraints)])  # fmt: skip
    capsys.readouterr()
    if exported != 0:
        assert not yml.exists()  # nothing written: the env cannot be repaired (test_export_lab)
        return
    status, out, err = run(capsys, "--fail-on", "info", str(yml))
    assert (status, out, err) == (0, "no problems found in 1 file\n", ""), out


# ---------------------------------------------------------------------------
# two conda specs of one package: conda merges them (MatchSpec.merge), so they
# must both hold; versions are judged by rattler (reconcile/_conda.py)


def _conflicts(tmp_path: Path, *deps: str) -> list[tuple[int, str]]:
    text = "dependencies:\n" + "".join(f"  - {d}\n" for d in deps)
    env = load_for_lint(str(write(tmp_path, {"environment.yml": text})))
    return [(f.evidence["line"], f.message) for f in lint(env, NameMap.bundled())
            if f.code == "conda-specs-conflict"]  # fmt: skip


@pytest.mark.parametrize(
    ("deps", "why"),
    [
        pytest.param(("numpy=1.26", "numpy>=2"), "no version satisfies both", id="fuzzy-vs-lower"),
        pytest.param(("numpy 1.26.*", "numpy !=1.26.*"), "no version satisfies both",
                     id="glob-vs-not-glob"),
        pytest.param(("numpy>=2,<2.1", "numpy<1.99"), "no version satisfies both",
                     id="disjoint-ranges"),
        pytest.param(("python=3.11", "python=3.12"), "no version satisfies both", id="two-pins"),
        pytest.param(("conda-forge::six", "defaults::six"),
                     "one asks for channel defaults, the other for conda-forge", id="channels"),
        pytest.param(("zlib=1.2.13=h1_0", "zlib=1.2.13=h2_0"),
                     "one asks for build h2_0, the other for h1_0", id="exact-builds"),
    ],
)  # fmt: skip
def test_conda_specs_of_one_package_that_cannot_both_hold(tmp_path, deps, why):
    [(line, message)] = _conflicts(tmp_path, *deps)
    assert line == 3  # the later one, naming the earlier
    assert message == (
        f"{deps[1]!r} and {deps[0]!r} (line 2) cannot both hold: {why}; conda merges them "
        "into one spec and cannot create the env"
    )


@pytest.mark.parametrize(
    "deps",
    [
        pytest.param(("numpy>=1.20", "numpy<2"), id="overlapping-range"),
        pytest.param(("scipy<2", "scipy<3"), id="two-upper-bounds"),
        pytest.param(("pandas>1.5", "pandas<1.6"), id="open-interval"),
        pytest.param(("idna!=3.4", "idna=3.4"), id="3.4.1-fits-both"),
        pytest.param(("requests>=2.0a1", "requests<2"), id="prerelease-below-2"),
        pytest.param(("numpy", "numpy>=2"), id="no-version-on-one-side"),
        pytest.param(("numpy=1.26", "numpy=1.26"), id="same-spec-twice"),
        pytest.param(("zlib=1.2.13=h1_0", "zlib 1.2.* h*"), id="build-glob"),
        pytest.param(("sel(linux): attrs=23", "sel(win): attrs=24"), id="other-platforms"),
        pytest.param(("numpy >=>=1", "numpy>=2"), id="unreadable-decides-nothing"),
    ],
)
def test_conda_specs_that_can_both_hold_are_no_conflict(tmp_path, deps):
    assert _conflicts(tmp_path, *deps) == []


def test_selectors_of_one_platform_meet(tmp_path):
    found = _conflicts(tmp_path, "sel(unix): click=8", "sel(osx): click=7")
    assert [line for line, _ in found] == [3]


def test_a_conda_specs_conflict_is_one_cli_line(tmp_path, capsys):
    path = write(tmp_path, {"environment.yml": "dependencies:\n  - numpy=1.26\n  - numpy>=2\n"})
    status, out, _ = run(capsys, str(path))
    assert status == 1
    assert out.splitlines()[0] == (
        f"{path}:3: error conda-specs-conflict: 'numpy>=2' and 'numpy=1.26' (line 2) cannot "
        "both hold: no version satisfies both; conda merges them into one spec and cannot "
        "create the env"
    )


# ---------------------------------------------------------------------------
# entries that are not specs: a finding each, never silence or a traceback


@pytest.mark.parametrize(
    ("item", "says"),
    [
        pytest.param("42", "'42': not a conda package spec: YAML reads 42 as a number",
                     id="int"),
        pytest.param("3.8", "'3.8': not a conda package spec: YAML reads 3.8 as a number",
                     id="float"),  # meant python=3.8
        pytest.param("yes", "'yes': not a conda package spec: YAML reads yes as a boolean",
                     id="bool"),
        pytest.param("2024-01-01", "'2024-01-01': not a conda package spec: YAML reads "
                     "2024-01-01 as a date", id="date"),
        pytest.param('""', "'': not a conda package spec", id="empty-string"),
        pytest.param("{a: b}", "'a': not a dependency conda understands", id="mapping"),
        pytest.param("[a, b]", "'[a, b]': not a string", id="list"),
        pytest.param("sel(linux): 42", "'42': not a conda package spec: YAML reads 42 as a number",
                     id="selector-int"),
        pytest.param("pip: [42]", "'42': not a pip requirement line: YAML reads 42 as a number",
                     id="pip-int"),
        pytest.param("pip: [{a: b}]", "'{a: b}': not a pip requirement line", id="pip-mapping"),
        pytest.param("pip: 42", "'42': not a pip requirement line: YAML reads 42",
                     id="pip-int-block"),
    ],
)  # fmt: skip
def test_entries_that_are_not_specs_are_unreadable_lines(tmp_path, capsys, item, says):
    path = write(tmp_path, {"environment.yml": f"dependencies:\n  - pip\n  - {item}\n"})
    status, out, err = run(capsys, "--fail-on", "never", str(path))
    assert status == 0 and err == ""
    lines = [line for line in out.splitlines() if ": error unreadable-line: " in line]
    assert len(lines) == 1, out
    assert lines[0].startswith(f"{path}:3: error unreadable-line: {says}"), lines[0]
