"""The lab is real: its prefixes hold what rattler and pip wrote, and each scenario's
damage is on disk the way its description says.

If one of these fails, the expected findings of that scenario are no longer about
what is on disk, so fix the lab (or the description) before blaming the auditor.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

PY = f"{sys.version_info.major}.{sys.version_info.minor}"
PY_OLD = f"{sys.version_info.major}.{sys.version_info.minor - 1}"


# --------------------------------------------------------------------------- helpers


def site_packages(prefix: Path, py: str = PY) -> Path:
    return prefix / "lib" / f"python{py}" / "site-packages"


def records(prefix: Path) -> dict[str, dict[str, Any]]:
    """The readable conda-meta records, by package name (corrupt ones are skipped)."""
    found = {}
    for path in sorted((prefix / "conda-meta").glob("*.json")):
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        found[record["name"]] = record
    return found


def installer(dist_info: Path) -> str:
    return (dist_info / "INSTALLER").read_text().strip()


def dist_infos(prefix: Path, name: str) -> dict[str, str]:
    """``{dist-info dir name: INSTALLER}`` for one distribution name."""
    return {
        p.name: installer(p)
        for p in site_packages(prefix).glob("*.dist-info")
        if p.name.split("-", 1)[0] == name.replace("-", "_")
    }


def run_python(lab: Any, name: str, code: str, *, user_site: bool = False) -> str:
    """Run ``code`` with the scenario prefix's python, as the scenario's HOME."""
    env = lab.env(name)
    if user_site:
        del env["PYTHONNOUSERSITE"]
    proc = subprocess.run(
        [str(lab.prefix(name) / "bin" / "python"), "-c", code],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return proc.stdout.strip()


def record_hash(data: bytes) -> str:
    """A RECORD hash field (PEP 376 / the wheel spec): urlsafe base64, no padding."""
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


# --------------------------------------------------------------------------- definition


def test_scenario_definition_is_complete(lab_module: ModuleType, scenario: str) -> None:
    """Every step is runnable and every expected finding is explained in the description."""
    loaded = lab_module.Scenario.load(scenario)
    assert loaded.steps, "a scenario without steps builds nothing"
    assert "conda" in loaded.steps[0], "the first step must make the conda environment"
    for step in loaded.steps:
        if "corrupt" in step:
            assert step["corrupt"] in lab_module.CORRUPTIONS
    for code, package in loaded.expected:
        assert code in lab_module.FINDING_CODES
        assert code in loaded.description, f"description does not say why {code} is expected"
        assert package in loaded.description


def test_expected_findings_are_exact_sets(lab_module: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "expected.toml"
    path.write_text('[[finding]]\ncode = "no-such-code"\npackage = "six"\n')
    with pytest.raises(lab_module.LabError, match="no-such-code"):
        lab_module._read_expected(path)
    path.write_text("finding = []\n")
    assert lab_module._read_expected(path) == frozenset()


def test_pip_env_keeps_this_machine_out(
    lab_module: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Machine pip settings (find-links, index, constraints) must not reach lab pips."""
    monkeypatch.setenv("PIP_FIND_LINKS", "/opt/wheels")
    monkeypatch.setenv("PIP_INDEX_URL", "https://example.invalid/simple")
    monkeypatch.setenv("PYTHONPATH", "/somewhere")
    env = lab_module.pip_env(tmp_path)
    assert not {k for k in env if k.startswith("PIP_")} - {"PIP_CONFIG_FILE"}
    assert env["PIP_CONFIG_FILE"] == os.devnull
    assert "PYTHONPATH" not in env
    assert env["HOME"] == str(tmp_path)


# --------------------------------------------------------------------------- tree hash


def _change_bytes(root: Path) -> None:
    (root / "a.txt").write_text("B")


def _same_bytes_rewritten(root: Path) -> None:
    path = root / "a.txt"
    st = path.stat()
    path.write_text("A")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))


def _new_empty_file(root: Path) -> None:
    (root / "d" / "new").touch()


def _retarget_symlink(root: Path) -> None:
    (root / "link").unlink()
    (root / "link").symlink_to("d")


def _chmod(root: Path) -> None:
    (root / "a.txt").chmod(0o600)


def _create_and_remove(root: Path) -> None:
    tmp = root / "d" / "tmp"
    tmp.write_text("x")
    tmp.unlink()
    os.utime(root / "d", ns=(0, os.stat(root / "d").st_mtime_ns + 1_000_000))


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(_change_bytes, id="bytes"),
        pytest.param(_same_bytes_rewritten, id="same-bytes-rewritten"),
        pytest.param(_new_empty_file, id="new-empty-file"),
        pytest.param(_retarget_symlink, id="symlink-target"),
        pytest.param(_chmod, id="mode"),
        pytest.param(_create_and_remove, id="file-created-and-removed"),
    ],
)
def test_tree_hash_sees_every_write(
    tmp_path: Path, tree_hash: Callable[[Path], str], change: Callable[[Path], None]
) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "a.txt").write_text("A")
    (tmp_path / "link").symlink_to("a.txt")
    (tmp_path / "loop").symlink_to("loop")
    before = tree_hash(tmp_path)
    (tmp_path / "a.txt").read_bytes()
    list(tmp_path.rglob("*"))
    assert tree_hash(tmp_path) == before, "reading must not change the hash"
    change(tmp_path)
    assert tree_hash(tmp_path) != before


# --------------------------------------------------------------------------- every prefix


def test_conda_records_were_written_by_rattler(lab: Any, scenario: str) -> None:
    """Records point into the lab's package cache and channel and describe every file."""
    found = records(lab.prefix(scenario))
    assert found["python"]["subdir"] != "noarch"
    for name, record in found.items():
        assert Path(record["extracted_package_dir"]).parent == lab.root / "pkgs", name
        assert record["channel"].rstrip("/") == lab.channel.as_uri(), name
        paths = record["paths_data"]["paths"]
        assert [p["_path"] for p in paths] == record["files"], name
        assert all("size_in_bytes" in p for p in paths), name
        if record.get("noarch") == "python":
            assert all(
                f.startswith((f"lib/python{PY}/site-packages/", "bin/")) for f in record["files"]
            ), name


def test_prefix_python_is_the_environment(lab: Any, scenario: str) -> None:
    """bin/python runs with the prefix as sys.prefix and installs into its site-packages."""
    out = run_python(
        lab,
        scenario,
        "import sys, sysconfig; print(sys.prefix); print(sysconfig.get_path('purelib'))",
    )
    prefix, purelib = out.splitlines()
    assert Path(prefix) == lab.prefix(scenario)
    assert Path(purelib) == site_packages(lab.prefix(scenario))


def test_conda_dist_infos_say_conda(lab: Any, scenario: str) -> None:
    """A dist-info a conda record lists says INSTALLER ``conda``, as conda-forge's do,
    unless pip rewrote it; its RECORD lists INSTALLER and REQUESTED (pip wrote them when
    conda-build ran it), so a pip uninstall leaves nothing behind."""
    prefix = lab.prefix(scenario)
    for name, record in records(prefix).items():
        for rel in record["files"]:
            if rel.endswith(".dist-info/INSTALLER") and (prefix / rel).exists():
                rewritten = (scenario, name) == ("force-reinstall-same-version", "six")
                expected = "pip" if rewritten else "conda"
                assert (prefix / rel).read_text().strip() == expected, (name, rel)
                folder = rel.rsplit("/", 2)[-2]
                rows = {r.split(",", 1)[0] for r in
                        (prefix / rel).with_name("RECORD").read_text().splitlines()}  # fmt: skip
                assert {f"{folder}/INSTALLER", f"{folder}/REQUESTED"} <= rows, (name, rel)


def test_python_package_ships_the_python3_1_link(lab: Any, scenario: str) -> None:
    """lib/python3.1 -> python3.1X, listed as a softlink, as in every conda-forge python."""
    prefix = lab.prefix(scenario)
    link = prefix / "lib" / "python3.1"
    assert link.is_symlink() and os.readlink(link) == f"python{PY}"
    (python,) = [r for n, r in records(prefix).items() if n == "python"]
    listed = {p["_path"]: p for p in python["paths_data"]["paths"]}
    assert listed["lib/python3.1"]["path_type"] == "softlink"


def test_rebuild_reuses_the_built_prefix(
    lab: Any, lab_module: ModuleType, tree_hash: Callable[[Path], str]
) -> None:
    before = tree_hash(lab.prefix("clean"))
    again = lab_module.build_lab(lab.root, ["clean"])
    assert again.prefix("clean") == lab.prefix("clean")
    assert tree_hash(lab.prefix("clean")) == before


def test_half_built_scenario_is_built_again(
    lab: Any, lab_module: ModuleType, tmp_path: Path
) -> None:
    """Without its completion stamp a scenario folder is wiped and built from nothing.

    On a lab root of its own: breaking a scenario of the shared lab would break every
    other run reading (or building) it at the same time.
    """
    root = tmp_path / "lab"
    lab_module.share_channel(lab.root, root)
    name = "conda-meta-junk"
    folder = lab_module.scenario_folder(root, name)
    # as if a build had stopped before its last step: files, no built.json
    (folder / "prefix" / "conda-meta").mkdir(parents=True)
    (folder / "prefix" / "half-built").write_text("")
    own = lab_module.build_lab(root, [name])
    assert own.prefix(name) == folder / "prefix"
    assert not (folder / "prefix" / "half-built").exists()
    stamp = json.loads((folder / "built.json").read_text())["stamp"]
    assert stamp == lab_module._full_stamp(root, name)
    with pytest.raises(UnicodeDecodeError):
        _six_record(own, name).read_text(encoding="utf-8")


def test_a_changed_definition_builds_beside_the_old_one(
    lab: Any, lab_module: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each definition of a scenario (and each channel build) has a folder of its own."""
    name = "clean"
    folder = lab_module.scenario_folder(lab.root, name)
    assert lab.prefix(name) == folder / "prefix"
    assert folder.parent == lab.root / "scenarios" / name
    assert len(folder.name) == 8
    real = lab_module.scenario_stamp
    monkeypatch.setattr(lab_module, "scenario_stamp", lambda n: real(n) + "-edited")
    assert lab_module.scenario_folder(lab.root, name).parent == folder.parent
    assert lab_module.scenario_folder(lab.root, name) != folder


#: One test run's lab build, in a process of its own: load the lab definition at
#: argv[1], wait for the file argv[4] (so that every builder starts at once), build
#: scenario argv[3] in root argv[2], and say what it got (its folder, the stamp the
#: folder must carry, and the folder's tree hash at the moment it was handed out).
_BUILDER = """
import importlib.util, json, os, sys, time
from pathlib import Path

lab_py, root, name, go, tests = sys.argv[1:]
spec = importlib.util.spec_from_file_location("lab_definition", lab_py)
lab = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = lab
spec.loader.exec_module(lab)
sys.path.insert(0, tests)
from conftest import hash_tree

while not os.path.exists(go):
    time.sleep(0.01)
built = lab.build_lab(Path(root), [name])
folder = built.prefix(name).parent
print(json.dumps({"folder": str(folder), "stamp": lab._full_stamp(built.root, name),
                  "hash": hash_tree(folder)}))
"""


def test_concurrent_builds_share_one_root_safely(
    lab: Any, lab_module: ModuleType, tmp_path: Path, tree_hash: Callable[[Path], str]
) -> None:
    """Three test runs build a scenario in one lab root at the same time: two of the
    same checkout and one of a checkout whose ``clean`` scenario differs.  None fails,
    the channel is not built again, each gets a complete prefix of its own definition,
    and nobody's build writes into what another was handed.  (The root starts with a
    copy of the lab's channel: building one takes half a minute, under the same lock.)"""
    definitions = {}
    for checkout in ("a", "b"):
        copy = tmp_path / f"checkout-{checkout}" / "lab"
        shutil.copytree(lab_module.LAB_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
        definitions[checkout] = copy / "lab.py"
    edited = definitions["b"].parent / "scenarios" / "clean" / "scenario.toml"
    edited.write_text(edited.read_text() + "# checkout b's definition\n")
    root = tmp_path / "root"
    lab_module.share_channel(lab.root, root)
    channel_built = json.loads((root / "channel.json").read_text())["built"]
    go = tmp_path / "go"
    tests = str(Path(__file__).resolve().parent.parent)
    runs = {}
    for run in ("a1", "a2", "b1"):
        argv = [str(definitions[run[0]]), str(root), "clean", str(go), tests]
        runs[run] = subprocess.Popen(
            [sys.executable, "-c", _BUILDER, *argv],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
    go.touch()
    got = {}
    for run, proc in runs.items():
        out, err = proc.communicate(timeout=900)
        assert proc.returncode == 0, f"{run}: {err}"
        got[run] = json.loads(out)

    assert got["a1"] == got["a2"], "one checkout's two runs get the same build"
    assert got["a1"]["folder"] != got["b1"]["folder"]
    assert got["a1"]["stamp"] != got["b1"]["stamp"]
    # every build is of the channel the root started with: none was rebuilt
    assert {r["stamp"].rsplit("-", 1)[1] for r in got.values()} == {str(channel_built)}
    assert json.loads((root / "channel.json").read_text())["built"] == channel_built
    for run, result in got.items():
        folder = Path(result["folder"])
        assert json.loads((folder / "built.json").read_text())["stamp"] == result["stamp"], run
        assert tree_hash(folder) == result["hash"], f"{run}'s folder was written after"
        proc = subprocess.run(
            [str(folder / "prefix" / "bin" / "python"), "-c",
             "import attr, requests; print(requests.__version__)"],
            env=lab_module.pip_env(folder / "home"), capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert (proc.returncode, proc.stdout) == (0, "2.32.3\n"), proc.stderr


# --------------------------------------------------------------------------- scenarios


def test_clean(lab: Any) -> None:
    prefix = lab.prefix("clean")
    assert dist_infos(prefix, "attrs") == {"attrs-24.2.0.dist-info": "pip"}
    assert dist_infos(prefix, "requests") == {"requests-2.32.3.dist-info": "conda"}
    assert "attrs" not in records(prefix)
    assert (
        run_python(lab, "clean", "import attr, requests; print(requests.__version__)") == "2.32.3"
    )


def test_pip_upgrades_conda_package(lab: Any) -> None:
    prefix = lab.prefix("pip-upgrades-conda-package")
    listed = records(prefix)["six"]["files"]
    assert f"lib/python{PY}/site-packages/six-1.16.0.dist-info/METADATA" in listed
    assert not (site_packages(prefix) / "six-1.16.0.dist-info").exists()
    assert dist_infos(prefix, "six") == {"six-1.17.0.dist-info": "pip"}
    assert (
        run_python(lab, "pip-upgrades-conda-package", "import six; print(six.__version__)")
        == "1.17.0"
    )


def test_pip_replaces_conda_dependency(lab: Any) -> None:
    name = "pip-replaces-conda-dependency"
    assert records(lab.prefix(name))["urllib3"]["version"] == "1.26.20"
    assert dist_infos(lab.prefix(name), "urllib3")["urllib3-2.2.3.dist-info"] == "pip"
    assert run_python(lab, name, "import urllib3; print(urllib3.__version__)") == "2.2.3"


def test_no_deps_leaves_conflict(lab: Any) -> None:
    prefix = lab.prefix("no-deps-leaves-conflict")
    assert dist_infos(prefix, "urllib3") == {"urllib3-1.26.20.dist-info": "conda"}
    metadata = site_packages(prefix) / "types_requests-2.32.0.20240914.dist-info" / "METADATA"
    assert "Requires-Dist: urllib3>=2" in metadata.read_text()


def test_no_deps_leaves_missing(lab: Any) -> None:
    prefix = lab.prefix("no-deps-leaves-missing")
    assert dist_infos(prefix, "python-dateutil") == {"python_dateutil-2.9.0.post0.dist-info": "pip"}
    assert not dist_infos(prefix, "six") and not (site_packages(prefix) / "six.py").exists()
    assert "six" not in records(prefix)


def test_pip_breaks_conda_depends(lab: Any) -> None:
    prefix = lab.prefix("pip-breaks-conda-depends")
    assert "pyparsing !=3.0.5,>=2.0.2" in records(prefix)["packaging"]["depends"]
    assert dist_infos(prefix, "pyparsing")["pyparsing-3.0.5.dist-info"] == "pip"
    assert records(prefix)["pyparsing"]["version"] == "3.1.4"


def test_pip_downgrades_below_conda_depends(lab: Any) -> None:
    prefix = lab.prefix("pip-downgrades-below-conda-depends")
    assert "idna <4,>=2.5" in records(prefix)["requests"]["depends"]
    assert dist_infos(prefix, "idna") == {"idna-2.4.dist-info": "pip"}


def test_pip_uninstalls_conda_package(lab: Any) -> None:
    prefix = lab.prefix("pip-uninstalls-conda-package")
    assert "six >=1.5" in records(prefix)["python-dateutil"]["depends"]
    assert f"lib/python{PY}/site-packages/six.py" in records(prefix)["six"]["files"]
    assert not (site_packages(prefix) / "six.py").exists()
    assert not (site_packages(prefix) / "six-1.16.0.dist-info").exists()


def test_ignore_installed_duplicate(lab: Any) -> None:
    prefix = lab.prefix("ignore-installed-duplicate")
    sp = site_packages(prefix)
    assert dist_infos(prefix, "six") == {
        "six-1.16.0.dist-info": "conda",
        "six-1.17.0.dist-info": "pip",
    }
    assert (sp / "six-1.16.0.dist-info" / "METADATA").is_file()
    for dist in ("six-1.16.0.dist-info", "six-1.17.0.dist-info"):
        assert "six.py," in (sp / dist / "RECORD").read_text()
    assert '__version__ = "1.17.0"' in (sp / "six.py").read_text()


def test_force_reinstall_same_version(lab: Any) -> None:
    prefix = lab.prefix("force-reinstall-same-version")
    rel = f"lib/python{PY}/site-packages/six-1.16.0.dist-info/INSTALLER"
    listed = {p["_path"]: p for p in records(prefix)["six"]["paths_data"]["paths"]}
    assert (prefix / rel).read_text() == "pip\n"
    assert listed[rel]["size_in_bytes"] == len("conda"), "conda's INSTALLER is gone"


def test_pip_upgrades_conda_pip(lab: Any) -> None:
    prefix = lab.prefix("pip-upgrades-conda-pip")
    assert dist_infos(prefix, "pip")["pip-24.2.dist-info"] == "pip"
    assert "bin/pip3.10" in records(prefix)["pip"]["files"]
    assert not (prefix / "bin" / "pip3.10").exists()
    assert (prefix / "bin" / f"pip{PY}").is_file()


def test_conda_installs_over_pip(lab: Any) -> None:
    """rattler links its six.py over pip's: the prefix file is the package cache's."""
    prefix = lab.prefix("conda-installs-over-pip")
    sp = site_packages(prefix)
    cached = lab.root / "pkgs" / "six-1.16.0-py_0" / "site-packages" / "six.py"
    assert (sp / "six.py").samefile(cached)
    assert dist_infos(prefix, "six") == {
        "six-1.16.0.dist-info": "conda",
        "six-1.17.0.dist-info": "pip",
    }
    assert (sp / "six-1.17.0.dist-info" / "METADATA").is_file()


def _direct_url(prefix: Path, dist: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (site_packages(prefix) / dist / "direct_url.json").read_text()
    )
    return data


def test_editable_pep660_src(lab: Any) -> None:
    name = "editable-pep660-src"
    prefix = lab.prefix(name)
    source = lab.prefix(name).parent / "src" / "lab-src-editable"
    assert _direct_url(prefix, "lab_src_editable-0.1.0.dist-info") == {
        "dir_info": {"editable": True},
        "url": source.as_uri(),
    }
    pth = site_packages(prefix) / "__editable__.lab_src_editable-0.1.0.pth"
    assert pth.read_text().strip() == str(source / "src")
    assert run_python(lab, name, "import lab_src_editable as m; print(m.__file__)").startswith(
        str(source)
    )


def test_editable_pep660_flat(lab: Any) -> None:
    name = "editable-pep660-flat"
    prefix = lab.prefix(name)
    assert _direct_url(prefix, "lab_flat_editable-0.1.0.dist-info")["dir_info"] == {
        "editable": True
    }
    assert (site_packages(prefix) / "__editable___lab_flat_editable_0_1_0_finder.py").is_file()
    source = prefix.parent / "src" / "lab-flat-editable"
    assert run_python(lab, name, "import lab_flat_editable as m; print(m.__file__)").startswith(
        str(source)
    )


def test_editable_legacy_egg_link(lab: Any) -> None:
    name = "editable-legacy-egg-link"
    sp = site_packages(lab.prefix(name))
    source = lab.prefix(name).parent / "src" / "lab-legacy-editable"
    assert (sp / "lab-legacy-editable.egg-link").read_text().splitlines()[0] == str(source)
    assert str(source) in (sp / "easy-install.pth").read_text().splitlines()
    assert not list(sp.glob("lab_legacy_editable*"))
    assert (source / "lab_legacy_editable.egg-info" / "PKG-INFO").is_file()


def test_requires_python_mismatch(lab: Any) -> None:
    dist = site_packages(lab.prefix("requires-python-mismatch")) / "lab_oldpy-1.0.0.dist-info"
    assert installer(dist) == "pip"
    assert "Requires-Python: <3,>=2.7" in (dist / "METADATA").read_text()


def test_orphaned_site_packages(lab: Any) -> None:
    prefix = lab.prefix("orphaned-site-packages")
    orphan = site_packages(prefix, PY_OLD) / "attrs-24.2.0.dist-info"
    assert installer(orphan) == "pip"
    assert not dist_infos(prefix, "attrs")


def test_user_site_leak(lab: Any) -> None:
    name = "user-site-leak"
    user_site = lab.home(name) / ".local" / "lib" / f"python{PY}" / "site-packages"
    assert installer(user_site / "six-1.17.0.dist-info") == "pip"
    assert records(lab.prefix(name))["python"]["build"].endswith("usersite")
    # The python reads the user site after its own site-packages (it is a venv) and the
    # lab interpreter's site-packages last; only the first two are the scenario's.
    code = "import site, sys; print(site.ENABLE_USER_SITE, site.getusersitepackages() in sys.path)"
    assert run_python(lab, name, code, user_site=True) == "True True"
    # The default python build is a venv without the user site: nothing leaks there.
    assert run_python(lab, "clean", code, user_site=True) == "False False"


def _cached_copy(lab: Any, record: dict[str, Any], rel: str) -> Path:
    inside = rel.split("site-packages/", 1)[1]
    return Path(record["extracted_package_dir"]) / "site-packages" / inside


def test_conda_file_missing(lab: Any) -> None:
    prefix = lab.prefix("conda-file-missing")
    record = records(prefix)["requests"]
    rel = f"lib/python{PY}/site-packages/requests/help.py"
    assert rel in record["files"] and not (prefix / rel).exists()
    assert _cached_copy(lab, record, rel).is_file(), "only the prefix's hardlink is gone"


def test_conda_file_altered(lab: Any) -> None:
    prefix = lab.prefix("conda-file-altered")
    record = records(prefix)["requests"]
    rel = f"lib/python{PY}/site-packages/requests/help.py"
    entry = next(p for p in record["paths_data"]["paths"] if p["_path"] == rel)
    assert (prefix / rel).stat().st_size != entry["size_in_bytes"]
    cached = _cached_copy(lab, record, rel).read_bytes()
    assert hashlib.sha256(cached).hexdigest() == entry["sha256"], "the package cache was edited"


def _six_record(lab: Any, name: str) -> Path:
    [path] = (lab.prefix(name) / "conda-meta").glob("six-*.json")
    return path


def test_conda_meta_truncated(lab: Any) -> None:
    with pytest.raises(json.JSONDecodeError):
        json.loads(_six_record(lab, "conda-meta-truncated").read_text())


def test_conda_meta_junk(lab: Any) -> None:
    with pytest.raises(UnicodeDecodeError):
        _six_record(lab, "conda-meta-junk").read_text(encoding="utf-8")


def test_conda_meta_misnamed(lab: Any) -> None:
    path = _six_record(lab, "conda-meta-misnamed")
    record = json.loads(path.read_text())
    assert path.name == "six-1.17.0-py_0.json"
    assert f"{record['name']}-{record['version']}-{record['build']}" == "six-1.16.0-py_0"


def test_conda_meta_symlink_loop(lab: Any) -> None:
    path = _six_record(lab, "conda-meta-symlink-loop")
    assert os.readlink(path) == path.name
    with pytest.raises(OSError):
        path.read_text()


def test_conda_meta_directory(lab: Any) -> None:
    assert _six_record(lab, "conda-meta-directory").is_dir()


def test_conda_meta_corruptions_leave_six_installed(lab: Any) -> None:
    for name in ("conda-meta-truncated", "conda-meta-junk", "conda-meta-misnamed",
                 "conda-meta-symlink-loop", "conda-meta-directory"):  # fmt: skip
        assert dist_infos(lab.prefix(name), "six") == {"six-1.16.0.dist-info": "conda"}, name


def test_metadata_not_utf8(lab: Any) -> None:
    dist = site_packages(lab.prefix("metadata-not-utf8")) / "attrs-24.2.0.dist-info"
    data = (dist / "METADATA").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert "Author: François Lab" in data.decode("latin-1")
    row = f"attrs-24.2.0.dist-info/METADATA,{record_hash(data)},{len(data)}"
    assert row in (dist / "RECORD").read_text().splitlines(), "RECORD must match the new bytes"


def test_record_escapes_prefix(lab: Any) -> None:
    prefix = lab.prefix("record-escapes-prefix")
    sp = site_packages(prefix)
    last = (sp / "attrs-24.2.0.dist-info" / "RECORD").read_text().splitlines()[-1]
    target = Path(os.path.normpath(sp / last.split(",")[0]))
    assert not target.is_relative_to(prefix)
    assert not target.exists()


def test_stale_dist_info(lab: Any) -> None:
    sp = site_packages(lab.prefix("stale-dist-info"))
    assert [p.name for p in (sp / "attrs-24.2.0.dist-info").iterdir()] == ["INSTALLER"]
    assert not (sp / "attr").exists() and not (sp / "attrs").exists()


def test_clean_site_packages_path(lab: Any) -> None:
    prefix = lab.prefix("clean-site-packages-path")
    python = records(prefix)["python"]
    assert python["python_site_packages_path"] == f"lib/python{PY}/site-packages"
    assert (site_packages(prefix) / "requests" / "__init__.py").is_file()


def test_demo(lab: Any) -> None:
    prefix = lab.prefix("demo")
    assert "pip" not in records(prefix), "the demo has no pip of its own"
    assert dist_infos(prefix, "six")["six-1.17.0.dist-info"] == "pip"
    assert dist_infos(prefix, "urllib3")["urllib3-2.2.3.dist-info"] == "pip"
    assert _direct_url(prefix, "lab_src_editable-0.1.0.dist-info")["dir_info"] == {"editable": True}
    assert not list(prefix.rglob("__pycache__"))
