"""export on the lab's real broken prefixes, checked by the real installers.

* For every scenario, real pip accepts the exported pip section together with
  the constraints file (``pip install --dry-run --ignore-installed --no-index
  --find-links <lab wheels> -r <pip part> -c pip-constraints.txt``), or the
  export refuses with an explanation because no version of pip's packages in
  reach fits conda's (the scenarios in ``IMPOSSIBLE``, each for the reason
  given there).
* For a few scenarios, the full round trip: export, recreate the env in a new
  prefix (conda part with py-rattler from the lab channel, pip part with the
  new prefix's own pip and the constraints file, run from the yml's folder as
  conda does), audit it (no errors), and ``reconcile compare`` it against the
  file (exit 0).

Editable and local-path installs point into the lab's scenario folders; the
tests copy those projects into ``tmp_path`` and point the file there, so
building them never writes into the shared lab.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import lab_module
from packaging.requirements import Requirement

from reconcile.cli import main

pytestmark = pytest.mark.lab

#: Scenarios whose repaired env cannot exist with the lab's wheels, and why.
IMPOSSIBLE = {
    "demo": "types-requests",  # needs urllib3>=2; conda's is 1.26.20
    "no-deps-leaves-conflict": "types-requests",
    "pip-replaces-conda-dependency": "types-requests",
    "requires-python-mismatch": "requires Python",  # lab-oldpy wants Python <3
}


def _export(capsys, folder: Path, prefix: Path, *args: str) -> tuple[int, str]:
    folder.mkdir(parents=True, exist_ok=True)
    code = main(["export", str(prefix), *args, "-o", str(folder / "environment.yml"),
                 "--constraints", str(folder / "pip-constraints.txt")])  # fmt: skip
    err = capsys.readouterr().err
    assert "Traceback" not in err and "internal error" not in err, err
    return code, err


def _relocate_sources(lab, scenario: str, folder: Path, tmp_path: Path) -> dict:
    """Copy the scenario's projects next to the test and point the file at
    the copies; returns the file's data."""
    text = (folder / "environment.yml").read_text()
    src = lab.prefix(scenario).parent / "src"
    if str(src) in text:
        copy = tmp_path / "src"
        shutil.copytree(src, copy, ignore=shutil.ignore_patterns("build", "*.egg-info"))
        text = text.replace(str(src), str(copy))
        (folder / "environment.yml").write_text(text)
    return yaml.safe_load(text)


def _pip_part(data: dict) -> list[str]:
    return [line for dep in data["dependencies"] if isinstance(dep, dict) for line in dep["pip"]]


def _pip(python: Path, lab, args: list[str], cwd: Path, home: Path) -> subprocess.CompletedProcess:
    pip = lab.wheels / lab_module.PIP_WHEEL / "pip"
    home.mkdir(exist_ok=True)
    return subprocess.run(
        [str(python), str(pip), "--disable-pip-version-check", "--no-cache-dir", "--no-input",
         *args],
        cwd=cwd, env=lab_module.pip_env(home), capture_output=True, text=True, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def clean_python(tmp_path_factory) -> Path:
    """A Python with nothing installed, to run pip's dry run in: the scenario
    prefixes are broken on purpose, and pip reads installed metadata even with
    ``--ignore-installed`` (metadata-not-utf8 makes it crash)."""
    import sys

    venv = tmp_path_factory.mktemp("clean-venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    return venv / "bin" / "python"


def test_every_scenario_exports_what_pip_accepts(
    lab, scenario, clean_python, capsys, tmp_path, monkeypatch
):
    monkeypatch.setenv("HOME", str(lab.home(scenario)))
    folder = tmp_path / "export"
    history_code, _ = _export(capsys, tmp_path / "history", lab.prefix(scenario))
    code, err = _export(capsys, folder, lab.prefix(scenario), "--pinned")
    assert code == history_code
    if scenario in IMPOSSIBLE:
        assert code == 1
        assert "nothing written" in err and IMPOSSIBLE[scenario] in err, err
        assert not (folder / "environment.yml").exists()
        return
    assert code == 0, err
    data = _relocate_sources(lab, scenario, folder, tmp_path)
    constraints = (folder / "pip-constraints.txt").read_text().splitlines()
    for line in constraints:
        if line and not line.startswith("#"):
            assert str(Requirement(line).specifier).startswith("==")
    pip_lines = _pip_part(data)
    if not pip_lines:
        return  # nothing for pip: conda's side alone is the env
    assert pip_lines[0] == "-c pip-constraints.txt"
    (folder / "pip-part.txt").write_text("\n".join(pip_lines) + "\n")
    result = _pip(
        clean_python,
        lab,
        ["install", "--dry-run", "--ignore-installed", "--no-index", "--find-links",
         str(lab.wheels), "-r", "pip-part.txt", "-c", "pip-constraints.txt"],
        folder,
        tmp_path / "home",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Would install" in result.stdout


def _create(lab, data: dict, prefix: Path, cache: Path) -> None:
    """The conda part, as ``conda env create`` does it: one solve of the
    file's specs from its channels, one install."""
    import rattler

    records = asyncio.run(
        rattler.solve(
            sources=list(data["channels"]),
            # conda parses the file's specs leniently (``name=version=build``)
            specs=[rattler.MatchSpec(d) for d in data["dependencies"] if isinstance(d, str)],
            gateway=rattler.Gateway(cache_dir=cache / "rattler"),
            platforms=[rattler.Subdir.current(), "noarch"],
            virtual_packages=[],
        )
    )
    asyncio.run(
        rattler.install(records, target_prefix=prefix, cache_dir=cache / "pkgs",
                        show_progress=False)
    )  # fmt: skip


@pytest.mark.parametrize(
    ("scenario_name", "mode"),
    [
        pytest.param("pip-upgrades-conda-package", [], id="conda-side-restored"),
        pytest.param("pip-breaks-conda-depends", ["--pinned"], id="pinned-restored"),
        pytest.param("editable-pep660-src", [], id="editable"),
        pytest.param("conda-meta-truncated", ["--pinned", "--no-builds"], id="unreadable-record"),
    ],
)
def test_round_trip(lab, scenario_name, mode, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    folder = tmp_path / "export"
    original = lab.prefix(scenario_name)
    code, err = _export(capsys, folder, original, *mode)
    assert code == 0, err
    shutil.copy(folder / "environment.yml", folder / "as-exported.yml")
    data = _relocate_sources(lab, scenario_name, folder, tmp_path)
    yml = folder / "environment.yml"

    new = tmp_path / "new"
    _create(lab, data, new, tmp_path / "cache")
    pip_lines = _pip_part(data)
    if pip_lines:
        (folder / "pip-part.txt").write_text("\n".join(pip_lines) + "\n")
        result = _pip(
            new / "bin" / "python",
            lab,
            ["install", "--no-index", "--find-links", str(lab.wheels), "--no-compile",
             "-r", "pip-part.txt"],
            folder,
            tmp_path / "home",
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr

    assert main(["audit", str(new), "--fail-on", "error"]) == 0, capsys.readouterr().out
    capsys.readouterr()
    assert main(["compare", str(new), str(yml)]) == 0, capsys.readouterr().out
    capsys.readouterr()
    # The broken original does not match its repaired file, unless nothing
    # needed repair.
    broken = main(["compare", str(original), str(folder / "as-exported.yml")])
    out = capsys.readouterr().out
    repaired = "repaired" in yml.read_text()
    assert broken == (1 if repaired else 0), out


def test_export_never_changes_the_prefix(lab, capsys, tmp_path, monkeypatch, tree_hash):
    monkeypatch.setenv("HOME", str(lab.home("demo")))
    for scenario in ("demo", "pip-upgrades-conda-package", "editable-legacy-egg-link"):
        before = tree_hash(lab.prefix(scenario))
        _export(capsys, tmp_path / scenario, lab.prefix(scenario), "--pinned")
        main(["compare", str(lab.prefix(scenario)), str(tmp_path / "missing.yml")])
        capsys.readouterr()
        assert tree_hash(lab.prefix(scenario)) == before


def _git(*args: str, cwd: Path) -> str:
    result = subprocess.run(
        ["git", "-c", "user.name=lab", "-c", "user.email=lab@example.invalid",
         "-c", "init.defaultBranch=main", *args],
        cwd=cwd, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return result.stdout.strip()


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_vcs_archive_and_local_installs_round_trip(lab, capsys, tmp_path, monkeypatch):
    """Real pip installs from a git repository, a wheel file and a local
    folder (and an editable one): the export writes each so that pip
    reinstalls the same thing, and the recreated env compares equal."""
    monkeypatch.setenv("HOME", str(tmp_path))
    projects = lab_module.PROJECTS_DIR
    repo = tmp_path / "repo"
    shutil.copytree(projects / "lab-flat-editable", repo)
    _git("init", "-q", cwd=repo)
    _git("add", ".", cwd=repo)
    _git("commit", "-q", "-m", "lab", cwd=repo)
    commit = _git("rev-parse", "HEAD", cwd=repo)
    local = tmp_path / "local" / "lab-src-editable"
    shutil.copytree(projects / "lab-src-editable", local)
    editable = tmp_path / "local" / "lab-legacy-editable"
    shutil.copytree(projects / "lab-legacy-editable", editable)
    wheel = tmp_path / "files" / "attrs-24.2.0-py3-none-any.whl"
    wheel.parent.mkdir()
    shutil.copy(lab.wheels / wheel.name, wheel)

    old = tmp_path / "old"
    base = {"channels": [lab.channel.as_uri()],
            "dependencies": ["python", "pip ==24.0", "setuptools", "wheel"]}  # fmt: skip
    _create(lab, base, old, tmp_path / "cache")
    result = _pip(
        old / "bin" / "python",
        lab,
        ["install", "--no-index", "--find-links", str(lab.wheels), "--no-compile",
         f"git+{repo.as_uri()}@{commit}", wheel.as_uri(), str(local),
         "--no-build-isolation", "-e", str(editable)],
        tmp_path,
        tmp_path / "home",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr

    folder = tmp_path / "export"
    code, err = _export(capsys, folder, old, "--pinned")
    assert code == 0, err
    data = yaml.safe_load((folder / "environment.yml").read_text())
    pip_lines = _pip_part(data)
    assert f"git+{repo.as_uri()}@{commit}#egg=lab-flat-editable" in pip_lines
    archive = next(line for line in pip_lines if line.startswith("attrs @ "))
    assert archive.startswith(f"attrs @ {wheel.as_uri()}#sha256=")
    assert str(local) in pip_lines
    assert f"-e {editable}" in pip_lines

    new = tmp_path / "new"
    _create(lab, data, new, tmp_path / "cache")
    (folder / "pip-part.txt").write_text("\n".join(pip_lines) + "\n")
    result = _pip(
        new / "bin" / "python",
        lab,
        ["install", "--no-index", "--find-links", str(lab.wheels), "--no-compile",
         "--no-build-isolation", "-r", "pip-part.txt"],
        folder,
        tmp_path / "home",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert main(["compare", str(new), str(folder / "environment.yml"), "--exact"]) == 0, (
        capsys.readouterr().out
    )
    capsys.readouterr()
    assert main(["audit", str(new), "--fail-on", "error"]) == 0, capsys.readouterr().out
