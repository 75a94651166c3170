"""pip's requirements-file format (reconcile/requirements.py).

Lines are given as text, the way they stand in a ``requirements.txt`` or in an
environment.yml's ``pip:`` section (whose YAML side is tests/test_envfile.py).
Included ``-r``/``-c`` files come from a dict, or from ``tmp_path`` where the
default reader is the point.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from reconcile.requirements import (
    LineProblem,
    PipEntry,
    PipInclude,
    PipKind,
    parse_pip_lines,
    split_vcs_revision,
)

BASE = "/work/proj"


def parse(
    text: str,
    files: dict[str, str] | None = None,
    *,
    base_dir: str = BASE,
    read_text: Callable[[str], str] | None = None,
) -> tuple[list[PipEntry], list[LineProblem], list[PipInclude]]:
    """The entries, problems and includes of ``text`` read as ``<base_dir>/requirements.txt``;
    included files are looked up in ``files`` (an absent one cannot be read)."""

    def from_files(path: str) -> str:
        if files is None or path not in files:
            raise FileNotFoundError(2, "No such file or directory", path)
        return files[path]

    problems: list[LineProblem] = []
    includes: list[PipInclude] = []
    entries = list(
        parse_pip_lines(
            list(enumerate(textwrap.dedent(text).splitlines(), start=1)),
            source=f"{base_dir}/requirements.txt",
            base_dir=base_dir,
            read_text=read_text or from_files,
            problems=problems,
            includes=includes,
        )
    )
    return entries, problems, includes


# ---------------------------------------------------------------------------
# what one line asks for


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
                     lambda e: str(e.requirement.marker) == 'sys_platform == "win32"',
                     id="marker"),
        pytest.param("requests @ https://example.com/requests-2.31.0-py3-none-any.whl",
                     PipKind.URL, "requests",
                     lambda e: e.url == "https://example.com/requests-2.31.0-py3-none-any.whl",
                     id="name-at-url"),
        pytest.param('pkg[x]@https://h/p-1.0.tar.gz ; python_version < "3.9"', PipKind.URL, "pkg",
                     lambda e: (e.requirement.extras, str(e.requirement.marker))
                     == ({"x"}, 'python_version < "3.9"'), id="name-at-url-extras-marker"),
        pytest.param("pkg @ file:///opt/wheels/pkg-1.0-py3-none-any.whl", PipKind.PATH, "pkg",
                     lambda e: e.path == "/opt/wheels/pkg-1.0-py3-none-any.whl",
                     id="name-at-file-url"),
        pytest.param("https://example.com/x/typing_extensions-4.8.0-py3-none-any.whl#sha256=ab",
                     PipKind.URL, "typing-extensions", None, id="bare-wheel-url"),
        pytest.param("https://example.com/x/pkg.whl; sys_platform == 'linux'", PipKind.URL, None,
                     lambda e: str(e.marker) == 'sys_platform == "linux"', id="bare-url-marker"),
        pytest.param("git+https://github.com/dask/dask.git@main", PipKind.URL, None,
                     lambda e: (e.vcs, e.revision, e.url_without_vcs)
                     == ("git", "main", "https://github.com/dask/dask.git"), id="bare-git-url"),
        pytest.param("deepobs @ git+https://git@github.com/fs/DeepOBS.git@develop", PipKind.URL,
                     "deepobs", lambda e: e.revision == "develop", id="named-git-url-with-user"),
        pytest.param("git+https://github.com/a/b.git#egg=Foo_Bar&subdirectory=py", PipKind.URL,
                     "foo-bar", lambda e: e.revision is None, id="egg-fragment"),
        pytest.param("-e git+https://github.com/neithere/argh.git#egg=argh", PipKind.EDITABLE,
                     "argh", lambda e: e.editable and e.path is None, id="editable-vcs"),
        pytest.param("-e .", PipKind.EDITABLE, None, lambda e: e.path == BASE,
                     id="editable-dot"),
        pytest.param("--editable=../other[dev]", PipKind.EDITABLE, None,
                     lambda e: e.path == "/work/other", id="editable-extras"),
        pytest.param("-e file:///srv/src/tool#egg=tool", PipKind.EDITABLE, "tool",
                     lambda e: (e.path, e.url) == ("/srv/src/tool", None), id="editable-file-url"),
        pytest.param("./local/project", PipKind.PATH, None,
                     lambda e: e.path == f"{BASE}/local/project", id="local-dir"),
        pytest.param("dist/pkg-1.0-py3-none-any.whl", PipKind.PATH, "pkg",
                     lambda e: e.path == f"{BASE}/dist/pkg-1.0-py3-none-any.whl", id="local-wheel"),
        pytest.param("pkg-1.0.tar.gz", PipKind.PATH, "pkg", None, id="archive-by-suffix"),
        pytest.param("--index-url https://pypi.example/simple", PipKind.OPTION, None,
                     lambda e: e.options == ("--index-url https://pypi.example/simple",),
                     id="index-url"),
        pytest.param("--pre --extra-index https://x.example/simple", PipKind.OPTION, None,
                     lambda e: e.options == ("--pre", "--extra-index-url https://x.example/simple"),
                     id="abbreviated-option"),
        pytest.param("-ihttps://x.example/simple", PipKind.OPTION, None,
                     lambda e: e.options == ("--index-url https://x.example/simple",),
                     id="short-option-value-attached"),
    ],
)  # fmt: skip
def test_one_line(line, kind, name, check):
    (entry,), problems, _ = parse(f"\n\n{line}\n")
    assert problems == []
    assert entry.kind is kind
    assert entry.name == name
    assert (entry.line, entry.text, entry.source) == (3, line, f"{BASE}/requirements.txt")
    if check is not None:
        assert check(entry), entry


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        pytest.param("foo bar baz ===", "not a valid requirement", id="bad-requirement"),
        pytest.param("--frobnicate", "pip does not accept the option '--frobnicate'",
                     id="unknown-option"),
        pytest.param("--no x", "pip does not accept the option '--no'",
                     id="ambiguous-abbreviation"),
        pytest.param("attrs --index-url https://x", "pip does not accept --index-url after a "
                     "requirement", id="global-option-after-requirement"),
        pytest.param("--hash", "--hash needs a value", id="option-without-value"),
        pytest.param("--hash=sha256:ab", "--hash without a requirement", id="hash-alone"),
        pytest.param("-e https://example.com/x.tar.gz", "needs a local path or a VCS URL",
                     id="editable-http-url"),
        pytest.param("https://x/pkg.whl; os_name === !", "not a valid marker", id="bad-marker"),
        pytest.param("--index-url 'https://x", "cannot split options", id="open-quote"),
        # Before reconcile.requirements read ``name @ url`` by pip's rule (an
        # ``@`` whose part before it does not look like a path), these were
        # taken for local paths, since the URL holds a "/".
        pytest.param("foo==1.0 @ https://example.com/foo-1.0-py3-none-any.whl",
                     "not a valid requirement", id="specifier-before-at"),
        pytest.param("foo (>=1.0) @ https://example.com/foo", "not a valid requirement",
                     id="parenthesised-specifier-before-at"),
        pytest.param("@scope/pkg", "not a valid requirement", id="npm-style-name"),
    ],
)  # fmt: skip
def test_lines_that_cannot_be_used_are_problems_with_their_line(line, reason):
    entries, (problem,), _ = parse(f"attrs\n{line}\n")
    assert [e.name for e in entries] == ["attrs"]
    assert (problem.line, problem.text, problem.ignored) == (2, line, False)
    assert reason in problem.reason, problem


@pytest.mark.parametrize(
    ("fragment", "name"),
    [
        pytest.param("egg=argh", "argh", id="name"),
        pytest.param("egg=Foo.Bar", "foo-bar", id="normalised"),
        pytest.param("egg=argh[cli]", "argh", id="extras"),
        pytest.param("egg=argh==0.26", "argh", id="specifier"),
        pytest.param("subdirectory=sub&egg=argh", "argh", id="second-parameter"),
        # pip reads the value as a PEP 508 requirement; this one is none
        pytest.param("egg=foo+bar", None, id="not-a-requirement"),
        pytest.param("sha256=ab", None, id="no-egg"),
    ],
)
def test_egg_fragment_names_the_project(fragment, name):
    (entry,), problems, _ = parse(f"-e git+https://github.com/a/argh.git#{fragment}\n")
    assert problems == [] and entry.name == name


# ---------------------------------------------------------------------------
# pip's line grammar: comments, continuation, options


def test_pip_compile_hashes_continued_over_lines():
    """The shape ``pip-compile --generate-hashes`` writes: one requirement per
    logical line, its ``--hash`` options continued with ``\\``, ``# via``
    comments between."""
    entries, problems, _ = parse(
        """\
        #
        # This file is autogenerated by pip-compile with Python 3.11
        #
        certifi==2024.2.2 \\
            --hash=sha256:0569859f95fc761b18b45ef421b1290a0f65f147e92a1e5eb3e635f9a5e4e66f \\
            --hash=sha256:dc383c07b76109f368f6106eee2b593b04a011ea4d55f652c6ca24a754d1cdd1
            # via requests
        idna==3.6 \\
            --hash=sha256:9ecdbbd083b06798ae1e86adcbfe8ab1479cf864e4ee30fe4e46a003d12491ca
            # via requests
        """
    )
    assert problems == []
    assert [(e.name, str(e.requirement), e.line, len(e.hashes)) for e in entries] == [
        ("certifi", "certifi==2024.2.2", 4, 2),
        ("idna", "idna==3.6", 8, 1),
    ]
    assert entries[1].hashes == (
        "sha256:9ecdbbd083b06798ae1e86adcbfe8ab1479cf864e4ee30fe4e46a003d12491ca",
    )


def test_comments_are_stripped_only_after_whitespace():
    """pip's comment is ``#`` at the start or after whitespace: a URL's
    ``#fragment`` is kept."""
    (entry,), problems, _ = parse("https://x/pkg-1.0.tar.gz#sha256=ab  # the pkg\n")
    assert problems == [] and entry.url == "https://x/pkg-1.0.tar.gz#sha256=ab"


def test_text_after_options_is_what_pip_ignores():
    entries, (note,), _ = parse("--pre --extra-index https://x/s numpy\n")
    assert note.ignored and "numpy" in note.reason and note.line == 1
    assert [e.kind for e in entries] == [PipKind.OPTION]


# ---------------------------------------------------------------------------
# -r and -c files


def test_requirements_and_constraints_files_relative_to_the_file_that_names_them(tmp_path):
    """The default reader opens the files; each is taken from the folder of
    the file that names it, and everything under a ``-c`` file constrains."""
    files = {
        "reqs/base.txt": "attrs>=24  # a comment\n-r more/deeper.txt\n",
        "reqs/more/deeper.txt": "six==1.16.0\n",
        "pins.txt": "urllib3<2\n-r nested-pins.txt\n",
        "nested-pins.txt": "idna==3.6\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    problems: list[LineProblem] = []
    includes: list[PipInclude] = []
    entries = list(
        parse_pip_lines(
            [(3, "-r reqs/base.txt"), (4, "--constraint=pins.txt")],
            source=str(tmp_path / "environment.yml"),
            base_dir=str(tmp_path),
            problems=problems,
            includes=includes,
        )
    )
    assert problems == []
    got = [(e.name, e.constraint, Path(e.source).name, e.line) for e in entries]
    assert got == [
        ("attrs", False, "base.txt", 1),
        ("six", False, "deeper.txt", 1),
        ("urllib3", True, "pins.txt", 1),
        ("idna", True, "nested-pins.txt", 1),
    ]
    assert [(i.target, i.path, i.constraint, Path(i.source).name, i.line) for i in includes] == [
        ("reqs/base.txt", str(tmp_path / "reqs/base.txt"), False, "environment.yml", 3),
        ("more/deeper.txt", str(tmp_path / "reqs/more/deeper.txt"), False, "base.txt", 2),
        ("pins.txt", str(tmp_path / "pins.txt"), True, "environment.yml", 4),
        ("nested-pins.txt", str(tmp_path / "nested-pins.txt"), True, "pins.txt", 2),
    ]


def test_included_files_are_read_through_the_callback():
    entries, problems, _ = parse("-r extra.txt\n", {f"{BASE}/extra.txt": "six\n"})
    assert problems == [] and [(e.name, e.source) for e in entries] == [
        ("six", f"{BASE}/extra.txt")
    ]


def test_an_unreadable_file_is_a_problem_with_its_line():
    entries, (problem,), (include,) = parse("attrs\n-r missing.txt\n")
    assert [e.name for e in entries] == ["attrs"]
    assert problem.line == 2 and f"cannot read {BASE}/missing.txt" in problem.reason
    assert include.path == f"{BASE}/missing.txt"


def test_files_that_include_each_other_are_read_once():
    files = {f"{BASE}/a.txt": "-r b.txt\nattrs\n", f"{BASE}/b.txt": "-r a.txt\n"}
    entries, (problem,), _ = parse("-r a.txt\n", files)
    assert [e.name for e in entries] == ["attrs"]
    assert (problem.source, problem.line) == (f"{BASE}/b.txt", 1) and "loop" in problem.reason


def test_a_file_at_a_url_is_named_not_fetched():
    def no_reading(path: str) -> str:
        raise AssertionError(f"read {path}")

    entries, (problem,), (include,) = parse(
        "-c https://example.com/pins.txt\n", read_text=no_reading
    )
    assert entries == []
    assert (problem.code, problem.ignored) == ("remote-include", False)
    assert (include.target, include.path, include.constraint) == (
        "https://example.com/pins.txt",
        None,
        True,
    )


def test_line_problem_reads_as_file_line_text_reason():
    _, (problem,), _ = parse("--frobnicate\n")
    assert str(problem) == (
        f"{BASE}/requirements.txt:1: '--frobnicate': "
        "pip does not accept the option '--frobnicate' here"
    )


# ---------------------------------------------------------------------------
# VCS URLs


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param("https://h/r.git@v1", ("https://h/r.git", "v1"), id="revision"),
        pytest.param("https://h/r.git", ("https://h/r.git", None), id="none"),
        pytest.param("ssh://git@h/r.git", ("ssh://git@h/r.git", None), id="user-is-no-revision"),
        pytest.param("https://u@h/r.git@abc", ("https://u@h/r.git", "abc"), id="user-and-revision"),
        pytest.param("https://h/r.git@", ("https://h/r.git", None), id="empty-revision"),
    ],
)
def test_split_vcs_revision(url, expected):
    assert split_vcs_revision(url) == expected
