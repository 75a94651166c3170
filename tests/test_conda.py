"""reconcile/_conda.py: the fast MatchSpec name, held to rattler's reading.

``spec_name`` is the one hand-written piece of the MatchSpec grammar (the
audit asks it for every edge, where rattler's parse and import cost more).
It must name what rattler names: on the named cases here, and on every
``depends``/``constrains`` string that conda, mamba, micromamba, pixi and the
lab's rattler wrote into a record.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from conftest import CORPUS

from reconcile._conda import spec_name, split_exact_spec, split_spec_name


def _rattler_name(spec: str) -> str | None:
    import rattler

    name = rattler.MatchSpec(spec, strict=False).name
    return None if name is None else str(name.normalized)


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param("numpy", id="bare"),
        pytest.param("numpy >=1.20,<2", id="version-after-space"),
        pytest.param("numpy>=1.20", id="operator-attached"),
        pytest.param("numpy==1.26.4=py312heda63a1_0", id="exact"),
        pytest.param("numpy 1.26.4 py312heda63a1_0", id="conda-build-three-words"),
        pytest.param("python_abi 3.12.* *_cp312", id="build-glob"),
        pytest.param("__glibc >=2.17,<3.0.a0", id="virtual-package"),
        pytest.param("_libgcc_mutex 0.1 conda_forge", id="leading-underscore"),
        pytest.param("ca-certificates", id="dash"),
        pytest.param("ruamel.yaml >=0.17", id="dot"),
        pytest.param("libstdcxx-ng >=12", id="two-dashes"),
        pytest.param("PyQt5-sip", id="upper-case-normalised"),
        pytest.param("  numpy", id="leading-space"),
        pytest.param("conda-forge::numpy >=1.20", id="channel"),
        pytest.param("conda-forge/linux-64::numpy", id="channel-subdir"),
        pytest.param("https://host:8443/chan::numpy >=1", id="channel-url-with-port"),
        pytest.param("conda-forge:: numpy", id="space-after-channel"),
        pytest.param("numpy[version='>=1.20']", id="bracket"),
        pytest.param("numpy[build=py*, channel=conda-forge]", id="bracket-keys"),
        pytest.param("numpy  # a comment", id="comment"),
        pytest.param("numpy !=1.0", id="not-equal"),
        pytest.param("numpy ~=1.2", id="compatible"),
    ],
)
def test_spec_name_is_rattlers(spec: str) -> None:
    assert spec_name(spec) == _rattler_name(spec)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param("*", "*", id="star"),
        pytest.param("", "", id="empty"),
        pytest.param(" ./Local ", "./local", id="path"),
    ],
)
def test_spec_without_a_name_answers_its_text(spec: str, expected: str) -> None:
    assert split_spec_name(spec) is None
    assert spec_name(spec) == expected


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param("numpy>=1.20", ("numpy", ">=1.20"), id="operator"),
        pytest.param("NumPy 1.2 *", ("numpy", " 1.2 *"), id="words"),
        pytest.param("foo*", ("foo", "*"), id="glob"),
        pytest.param("conda-forge::six[build=py_0]", ("six", "[build=py_0]"), id="channel"),
    ],
)
def test_split_spec_name(spec: str, expected: tuple[str, str]) -> None:
    assert split_spec_name(spec) == expected


def _record_specs(folders: Iterable[Path]) -> set[str]:
    specs: set[str] = set()
    for folder in folders:
        for path in folder.glob("*.json"):
            try:
                raw: Any = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # the corrupt records of conda's tests and the lab
            if not isinstance(raw, dict):
                continue
            for key in ("depends", "constrains"):
                value = raw.get(key)
                if isinstance(value, list):
                    specs.update(s for s in value if isinstance(s, str))
    return specs


def _disagreements(specs: Iterable[str]) -> list[tuple[str, str, str | None]]:
    return [
        (s, spec_name(s), _rattler_name(s))
        for s in sorted(specs)
        if spec_name(s) != _rattler_name(s)
    ]


@pytest.mark.corpus
def test_spec_name_is_rattlers_on_every_corpus_record() -> None:
    assert CORPUS is not None
    specs = _record_specs(p for p in CORPUS.rglob("conda-meta") if p.is_dir())
    assert len(specs) > 250
    assert _disagreements(specs) == []


def test_spec_name_is_rattlers_on_every_lab_record(lab: Any) -> None:
    folders = [lab.prefix(s) / "conda-meta" for s in lab.scenarios]
    specs = _record_specs(folders)
    # The lab's channel: every package it can install, its depends too.
    for repodata in lab.channel.glob("*/repodata.json"):
        raw = json.loads(repodata.read_text(encoding="utf-8"))
        for key in ("packages", "packages.conda"):
            for record in raw.get(key, {}).values():
                specs.update(record.get("depends", ()))
                specs.update(record.get("constrains", ()))
    assert len(specs) > 10
    assert _disagreements(specs) == []


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param(
            "conda-forge::six==1.16.0=pyhd8ed1ab_0",
            ("conda-forge", "six", "1.16.0", "pyhd8ed1ab_0"),
            id="channel",
        ),
        pytest.param(
            "openssl==3.0.13=h4ab18f5_0", (None, "openssl", "3.0.13", "h4ab18f5_0"), id="no-channel"
        ),
        pytest.param(
            "python-dateutil==2.9.0.post0=pyhd8ed1ab_0",
            (None, "python-dateutil", "2.9.0.post0", "pyhd8ed1ab_0"),
            id="dash",
        ),
        pytest.param("six==1.16.0", (None, "six", "1.16.0", None), id="no-build"),
        pytest.param("six", (None, "six", None, None), id="name-only"),
    ],
)
def test_split_exact_spec(spec: str, expected: tuple[str | None, ...]) -> None:
    # The exact form CondaRecord.match_spec writes into plan steps.
    assert split_exact_spec(spec) == expected
    if expected[3] is not None:
        assert spec_name(spec) == expected[1]
