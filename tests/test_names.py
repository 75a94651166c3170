from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from reconcile.data import regenerate_names
from reconcile.errors import InvalidNameMap, ReconcileError
from reconcile.names import NameMap

TABLE = Path(__file__).parent.parent / "reconcile" / "data" / "names.tsv"


def write_map(tmp_path: Path, text: str, name: str = "names.tsv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- bundled table -----------------------------------------------------------


@pytest.mark.parametrize(
    ("conda_name", "expected"),
    [
        pytest.param("pytorch", ("torch",), id="pytorch"),
        pytest.param("msgpack-python", ("msgpack",), id="msgpack-python"),
        pytest.param("dask-core", ("dask",), id="dask-core"),
        pytest.param("pyqt", ("pyqt4", "pyqt5"), id="pyqt-two-majors"),
        pytest.param("opencv", ("opencv-python", "opencv-python-headless"), id="opencv"),
    ],
)
def test_bundled_forward(conda_name: str, expected: tuple[str, ...]) -> None:
    assert NameMap.bundled().pypi_names(conda_name) == expected


@pytest.mark.parametrize(
    ("pypi_name", "expected"),
    [
        pytest.param("torch", ("pytorch",), id="torch"),
        pytest.param("PyQt5", ("pyqt",), id="any-spelling"),
        pytest.param("opencv_python_headless", ("opencv",), id="underscores"),
        pytest.param("msgpack", ("msgpack-python",), id="msgpack"),
    ],
)
def test_bundled_reverse(pypi_name: str, expected: tuple[str, ...]) -> None:
    assert NameMap.bundled().conda_names(pypi_name) == expected


@pytest.mark.parametrize(
    ("conda_name", "expected"),
    [
        pytest.param("numpy", "numpy", id="plain"),
        pytest.param("ruamel.yaml", "ruamel-yaml", id="dotted"),
        pytest.param("typing_extensions", "typing-extensions", id="underscore"),
        pytest.param("cyipopt", "cyipopt", id="also-maps-to-itself"),
    ],
)
def test_forward_fallback_is_normalised_same_name(conda_name: str, expected: str) -> None:
    assert NameMap.bundled().pypi_names(conda_name) == (expected,)


def test_reverse_fallback_is_normalised_same_name() -> None:
    assert NameMap.bundled().conda_names("Requests") == ("requests",)
    assert NameMap().conda_names("Foo_Bar.baz") == ("foo-bar-baz",)


def test_bundled_is_cached_and_hashable() -> None:
    bundled = NameMap.bundled()
    assert NameMap.bundled() is bundled
    assert {bundled: 1}[NameMap(pairs=bundled.pairs)] == 1
    assert bundled.source


def test_equality_ignores_order_duplicates_and_source() -> None:
    a = NameMap(pairs=(("b", canonicalize_name("y")), ("a", canonicalize_name("x"))), source="1")
    b = NameMap(pairs=(("a", canonicalize_name("x")), ("b", canonicalize_name("y"))) * 2)
    assert a == b
    assert hash(a) == hash(b)
    assert a.pairs == (("a", "x"), ("b", "y"))


def test_import_is_cheap() -> None:
    code = (
        "import sys, reconcile\n"
        "before = set(sys.modules)\n"
        "import reconcile.names as n\n"
        "new = set(sys.modules) - before\n"
        "assert not [m for m in new if m.startswith('packaging')], sorted(new)\n"
        "assert n._load_bundled.cache_info().currsize == 0\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=TABLE.parents[2])


# --- override files ----------------------------------------------------------


def test_from_file_reads_tsv(tmp_path: Path) -> None:
    path = write_map(
        tmp_path,
        "# my site's builds\n\nmy-torch\tTorch\nqt-all\tPyQt5\nqt-all\tPyQt6\n",
    )
    m = NameMap.from_file(path)
    assert m.pypi_names("my-torch") == ("torch",)
    assert m.pypi_names("qt-all") == ("pyqt5", "pyqt6")
    assert m.conda_names("pyqt6") == ("qt-all",)
    assert m.source == str(path)


def test_override_beats_bundled(tmp_path: Path) -> None:
    override = NameMap.from_file(write_map(tmp_path, "pytorch\tpytorch-nightly\nmy-torch\ttorch\n"))
    m = NameMap.bundled().merged(override)
    assert m.pypi_names("pytorch") == ("pytorch-nightly",)
    assert m.conda_names("torch") == ("my-torch",)
    assert m.conda_names("pytorch-nightly") == ("pytorch",)
    # Untouched bundled entries survive.
    assert m.pypi_names("msgpack-python") == ("msgpack",)
    assert str(tmp_path) in m.source
    # merged() returns a new map.
    assert NameMap.bundled().pypi_names("pytorch") == ("torch",)


def test_override_same_name_cancels_bundled(tmp_path: Path) -> None:
    override = NameMap.from_file(write_map(tmp_path, "dask-core\tdask-core\n"))
    m = NameMap.bundled().merged(override)
    assert m.pypi_names("dask-core") == ("dask-core",)
    assert m.conda_names("dask") == ("dask",)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        pytest.param("pytorch torch\n", "line 1", id="space-not-tab"),
        pytest.param("# ok\na\tb\tc\n", "line 2", id="three-fields"),
        pytest.param("pytorch\t\n", "''", id="empty-pypi"),
        pytest.param("\ttorch\n", "not a conda package name", id="empty-conda"),
        pytest.param("PyTorch\ttorch\n", "'PyTorch'", id="upper-case-conda"),
        pytest.param("pytorch\ttorch!\n", "'torch!'", id="invalid-pypi"),
    ],
)
def test_bad_override_raises(tmp_path: Path, text: str, fragment: str) -> None:
    path = write_map(tmp_path, text)
    with pytest.raises(InvalidNameMap) as info:
        NameMap.from_file(path)
    assert info.value.path == path
    assert str(path) in str(info.value)
    assert fragment in str(info.value)
    assert isinstance(info.value, ReconcileError)


def test_unreadable_override_raises(tmp_path: Path) -> None:
    missing = tmp_path / "nope.tsv"
    with pytest.raises(InvalidNameMap, match=r"nope\.tsv"):
        NameMap.from_file(missing)
    binary = tmp_path / "bin.tsv"
    binary.write_bytes(b"pytorch\t\xff\n")
    with pytest.raises(InvalidNameMap, match="not UTF-8"):
        NameMap.from_file(binary)


# --- the committed table -----------------------------------------------------


def table_rows() -> list[tuple[str, str]]:
    rows = []
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            conda_name, pypi_name = line.split("\t")
            rows.append((conda_name, pypi_name))
    return rows


def test_table_has_no_same_name_pairs() -> None:
    same = [(c, p) for c, p in table_rows() if canonicalize_name(c) == canonicalize_name(p)]
    assert same == []


def test_table_is_sorted_unique_and_normalised() -> None:
    rows = table_rows()
    assert rows == sorted(set(rows))
    assert all(p == canonicalize_name(p) for _, p in rows)


def test_table_header_records_provenance_and_is_small() -> None:
    header = [line for line in TABLE.read_text(encoding="utf-8").splitlines() if line[:1] == "#"]
    text = "\n".join(header)
    for needle in (
        "# source: conda-pypi ",
        "grayskull_pypi_mapping.json",
        "# licence: ",
        "# date: ",
    ):
        assert needle in text
    assert TABLE.stat().st_size < 32_000
    assert NameMap.bundled().pairs == tuple(sorted(table_rows()))


# --- regenerate_names.py ----------------------------------------------------


def test_regenerate_from_wheel(tmp_path: Path) -> None:
    mapping = {
        "torch": {"pypi_name": "torch", "conda_name": "pytorch"},
        "numpy": {"pypi_name": "numpy", "conda_name": "numpy"},
        "typing-extensions": {"pypi_name": "typing-extensions", "conda_name": "typing_extensions"},
        "0164e082b29777fbc56c2373b68da93d23a29a040787e7f1c65e1562f133": {
            "pypi_name": "0164e082b29777fbc56c2373b68da93d23a29a040787e7f1c65e1562f133",
            "conda_name": "django-jsoneditor",
        },
        "cyipopt": {"pypi_name": "cyipopt", "conda_name": "cyipopt"},
        "ipopt": {"pypi_name": "ipopt", "conda_name": "cyipopt"},
        "pyqt5": {"pypi_name": "PyQt5", "conda_name": "pyqt"},
    }
    wheel = tmp_path / "conda_pypi-9.9-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr(
            "conda_pypi-9.9.dist-info/METADATA",
            "Metadata-Version: 2.4\nName: conda-pypi\nVersion: 9.9\nLicense-Expression: MIT\n",
        )
        zf.writestr("conda_pypi/grayskull_pypi_mapping.json", json.dumps(mapping))
    out = tmp_path / "names.tsv"

    regenerate_names.main(["--wheel", str(wheel), "--date", "2026-11-22", "-o", str(out)])

    text = out.read_text(encoding="utf-8")
    assert "# source: conda-pypi 9.9 wheel, conda_pypi/grayskull_pypi_mapping.json" in text
    assert "# licence: MIT" in text
    assert "# date: 2026-11-22" in text
    assert NameMap.from_file(out).pairs == (("pyqt", "pyqt5"), ("pytorch", "torch"))
