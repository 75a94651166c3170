"""The parse cache (reconcile/discover/_cache.py): a warm run sees every change.

The cache lives outside the prefix and keeps what discovery parsed.  These
tests change each kind of thing a prefix can change on a copy of a lab
prefix and show that the run with the (now stale) cache reports exactly what
a cold run reports; they compare cold, warm and a plain reference reading on
every lab scenario; and they show that a cache that cannot be written or read
never stands in the way.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from reconcile.check import check
from reconcile.cli import main
from reconcile.discover import _cache, _conda_meta, _dists, discover
from reconcile.graph import build_graph
from reconcile.models import Depth, FileCheck, PrefixState
from reconcile.names import NameMap

pytestmark = pytest.mark.lab

SITE = "lib/python3.11/site-packages"


@pytest.fixture(autouse=True)
def _no_racy_window(monkeypatch):
    """These tests change files and audit at once; the cache does not keep
    files changed within _RACY_NS of being read (test_racy_files_are_not_kept),
    which here would mean it kept nothing and every run were cold."""
    monkeypatch.setattr(_cache, "_RACY_NS", 0)


@pytest.fixture
def env(lab, monkeypatch):
    """A copy of the clean lab prefix (symlinks kept) with its HOME, free to change."""

    def make(tmp: Path, scenario: str = "clean") -> Path:
        prefix = tmp / "prefix"
        shutil.copytree(lab.prefix(scenario), prefix, symlinks=True)
        monkeypatch.setenv("HOME", str(lab.home(scenario)))
        monkeypatch.delenv("PYTHONUSERBASE", raising=False)
        monkeypatch.delenv("PYTHONNOUSERSITE", raising=False)
        return prefix

    return make


def audit(capsys: pytest.CaptureFixture[str], prefix: Path, *args: str) -> str:
    main(["audit", str(prefix), "--format", "json", "--fail-on", "never", *args])
    out, err = capsys.readouterr()
    assert err == ""
    return out


def _edit_same_size(path: Path, old: bytes, new: bytes, *, keep_mtime: bool) -> None:
    assert len(old) == len(new)
    st = path.stat()
    data = path.read_bytes()
    assert old in data
    path.write_bytes(data.replace(old, new, 1))
    if keep_mtime:
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    else:
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))


def _add_requirement(metadata: Path) -> None:
    # A header line right after Metadata-Version, where the header block is.
    lines = metadata.read_text(encoding="utf-8").split("\n")
    lines.insert(1, "Requires-Dist: no-such-dependency>=1")
    metadata.write_text("\n".join(lines), encoding="utf-8")


def _grow(path: Path) -> None:
    with open(path, "ab") as fh:
        fh.write(b"\n# changed\n")


# Each change, as a function of the prefix.  Every one alters the audit's
# output, so a cache that missed it would show up as a stale document.
CHANGES: list[tuple[str, Callable[[Path], None]]] = [
    (
        "conda-record-added",
        lambda p: shutil.copy(
            p / "conda-meta/idna-3.10-py_0.json", p / "conda-meta/idna-3.9-py_0.json"
        ),
    ),
    ("conda-record-removed", lambda p: (p / "conda-meta/idna-3.9-py_0.json").unlink()),
    (
        "conda-record-edited-same-size-new-mtime",
        lambda p: _edit_same_size(
            p / "conda-meta/requests-2.32.3-py_0.json",
            b"urllib3 <3,>=1.21.1",
            b"urllib3 <3,>=9.21.1",
            keep_mtime=False,
        ),
    ),
    (
        "conda-record-edited-same-size-same-mtime",
        lambda p: _edit_same_size(
            p / "conda-meta/requests-2.32.3-py_0.json",
            b"urllib3 <3,>=9.21.1",
            b"urllib3 <3,>=1.21.1",
            keep_mtime=True,
        ),
    ),
    (
        "dist-info-added",
        lambda p: shutil.copytree(
            p / SITE / "attrs-24.2.0.dist-info", p / SITE / "attrs-23.1.0.dist-info"
        ),
    ),
    ("dist-info-removed", lambda p: shutil.rmtree(p / SITE / "attrs-23.1.0.dist-info")),
    ("metadata-edited", lambda p: _add_requirement(p / SITE / "attrs-24.2.0.dist-info/METADATA")),
    (
        "file-removed-from-dist-info",
        lambda p: (p / SITE / "attrs-24.2.0.dist-info/REQUESTED").unlink(),
    ),
    (
        "file-added-in-dist-info",
        lambda p: (p / SITE / "attrs-24.2.0.dist-info/REQUESTED").write_bytes(b""),
    ),
    (
        "file-added-in-site-packages",
        lambda p: (p / SITE / "zz-extra.egg-info").write_text(
            "Metadata-Version: 2.1\nName: zz-extra\nVersion: 1.0\n", encoding="utf-8"
        ),
    ),
    ("file-removed-from-site-packages", lambda p: (p / SITE / "zz-extra.egg-info").unlink()),
    ("record-listed-file-altered", lambda p: _grow(p / SITE / "idna/core.py")),
    ("record-listed-file-removed", lambda p: (p / SITE / "idna/codec.py").unlink()),
]


def test_warm_run_notices_each_kind_of_change(env, tmp_path, capsys):
    prefix = env(tmp_path)
    before = audit(capsys, prefix)
    assert audit(capsys, prefix) == before  # warm, nothing changed
    for name, change in CHANGES:
        change(prefix)
        warm = audit(capsys, prefix)  # the cache still holds the state before
        cold = audit(capsys, prefix, "--no-cache")
        assert warm == cold, name
        assert warm != before, f"{name}: the change did not show in the audit"
        before = warm


def test_warm_run_parses_nothing_when_nothing_changed(env, tmp_path, monkeypatch):
    """The second run really comes from the cache (else the tests above would
    only compare two cold runs)."""
    prefix = env(tmp_path)
    cold = discover(prefix, cache=True)

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsed although unchanged")

    monkeypatch.setattr(_conda_meta, "parse_record", fail)
    monkeypatch.setattr(_dists._Reader, "dist_info", fail)
    assert discover(prefix, cache=True) == cold


# -- cold, warm and a plain reading agree on every scenario ---------------------


def _reference_files(prefix: Path, state: PrefixState, *, deep: bool) -> FileCheck:
    """The per-file check written the obvious way: one lstat per recorded
    file, one sha256 of each whole file."""
    checked, missing, altered = 0, set(), {}
    for record in state.records:
        for p in record.paths:
            if p.path_type == "directory":
                continue
            if p.path.startswith("/") or ".." in p.path.split("/"):
                continue
            checked += 1
            try:
                st = os.lstat(prefix / p.path)
            except OSError:
                missing.add(p.path)
                continue
            if p.placeholder or p.path_type == "softlink" or stat.S_ISLNK(st.st_mode):
                continue
            if p.size is not None and st.st_size != p.size:
                altered[p.path] = f"size {st.st_size}, recorded {p.size}"
            elif deep and p.sha256 and not p.path.endswith(".pyc"):
                digest = hashlib.sha256((prefix / p.path).read_bytes()).hexdigest()
                if digest != p.sha256:
                    altered[p.path] = "sha256 differs from the record"
    return FileCheck(checked=checked, missing=frozenset(missing), altered=altered)


def _reference_records(prefix: Path) -> dict[str, tuple[object, ...]]:
    """The fields of each well-formed record, read with json.load."""
    out = {}
    meta = prefix / "conda-meta"
    for path in sorted(meta.glob("*.json")) if meta.is_dir() else []:
        try:
            raw = json.loads(path.read_bytes())
        except (OSError, ValueError):
            continue
        if not isinstance(raw, dict) or not all(
            isinstance(raw.get(k), str) for k in ("name", "version", "build")
        ):
            continue
        rows = raw.get("paths_data", {}).get("paths") or [{"_path": f} for f in raw["files"]]
        files = raw.get("files") or []
        paths = tuple(
            (
                files[i] if len(files) == len(rows) else row["_path"],
                row.get("size_in_bytes"),
                row.get("sha256"),
            )
            for i, row in enumerate(rows)
        )
        out[f"conda-meta/{path.name}"] = (
            raw["name"],
            raw["version"],
            raw["build"],
            tuple(raw.get("depends") or ()),
            paths,
        )
    return out


@pytest.mark.parametrize("depth", [Depth.QUICK, Depth.DEFAULT, Depth.DEEP], ids=str)
def test_cold_warm_and_plain_reading_agree(lab, scenario, depth, monkeypatch):
    monkeypatch.setenv("HOME", str(lab.home(scenario)))
    monkeypatch.delenv("PYTHONUSERBASE", raising=False)
    monkeypatch.delenv("PYTHONNOUSERSITE", raising=False)
    prefix = lab.prefix(scenario)
    names = NameMap.bundled()
    cold = discover(prefix, depth=depth)
    first = discover(prefix, depth=depth, cache=True)  # writes the cache
    warm = discover(prefix, depth=depth, cache=True)  # reads it
    assert first == cold
    assert warm == cold
    findings = check(build_graph(cold, names))
    assert check(build_graph(warm, names)) == findings

    # The plain reading: json.load each record, lstat (and hash) each file.
    plain = _reference_records(prefix)
    got = {
        r.source: (
            r.name,
            r.version,
            r.build,
            r.depends,
            tuple((p.path, p.size, p.sha256) for p in r.paths),
        )
        for r in cold.records
    }
    assert {k: v for k, v in got.items() if k in plain} == plain
    if depth is not Depth.QUICK:
        reference = _reference_files(prefix, cold, deep=depth is Depth.DEEP)
        assert cold.files == reference
        assert check(build_graph(replace(cold, files=reference), names)) == findings


# -- a cache that cannot be used never stands in the way ------------------------


def test_unwritable_cache_dir_still_audits(env, tmp_path, capsys, monkeypatch):
    prefix = env(tmp_path)
    expected = audit(capsys, prefix, "--no-cache")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would go\n", encoding="utf-8")
    monkeypatch.setenv("RECONCILE_CACHE_DIR", str(blocker / "cache"))
    assert audit(capsys, prefix) == expected
    assert audit(capsys, prefix) == expected


def test_corrupt_cache_file_is_ignored(env, tmp_path, capsys, monkeypatch):
    prefix = env(tmp_path)
    folder = tmp_path / "cache"
    monkeypatch.setenv("RECONCILE_CACHE_DIR", str(folder))
    expected = audit(capsys, prefix)
    (cache_file,) = (folder / "prefixes").iterdir()
    data = cache_file.read_bytes()
    huge = (1 << 62).to_bytes(8, "little") + data[8:]  # a length no file has
    for damaged in (b"", data[: len(data) // 2], b"\x00" * 64, data[:-1] + b"!", huge):
        cache_file.write_bytes(damaged)
        assert audit(capsys, prefix) == expected
    assert cache_file.read_bytes() != damaged  # rewritten whole


def test_cache_dir_inside_the_prefix_is_never_written(
    env, tmp_path, capsys, monkeypatch, tree_hash
):
    prefix = env(tmp_path)
    expected = audit(capsys, prefix, "--no-cache")
    before = tree_hash(prefix)
    monkeypatch.setenv("RECONCILE_CACHE_DIR", str(prefix / "cache"))
    assert audit(capsys, prefix) == expected
    assert tree_hash(prefix) == before


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    from reconcile.discover._cache import cache_dir

    monkeypatch.setenv("RECONCILE_CACHE_DIR", str(tmp_path / "a"))
    assert cache_dir() == tmp_path / "a"
    monkeypatch.delenv("RECONCILE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "reconcile"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "reconcile"


def test_what_lives_outside_the_prefix_is_asked_again(env, tmp_path):
    """A record's package-cache folder is outside the prefix (and outside the
    cache's key): a warm run still sees it go."""
    prefix = env(tmp_path)
    extracted = tmp_path / "pkgs" / "idna-3.10-py_0"
    extracted.mkdir(parents=True)
    record = prefix / "conda-meta/idna-3.10-py_0.json"
    raw = json.loads(record.read_bytes())
    raw["extracted_package_dir"] = str(extracted)
    raw.pop("package_tarball_full_path", None)
    record.write_text(json.dumps(raw), encoding="utf-8")

    def idna(state: PrefixState) -> bool:
        (found,) = (r for r in state.records if r.name == "idna")
        return found.in_package_cache

    assert idna(discover(prefix, cache=True))
    extracted.rmdir()
    warm = discover(prefix, cache=True)
    assert not idna(warm)
    assert warm == discover(prefix)


def test_racy_files_are_not_kept(env, tmp_path, monkeypatch):
    """A file changed moments before it is read may change again within the
    same timestamp tick, unseen: it is parsed again next time."""
    monkeypatch.setattr(_cache, "_RACY_NS", 3600 * 10**9)  # everything is "just changed"
    prefix = env(tmp_path)
    cold = discover(prefix, cache=True)
    calls = []
    real = _conda_meta.parse_record

    def counting(*args, **kwargs):
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(_conda_meta, "parse_record", counting)
    assert discover(prefix, cache=True) == cold
    assert len(calls) == len(cold.records)


def test_a_cache_file_others_can_write_is_not_loaded(env, tmp_path, monkeypatch):
    prefix = env(tmp_path)
    folder = tmp_path / "cache"
    monkeypatch.setenv("RECONCILE_CACHE_DIR", str(folder))
    cold = discover(prefix, cache=True)
    (cache_file,) = (folder / "prefixes").iterdir()
    cache_file.chmod(0o666)

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsed")

    monkeypatch.setattr(_conda_meta, "parse_record", fail)
    with pytest.raises(AssertionError, match="parsed"):
        discover(prefix, cache=True)
    cache_file.chmod(0o600)
    assert discover(prefix, cache=True) == cold


def test_cache_files_of_long_unaudited_prefixes_are_removed(env, tmp_path, monkeypatch):
    prefix = env(tmp_path)
    folder = tmp_path / "cache"
    monkeypatch.setenv("RECONCILE_CACHE_DIR", str(folder))
    (folder / "prefixes").mkdir(parents=True)
    old, recent = folder / "prefixes" / "old.cache", folder / "prefixes" / "recent.cache"
    for path, days in ((old, 31), (recent, 29)):
        path.write_bytes(b"")
        then = time.time_ns() - days * 24 * 3600 * 10**9
        os.utime(path, ns=(then, then))
    discover(prefix, cache=True)
    assert not old.exists()
    assert recent.exists()
