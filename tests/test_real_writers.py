"""The audit on prefixes as real writers leave them (tests/real_writers).

Each folder of ``tests/real_writers`` is one trait a real writer leaves in a
prefix (conda on Windows, mamba 2, constructor, conda-build's own dist-info,
pixi with uv, ...), modelled on real committed prefixes; its README says which.
``expected.toml`` beside it lists the exact findings, so a false error or
warning fails here as surely as a missed one.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from reconcile.cli import main

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

HERE = Path(__file__).resolve().parent / "real_writers"
CASES = sorted(p.name for p in HERE.iterdir() if (p / "expected.toml").is_file())


def _expected(case: str) -> dict[str, Any]:
    with open(HERE / case / "expected.toml", "rb") as fh:
        return tomllib.load(fh)


def _runs(case: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """(depth, expected findings) for the main depth and every ``[[also]]``."""
    doc = _expected(case)
    runs = [(doc.get("depth", "default"), doc.get("finding", []))]
    runs += [(also["depth"], also.get("finding", [])) for also in doc.get("also", [])]
    return runs


def audit(prefix: Path, depth: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    args = ["audit", str(prefix), "--format", "json", "--fail-on", "never", "--no-cache"]
    if depth != "default":
        args.append(f"--{depth}")
    code = main(args)
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    assert code == 0, err
    return json.loads(out)


def test_every_case_is_documented() -> None:
    assert len(CASES) >= 1
    for case in CASES:
        readme = HERE / case / "README.md"
        assert readme.is_file(), f"{case} has no README naming its writer"
        assert (HERE / case / "prefix").is_dir(), case


@pytest.mark.parametrize("case", CASES)
def test_real_writer_case_gives_exactly_its_findings(
    case: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    tree_hash: Any,
) -> None:
    # No user site of the machine running the tests may leak into the audit.
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("PYTHONUSERBASE", raising=False)
    prefix = HERE / case / "prefix"
    before = tree_hash(prefix)
    for depth, wanted in _runs(case):
        doc = audit(prefix, depth, capsys)
        # One expected entry per finding: a second finding of one code on one
        # package (a duplicate, or a false one beside a true one) fails too.
        got = Counter((f["code"], f["package"]) for f in doc["findings"])
        want = Counter((f["code"], f["package"]) for f in wanted)
        shown = "\n".join(
            f"{f['severity']}: {f['code']} {f['package']}: {f['message']}" for f in doc["findings"]
        )
        assert got == want, f"{case} at depth {depth}:\n{shown}"
        for spec in wanted:
            found = [
                f for f in doc["findings"]
                if (f["code"], f["package"]) == (spec["code"], spec["package"])
            ]
            if "severity" in spec:
                assert {f["severity"] for f in found} == {spec["severity"]}, (case, spec)
            if "message" in spec:
                assert any(spec["message"] in f["message"] for f in found), (case, spec, shown)
    assert tree_hash(prefix) == before


def test_a_pixi_env_is_said_to_be_one_and_repaired_through_pixi(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    prefix = HERE / "13-pixi-env-with-uv" / "prefix"
    assert main(["audit", str(prefix), "--fail-on", "never", "--no-cache"]) == 0
    out = capsys.readouterr().out
    assert "managed by pixi 0.39.0 (environment default of /home/user/project/pixi.toml)" in out
    main(["plan", str(prefix), "--offline", "--no-cache", "--format", "json"])
    plan = json.loads(capsys.readouterr().out)
    tools = [s["tool"] for s in plan["steps"]]
    assert "conda" not in tools
    [pixi] = [s for s in plan["steps"] if s["tool"] == "pixi"]
    assert pixi["args"] == [
        "pixi", "install", "--manifest-path", "/home/user/project/pixi.toml",
        "--environment", "default",
    ]
    assert "pip-overwrote-conda:urllib3" in pixi["answers"]
    assert any("managed by pixi" in n for n in plan["notes"])
