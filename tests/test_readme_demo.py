"""The README's console examples on the demo are real runs: each command is run
again here, from the checkout, and must print what the README shows.

A block is checked when its commands use the demo (``fixtures/``, or the copy
``/tmp/demo`` the fix loop makes, which runs in a temporary folder here) and
its output is shown whole (no ``...`` line). The README writes what differs
between machines as placeholders: paths in the clone as ``./`` (reconcile
prints them absolute), ``file://<checkout>/`` for its URLs, ``<journal>``
for the fix's journal folder and ``<time>`` for its time.  What the demo's
installers wrote names the fixed folder it was built in
(fixtures/build_demo.py), the same in every clone: shown as it is.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import hash_tree

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"


@dataclass(frozen=True)
class Example:
    line: int  # README line of the command
    command: str
    output: str


def _examples() -> list[list[Example]]:
    """Console blocks that run on the demo, each a list of its commands."""
    blocks: list[list[Example]] = []
    lines = README.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() != "```console":
            i += 1
            continue
        start = i + 1
        i = start
        while lines[i].strip() != "```":
            i += 1
        body = lines[start:i]
        i += 1
        if not body or not body[0].startswith("$ "):
            continue
        examples: list[Example] = []
        for n, text in enumerate(body):
            if text.startswith("$ "):
                examples.append(Example(start + n + 1, text[2:], ""))
            elif examples:
                last = examples[-1]
                output = f"{last.output}{text}\n"
                examples[-1] = Example(last.line, last.command, output)
        whole = all(
            not e.output.lstrip().startswith("...") and "\n...\n" not in e.output for e in examples
        )
        on_demo = any("fixtures/" in e.command or "/tmp/demo" in e.command for e in examples)
        runnable = all(re.match(r"(cd \S+ && )?(reconcile|cp -a) ", e.command) for e in examples)
        if whole and on_demo and runnable and "PREFIX" not in "".join(e.command for e in examples):
            blocks.append(examples)
    return blocks


BLOCKS = _examples()

#: The exit code of each README example (the README shows only what it prints).
EXIT_CODES = {
    "reconcile audit fixtures/demo/prefix": 1,  # error findings
    "reconcile plan fixtures/demo/prefix": 1,  # no consistent set; nothing to reinstall from
    "reconcile plan fixtures/demo/prefix --find-links fixtures/demo/sources/wheels "
    "--channel fixtures/demo/sources/channel": 0,
    "reconcile plan fixtures/demo/prefix --strategy prefer-pip --find-links "
    "fixtures/demo/sources/wheels --channel fixtures/demo/sources/channel": 1,  # idna left
    "cp -a fixtures/demo/prefix /tmp/demo": 0,
    "reconcile fix /tmp/demo --yes --find-links fixtures/demo/sources/wheels "
    "--channel fixtures/demo/sources/channel": 0,
    "reconcile audit /tmp/demo": 0,  # repaired
    "reconcile fix --undo /tmp/demo --yes": 0,
    "reconcile export fixtures/demo/prefix -o environment.yml "
    "--constraints pip-constraints.txt": 1,  # nothing written
    "cd fixtures/lint && reconcile lint environment.yml": 1,  # error findings
}


def _normalize(text: str, demo_copy: Path, state: Path) -> str:
    text = text.replace(str(demo_copy), "/tmp/demo")
    text = text.replace(f"file://{REPO}/", "file://<checkout>/")
    text = text.replace(f"{REPO}/", "./")
    text = re.sub(re.escape(str(state)) + r"\S*", "<journal>", text)
    # the fix's time, as the journal names it (2026-12-01 00:41:07 UTC)
    return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d( UTC)?", "<time>", text)


def _run(example: Example, demo_copy: Path, env: dict[str, str]) -> str:
    command = example.command.replace("/tmp/demo", str(demo_copy))
    cwd = REPO
    if command.startswith("cd "):
        where, command = command[3:].split(" && ", 1)
        cwd = REPO / where
    argv = shlex.split(command)
    if argv[0] == "reconcile":
        argv = [sys.executable, "-m", "reconcile", *argv[1:]]
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    expected = EXIT_CODES[example.command]  # a new example says its exit code above
    assert result.returncode == expected, f"README line {example.line}: {result.stderr}"
    # The README leaves out fix's progress lines ("[1/5] pip uninstall idna ...",
    # "[1/5] done in 0.3s", "re-auditing the env ..."): their timings vary.
    stderr = "".join(
        line
        for line in result.stderr.splitlines(keepends=True)
        if not re.match(r"\[\d+/\d+\] |re-auditing ", line)
    )
    return result.stdout + stderr


def test_the_readme_has_demo_examples_to_check():
    commands = [e.command for block in BLOCKS for e in block]
    assert sorted(commands) == sorted(EXIT_CODES)
    assert any(c.startswith("reconcile audit fixtures/demo/prefix") for c in commands)
    assert any(c.startswith("reconcile plan fixtures/demo/prefix") for c in commands)
    assert any(c.startswith("reconcile fix /tmp/demo") for c in commands)
    assert any(c.startswith("reconcile fix --undo /tmp/demo") for c in commands)


@pytest.mark.parametrize("block", BLOCKS, ids=[f"README-{b[0].line}" for b in BLOCKS])
def test_readme_example_prints_what_the_readme_shows(block, tmp_path):
    demo_copy = tmp_path / "demo"
    state = tmp_path / "state"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONDA", "RECONCILE", "PIP_"))}
    env.update(HOME=str(tmp_path), RECONCILE_STATE_DIR=str(state), NO_COLOR="1")
    for example in block:
        got = _run(example, demo_copy, env)
        assert _normalize(got, demo_copy, state) == example.output, f"README line {example.line}"
    if block[-1].command.startswith("reconcile fix --undo"):
        # "undo (the copy is byte for byte as before)"
        assert hash_tree(demo_copy) == hash_tree(REPO / "fixtures" / "demo" / "prefix")
