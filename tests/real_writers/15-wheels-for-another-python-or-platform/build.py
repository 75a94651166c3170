"""Write ``prefix/`` with real pip and real wheels from PyPI, as a user would.

    python tests/real_writers/15-wheels-for-another-python-or-platform/build.py

The env is conda-forge's python 3.11.7 for linux-64 (the record of case 14, which
conda 23.11 wrote; its ``depends`` is cut to the packages present, as there).
pip 24.0, run from the lab's wheel, installs each wheel below with ``--target`` the
env's site-packages and ``--platform``/``--python-version``/``--implementation``
naming the wheel it should take: the way people copy wheels for another machine
into an env (and the way ``pip download`` fetches them).  pip checks nothing
against the env's own Python then; a plain ``pip install`` in the env refuses
every wheel below marked "no".

Only the dist-info folders are kept, and in them pip's INSTALLER, RECORD, WHEEL,
REQUESTED and METADATA cut to its headers: the payload (compiled modules of other platforms) is
not needed to judge the tags and is left out.  RECORD still lists it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
sys.path.insert(0, str(REPO / "fixtures" / "lab"))

import lab  # noqa: E402  (fixtures/lab is not a package)

SITE = "lib/python3.11/site-packages"
PYTHON_RECORD = "python-3.11.7-hab00c5b_1_cpython.json"
KEPT = {"INSTALLER", "METADATA", "RECORD", "REQUESTED", "WHEEL"}

#: (requirement, --platform, --python-version, fits a CPython 3.11 linux-64 env?)
WHEELS = [
    # another Python: CPython 3.12's ABI
    ("markupsafe==3.0.2", "manylinux_2_17_x86_64", "3.12", "no"),
    # the right Python, another OS
    ("pyyaml==6.0.2", "macosx_11_0_arm64", "3.11", "no"),
    ("msgpack==1.1.0", "win_amd64", "3.11", "no"),
    # the right OS and Python, another architecture
    ("ujson==5.10.0", "manylinux_2_17_aarch64", "3.11", "no"),
    # both wrong
    ("wrapt==1.16.0", "macosx_11_0_arm64", "3.12", "no"),
    # fits: the stable ABI of an older CPython, pure wheels, this env's own tags
    ("bcrypt==4.2.0", "manylinux_2_28_x86_64", "3.11", "yes"),
    ("six==1.16.0", "any", "3.11", "yes"),
    ("charset-normalizer==3.4.0", "manylinux_2_17_x86_64", "3.11", "yes"),
    # fits as far as a prefix can tell: musl's wheels run only where musl is the C
    # library, which the prefix does not record
    ("multidict==6.1.0", "musllinux_1_2_x86_64", "3.11", "yes"),
]


def main() -> int:
    root = lab.default_root()
    pip_wheel = root / "wheels" / lab.PIP_WHEEL
    if not pip_wheel.exists():
        lab.fetch_wheels(lab.read_wheel_pins(), root / "wheels")
    prefix = HERE / "prefix"
    if prefix.exists():
        shutil.rmtree(prefix)
    source = REPO / "tests" / "real_writers" / "14-pip-orphaned-cycle-export" / "prefix"
    raw = json.loads((source / "conda-meta" / PYTHON_RECORD).read_text())
    raw["depends"] = []
    (prefix / "conda-meta").mkdir(parents=True)
    (prefix / "conda-meta" / PYTHON_RECORD).write_text(json.dumps(raw, indent=2, sort_keys=True))
    (prefix / "bin").mkdir()
    shutil.copy2(source / "bin" / "python3.11", prefix / "bin" / "python3.11")
    site = prefix / SITE
    site.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as home:
        env = lab.pip_env(Path(home))
        for requirement, platform, version, _ in WHEELS:
            cmd = [sys.executable, f"{pip_wheel}/pip", "--disable-pip-version-check",
                   "--no-input", "install", "--no-deps", "--no-compile", "--only-binary", ":all:",
                   "--target", str(site), "--python-version", version,
                   "--implementation", "cp", requirement]  # fmt: skip
            if platform != "any":
                cmd[-1:-1] = ["--platform", platform]
            subprocess.run(cmd, env=env, check=True)
    for entry in sorted(site.iterdir()):
        if not entry.name.endswith(".dist-info"):
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
            continue
        metadata = entry / "METADATA"
        head = metadata.read_text(encoding="utf-8").split("\n\n", 1)[0]
        metadata.write_text(head + "\n", encoding="utf-8")
        for extra in entry.iterdir():
            if extra.name not in KEPT:  # licence files, top_level.txt: not needed here
                shutil.rmtree(extra) if extra.is_dir() else extra.unlink()
    print(f"wrote {prefix.relative_to(REPO)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    os.umask(0o022)
    raise SystemExit(main())
