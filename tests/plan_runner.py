"""Run a repair plan's steps for real, in the lab (test support, not the tool).

pip steps run as written, with the prefix's own pip and the lab's wheels.
conda steps are carried out by py-rattler from the lab's local channel, the
way the lab itself installs (conda is not available here):

- ``conda install -p P --force-reinstall --no-deps SPEC...``: relink exactly
  those records from the channel;
- ``conda remove -p P --force NAME...``: unlink those records (their files go,
  whoever wrote them last, as conda does);
- ``conda install -p P SPEC...``: solve SPECs with everything installed locked.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import lab_module


def _records(prefix: Path) -> list[Any]:
    return lab_module.installed_records(prefix)


def _solve(lab: Any, specs: list[str], locked: list[Any]) -> list[Any]:
    import rattler

    return asyncio.run(
        rattler.solve(
            sources=[lab.channel.as_uri()],
            specs=specs,
            gateway=rattler.Gateway(cache_dir=lab.root / "rattler-cache"),
            platforms=[rattler.Subdir.current(), "noarch"],
            locked_packages=locked,
            virtual_packages=[],
        )
    )


def _install(lab: Any, prefix: Path, records: list[Any], installed: list[Any], **kw: Any) -> None:
    import rattler

    asyncio.run(
        rattler.install(
            records,
            target_prefix=prefix,
            cache_dir=lab.root / "pkgs",
            installed_packages=installed,
            show_progress=False,
            **kw,
        )
    )


def _conda(lab: Any, prefix: Path, args: list[str]) -> None:
    import rattler

    assert args[0] == "conda" and args[2] == "-p" and Path(args[3]) == prefix, args
    verb, rest = args[1], args[4:]
    flags = {a for a in rest if a.startswith("-")}
    operands = [a for a in rest if not a.startswith("-")]
    installed = _records(prefix)
    if verb == "remove":
        assert "--force" in flags
        keep = [r for r in installed if r.name.normalized not in operands]
        _install(lab, prefix, keep, installed)
        return
    assert verb == "install", args
    if "--force-reinstall" in flags:
        specs = [rattler.MatchSpec(s.split("::")[-1]) for s in operands]
        names = {s.name.normalized for s in specs}
        found = [r for r in _solve(lab, [str(s) for s in specs], []) if r.name.normalized in names]
        assert {r.name.normalized for r in found} == names, (operands, found)
        for spec in specs:
            assert any(spec.matches(r) for r in found), spec
        desired = [r for r in installed if r.name.normalized not in names] + found
        _install(lab, prefix, desired, installed, reinstall_packages=names)
        return
    wanted = [r.name.normalized for r in installed] + operands
    _install(lab, prefix, _solve(lab, wanted, installed), installed)


def run_plan(doc: dict[str, Any], *, lab: Any, prefix: Path, home: Path) -> list[str]:
    """Carry out every step of a ``reconcile.plan/1`` document; return a log."""
    constraints = home.parent / "pip-constraints.txt"
    constraints.write_text("".join(f"{c}\n" for c in doc["constraints"]))
    log = []
    for step in doc["steps"]:
        args = [str(constraints) if a == "{constraints}" else a for a in step["args"]]
        log.append(f"{step['tool']}: {' '.join(args)}")
        if step["tool"] == "remove":
            for path in map(Path, args):
                assert path.is_relative_to(prefix), path
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                elif path.exists() or path.is_symlink():
                    path.unlink()
        elif step["tool"] == "pip":
            quiet = ["--disable-pip-version-check", "--no-input"]
            if args[:2] == ["pip", "--python"]:
                # an env without pip: a pip outside it targets the env's python
                assert args[2] == str(prefix / "bin" / "python"), args
                cmd = [sys.executable, "-m", "pip", *quiet, *args[1:]]
            else:
                assert args[0] == str(prefix / "bin" / "python"), args
                cmd = [*args[:3], *(quiet if args[2] == "pip" else []), *args[3:]]
            result = subprocess.run(
                cmd, env=lab_module.pip_env(home), capture_output=True, text=True, check=False
            )
            assert result.returncode == 0, f"{cmd}\n{result.stdout}\n{result.stderr}"
            log.append(result.stdout)
        elif step["tool"] == "conda":
            _conda(lab, prefix, args)
        else:
            raise AssertionError(f"unknown tool {step['tool']!r}")
    return log
