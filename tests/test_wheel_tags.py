"""platform-mismatch: an installed wheel whose WHEEL tags fit neither the
env's Python nor its platform (reconcile/wheel_tags.py, check.py).

The target is the audited env's Python and conda subdir, never the
interpreter running reconcile.  WHEEL files here are shaped as ``wheel``
(bdist_wheel), meson-python and maturin write them; the real wheels of
tests/real_writers/15-* cover pip's own output.
"""

from __future__ import annotations

from pathlib import Path

import prefix_kit as kit
import pytest
from packaging.version import Version

from reconcile.discover import discover
from reconcile.models import PythonInfo
from reconcile.wheel_tags import fit


def wheel_file(*tags: str, generator: str = "bdist_wheel (0.45.1)") -> str:
    pure = all(t.endswith("-none-any") for t in tags)
    lines = [
        "Wheel-Version: 1.0",
        f"Generator: {generator}",
        f"Root-Is-Purelib: {'true' if pure else 'false'}",
        *(f"Tag: {t}" for t in tags),
    ]
    return "\n".join(lines) + "\n\n"


def python(version: str, platform: str, **kw: object) -> PythonInfo:
    return PythonInfo(
        version=Version(version), site_packages="x", platform=platform, source="test", **kw
    )  # type: ignore[arg-type]


# -- which tags fit which env ---------------------------------------------------

CP311_LINUX = python("3.11.7", "linux-64")


@pytest.mark.parametrize(
    ("env", "tags", "reason"),
    [
        # the brief's three: another Python, another OS, Windows
        pytest.param(CP311_LINUX, ["cp312-cp312-manylinux_2_17_x86_64",
                                   "cp312-cp312-manylinux2014_x86_64"], "python",
                     id="cp312-in-3.11"),
        pytest.param(CP311_LINUX, ["cp311-cp311-macosx_11_0_arm64"], "platform",
                     id="macos-on-linux"),
        pytest.param(CP311_LINUX, ["cp311-cp311-win_amd64"], "platform", id="windows-on-linux"),
        pytest.param(CP311_LINUX, ["cp312-cp312-win_amd64"], "both", id="both-wrong"),
        pytest.param(CP311_LINUX, ["cp311-cp311-manylinux_2_17_aarch64"], "platform",
                     id="another-arch"),
        pytest.param(CP311_LINUX, ["cp312-abi3-manylinux_2_17_x86_64"], "python",
                     id="abi3-of-a-newer-cpython"),
        pytest.param(CP311_LINUX, ["py2-none-any"], "python", id="python-2-only"),
        pytest.param(CP311_LINUX, ["py3-none-macosx_11_0_arm64"], "platform",
                     id="pure-python-platform-binary"),  # ninja, cmake: an executable inside
        # what fits
        pytest.param(CP311_LINUX, ["py3-none-any"], None, id="py3-none-any"),
        pytest.param(CP311_LINUX, ["py2.py3-none-any"], None, id="compressed-tag-set"),
        pytest.param(CP311_LINUX, ["py2-none-any", "py3-none-any"], None, id="two-tag-lines"),
        pytest.param(CP311_LINUX, ["cp39-abi3-manylinux_2_28_x86_64"], None,
                     id="abi3-of-an-older-cpython"),
        pytest.param(CP311_LINUX, ["cp311-cp311-manylinux_2_39_x86_64"], None,
                     id="any-glibc"),  # the machine's glibc is not the prefix's to tell
        pytest.param(CP311_LINUX, ["cp311-cp311-musllinux_1_2_x86_64"], None, id="musllinux"),
        pytest.param(CP311_LINUX, ["cp311-cp311-manylinux1_x86_64"], None, id="legacy-manylinux"),
        pytest.param(CP311_LINUX, ["cp311-cp311-linux_x86_64"], None, id="local-build"),
        pytest.param(CP311_LINUX, ["cp311-none-any"], None, id="cp311-none-any"),
        pytest.param(CP311_LINUX, ["py311-none-linux_x86_64"], None, id="py311-platform"),
        pytest.param(python("3.12.7", "linux-aarch64"), ["cp312-cp312-manylinux_2_17_aarch64"],
                     None, id="aarch64"),
        pytest.param(python("3.12.7", "osx-arm64"), ["cp312-cp312-macosx_14_0_arm64"], None,
                     id="any-macos-release"),
        pytest.param(python("3.12.7", "osx-arm64"), ["cp312-cp312-macosx_10_9_universal2"], None,
                     id="universal2-on-arm64"),
        pytest.param(python("3.12.7", "osx-arm64"), ["cp312-cp312-macosx_10_9_x86_64"],
                     "platform", id="x86_64-on-arm64"),
        pytest.param(python("3.12.7", "osx-64"), ["cp312-cp312-macosx_10_9_intel"], None,
                     id="intel-on-x86_64"),
        pytest.param(python("3.12.7", "osx-64"), ["cp312-cp312-macosx_11_0_arm64"], "platform",
                     id="arm64-on-x86_64"),
        pytest.param(python("3.11.9", "win-64"), ["cp311-cp311-win_amd64"], None, id="win-64"),
        pytest.param(python("3.11.9", "win-64"), ["cp311-cp311-win32"], "platform", id="win32"),
        # free-threaded CPython: its own ABI, no abi3 (PEP 703)
        pytest.param(python("3.13.2", "linux-64", free_threaded=True),
                     ["cp313-cp313t-manylinux_2_17_x86_64"], None, id="free-threaded"),
        pytest.param(python("3.13.2", "linux-64", free_threaded=True),
                     ["cp313-cp313-manylinux_2_17_x86_64"], "python",
                     id="gil-abi-in-free-threaded"),
        pytest.param(python("3.13.2", "linux-64"), ["cp313-cp313t-manylinux_2_17_x86_64"],
                     "python", id="free-threaded-abi-in-gil"),
        # before 3.8 the ABI carried build flags: m (pymalloc), and u (UCS-4) on Python 2
        pytest.param(python("3.6.6", "osx-64"), ["cp36-cp36m-macosx_10_6_intel"], None,
                     id="cp36m"),  # conda's own test env py36-osx-whl (tests/test_corpus.py)
        pytest.param(python("3.7.12", "linux-64"), ["cp37-cp37m-manylinux1_x86_64"], None,
                     id="cp37m"),
        pytest.param(python("2.7.18", "linux-64"), ["cp27-cp27mu-manylinux1_x86_64"], None,
                     id="cp27mu"),
        pytest.param(python("3.7.12", "linux-64"), ["cp36-cp36m-manylinux1_x86_64"], "python",
                     id="cp36m-in-3.7"),
        # PyPy: only the platform is judged (its ABI names a PyPy release)
        pytest.param(python("3.10.14", "linux-64", implementation="pypy"),
                     ["pp310-pypy310_pp73-manylinux_2_17_x86_64"], None, id="pypy"),
        pytest.param(python("3.10.14", "linux-64", implementation="pypy"),
                     ["pp310-pypy310_pp73-win_amd64"], "platform", id="pypy-windows"),
        # a subdir without known wheel platforms: only the Python is judged
        pytest.param(python("3.12.1", "emscripten-wasm32"),
                     ["cp312-cp312-pyodide_2024_0_wasm32"], None, id="emscripten"),
        pytest.param(python("3.12.1", "emscripten-wasm32"),
                     ["cp311-cp311-pyodide_2024_0_wasm32"], "python", id="emscripten-python"),
        # no evidence
        pytest.param(CP311_LINUX, ["not a tag"], None, id="unparseable"),
        pytest.param(CP311_LINUX, [], None, id="no-tags"),
    ],
)  # fmt: skip
def test_fit(env: PythonInfo, tags: list[str], reason: str | None) -> None:
    found = fit(env, tags)
    assert (found.reason if found else None) == reason


def test_tags_are_reported_in_the_wheel_files_order() -> None:
    found = fit(CP311_LINUX, ["cp312-cp312-manylinux_2_17_x86_64",
                              "cp312-cp312-manylinux2014_x86_64"])  # fmt: skip
    assert found is not None
    assert found.tags == ("cp312-cp312-manylinux_2_17_x86_64", "cp312-cp312-manylinux2014_x86_64")


# -- the audit ---------------------------------------------------------------------


def _python_record(prefix: Path, version: str, subdir: str, build: str = "h1_cpython") -> None:
    kit.record(prefix, {"name": "python", "version": version, "build": build,
                        "subdir": subdir, "depends": []})  # fmt: skip


def _wheel_dist(site: Path, name: str, version: str, *tags: str, installer: str = "pip") -> None:
    folder = kit.dist(site, name, version, "")
    kit.write(folder / "WHEEL", wheel_file(*tags))
    kit.write(folder / "INSTALLER", f"{installer}\n")


def _mismatches(prefix: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, dict]:
    doc = kit.audit(prefix, capsys, "--format", "json")
    return {f["package"]: f for f in doc["findings"] if f["code"] == "platform-mismatch"}


def test_audit_judges_the_envs_python_not_reconciles(tmp_path, capsys):
    # A Python 3.9 env: its cp39 wheel fits, a wheel for the Python running the
    # tests (3.10 or later) does not.
    site = tmp_path / "lib/python3.9/site-packages"
    _python_record(tmp_path, "3.9.20", "linux-64")
    _wheel_dist(site, "fits", "1.0", "cp39-cp39-manylinux_2_17_x86_64")
    _wheel_dist(site, "hosts", "1.0", "cp311-cp311-manylinux_2_17_x86_64",
                "cp312-cp312-manylinux_2_17_x86_64")  # fmt: skip
    found = _mismatches(tmp_path, capsys)
    assert set(found) == {"hosts"}
    f = found["hosts"]
    assert f["severity"] == "error"
    assert f["evidence"]["python"] == "3.9.20" and f["evidence"]["platform"] == "linux-64"
    assert f["evidence"]["mismatch"] == "python"
    assert f["evidence"]["path"] == "lib/python3.9/site-packages/hosts-1.0.dist-info/WHEEL"
    assert f["message"].startswith(
        "hosts 1.0 is a wheel for cp311-cp311-manylinux_2_17_x86_64 (and 1 more tag), built for "
        "another Python than CPython 3.9;"
    )
    assert "compiled modules will likely not import" in f["message"]


def test_platform_comes_from_the_prefix(tmp_path, capsys):
    site = tmp_path / "lib/python3.12/site-packages"
    _python_record(tmp_path, "3.12.7", "osx-arm64")
    _wheel_dist(site, "mac", "1.0", "cp312-cp312-macosx_11_0_arm64")
    _wheel_dist(site, "linux", "1.0", "cp312-cp312-manylinux_2_17_x86_64")
    found = _mismatches(tmp_path, capsys)
    assert set(found) == {"linux"}
    assert "built for another platform than osx-arm64" in found["linux"]["message"]


def test_a_pure_wheel_for_another_python_says_its_code_may_not_run(tmp_path, capsys):
    site = tmp_path / "lib/python3.12/site-packages"
    _python_record(tmp_path, "3.12.7", "linux-64")
    _wheel_dist(site, "oldie", "1.0", "py2-none-any")
    (f,) = _mismatches(tmp_path, capsys).values()
    assert f["message"].endswith("its code may not run on CPython 3.12")


def test_free_threaded_env_from_its_python_build(tmp_path, capsys):
    site = tmp_path / "lib/python3.13t/site-packages"
    _python_record(tmp_path, "3.13.2", "linux-64", build="h1_cp313t")
    _wheel_dist(site, "ft", "1.0", "cp313-cp313t-manylinux_2_17_x86_64")
    _wheel_dist(site, "gil", "1.0", "cp313-cp313-manylinux_2_17_x86_64")
    state = discover(tmp_path)
    assert state.python is not None and state.python.free_threaded
    found = _mismatches(tmp_path, capsys)
    assert set(found) == {"gil"}
    assert "than CPython 3.13 (free-threaded)" in found["gil"]["message"]


def test_conda_packages_are_not_judged_and_their_wheel_not_read(tmp_path, capsys):
    # conda chose the package for this subdir and Python; the WHEEL inside is
    # what its build wrote, which conda never reads.
    site = tmp_path / "lib/python3.12/site-packages"
    _python_record(tmp_path, "3.12.7", "linux-64")
    _wheel_dist(site, "condas", "1.0", "cp312-cp312-macosx_11_0_arm64", installer="conda")
    _wheel_dist(site, "pips", "1.0", "cp312-cp312-manylinux_2_17_x86_64")
    state = discover(tmp_path)
    assert state.site_packages is not None
    tags = {d.name: d.wheel_tags for d in state.site_packages.dists}
    assert tags == {"condas": (), "pips": ("cp312-cp312-manylinux_2_17_x86_64",)}
    assert _mismatches(tmp_path, capsys) == {}


def test_wheel_without_tags_is_no_evidence(tmp_path, capsys):
    site = tmp_path / "lib/python3.12/site-packages"
    _python_record(tmp_path, "3.12.7", "linux-64")
    folder = kit.dist(site, "bare", "1.0", "")
    kit.write(folder / "WHEEL", "Wheel-Version: 1.0\nGenerator: custom\n")
    assert _mismatches(tmp_path, capsys) == {}
