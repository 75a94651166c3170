"""Reading environment.yml files as people write them (reconcile/envfile.py).

Unit cases are inline YAML written to ``tmp_path``; the corpus cases read every
environment file in ``../shared/corpus`` (about a hundred, committed by real
projects) and require each to be read without an exception, every line it
cannot use reported with its line number.
"""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import corpus_cases
import pytest
from conftest import CORPUS

from reconcile.cli import main
from reconcile.envfile import (
    EnvFile,
    InvalidEnvFile,
    PipKind,
    load_env_file,
    parse_env_text,
)

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "fixtures" / "demo" / "prefix"


needs_corpus = pytest.mark.corpus


def _corpus_env_files() -> list[str]:
    """Environment files of the corpus, by MANIFEST kind, that end in .yml/.yaml
    (as committed in tests/corpus_cases.json)."""
    files: list[str] = corpus_cases.load()["environment_files"]
    return files


def write(tmp_path: Path, text: str, name: str = "environment.yml") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def read(tmp_path: Path, text: str) -> EnvFile:
    return load_env_file(write(tmp_path, text))


# ---------------------------------------------------------------------------
# the shapes of a file


def test_plain_file(tmp_path):
    env = read(
        tmp_path,
        """\
        name: demo
        channels:
          - conda-forge
          - defaults
        dependencies:
          - python=3.11
          - conda-forge::numpy >=1.20
          - pip
          - pip:
            - attrs==24.2.0
        """,
    )
    assert env.name == "demo"
    assert env.channels == ("conda-forge", "defaults")
    assert [(d.name, d.spec, d.channel, d.line) for d in env.conda] == [
        ("python", "python=3.11", None, 6),
        ("numpy", "numpy >=1.20", "conda-forge", 7),
        ("pip", "pip", None, 8),
    ]
    (attrs,) = env.pip
    assert (attrs.kind, attrs.name, str(attrs.requirement), attrs.line) == (
        PipKind.REQUIREMENT,
        "attrs",
        "attrs==24.2.0",
        10,
    )
    assert env.problems == ()


@pytest.mark.parametrize(
    "pip_text",
    [
        pytest.param("  - pip: []\n", id="empty-list"),
        pytest.param("  - pip:\n", id="null"),
    ],
)
def test_empty_pip_sections(tmp_path, pip_text):
    env = read(tmp_path, "dependencies:\n  - python\n" + pip_text)
    assert env.pip == () and env.has_pip_section and env.problems == ()


def test_several_pip_blocks_and_a_pip_block_not_last(tmp_path):
    env = read(
        tmp_path,
        """\
        dependencies:
          - pip:
            - foo
          - car
          - pip:
            - baz
          - python
        """,
    )
    assert [p.name for p in env.pip] == ["foo", "baz"]
    assert [d.name for d in env.conda] == ["car", "python"]


def test_requirements_and_constraints_files_relative_to_the_file(tmp_path):
    write(tmp_path, "attrs>=24  # a comment\n-r more/deeper.txt\n", "reqs/base.txt")
    write(tmp_path, "six==1.16.0\n", "reqs/more/deeper.txt")
    write(tmp_path, "urllib3<2\n", "pins.txt")
    env = read(
        tmp_path,
        """\
        dependencies:
          - pip:
            - -r reqs/base.txt
            - --constraint=pins.txt
        """,
    )
    got = [(p.name, p.constraint, Path(p.source).name, p.line) for p in env.pip]
    assert got == [
        ("attrs", False, "base.txt", 1),
        ("six", False, "deeper.txt", 1),
        ("urllib3", True, "pins.txt", 1),
    ]


def test_unreadable_requirements_file_is_a_problem_with_its_line(tmp_path):
    env = read(tmp_path, "dependencies:\n  - pip:\n    - attrs\n    - -r missing.txt\n")
    (problem,) = env.unreadable
    assert problem.line == 4 and "cannot read" in problem.reason
    assert [p.name for p in env.pip] == ["attrs"]


def test_requirements_files_that_include_each_other(tmp_path):
    write(tmp_path, "-r b.txt\nattrs\n", "a.txt")
    write(tmp_path, "-r a.txt\n", "b.txt")
    env = read(tmp_path, "dependencies:\n  - pip:\n    - -r a.txt\n")
    assert [p.name for p in env.pip] == ["attrs"]
    assert any("loop" in p.reason for p in env.unreadable)


@pytest.mark.parametrize(
    ("line", "kind", "name", "check"),
    [
        pytest.param("numpy", PipKind.REQUIREMENT, "numpy", None, id="bare-name"),
        pytest.param("jupyter-server ==2.3.0", PipKind.REQUIREMENT, "jupyter-server",
                     lambda e: str(e.requirement.specifier) == "==2.3.0", id="spaced-specifier"),
        pytest.param("torch==1.8.2+cu111", PipKind.REQUIREMENT, "torch",
                     lambda e: str(e.requirement.specifier) == "==1.8.2+cu111", id="local-version"),
        pytest.param("pydantic[email,dotenv]==1.10.10", PipKind.REQUIREMENT, "pydantic",
                     lambda e: e.requirement.extras == {"email", "dotenv"}, id="extras"),
        pytest.param("MIDIFile", PipKind.REQUIREMENT, "midifile", None, id="uppercase"),
        pytest.param("flit-core === 3.9.0 --hash=sha256:1234", PipKind.REQUIREMENT, "flit-core",
                     lambda e: e.hashes == ("sha256:1234",), id="hash-option"),
        pytest.param("pywin32; sys_platform == 'win32'", PipKind.REQUIREMENT, "pywin32",
                     lambda e: e.requirement.marker is not None, id="marker"),
        pytest.param("requests @ https://example.com/requests-2.31.0-py3-none-any.whl",
                     PipKind.URL, "requests", None, id="name-at-url"),
        pytest.param("https://example.com/x/typing_extensions-4.8.0-py3-none-any.whl#sha256=ab",
                     PipKind.URL, "typing-extensions", None, id="bare-wheel-url"),
        pytest.param("git+https://github.com/dask/dask.git@main", PipKind.URL, None,
                     lambda e: (e.vcs, e.revision, e.url_without_vcs)
                     == ("git", "main", "https://github.com/dask/dask.git"), id="bare-git-url"),
        pytest.param("deepobs @ git+https://git@github.com/fs/DeepOBS.git@develop", PipKind.URL,
                     "deepobs", lambda e: e.revision == "develop", id="named-git-url-with-user"),
        pytest.param("-e git+https://github.com/neithere/argh.git#egg=argh", PipKind.EDITABLE,
                     "argh", lambda e: e.editable and e.path is None, id="editable-vcs"),
        pytest.param("-e .", PipKind.EDITABLE, None, lambda e: e.path is not None,
                     id="editable-dot"),
        pytest.param("--editable=../proj[dev]", PipKind.EDITABLE, None,
                     lambda e: e.path.endswith("proj"), id="editable-extras"),
        pytest.param("./local/project", PipKind.PATH, None, None, id="local-dir"),
        pytest.param("dist/pkg-1.0-py3-none-any.whl", PipKind.PATH, "pkg", None, id="local-wheel"),
        pytest.param("--index-url https://pypi.example/simple", PipKind.OPTION, None,
                     lambda e: e.options == ("--index-url https://pypi.example/simple",),
                     id="index-url"),
        pytest.param("--pre --extra-index https://x.example/simple", PipKind.OPTION, None,
                     lambda e: e.options == ("--pre", "--extra-index-url https://x.example/simple"),
                     id="abbreviated-option"),
    ],
)  # fmt: skip
def test_pip_lines(tmp_path, line, kind, name, check):
    env = read(tmp_path, f"dependencies:\n  - pip:\n    - {json.dumps(line)}\n")
    assert env.unreadable == ()
    (entry,) = env.pip
    assert entry.kind is kind
    assert entry.name == name
    assert entry.line == 3
    if check is not None:
        assert check(entry), entry


def test_relative_paths_are_taken_from_the_files_folder(tmp_path):
    env = read(tmp_path, "dependencies:\n  - pip:\n    - -e ../..\n    - ./sub\n")
    assert [e.path for e in env.pip] == [
        os.path.normpath(tmp_path / "../.."),
        str(tmp_path / "sub"),
    ]


def test_text_after_options_is_what_pip_ignores(tmp_path):
    env = read(tmp_path, "dependencies:\n  - pip:\n    - --pre --extra-index https://x/s numpy\n")
    (note,) = env.problems
    assert note.ignored and "numpy" in note.reason and note.line == 3
    assert all(e.kind is PipKind.OPTION for e in env.pip)


@pytest.mark.parametrize(
    ("yaml_text", "line", "reason"),
    [
        # YAML reads 3 as a number: conda refuses it ("invalid package specification")
        pytest.param("dependencies:\n  - python\n  - 3\n", 3, "YAML reads 3 as a number",
                     id="number-is-not-a-spec"),
        pytest.param("dependencies:\n  -\n", 2, "empty dependency", id="empty-item"),
        pytest.param("dependencies:\n  - [a, b]\n", 2, "not a string", id="list-item"),
        pytest.param("dependencies:\n  - pip:\n    - attrs\n    - 'foo bar baz ==='\n", 4,
                     "not a valid requirement", id="bad-requirement"),
        pytest.param("dependencies:\n  - pip:\n    - --frobnicate\n", 3, "does not accept",
                     id="unknown-option"),
        pytest.param("dependencies:\n  - pip:\n    - attrs --index-url https://x\n", 3,
                     "after a requirement", id="global-option-after-requirement"),
        pytest.param("dependencies:\n  - pip:\n    - \"--hash\"\n", 3, "needs a value",
                     id="option-without-value"),
        pytest.param("dependencies:\n  - conda: x\n", 2, "not a dependency", id="unknown-mapping"),
        pytest.param("dependencies: python\n", 1, "expected a list", id="deps-not-a-list"),
        pytest.param("dependencies:\n  - 'numpy$%'\n", 2, "not a conda package spec",
                     id="bad-conda-spec"),
    ],
)  # fmt: skip
def test_bad_lines_are_reported_with_their_line(tmp_path, yaml_text, line, reason):
    env = read(tmp_path, yaml_text)
    (problem,) = env.unreadable
    assert problem.line == line and reason in problem.reason, problem


def test_keys_conda_does_not_read_are_notes(tmp_path):
    env = read(tmp_path, "names: nlp\nchanels:\n  - x\ndependecies:\n  - nltk\n")
    assert env.unreadable == ()
    assert env.other_keys == ("chanels", "dependecies", "names")
    assert {p.line for p in env.problems} == {1, 2, 4}


def test_micromamba_selectors(tmp_path):
    env = read(tmp_path, "dependencies:\n  - sel(win): pywin32\n  - sel(unix): bash\n")
    assert [(d.name, d.selector) for d in env.conda] == [("pywin32", "win"), ("bash", "unix")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"name: [unclosed\n", "not YAML at line", id="not-yaml"),
        pytest.param(b"- just\n- a list\n", "found a list", id="list"),
        pytest.param(b"just text\n", "found a single value", id="scalar"),
        pytest.param(b"", "empty", id="empty"),
        pytest.param(b"name: caf\xe9\n", "not UTF-8", id="latin-1"),
        pytest.param(b"a: 1\n---\nb: 2\n", "not YAML", id="two-documents"),
    ],
)
def test_files_that_are_not_environment_files(tmp_path, content, message):
    path = tmp_path / "environment.yml"
    path.write_bytes(content)
    with pytest.raises(InvalidEnvFile, match=message):
        load_env_file(path)


def test_raw_layer_keeps_every_key_with_its_line():
    raw = parse_env_text("name: x\nplatforms:\n  - linux-64\nname: y\n", "f.yml")
    assert set(raw["keys"]) == {"name", "platforms"}
    assert raw["key_lines"]["platforms"] == 2
    assert raw["keys"]["platforms"].line == 3  # a block sequence starts at its first item
    assert raw["duplicates"] == [("name", 4)]


def test_included_files_can_be_read_without_the_filesystem():
    raw = parse_env_text("dependencies:\n  - pip:\n    - -r extra.txt\n", "/proj/env.yml")
    files = {"/proj/extra.txt": "six\n"}
    env = EnvFile.from_raw(raw, base_dir="/proj", read_text=files.__getitem__)
    assert [p.name for p in env.pip] == ["six"]


# ---------------------------------------------------------------------------
# the corpus: real files, every one read


@needs_corpus
def test_the_corpus_has_about_a_hundred_environment_files():
    assert len(_corpus_env_files()) >= 100


@needs_corpus
@pytest.mark.parametrize("rel", _corpus_env_files())
def test_every_corpus_environment_file_is_read(rel):
    """Every dependency PyYAML sees is read as a conda spec or a pip line, or
    reported with its line number."""
    import yaml

    assert CORPUS is not None
    env = load_env_file(CORPUS / rel)
    for problem in env.problems:
        assert problem.line >= 1
    data = yaml.safe_load((CORPUS / rel).read_text(encoding="utf-8"))
    deps = (data.get("dependencies") or []) if isinstance(data, dict) else []
    conda_texts = {d.text for d in env.conda}
    pip_texts = {e.text for e in env.pip}
    problem_texts = {p.text for p in env.problems}
    for dep in deps:
        if isinstance(dep, str):
            assert dep in conda_texts | problem_texts, dep
        elif isinstance(dep, dict) and isinstance(dep.get("pip"), list):
            for line in dep["pip"]:
                text = str(line).split(" #")[0].strip()
                if not text or text.startswith(("-r", "-c", "--requirement", "--constraint")):
                    continue
                assert any(text in t for t in pip_texts | problem_texts), line


@needs_corpus
def test_corpus_pip_lines_of_every_kind_are_understood():
    assert CORPUS is not None
    kinds: dict[PipKind, int] = {}
    for rel in _corpus_env_files():
        for entry in load_env_file(CORPUS / rel).pip:
            kinds[entry.kind] = kinds.get(entry.kind, 0) + 1
    # every kind but a plain local path, which no corpus file has outside ``-e``
    assert set(kinds) == set(PipKind) - {PipKind.PATH}


@needs_corpus
def test_corpus_missing_requirements_file_names_its_line():
    assert CORPUS is not None
    rel = "conda__conda/tests/conda_env/support/advanced-pip/environment.yml"
    env = load_env_file(CORPUS / rel)
    (problem,) = env.unreadable
    assert problem.line == 27 and "another-project-requirements.txt" in problem.reason


@needs_corpus
def test_compare_reads_every_corpus_file_without_a_traceback(capsys, tmp_path, monkeypatch):
    """The whole CLI path: each file against the demo prefix.  None describes the
    demo (each asks for a package the demo lacks), so each is a mismatch: exit 1."""
    assert CORPUS is not None
    monkeypatch.setenv("HOME", str(tmp_path))
    for rel in _corpus_env_files():
        code = main(["compare", str(DEMO), str(CORPUS / rel)])
        out, err = capsys.readouterr()
        assert (code, err) == (1, ""), rel
        assert "Traceback" not in out, rel
