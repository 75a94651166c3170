"""Every command's --help: a paragraph that says what it does, two or three
examples, what each exit code means for it, and help text for every option,
grouped in panels.  The README shows ``reconcile --help`` and ``reconcile
audit --help`` as they are printed.
"""

from __future__ import annotations

import re

import pytest
import typer.main
from terminal import REPO, clean_env, reconcile

from reconcile import render
from reconcile.cli import app
from reconcile.config import FAIL_ON

COMMANDS = ["audit", "graph", "plan", "fix", "export", "compare", "lint"]
ROOT = typer.main.get_command(app)
README = REPO / "README.md"


def _command(name: str) -> typer.core.TyperCommand:
    command = ROOT.commands[name]  # type: ignore[attr-defined]
    assert isinstance(command, typer.core.TyperCommand)
    return command


def _help(*args: str) -> str:
    run = reconcile([*args, "--help"], env=clean_env(COLUMNS="80"))
    assert run.code == 0 and run.err == "", run.err
    return run.out


def test_every_command_is_listed() -> None:
    assert list(ROOT.commands) == COMMANDS  # type: ignore[attr-defined]
    listed = _help()
    for name in COMMANDS:
        assert re.search(rf"^│ {name} +\S", listed, re.M), name


@pytest.mark.parametrize("name", COMMANDS)
def test_a_paragraph_says_what_the_command_does(name: str) -> None:
    text = _command(name).help or ""
    summary, *rest = text.strip().split("\n\n")
    assert summary and "\n" not in summary.strip()
    assert rest and len(" ".join(rest).split()) >= 25, text


@pytest.mark.parametrize("name", COMMANDS)
def test_two_or_three_examples_and_every_exit_code(name: str) -> None:
    shown = _help(name)
    examples = re.findall(rf"^ +\$ reconcile {name}\b.*\n +\S.*$", shown, re.M)
    assert 2 <= len(examples) <= 3, shown
    codes = shown.split("Exit codes", 1)[1]
    for code in "012":
        assert re.search(rf"^ +{code}  \w", codes, re.M), (name, code)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_option_and_argument_has_help(name: str) -> None:
    for param in _command(name).params:
        assert getattr(param, "help", None), (name, param.name)


@pytest.mark.parametrize(
    ("name", "panels"),
    [
        pytest.param(
            "audit", ["Which environment", "Depth", "Output", "Policy", "Settings"], id="audit"
        ),
        pytest.param(
            "plan", ["Which environment", "Depth", "Repair", "Output", "Sources"], id="plan"
        ),
        pytest.param(
            "fix", ["Which environment", "Depth", "Repair", "Sources", "Settings"], id="fix"
        ),
        pytest.param("export", ["Which environment", "Output", "Sources"], id="export"),
        pytest.param("lint", ["Output", "Policy", "Settings"], id="lint"),
    ],
)
def test_options_are_grouped_in_panels(name: str, panels: list[str]) -> None:
    shown = _help(name)
    for panel in panels:
        assert f"╭─ {panel} " in shown, panel


@pytest.mark.parametrize("name", COMMANDS)
def test_depth_options_only_where_depth_changes_something(name: str) -> None:
    options = {o for p in _command(name).params for o in getattr(p, "opts", [])}
    assert ("--quick" in options) is (name in ("audit", "plan", "fix"))
    assert ("--deep" in options) is (name in ("audit", "plan", "fix"))


def test_compare_usage_shows_one_prefix_file_pair() -> None:
    assert re.search(
        r"Usage: reconcile compare \[OPTIONS\] \[PREFIX\] FILE *$", _help("compare"), re.M
    )


def test_choices_are_choices() -> None:
    """--format, --strategy and --fail-on take fixed values: shell completion offers them."""
    expected = {
        ("audit", "--format"): ["text", "json", "sarif", "junit", "github"],
        ("audit", "--fail-on"): ["error", "warning", "info", "never"],
        ("graph", "--format"): ["text", "json", "dot", "mermaid"],
        ("plan", "--format"): ["text", "sh", "json"],
        ("plan", "--strategy"): ["prefer-conda", "prefer-pip", "rebuild"],
        ("fix", "--strategy"): ["prefer-conda", "prefer-pip"],
        ("compare", "--format"): ["text", "json"],
        ("lint", "--format"): ["text", "json", "sarif", "junit", "github"],
        ("lint", "--fail-on"): ["error", "warning", "info", "never"],
    }
    for (name, option), values in expected.items():
        (found,) = [p for p in _command(name).params if option in getattr(p, "opts", [])]
        assert list(getattr(found.type, "choices", [])) == values, (name, option)
    # the homes of these names: the settings' fail-on, and each command's format table
    assert expected["audit", "--fail-on"] == list(FAIL_ON)
    for name, table in (("audit", render.AUDIT), ("graph", render.GRAPH), ("plan", render.PLAN),
                        ("compare", render.COMPARE), ("lint", render.LINT)):  # fmt: skip
        assert expected[name, "--format"] == list(table), name


# ---------------------------------------------------------------------------
# the README's copies


def _readme_block(command: str) -> str:
    """The text block that follows ``$ COMMAND`` in the README."""
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"```text\n\$ {re.escape(command)}\n(.*?)```", text, re.S)
    assert match, f"README has no text block for {command!r}"
    return match.group(1)


@pytest.mark.parametrize("args", [[], ["audit"]], ids=["reconcile", "audit"])
def test_readme_shows_the_help_as_printed(args: list[str]) -> None:
    shown = "\n".join(line.rstrip() for line in _help(*args).splitlines()).strip("\n")
    assert _readme_block(" ".join(["reconcile", *args, "--help"])).strip("\n") == shown
