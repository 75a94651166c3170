"""Where a plan's packages come from (issue "Safe repair"): a step that deletes
or uninstalls is planned only when its replacement was found; an env without
pip gets ``pip --python``; local projects never come from an index; an
``--index-url``'s credentials are never printed."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from reconcile.cli import main

REPO = Path(__file__).resolve().parent.parent
REAL = REPO / "tests" / "real_writers"
DEMO = REPO / "fixtures" / "demo" / "prefix"


def _plan(capsys, *args: str) -> tuple[int, dict]:
    code = main(["plan", *args, "--format", "json", "--no-cache"])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, json.loads(out)


def _not_repaired(doc: dict) -> dict[str, str]:
    return {f"{u['finding']['code']} {u['finding']['package']}": u["reason"]
            for u in doc["unresolved"]}  # fmt: skip


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """An empty HOME and package caches: nothing found by accident."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CONDA_PKGS_DIRS", str(tmp_path / "no-cache"))
    for var in ("CONDA_ROOT", "MAMBA_ROOT_PREFIX", "CONDA_EXE", "MAMBA_EXE", "RATTLER_CACHE_DIR",
                "PIXI_CACHE_DIR", "XDG_CACHE_HOME", "PIP_CACHE_DIR", "PIP_FIND_LINKS"):  # fmt: skip
        monkeypatch.delenv(var, raising=False)
    return tmp_path / "home"


# -- rule 1: never remove before the replacement is known ----------------------


def test_a_damaged_record_is_not_removed_when_its_package_is_nowhere(capsys, home):
    """Anaconda base (real writer 14): attrs's record is truncated, so its
    package can only be guessed from the env's channels, offline none."""
    prefix = REAL / "14-anaconda-base-metapackage-export" / "prefix"
    _, doc = _plan(capsys, str(prefix), "--offline")
    assert not any("attrs" in a for s in doc["steps"] for a in s["args"]), doc["steps"]
    reason = _not_repaired(doc)["invalid-record attrs"]
    assert "no source for attrs-20.3.0-pyhd3eb1b0_0" in reason and "--channel URL" in reason
    assert "repo.anaconda.com/pkgs/main/noarch/attrs-20.3.0-pyhd3eb1b0_0" in reason


def test_a_damaged_record_is_replaced_from_a_channel_that_has_it(capsys, home, tmp_path):
    prefix = REAL / "14-anaconda-base-metapackage-export" / "prefix"
    channel = tmp_path / "channel"
    (channel / "noarch").mkdir(parents=True)
    (channel / "noarch" / "attrs-20.3.0-pyhd3eb1b0_0.tar.bz2").write_bytes(b"x")
    _, doc = _plan(capsys, str(prefix), "--offline", "--channel", channel.as_uri())
    [remove] = [s for s in doc["steps"] if s["tool"] == "remove"]
    assert remove["args"][0].endswith("conda-meta/attrs-20.3.0-pyhd3eb1b0_0.json")
    # conda is told the channel that has it (the record's own is gone)
    spec = f"{channel.as_uri()}::attrs==20.3.0=pyhd3eb1b0_0"
    assert any(spec in s["args"] for s in doc["steps"]), doc["steps"]
    assert "invalid-record attrs" not in _not_repaired(doc)


def test_pip_restore_without_its_wheel_keeps_condas_record(lab, capsys, home, tmp_path):
    """prefer-pip removes conda's record (and the files at its paths), then
    reinstalls pip's copy: without a source for pip's wheel, neither happens."""
    prefix = tmp_path / "env"
    shutil.copytree(lab.prefix("pip-upgrades-conda-package"), prefix, symlinks=True)
    _, doc = _plan(capsys, str(prefix), "--strategy", "prefer-pip")
    assert doc["steps"] == []
    reason = _not_repaired(doc)["pip-overwrote-conda six"]
    assert "no source for six 1.17.0" in reason
    assert "give --find-links DIR or --index-url URL" in reason
    # with the wheel at hand, the same plan removes and reinstalls
    _, doc = _plan(capsys, str(prefix), "--strategy", "prefer-pip", "--find-links", str(lab.wheels))
    assert [s["tool"] for s in doc["steps"]] == ["conda", "pip"]
    assert "six==1.17.0" in doc["steps"][1]["args"]


def test_a_usable_stale_dist_info_is_kept_without_a_source(lab, capsys, home, tmp_path):
    """The seen case: a usable dist-info deleted, then `pip install --no-index`
    with no source that has the wheel."""
    prefix = tmp_path / "env"
    shutil.copytree(lab.prefix("metadata-not-utf8"), prefix, symlinks=True)
    _, with_wheels = _plan(capsys, str(prefix), "--find-links", str(lab.wheels))
    _, without = _plan(capsys, str(prefix))
    reinstalled = [s for s in with_wheels["steps"] if "--force-reinstall" in s["args"]
                   and s["tool"] == "pip"]  # fmt: skip
    if not reinstalled:
        pytest.skip("the scenario's plan reinstalls nothing with pip")
    removed = {a for s in with_wheels["steps"] if s["tool"] == "remove" for a in s["args"]}
    assert not removed & {a for s in without["steps"] if s["tool"] == "remove" for a in s["args"]}
    assert not any("--force-reinstall" in s["args"] for s in without["steps"])
    assert any("no source for" in r for r in _not_repaired(without).values())


# -- rule 2: an env without pip --------------------------------------------------


@pytest.mark.parametrize(
    "prefix",
    [pytest.param(DEMO, id="demo"),
     pytest.param(REAL / "00-conda-26-linux-pip-over-conda" / "prefix", id="conda-26")],
)  # fmt: skip
def test_an_env_without_pip_is_served_by_pip_python(lab, capsys, home, prefix):
    # The records' own channels are gone (the demo's build folder, the lab of
    # another definition): the demo's committed sources serve the demo; conda
    # 26's six is kept by pip (prefer-pip) from the lab's wheels.
    if prefix == DEMO:
        sources = DEMO.parent / "sources"
        given = ["--channel", str(sources / "channel"), "--find-links", str(sources / "wheels")]
    else:
        given = ["--strategy", "prefer-pip", "--find-links", str(lab.wheels)]
    _, doc = _plan(capsys, str(prefix), *given)
    pip_steps = [s for s in doc["steps"] if s["tool"] == "pip"]
    python = str(prefix / "bin" / "python")
    assert pip_steps, doc
    for step in pip_steps:
        assert step["args"][:3] == ["pip", "--python", python], step
    assert any(f"pip --python {python}" in n and ">= 22.3" in n and "uv pip --python" in n
               for n in doc["notes"])  # fmt: skip


def test_an_env_with_pip_keeps_its_own(lab, capsys, home, tmp_path):
    prefix = lab.prefix("pip-upgrades-conda-package")
    _, doc = _plan(capsys, str(prefix), "--find-links", str(lab.wheels))
    pip_steps = [s for s in doc["steps"] if s["tool"] == "pip"]
    assert pip_steps and all(s["args"][:3] == [str(prefix / "bin" / "python"), "-m", "pip"]
                             for s in pip_steps)  # fmt: skip
    assert not any("has no pip" in n for n in doc["notes"])


def test_fix_runs_pip_python_steps_with_a_pip_outside_the_env(monkeypatch):
    """plan and fix agree: a `pip --python` step is never probed in the env."""
    import sys

    from reconcile.fix import apply

    def no_probe(*a, **kw):
        raise AssertionError("the env's pip was probed")

    monkeypatch.setattr(apply.subprocess, "run", no_probe)
    assert apply._pip_runner("/env/bin/python", outside=True) == [
        sys.executable, "-m", "pip", "--python", "/env/bin/python"]  # fmt: skip


# -- rule 3: local projects ------------------------------------------------------


def test_a_local_project_is_never_reinstalled_from_a_same_named_wheel(lab, capsys, home, tmp_path):
    prefix = tmp_path / "env"
    shutil.copytree(lab.prefix("editable-pep660-flat"), prefix, symlinks=True)
    site = next(prefix.glob("lib/python3.1?/site-packages"))
    # a second, older dist-info of the editable project: a duplicate
    old = site / "lab_flat_editable-0.0.1.dist-info"
    shutil.copytree(site / "lab_flat_editable-0.1.0.dist-info", old)
    meta = (old / "METADATA").read_text().replace("Version: 0.1.0", "Version: 0.0.1")
    (old / "METADATA").write_text(meta)
    # someone else's package of the same name and version, in the sources
    links = tmp_path / "links"
    links.mkdir()
    with zipfile.ZipFile(links / "lab_flat_editable-0.1.0-py3-none-any.whl", "w") as zf:
        zf.writestr("lab_flat_editable-0.1.0.dist-info/METADATA",
                    "Metadata-Version: 2.1\nName: lab-flat-editable\nVersion: 0.1.0\n")  # fmt: skip
        zf.writestr("lab_flat_editable-0.1.0.dist-info/WHEEL", "Wheel-Version: 1.0\n")
        zf.writestr("lab_flat_editable-0.1.0.dist-info/RECORD", "")
    _, doc = _plan(capsys, str(prefix), "--find-links", str(links), "--find-links",
                   str(lab.wheels))  # fmt: skip
    assert not any("lab-flat-editable==0.1.0" in s["args"] for s in doc["steps"]), doc["steps"]
    assert not any(str(old) in s["args"] for s in doc["steps"])
    reason = _not_repaired(doc)["duplicate-distribution lab-flat-editable"]
    assert "local project" in reason and "pip install --no-deps --force-reinstall -e " in reason


# -- rule 4: credentials in --index-url ------------------------------------------


def test_index_url_credentials_are_masked_and_said_to_be(lab, capsys, home, tmp_path, index):
    prefix = tmp_path / "env"
    shutil.copytree(lab.prefix("pip-upgrades-conda-package"), prefix, symlinks=True)
    url = index.replace("http://", "http://me:s3cret@")
    args = ["plan", str(prefix), "--strategy", "prefer-pip", "--index-url", url, "--no-cache"]
    outputs = {}
    for fmt in ("text", "json", "sh"):
        main([*args, "--format", fmt])
        outputs[fmt] = capsys.readouterr().out
        assert "s3cret" not in outputs[fmt] and "me:" not in outputs[fmt]
    masked = index.replace("http://", "http://***@")
    assert f"--index-url '{masked}'" in outputs["text"]  # shlex quotes the '*'
    assert "credentials in --index-url are not shown" in outputs["text"]
    doc = json.loads(outputs["json"])
    assert doc["index_url"] == masked and "{index_url}" in doc["steps"][-1]["args"]
    script = outputs["sh"]
    assert '--index-url "$RECONCILE_INDEX_URL"' in script
    assert ': "${RECONCILE_INDEX_URL:?' in script
    path = tmp_path / "repair.sh"
    path.write_text(script)
    assert subprocess.run(["bash", "-n", str(path)], check=False).returncode == 0


def test_an_index_url_without_credentials_is_shown_as_given(lab, capsys, home, tmp_path, index):
    prefix = tmp_path / "env"
    shutil.copytree(lab.prefix("pip-upgrades-conda-package"), prefix, symlinks=True)
    main(["plan", str(prefix), "--strategy", "prefer-pip", "--index-url", index, "--no-cache"])
    out = capsys.readouterr().out
    assert f"--index-url {index}" in out and "not shown" not in out
