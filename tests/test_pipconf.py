"""pip's configuration: discovery reads the env's own ``pip.conf`` (the prefix
is discovery's alone), the resolver's default source layers the user's
configuration around it as ``pip install`` in the env would."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reconcile.discover import discover
from reconcile.graph import build_graph
from reconcile.models import PipSettings
from reconcile.pipconf import parse_pip_conf
from reconcile.resolve import PYPI_SIMPLE, ChainSource, IndexSource, default_source
from reconcile.resolve.pip_config import pip_config


@pytest.fixture(autouse=True)
def _user(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An empty home and no PIP_* variables: the developer's pip is never read."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "no-xdg"))
    for var in ("PIP_CONFIG_FILE", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_NO_INDEX"):
        monkeypatch.delenv(var, raising=False)
    return home


def _prefix(tmp_path: Path, pip_conf: str | bytes | None) -> Path:
    prefix = tmp_path / "env"
    (prefix / "conda-meta").mkdir(parents=True)
    if pip_conf is not None:
        data = pip_conf.encode() if isinstance(pip_conf, str) else pip_conf
        (prefix / "pip.conf").write_bytes(data)
    return prefix


def _indexes(prefix: Path) -> list[str]:
    source = default_source(build_graph(discover(prefix)), offline=False)
    assert isinstance(source, ChainSource)
    return [s.url for s in source.sources if isinstance(s, IndexSource)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "[global]\nindex_url = https://g.invalid/s\ntimeout = 5\n"
            "[install]\nindex-url = https://i.invalid/s\n[list]\nformat = json\n",
            PipSettings(source="pip.conf", values=(
                ("index-url", "https://g.invalid/s"), ("timeout", "5"),
                ("index-url", "https://i.invalid/s"),
            )),
            id="global-then-install-unknown-keys-kept",
        ),
        pytest.param(b"[global]\r\nno-index = true\r\n",
                     PipSettings(source="pip.conf", values=(("no-index", "true"),)), id="crlf"),
        pytest.param("index-url = https://x.invalid/\n", None, id="no-section-header"),
        pytest.param(b"[global]\nindex-url = \xff\n", None, id="not-utf-8"),
        pytest.param(None, None, id="none"),
    ],
)  # fmt: skip
def test_discovery_reads_the_envs_own_pip_conf(
    tmp_path: Path, text: str | bytes | None, expected: PipSettings | None
) -> None:
    assert discover(_prefix(tmp_path, text)).pip_conf == expected


def test_the_envs_pip_conf_is_layered_as_pip_layers_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _user: Path
) -> None:
    prefix = _prefix(tmp_path, "[global]\nindex-url = https://site.invalid/s\n")
    user = _user / ".config" / "pip" / "pip.conf"
    user.parent.mkdir(parents=True)
    user.write_text(
        "[global]\nindex-url = https://user.invalid/s\nextra-index-url = https://x.invalid/s\n"
    )
    # user < site: the env's index wins, the user's extra index stays
    assert _indexes(prefix) == ["https://site.invalid/s/", "https://x.invalid/s/"]
    # site < PIP_CONFIG_FILE (which also switches the user's files off)
    named = tmp_path / "named.conf"
    named.write_text("[global]\nindex-url = https://named.invalid/s\n")
    monkeypatch.setenv("PIP_CONFIG_FILE", str(named))
    assert _indexes(prefix) == ["https://named.invalid/s/"]
    # ... < PIP_* variables
    monkeypatch.setenv("PIP_INDEX_URL", "https://env.invalid/s")
    assert _indexes(prefix) == ["https://env.invalid/s/"]
    # PIP_CONFIG_FILE=os.devnull: no file at all, the env's own included
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.delenv("PIP_INDEX_URL")
    assert _indexes(prefix) == [PYPI_SIMPLE]


def test_the_resolver_never_reads_the_prefix_itself(tmp_path: Path) -> None:
    """Only what discovery returned counts: a pip.conf written after
    discovery (or a state made without discovery) is not read."""
    prefix = _prefix(tmp_path, None)
    graph = build_graph(discover(prefix))
    (prefix / "pip.conf").write_text("[global]\nindex-url = https://late.invalid/s\n")
    source = default_source(graph, offline=False)
    assert isinstance(source, ChainSource)
    assert [s.url for s in source.sources if isinstance(s, IndexSource)] == [PYPI_SIMPLE]


def test_pip_config_reads_no_site_file_when_there_is_none(tmp_path: Path) -> None:
    assert pip_config(None).index_url is None
    values = parse_pip_conf(b"[global]\nno-index = yes\n")
    assert values is not None
    site = PipSettings(source="pip.conf", values=values)
    assert pip_config(site).no_index
