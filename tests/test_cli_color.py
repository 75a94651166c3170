"""Colour: severities coloured in the text report on a terminal, and only there.

Run through a pseudo-terminal (tests/terminal.py) and through pipes: piped or
redirected output, ``NO_COLOR``, ``TERM=dumb`` and ``--no-color`` are the plain
text byte for byte, and the CI formats are never coloured.
"""

from __future__ import annotations

import html
import importlib
import io
import re
import sys
from pathlib import Path

import pytest
from terminal import REPO, clean_env, reconcile

from reconcile.console import SEVERITY_STYLE, color_wanted, paint

DEMO = REPO / "fixtures" / "demo" / "prefix"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
RED, YELLOW, BLUE = (f"\x1b[{SEVERITY_STYLE[s]}m" for s in ("error", "warning", "info"))


def _lint_file(tmp_path: Path) -> Path:
    """An environment.yml with one error (a pip line replacing conda's pin) and one warning."""
    path = tmp_path / "environment.yml"
    path.write_text(
        "name: x\ndependencies:\n  - python =3.11\n  - six ==1.16.0\n"
        "  - pip\n  - pip:\n    - six==1.17.0\n"
    )
    return path


# ---------------------------------------------------------------------------
# at a terminal


def test_audit_on_a_terminal_colours_each_severity() -> None:
    run = reconcile(["audit", str(DEMO)], stdout_tty=True)
    assert run.code == 1
    out = run.out
    assert f"{RED}ERROR (4)\x1b[0m" in out
    assert f"{BLUE}INFO (1)\x1b[0m" in out
    assert f"  {RED}pip-overwrote-conda\x1b[0m  " in out
    assert f"  {BLUE}editable-install\x1b[0m  " in out
    assert f"{RED}4 errors\x1b[0m, 0 warnings, {BLUE}1 info\x1b[0m" in out
    # Only colour was added: the words are the plain report's, byte for byte.
    assert ANSI.sub("", out) == reconcile(["audit", str(DEMO)]).out


def test_lint_on_a_terminal_colours_severity_and_code(tmp_path: Path) -> None:
    path = _lint_file(tmp_path)
    plain = reconcile(["lint", str(path)])
    run = reconcile(["lint", str(path)], stdout_tty=True)
    assert run.code == plain.code == 1
    assert re.search(rf"environment\.yml:\d+: {re.escape(RED)}error\x1b\[0m", run.out), run.out
    assert ANSI.sub("", run.out) == plain.out
    assert "\x1b[" not in plain.out


def test_audit_summary_beside_o_is_coloured_and_the_file_is_not(tmp_path: Path) -> None:
    report = tmp_path / "audit.sarif"
    run = reconcile(["audit", str(DEMO), "--format", "sarif", "-o", str(report)], stdout_tty=True)
    assert f"{RED}ERROR (4)" in run.out
    assert "\x1b[" not in report.read_text()


# ---------------------------------------------------------------------------
# never coloured


@pytest.mark.parametrize(
    ("args", "env"),
    [
        pytest.param([], {"NO_COLOR": "1"}, id="NO_COLOR"),
        pytest.param(["--no-color"], {}, id="--no-color"),
        pytest.param([], {"TERM": "dumb"}, id="TERM=dumb"),
    ],
)
def test_no_colour_when_asked(args: list[str], env: dict[str, str]) -> None:
    run = reconcile(["audit", str(DEMO), *args], stdout_tty=True, env=clean_env(**env))
    assert run.code == 1
    assert "ERROR (4)" in run.out and "\x1b[" not in run.out


def test_empty_no_color_does_not_turn_colour_off() -> None:
    # no-color.org: NO_COLOR "when present and not an empty string".
    run = reconcile(["audit", str(DEMO)], stdout_tty=True, env=clean_env(NO_COLOR=""))
    assert f"{RED}ERROR (4)" in run.out


def test_piped_output_is_plain() -> None:
    run = reconcile(["audit", str(DEMO)])
    assert run.code == 1 and "ERROR (4)" in run.out and "\x1b[" not in run.out


def test_piped_stdout_is_plain_even_with_stderr_on_a_terminal() -> None:
    run = reconcile(["audit", str(DEMO)], stderr_tty=True)
    assert "ERROR (4)" in run.out and "\x1b[" not in run.out


@pytest.mark.parametrize("fmt", ["json", "sarif", "junit", "github"])
def test_ci_formats_are_never_coloured(fmt: str) -> None:
    run = reconcile(["audit", str(DEMO), "--format", fmt], stdout_tty=True)
    assert run.code == 1
    assert run.out.strip() and "\x1b[" not in run.out


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["plan", str(DEMO), "--offline", "--format", "sh"], id="plan-sh"),
        pytest.param(["export", str(DEMO), "--offline"], id="export-yaml"),
        pytest.param(["graph", str(DEMO), "--format", "json"], id="graph-json"),
    ],
)
def test_other_machine_formats_are_never_coloured(args: list[str]) -> None:
    run = reconcile(args, stdout_tty=True)
    assert "\x1b[" not in run.out


@pytest.mark.parametrize("fmt", ["json", "sarif", "junit", "github"])
def test_lint_ci_formats_are_never_coloured(tmp_path: Path, fmt: str) -> None:
    run = reconcile(["lint", str(_lint_file(tmp_path)), "--format", fmt], stdout_tty=True)
    assert run.out.strip() and "\x1b[" not in run.out


# ---------------------------------------------------------------------------
# the rules themselves


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


@pytest.mark.parametrize(
    ("tty", "no_color", "env", "wanted"),
    [
        pytest.param(True, False, {"TERM": "xterm"}, True, id="terminal"),
        pytest.param(False, False, {"TERM": "xterm"}, False, id="pipe"),
        pytest.param(True, True, {"TERM": "xterm"}, False, id="--no-color"),
        pytest.param(True, False, {"TERM": "xterm", "NO_COLOR": "1"}, False, id="NO_COLOR"),
        pytest.param(True, False, {"TERM": "xterm", "NO_COLOR": ""}, True, id="NO_COLOR-empty"),
        pytest.param(True, False, {"TERM": "dumb"}, False, id="dumb"),
    ],
)
def test_color_wanted(tty: bool, no_color: bool, env: dict[str, str], wanted: bool) -> None:
    assert color_wanted(_Stream(tty), no_color=no_color, env=env) is wanted


def test_paint_leaves_messages_alone() -> None:
    # A message that happens to say "ERROR (2)" or "[error]" is not a heading.
    text = (
        "reconcile audit of /p\n\nWARNING (1)\n"
        "  stale-dist-info  x: says ERROR (2) and [error] inside\n\n"
        "0 errors, 1 warning, 0 info\n"
    )
    painted = paint(text)
    assert ANSI.sub("", painted) == text
    assert f"{YELLOW}WARNING (1)" in painted
    assert f"  {YELLOW}stale-dist-info\x1b[0m  x: says ERROR (2) and [error] inside" in painted
    assert f"0 errors, {YELLOW}1 warning\x1b[0m, 0 info" in painted


def test_paint_fleet_rows() -> None:
    row = "/envs/a       1         0  [error] invalid-record x: broken\n"
    assert paint(row) == row.replace("[error]", f"{RED}[error]\x1b[0m")


# ---------------------------------------------------------------------------
# the README's picture


def _svg_lines(svg: str) -> tuple[list[str], set[str]]:
    """The terminal lines an SVG of rich's export_svg shows, and their colours."""
    cells = [
        (float(y), float(x), float(length), html.unescape(text).replace("\xa0", " "))
        for x, y, length, text in re.findall(
            r'<text class="terminal-\d+-r\d+" x="([\d.]+)" y="([\d.]+)" '
            r'textLength="([\d.]+)"[^>]*>([^<]*)</text>',
            svg,
        )
    ]
    width = cells[0][2] / len(cells[0][3])  # one character, in pixels
    rows: dict[float, str] = {}
    for y, x, _, text in sorted(cells):
        row = rows.get(y, "")
        rows[y] = row.ljust(round(x / width)) + text
    lines = [row.rstrip() for _, row in sorted(rows.items()) if row.strip()]
    colours = set(re.findall(r"\.terminal-\d+-r\d+ \{ fill: (#[0-9a-f]{6})", svg))
    return lines, colours


def test_the_readme_picture_shows_a_real_run_of_the_demo_audit() -> None:
    sys.path.insert(0, str(REPO / "docs"))
    try:
        screenshot = importlib.import_module("screenshot")
    finally:
        sys.path.pop(0)
    svg = (REPO / "docs" / "audit-demo.svg").read_text(encoding="utf-8")
    assert "](docs/audit-demo.svg)" in (REPO / "README.md").read_text(encoding="utf-8")
    shown, colours = _svg_lines(svg)
    plain = ANSI.sub("", screenshot.coloured_run())
    assert shown == [line for line in plain.splitlines() if line], "python docs/screenshot.py"
    assert len(colours) >= 3  # plain, errors, info
