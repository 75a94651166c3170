"""Reading environment.yml files as people write them (reconcile/envfile.py).

The lines of a ``pip:`` section are pip's requirements-file format, whose
tests are in tests/test_requirements.py; here they are read only as far as the
YAML decides (where the lines are, which folder they are relative to).

Unit cases are inline YAML written to ``tmp_path``; the corpus cases read every
environment file in ``../shared/corpus`` (about a hundred, committed by real
projects) and require each to be read without an exception, every line it
cannot use reported with its line number.
"""

from __future__ import annotations

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
    load_env_file,
    parse_env_text,
)
from reconcile.requirements import PipKind

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


def test_requirements_files_are_read_from_the_files_folder(tmp_path):
    """conda runs pip from the yml's folder: ``-r`` is taken from there."""
    write(tmp_path, "six\n", "reqs/extra.txt")
    env = read(tmp_path, "dependencies:\n  - pip:\n    - -r reqs/extra.txt\n")
    assert [(e.name, e.source, e.line) for e in env.pip] == [
        ("six", str(tmp_path / "reqs" / "extra.txt"), 1)
    ]
    (include,) = env.includes
    assert (include.source, include.line) == (str(tmp_path / "environment.yml"), 3)


def test_relative_paths_are_taken_from_the_files_folder(tmp_path):
    env = read(tmp_path, "dependencies:\n  - pip:\n    - -e ../..\n    - ./sub\n")
    assert [e.path for e in env.pip] == [
        os.path.normpath(tmp_path / "../.."),
        str(tmp_path / "sub"),
    ]


@pytest.mark.parametrize(
    ("yaml_text", "line", "reason"),
    [
        # YAML reads 3 as a number: conda refuses it ("invalid package specification")
        pytest.param("dependencies:\n  - python\n  - 3\n", 3, "YAML reads 3 as a number",
                     id="number-is-not-a-spec"),
        pytest.param("dependencies:\n  -\n", 2, "empty dependency", id="empty-item"),
        pytest.param("dependencies:\n  - [a, b]\n", 2, "not a string", id="list-item"),
        # the pip line's own problems are tests/test_requirements.py's; here, its line
        pytest.param("dependencies:\n  - pip:\n    - attrs\n    - 'foo bar baz ==='\n", 4,
                     "not a valid requirement", id="bad-pip-line"),
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
