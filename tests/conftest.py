"""Fixtures shared by the whole suite.

``lab``: the real broken prefixes of fixtures/lab, built once per session (cached
between sessions).  Tests that use it get the ``lab`` marker, so ``-m "not lab"``
runs the fast suite alone.  A test taking ``scenario`` runs for each scenario.

``corpus`` marker: the test reads the real metadata corpus (``CORPUS``); where it is
absent, each such test is skipped with the reason ``NO_CORPUS``.

``tree_hash``: a digest of a whole directory tree, to prove that auditing a prefix
leaves every byte, link and path of it as it was.
"""

from __future__ import annotations

import hashlib
import http.server
import importlib.util
import os
import re
import stat
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
LAB_PY = REPO / "fixtures" / "lab" / "lab.py"


def _load_lab() -> ModuleType:
    """Import fixtures/lab/lab.py under a name of its own (it is not a package)."""
    spec = importlib.util.spec_from_file_location("reconcile_lab", LAB_PY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


lab_module = _load_lab()


def _corpus_dir() -> Path:
    """Where the real metadata corpus is looked for: ``$RECONCILE_CORPUS``, else
    ``../shared/corpus`` beside the clone (CI has it; a user's clone does not)."""
    configured = os.environ.get("RECONCILE_CORPUS")
    return Path(configured) if configured else REPO.parent / "shared" / "corpus"


#: Where the corpus is, or would be.
CORPUS_DIR = _corpus_dir()
#: The corpus, or None when it is absent (no MANIFEST.jsonl at CORPUS_DIR).
CORPUS = CORPUS_DIR if (CORPUS_DIR / "MANIFEST.jsonl").is_file() else None
#: The one reason every test marked ``corpus`` is skipped for when CORPUS is None.
NO_CORPUS = (
    f"the corpus is absent: RECONCILE_CORPUS={os.environ['RECONCILE_CORPUS']!r} has no "
    "MANIFEST.jsonl"
    if os.environ.get("RECONCILE_CORPUS")
    else "../shared/corpus is absent (set RECONCILE_CORPUS to the corpus folder)"
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "corpus: reads the real metadata corpus (../shared/corpus or $RECONCILE_CORPUS); "
        "skipped, each case by itself, where it is absent",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test taking ``scenario`` runs once per folder of fixtures/lab/scenarios."""
    if "scenario" in metafunc.fixturenames:
        metafunc.parametrize("scenario", lab_module.scenario_names())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    no_corpus = pytest.mark.skip(reason=NO_CORPUS)
    for item in items:
        if "lab" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.lab)
        # Corpus cases are parametrised from committed lists (tests/corpus_cases.py),
        # so each one is collected, and skipped here by itself, without the corpus.
        if CORPUS is None and item.get_closest_marker("corpus"):
            item.add_marker(no_corpus)


@pytest.fixture(autouse=True)
def _cache_in_tmp(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Point reconcile's user cache at a fresh folder for every test, so the
    suite never writes to the real home (nor to a scenario's HOME, which the
    read-only tests hash) and no test sees another's cache."""
    folder = tmp_path_factory.mktemp("reconcile-cache")
    monkeypatch.setenv("RECONCILE_CACHE_DIR", str(folder))
    return folder


@pytest.fixture(scope="session", name="lab_module")
def lab_module_fixture() -> ModuleType:
    """fixtures/lab/lab.py itself, for tests of the lab's definition."""
    return lab_module


@pytest.fixture(scope="session")
def lab() -> object:
    """The built lab (``lab_module.Lab``): prefixes, homes and expected findings."""
    return lab_module.build_lab()


def hash_tree(root: Path) -> str:
    """Digest every entry under ``root``, without following symlinks.

    Covers the set of paths, each entry's type and permission bits, file bytes,
    symlink targets (dangling or looping ones too) and modification times, so a
    rewrite with the same bytes or a file created and removed again still shows.
    Access times are left out: reading changes them.
    """
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            path = Path(dirpath, name)
            st = path.lstat()
            h.update(f"{path.relative_to(root)}\0{st.st_mode:o}\0{st.st_mtime_ns}\0".encode())
            if stat.S_ISLNK(st.st_mode):
                h.update(os.readlink(path).encode(errors="surrogateescape"))
            elif stat.S_ISREG(st.st_mode):
                h.update(hashlib.sha256(path.read_bytes()).digest())
            h.update(b"\n")
        st = Path(dirpath).lstat()
        h.update(f"{Path(dirpath).relative_to(root)}/\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


@pytest.fixture
def tree_hash() -> Callable[[Path], str]:
    """``hash_tree``, for tests: compare it before and after the code under test."""
    return hash_tree


#: What says where conda's envs are, or what the user site is.
MACHINE_VARS = (
    "CONDA_PREFIX",
    "CONDA_ENVS_PATH",
    "CONDA_ENVS_DIRS",
    "CONDA_ROOT",
    "MAMBA_ROOT_PREFIX",
    "CONDA_EXE",
    "PYTHONUSERBASE",
    "PYTHONNOUSERSITE",
)


@pytest.fixture
def demo_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A HOME whose only env is the demo; nothing else of the machine's
    (no conda variable, no user site, fix's state in ``tmp_path``)."""
    home = tmp_path / "home"
    (home / ".conda").mkdir(parents=True)
    demo = Path(__file__).resolve().parent.parent / "fixtures" / "demo" / "prefix"
    (home / ".conda" / "environments.txt").write_text(f"{demo}\n", encoding="utf-8")
    for var in MACHINE_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("RECONCILE_STATE_DIR", str(tmp_path / "state"))
    return home


@pytest.fixture
def index(lab: Any) -> Iterator[str]:
    """The lab's wheels as a PEP 503 index on 127.0.0.1, whatever the
    credentials and query parameters its URL carries."""
    from packaging.utils import canonicalize_name, parse_wheel_filename

    wheels = {p.name: p for p in Path(lab.wheels).glob("*.whl")}

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            # reconcile and pip append the project to the URL as given,
            # after its query: /simple/?key=abc/six/
            parts = [p for p in re.sub(r"\?[^/]*", "", self.path).split("/") if p]
            if len(parts) == 2 and parts[0] == "simple":
                links = [f'<a href="/files/{n}">{n}</a>' for n in sorted(wheels)
                         if parse_wheel_filename(n)[0] == canonicalize_name(parts[1])]  # fmt: skip
                body = ("<html><body>" + "".join(links) + "</body></html>").encode()
                ctype = "text/html"
            elif len(parts) == 2 and parts[0] == "files" and parts[1] in wheels:
                body, ctype = wheels[parts[1]].read_bytes(), "application/octet-stream"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/simple/"
    server.shutdown()
    server.server_close()
