"""Discovery and audit on the real metadata corpus.

The corpus (``../shared/corpus`` beside the repository, or ``$RECONCILE_CORPUS``)
holds metadata real tools wrote and real repositories committed: conda-meta
records from conda, mamba/micromamba and rattler/pixi, conda-meta/history
files, dist-info and egg-info folders, and whole prefixes reassembled as they
were committed.  Its README describes it; MANIFEST.jsonl says where each file
came from.  It is read-only: these tests read it in place and copy what they
must change into ``tmp_path``.

The prefixes are partial copies (repositories commit metadata, rarely every
payload file), so the hand-checked expectations in ``tests/corpus_expected``
are taken at ``--quick`` depth, where missing payload files are not judged.
Each expected finding carries a note saying why it is right.

The cases are named by committed lists (tests/corpus_cases.py, and
``tests/corpus_expected`` for the prefixes), so a clone without the corpus
collects each of them and skips it with one reason.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import corpus_cases
import pytest
from conftest import CORPUS_DIR
from packaging.utils import canonicalize_name

from reconcile.cli import main
from reconcile.discover._conda_meta import read_conda_meta
from reconcile.discover._dists import read_site_packages
from reconcile.discover._history import parse_history
from reconcile.models import CondaRecord, HistoryRevision, InstalledDist, ReadProblem

REPO = Path(__file__).resolve().parent.parent

#: Every test here reads the corpus: where it is absent, each skips by itself.
pytestmark = pytest.mark.corpus
CORPUS: Path = CORPUS_DIR


# ---------------------------------------------------------------------------
# What the corpus holds, as committed in tests/corpus_cases.json.

LISTING = corpus_cases.load()
RECORD_FILES: list[str] = LISTING["conda_meta_records"]
HISTORY_FILES: list[str] = LISTING["histories"]
METADATA_ENTRIES: list[str] = LISTING["metadata_entries"]
#: The whole prefixes, named by their hand-checked expectations.
EXPECTATIONS = corpus_cases.expected_prefixes()
PREFIXES = sorted(EXPECTATIONS)

# conda's own corrupt-record fixtures: each must become an invalid-record problem.
KNOWN_CORRUPT = {
    "conda__conda/tests/data/corrupt/json/conda-meta/corrupt-1.2.3-hashhash.json": "not valid JSON",
    "conda__conda/tests/data/corrupt/unicode/conda-meta/corrupt-1.2.3-hashhash.json": "UTF-8",
}


@cache
def _conda_meta(prefix: str) -> tuple[tuple[CondaRecord, ...], tuple[ReadProblem, ...], bool]:
    records, problems, has_meta = read_conda_meta(prefix)
    return records, tuple(problems), has_meta


def _raw(rel: str) -> Any:
    return json.loads((CORPUS / rel).read_bytes())


def test_the_committed_listing_is_the_corpus() -> None:
    # The parametrisations below come from tests/corpus_cases.json.
    assert corpus_cases.list_corpus(CORPUS) == LISTING, (
        "the corpus changed: run python tests/corpus_cases.py and check the new cases"
    )


def test_corpus_is_the_one_described() -> None:
    # Guards the parametrisations below against a corpus that moved or shrank.
    assert len(RECORD_FILES) > 300
    assert set(KNOWN_CORRUPT) <= set(RECORD_FILES)
    assert len(PREFIXES) >= 20
    assert len(HISTORY_FILES) >= 15
    assert len(METADATA_ENTRIES) > 250


# ---------------------------------------------------------------------------
# conda-meta/*.json


@pytest.mark.parametrize("rel", RECORD_FILES)
def test_conda_meta_record(rel: str) -> None:
    path = CORPUS / rel
    records, problems, has_meta = _conda_meta(str(path.parent.parent))
    assert has_meta
    source = f"conda-meta/{path.name}"
    mine = [r for r in records if r.source == source]
    found = [p for p in problems if p.path == source]

    if path.name.startswith("._"):
        # A macOS AppleDouble fork (conda's corrupt/dot_underscore fixture):
        # not a record at all, skipped the way conda skips it.
        assert mine == [] and found == []
        return
    if rel in KNOWN_CORRUPT:
        assert mine == []
        assert [p.code for p in found] == ["invalid-record"]
        assert KNOWN_CORRUPT[rel] in found[0].reason
        return

    raw = _raw(rel)
    assert found == [], [p.reason for p in found]
    assert len(mine) == 1
    record = mine[0]
    assert (record.name, record.version, record.build) == (
        raw["name"],
        raw["version"],
        raw["build"],
    )
    assert path.name == f"{record.dist_str}.json"
    assert record.build_number == raw.get("build_number", 0)
    assert record.depends == tuple(raw.get("depends") or ())
    assert record.constrains == tuple(raw.get("constrains") or ())
    assert record.subdir == raw.get("subdir")
    if "paths_data" in raw:
        assert record.has_paths_data
        assert len(record.paths) == len(raw["paths_data"]["paths"])
    else:
        assert not record.has_paths_data
        assert len(record.paths) == len(raw.get("files") or ())
    assert not any("\\" in p.path for p in record.paths)


@pytest.mark.parametrize(
    ("rel", "noarch", "has_paths_data", "count", "requested"),
    [
        pytest.param(
            "conda__conda/tests/data/env_metadata/envpy313tosx_whl/conda-meta/"
            "python-3.13.2-hfd29fff_1_cp313t.json",
            None,
            True,
            None,
            ("python=3.13",),
            id="conda-25-freethreaded-python",
        ),
        pytest.param(
            "conda__conda/tests/data/env_metadata/envpy37win/conda-meta/"
            "python-3.7.0-hea74fb7_0.json",
            None,
            True,
            None,
            ("python=3.7",),
            id="conda-4.5-windows",
        ),
        pytest.param(
            "conda__rattler/test-data/conda-meta/pip-23.0-pyhd8ed1ab_0.json",
            "python",
            True,
            1001,
            ("conda-forge/noarch::pip==23.0=pyhd8ed1ab_0[md5=85b35999162ec95f9f999bac15279c02]",),
            id="micromamba-windows-noarch",
        ),
        pytest.param(
            "prefix-dev__pixi/crates/pixi_global/src/test_data/conda-meta/"
            "_r-mutex-1.0.1-anacondar_1.json",
            "generic",
            True,
            0,
            (),
            id="rattler-empty-noarch-generic",
        ),
        pytest.param(
            "conda__conda/tests/data/corrupt/dot_underscore/conda-meta/valid-1.0-0.json",
            None,
            False,
            0,
            (),
            id="minimal-no-files",
        ),
    ],
)
def test_conda_meta_writer_details(
    rel: str,
    noarch: str | None,
    has_paths_data: bool,
    count: int | None,
    requested: tuple[str, ...],
) -> None:
    path = CORPUS / rel
    records, _, _ = _conda_meta(str(path.parent.parent))
    (record,) = [r for r in records if r.source == f"conda-meta/{path.name}"]
    assert record.noarch == noarch
    assert record.has_paths_data is has_paths_data
    if count is not None:
        assert len(record.paths) == count
    assert record.requested_specs == requested


def test_conda_meta_python_site_packages_path() -> None:
    # conda 25 records the free-threaded layout on the python record itself.
    prefix = CORPUS / "conda__conda/tests/data/env_metadata/envpy313tosx_whl"
    records, _, _ = _conda_meta(str(prefix))
    (python,) = [r for r in records if r.name == "python"]
    assert python.python_site_packages_path == "lib/python3.13t/site-packages"


def test_stray_files_in_conda_meta_are_ignored() -> None:
    # pixi's test: a non-JSON file inside conda-meta must not break discovery.
    prefix = CORPUS / "prefix-dev__pixi/crates/pixi_global/src/test_data"
    assert (prefix / "conda-meta/non_conda_meta_data_file").is_file()
    records, problems, _ = _conda_meta(str(prefix))
    assert [r.name for r in records] == ["_r-mutex", "python"]
    assert problems == ()


def _requested_spec_placeholders() -> Iterator[tuple[str, CondaRecord]]:
    """Records whose raw ``requested_spec`` is conda's "nothing requested":
    the string ``"None"`` (``str(None)``) or an empty string."""
    for rel in RECORD_FILES:
        if rel in KNOWN_CORRUPT or rel.rsplit("/", 1)[1].startswith("._"):
            continue
        raw = _raw(rel)
        if raw.get("requested_spec") in ("None", ""):
            path = CORPUS / rel
            records, _, _ = _conda_meta(str(path.parent.parent))
            (record,) = [r for r in records if r.source == f"conda-meta/{path.name}"]
            yield rel, record


def test_corpus_has_requested_spec_placeholders() -> None:
    # Premise of the test below: conda 4.x wrote "None" for every package
    # the user did not ask for (149 records in the corpus).
    assert sum(1 for _ in _requested_spec_placeholders()) > 100


def test_requested_spec_none_is_no_spec() -> None:
    wrong = {
        rel: r.requested_specs for rel, r in _requested_spec_placeholders() if r.requested_specs
    }
    assert wrong == {}


# ---------------------------------------------------------------------------
# conda-meta/history


#: (revisions, dists linked, dists unlinked) of each history file, counted with
#: grep and awk: the ``==> date <==`` lines, then below the first of them the
#: ``+name`` or bare lines and the ``-name`` lines (``#`` lines are comments).
#: The two pixi files hold only pixi's placeholder.
HISTORY_COUNTS = {
    "Bears-R-Us__arkouda-njit/.conda/conda-meta/history": (1, 22, 0),
    "Goekdeniz-Guelmez__KANama/.conda/conda-meta/history": (1, 17, 0),
    "conda__conda/tests/conda-meta/history": (6, 29, 8),
    "conda__conda/tests/data/env_metadata/envpy27osx/conda-meta/history": (1, 16, 0),
    "conda__conda/tests/data/env_metadata/envpy27win_whl/conda-meta/history": (1, 8, 0),
    "conda__conda/tests/data/env_metadata/envpy313tosx_whl/conda-meta/history": (1, 16, 0),
    "conda__conda/tests/data/env_metadata/envpy37osx_whl/conda-meta/history": (1, 17, 0),
    "conda__conda/tests/data/env_metadata/envpy37win/conda-meta/history": (1, 8, 0),
    "conda__conda/tests/data/env_metadata/py27-osx-no-binary/conda-meta/history": (1, 34, 0),
    "conda__conda/tests/data/env_metadata/py36-osx-whl/conda-meta/history": (1, 31, 0),
    "mamba-org__mamba/libmamba/tests/data/history/parse/conda-meta/history": (8, 34, 6),
    "mamba-org__mamba/libmamba/tests/data/history/parse_metadata/conda-meta/history": (1, 40, 0),
    "mamba-org__mamba/libmamba/tests/data/history/parse_segfault/conda-meta/history": (1, 0, 0),
    "raceychan__ididi/.pixi/solve-group-envs/default/conda-meta/history": (0, 0, 0),
    "skim2257__pixi-demo/.pixi/envs/default/conda-meta/history": (0, 0, 0),
}


@pytest.mark.parametrize("rel", HISTORY_FILES)
def test_history_parses(rel: str) -> None:
    text = (CORPUS / rel).read_bytes().decode("utf-8", "replace")
    revisions = parse_history(text)
    added = sum(len(rev.added) for rev in revisions)
    removed = sum(len(rev.removed) for rev in revisions)
    assert (len(revisions), added, removed) == HISTORY_COUNTS[rel]
    headers = [line.strip()[3:-3].strip() for line in text.splitlines()
               if line.strip().startswith("==>") and line.strip().endswith("<==")]  # fmt: skip
    assert [rev.date for rev in revisions] == headers
    for rev in revisions:
        for dist in rev.added + rev.removed:
            assert dist and dist == dist.strip() and not dist.startswith(("+", "-"))


def _history(rel: str) -> tuple[HistoryRevision, ...]:
    return parse_history((CORPUS / rel).read_bytes().decode("utf-8", "replace"))


def test_history_micromamba_update_and_remove() -> None:
    revs = _history("mamba-org__mamba/libmamba/tests/data/history/parse/conda-meta/history")
    assert len(revs) == 8
    assert revs[0].tool_version == "3.8.0"  # micromamba writes "conda version"
    assert revs[0].update_specs == ("nlohmann_json",)  # JSON-style double quotes
    update = revs[3]
    assert update.command == "/home/sandrinepataut/.local/bin/micromamba update cpp-tabulate"
    assert update.update_specs == ("cpp-tabulate",)
    assert update.remove_specs == ("cpp-tabulate",)
    assert update.removed == (
        "https://conda.anaconda.org/conda-forge/linux-64::cpp-tabulate-1.0-hc9558a2_0",
    )
    assert update.added == ("conda-forge::cpp-tabulate-1.5-hf52228f_1",)
    remove = revs[6]
    assert remove.update_specs == ()
    assert remove.remove_specs == ("wheel", "xtl", "nlohmann_json")
    assert len(remove.removed) == 3 and remove.added == ()
    assert revs[7].update_specs == ("wheel=0.40.0", "xtl=0.8.0")


def test_history_micromamba_bracket_spec() -> None:
    revs = _history(
        "mamba-org__mamba/libmamba/tests/data/history/parse_metadata/conda-meta/history"
    )
    (rev,) = revs
    assert rev.command == 'micromamba create -n repro2 pandas[version=">=0.25.2,<3"]'
    assert rev.update_specs == ('pandas[version=">=0.25.2,<3"]',)
    assert rev.added[0] == "conda-forge::_libgcc_mutex-0.1-conda_forge"
    assert "conda-forge::pandas-2.2.3-py312hf9745cd_1" in rev.added


def test_history_conda_2016_bare_dist_lines() -> None:
    revs = _history("conda__conda/tests/conda-meta/history")
    assert [r.date for r in revs][:2] == ["2016-02-16 13:31:33", "2016-02-16 13:31:41"]
    first = revs[0]
    assert first.tool_version is None  # no "# conda version" line before conda 4
    assert first.update_specs == ()
    assert len(first.added) == 16
    assert first.added[:2] == ("conda-3.19.0-py27_0", "conda-env-2.4.5-py27_0")
    second = revs[1]
    assert len(second.removed) == 7 and len(second.added) == 7
    assert second.update_specs == ("conda", "conda", "python 2.7*")
    # "install specs" is what conda 3.x called them.
    assert revs[2].update_specs == ("cas-mirror", "conda", "python 2.7*")
    assert revs[-1].added == ("pyflakes-1.0.0-py27_0",)


def test_history_conda_25_and_windows() -> None:
    (rev,) = _history("conda__conda/tests/data/env_metadata/envpy313tosx_whl/conda-meta/history")
    assert rev.tool_version == "25.1.2"
    assert rev.update_specs == ("python_abi[build=*_cp313t]", "python=3.13", "pip")
    assert len(rev.added) == 16
    (win,) = _history("conda__conda/tests/data/env_metadata/envpy37win/conda-meta/history")
    assert win.command is not None
    assert win.command.startswith(
        "C:\\Users\\user\\develop\\conda\\devenv\\Scripts\\conda-script.py"
    )
    assert win.added[0] == "defaults::certifi-2018.8.13-py37_0"


@pytest.mark.parametrize(
    "rel",
    [
        pytest.param("skim2257__pixi-demo/.pixi/envs/default/conda-meta/history", id="pixi-0.26"),
        pytest.param(
            "raceychan__ididi/.pixi/solve-group-envs/default/conda-meta/history", id="pixi-0.32"
        ),
    ],
)
def test_history_pixi_placeholder_is_empty(rel: str) -> None:
    assert (CORPUS / rel).read_text().startswith("// not relevant for pixi")
    assert _history(rel) == ()


def test_history_fuzzed_header() -> None:
    # libmamba's segfault reproducer: "==>x<==" and a 30 kB comment line.
    (rev,) = _history(
        "mamba-org__mamba/libmamba/tests/data/history/parse_segfault/conda-meta/history"
    )
    assert rev.date == "x"
    assert (rev.command, rev.added, rev.removed) == (None, (), ())


# ---------------------------------------------------------------------------
# dist-info / egg-info

_LAYOUT = re.compile(r"^(?:(.*)/)?((?:lib|lib64)/python[^/]+/site-packages|Lib/site-packages)$")


def _split(folder: str) -> tuple[str, str]:
    """(prefix, prefix-relative site-packages) for a corpus folder: the
    prefix layout where there is one, else the folder beside its parent."""
    m = _LAYOUT.match(folder)
    if m:
        return str(CORPUS / (m.group(1) or "")), m.group(2)
    parent, _, name = folder.rpartition("/")
    return str(CORPUS / parent), name


METADATA_FOLDERS = sorted({e.rsplit("/", 1)[0] for e in METADATA_ENTRIES})


@cache
def _site(folder: str) -> tuple[tuple[InstalledDist, ...], tuple[ReadProblem, ...]]:
    site, problems = read_site_packages(*_split(folder))
    return site.dists, tuple(problems)


@pytest.mark.parametrize("folder", METADATA_FOLDERS)
def test_site_packages_folder(folder: str) -> None:
    dists, problems = _site(folder)
    _, rel = _split(folder)
    entries = [e.rsplit("/", 1)[1] for e in METADATA_ENTRIES if e.rsplit("/", 1)[0] == folder]
    for entry in entries:
        shown = f"{rel}/{entry}"
        read = [d for d in dists if d.path == shown]
        stale = [p for p in problems if p.path.startswith(shown)]
        # Each metadata entry is a distribution, or a stale-dist-info saying why not.
        assert len(read) == 1 or stale, entry
    for problem in problems:
        assert problem.code == "stale-dist-info"
        assert "outside the prefix" not in problem.reason, problem
    for dist in dists:
        assert dist.name == canonicalize_name(dist.raw_name)
        assert dist.version_text and dist.version is not None, dist.path
        is_file = (CORPUS / folder / Path(dist.path).name).is_file()
        assert dist.kind == ("egg-info-file" if is_file else dist.path.rsplit(".", 1)[1])


POETRY_SITE = (
    "python-poetry__poetry/tests/repositories/fixtures/installed/lib/python3.7/site-packages"
)
ENV_METADATA = "conda__conda/tests/data/env_metadata"


def _dist(folder: str, entry: str) -> InstalledDist:
    dists, _ = _site(folder)
    (dist,) = [d for d in dists if d.path.endswith("/" + entry)]
    return dist


@pytest.mark.parametrize(
    ("entry", "url", "editable", "vcs", "commit", "revision", "archive_hash", "subdirectory"),
    [
        pytest.param(
            "editable_directory_pep_610-1.2.3.dist-info",
            "file:///path/to/distributions/directory-pep-610",
            True, None, None, None, None, None,
            id="editable",
        ),
        pytest.param(
            "directory_pep_610-1.2.3.dist-info",
            "file:///path/to/distributions/directory-pep-610",
            False, None, None, None, None, None,
            id="local-directory",
        ),
        pytest.param(
            "git_pep_610-1.2.3.dist-info",
            "https://github.com/demo/git-pep-610.git",
            False, "git", "123456", "my-branch", None, None,
            id="vcs",
        ),
        pytest.param(
            "git_pep_610_no_requested_version-1.2.3.dist-info",
            "https://github.com/demo/git-pep-610-no-requested-version.git",
            False, "git", "123456", None, None, None,
            id="vcs-no-revision",
        ),
        pytest.param(
            "git_pep_610_subdirectory-1.2.3.dist-info",
            "https://github.com/demo/git-pep-610-subdirectory.git",
            False, "git", "123456", "my-branch", None, "subdir",
            id="vcs-subdirectory",
        ),
        pytest.param(
            "file_pep_610-1.2.3.dist-info",
            "file:///path/to/distributions/file-pep-610-1.2.3.tar.gz",
            False, None, None, None,
            "sha256=2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
            None,
            id="archive-legacy-hash",
        ),
        pytest.param(
            "url_pep_610-1.2.3.dist-info",
            "https://mock.pythonhosted.org/distributions/url-pep-610-1.2.3.tar.gz",
            False, None, None, None, None, None,
            id="archive-url-no-hash",
        ),
    ],
)  # fmt: skip
def test_direct_url(
    entry: str,
    url: str,
    editable: bool,
    vcs: str | None,
    commit: str | None,
    revision: str | None,
    archive_hash: str | None,
    subdirectory: str | None,
) -> None:
    du = _dist(POETRY_SITE, entry).direct_url
    assert du is not None
    assert (du.url, du.editable, du.vcs, du.commit_id) == (url, editable, vcs, commit)
    assert (du.requested_revision, du.archive_hash, du.subdirectory) == (
        revision,
        archive_hash,
        subdirectory,
    )


def test_direct_url_local_target() -> None:
    editable = _dist(POETRY_SITE, "editable_directory_pep_610-1.2.3.dist-info")
    assert editable.direct_url is not None and editable.direct_url.is_local_dir
    assert editable.editable_target == "/path/to/distributions/directory-pep-610"
    assert editable.target_exists is False
    archive = _dist(POETRY_SITE, "file_pep_610-1.2.3.dist-info")
    assert archive.direct_url is not None and not archive.direct_url.is_local_dir
    assert archive.editable_target is None


def test_pth_lines_skip_code() -> None:
    site, _ = read_site_packages(*_split(POETRY_SITE))
    # editable-with-import.pth holds only "import os": code, never a path.
    assert sorted(site.editable_paths) == ["/path/to/editable", "/path/to/editable/src", "standard"]


@pytest.mark.parametrize(
    ("folder", "entry", "name", "raw_name", "version", "kind", "installer", "requires"),
    [
        pytest.param(
            "aboutcode-org__scancode-toolkit/tests/packagedcode/data/pypi/site-packages/"
            "codebase/lib/python3.9/site-packages",
            "click-8.0.4.dist-info", "click", "click", "8.0.4", "dist-info", "pip",
            ['colorama; platform_system == "Windows"',
             'importlib-metadata; python_version < "3.8"'],
            id="pip-installer",
        ),
        pytest.param(
            f"{ENV_METADATA}/envpy27win_whl/Lib/site-packages",
            "pyOpenSSL-18.0.0.dist-info", "pyopenssl", "pyOpenSSL", "18.0.0", "dist-info", None,
            None,
            id="windows-layout-mixed-case",
        ),
        pytest.param(
            f"{ENV_METADATA}/envpy313tosx_whl/lib/python3.13t/site-packages",
            "pip-25.0.1.dist-info", "pip", "pip", "25.0.1", "dist-info", None, None,
            id="conda-pip-installer-not-committed",
        ),
        pytest.param(
            f"{ENV_METADATA}/py27-osx-no-binary/lib/python2.7/site-packages",
            "certifi-2018.08.24-py2.7.egg-info", "certifi", "certifi", "2018.08.24",
            "egg-info-file", None, [],
            id="egg-info-single-file",
        ),
        pytest.param(
            f"{ENV_METADATA}/py27-osx-no-binary/lib/python2.7/site-packages",
            "backports.functools_lru_cache-1.5-py2.7.egg-info", "backports-functools-lru-cache",
            "backports.functools-lru-cache", "1.5", "egg-info", None, None,
            id="egg-info-dotted-name",
        ),
        pytest.param(
            "python-poetry__poetry/tests/repositories/fixtures/installed/src/pendulum",
            "pendulum.egg-info", "pendulum", "pendulum", "2.0.5", "egg-info", None,
            ["python-dateutil<3.0,>=2.6", "pytzdata>=2018.3",
             'typing<4.0,>=3.6; python_version < "3.5"'],
            id="egg-info-requires-txt-marker-section",
        ),
        pytest.param(
            "conda__conda/tests/plugins/data/test-plugin",
            "test_plugin-1.0.dist-info", "conda-test-plugin", "conda-test-plugin", "1.0",
            "dist-info", None, [],
            id="name-differs-from-folder",
        ),
    ],
)  # fmt: skip
def test_dist_hand_picked(
    folder: str,
    entry: str,
    name: str,
    raw_name: str,
    version: str,
    kind: str,
    installer: str | None,
    requires: list[str] | None,
) -> None:
    dist = _dist(folder, entry)
    assert (dist.name, dist.raw_name, dist.version_text, dist.kind) == (
        name,
        raw_name,
        version,
        kind,
    )
    assert dist.installer == installer
    if requires is not None:
        assert [str(r) for r in dist.requires] == requires


def test_dist_record_resolves_inside_prefix() -> None:
    # pip's RECORD names scripts as ../../../bin/x relative to site-packages.
    dist = _dist(
        f"{ENV_METADATA}/py36-osx-whl/lib/python3.6/site-packages", "Twisted-18.7.0.dist-info"
    )
    assert dist.has_record
    assert "bin/trial" in dist.record
    assert all(not p.startswith("..") for p in dist.record)
    conda_pip = _dist(
        f"{ENV_METADATA}/envpy313tosx_whl/lib/python3.13t/site-packages", "pip-25.0.1.dist-info"
    )
    assert conda_pip.record_size == 65808  # what the conda record lists for it


def _copy_dist(src: Path, dst: Path, *, skip: tuple[str, ...] = ()) -> None:
    # copyfile, not copytree: the corpus is read-only and copies must be writable.
    dst.mkdir(parents=True)
    for child in src.iterdir():
        if child.name not in skip:
            shutil.copyfile(child, dst / child.name)


@pytest.mark.parametrize("installer", ["conda", "pip", "uv-pixi", "Poetry"])
def test_installer_values(tmp_path: Path, installer: str) -> None:
    # The corpus README lists these INSTALLER values, but its files only hold
    # "pip"; the rest are written onto a copy of a real dist-info.
    src = CORPUS / (
        "aboutcode-org__scancode-toolkit/tests/packagedcode/data/pypi/site-packages/"
        "codebase/lib/python3.9/site-packages/click-8.0.4.dist-info"
    )
    site = tmp_path / "lib/python3.9/site-packages"
    _copy_dist(src, site / src.name, skip=("RECORD",))
    (site / src.name / "INSTALLER").write_text(installer + "\n")
    result, problems = read_site_packages(str(tmp_path), "lib/python3.9/site-packages")
    (dist,) = result.dists
    assert dist.installer == installer
    assert dist.installer_size == len(installer) + 1
    # Without RECORD pip cannot uninstall it; conda removes its own dist-infos.
    no_record = [p for p in problems if "no RECORD" in p.reason]
    assert bool(no_record) is (installer != "conda")


def test_installer_values_in_corpus() -> None:
    values = {
        (CORPUS / e / "INSTALLER").read_text().strip()
        for e in METADATA_ENTRIES
        if (CORPUS / e / "INSTALLER").is_file()
    }
    assert values == {"pip"}


# ---------------------------------------------------------------------------
# whole prefixes through the CLI


@pytest.fixture(scope="module", autouse=True)
def _quiet_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No user site of the machine running the tests leaks into an audit."""
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(home))
        for var in ("PYTHONUSERBASE", "APPDATA", "CONDA_PREFIX"):
            mp.delenv(var, raising=False)
        yield


@cache
def _audit(rel: str, *args: str) -> tuple[int, str]:
    """``reconcile audit CORPUS/rel *args``: exit code and stdout.  Cached:
    auditing only reads, and the same run serves several tests."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["audit", str(CORPUS / rel), *args])
    assert "Traceback" not in err.getvalue()
    assert err.getvalue() == ""
    return code, out.getvalue()


@pytest.mark.parametrize(
    ("depth", "fmt"),
    [
        pytest.param("quick", "json", id="quick-json"),
        pytest.param("default", "json", id="default-json"),
        pytest.param("deep", "text", id="deep-text"),
    ],
)
@pytest.mark.parametrize("rel", PREFIXES)
def test_audit_contract(rel: str, depth: str, fmt: str) -> None:
    args = ["--format", fmt] + ([] if depth == "default" else [f"--{depth}"])
    code, out = _audit(rel, *args)
    if fmt == "text":
        assert out.startswith(f"reconcile audit of {CORPUS / rel}\n")
        assert code == (1 if "ERROR (" in out else 0)
        return
    doc = json.loads(out)
    assert doc["schema"] == "reconcile.audit/1"
    assert doc["depth"] == depth
    assert doc["prefix"] == str(CORPUS / rel)
    severities = {f["severity"] for f in doc["findings"]}
    assert severities <= {"error", "warning", "info"}
    assert code == (1 if "error" in severities else 0)
    assert sum(doc["summary"].values()) == len(doc["findings"])


Triple = tuple[str, str, str | None]


def _expected(doc: dict[str, Any]) -> list[Triple]:
    out: list[Triple] = []
    for entry in doc["expected"]:
        assert entry["why"], entry
        for package in entry.get("packages") or [entry["package"]]:
            for detail in entry.get("details") or [None]:
                out.append((entry["code"], package, detail))
    return sorted(out, key=str)


def _actual(findings: list[dict[str, Any]]) -> list[Triple]:
    out: list[Triple] = []
    for f in findings:
        ev = f["evidence"]
        detail = ev.get("spec") or ev.get("requirement")
        if detail is None and f["code"] == "file-clobber" and "owners" in ev:
            detail = " + ".join(ev["owners"])
        out.append((f["code"], f["package"], detail))
    return sorted(out, key=str)


def test_every_prefix_was_checked_by_hand() -> None:
    assert LISTING["prefixes"] == PREFIXES


def _expectation_params() -> list[Any]:
    params = []
    for rel in PREFIXES:
        doc = EXPECTATIONS[rel]
        marks = [pytest.mark.xfail(strict=True, reason=doc["xfail"])] if "xfail" in doc else []
        params.append(pytest.param(rel, marks=marks, id=rel))
    return params


@pytest.mark.parametrize("rel", _expectation_params())
def test_audit_findings_checked_by_hand(rel: str) -> None:
    doc = EXPECTATIONS[rel]
    assert doc["depth"] == "quick"
    _, out = _audit(rel, "--format", "json", "--quick")
    findings = json.loads(out)["findings"]
    assert _actual(findings) == _expected(doc)
    pairs = {(f["code"], f["package"]) for f in findings}
    assert pairs == {(c, p) for c, p, _ in _expected(doc)}


RATTLER_TEST_DATA = "conda__rattler/test-data"


def _doubled_records() -> dict[str, list[str]]:
    records, _, _ = _conda_meta(str(CORPUS / RATTLER_TEST_DATA))
    names = [r.name for r in records]
    return {
        name: sorted(r.dist_str for r in records if r.name == name)
        for name in sorted(set(names))
        if names.count(name) > 1
    }


def test_rattler_test_data_has_two_records_of_some_names() -> None:
    # Premise of the test below, read from the corpus: rattler's test-data
    # keeps an osx-arm64 and a win-64 record side by side.
    assert _doubled_records() == {
        "libsqlite": ["libsqlite-3.40.0-hcfcfb64_0", "libsqlite-3.45.3-h091b4b1_0"],
        "tk": ["tk-8.6.12-h8ffe710_0", "tk-8.6.13-h5083fa2_1"],
        "xz": ["xz-5.2.6-h57fd34a_0", "xz-5.2.6-h8d14728_0"],
    }


def test_two_records_of_one_name_are_reported() -> None:
    # Whatever the code, some finding about <name> must name both records.
    _, out = _audit(RATTLER_TEST_DATA, "--format", "json", "--quick")
    findings = json.loads(out)["findings"]
    for name, dists in _doubled_records().items():
        about = [json.dumps(f) for f in findings if f["package"] == name]
        assert any(all(d in text for d in dists) for text in about), name


def test_audit_reads_in_place_without_writing() -> None:
    # The corpus is read-only on CI; prove an audit needs nothing else.
    rel = "conda__conda/tests/data/env_metadata/py36-osx-whl"
    before = sorted((p, p.stat().st_mtime_ns) for p in (CORPUS / rel).rglob("*"))
    _audit.__wrapped__(rel, "--deep", "--format", "json")
    after = sorted((p, p.stat().st_mtime_ns) for p in (CORPUS / rel).rglob("*"))
    assert before == after


def test_poetry_pth_editables() -> None:
    # Poetry 1.x marks an editable install by <name>.pth holding the source
    # folder, with no direct_url.json; a relative line is a plain path entry.
    result, _ = read_site_packages(
        str(CORPUS / "python-poetry__poetry/tests/repositories/fixtures/installed"),
        "lib/python3.7/site-packages",
    )
    targets = {d.name: d.editable_target for d in result.dists}
    assert targets["editable"] == "/path/to/editable"
    assert targets["editable-src-dir"] == "/path/to/editable/src"
    assert targets["editable-with-import"] is None  # its .pth only runs code
    assert targets["standard"] is None  # "standard" is relative: not an editable
    assert targets["editable-directory-pep-610"] == "/path/to/distributions/directory-pep-610"
