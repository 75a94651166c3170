"""Write docs/audit-demo.svg: the demo's audit as a terminal shows it, in colour.

    python docs/screenshot.py

A real run: ``reconcile audit fixtures/demo/prefix`` with its stdout on a
pseudo-terminal (so reconcile colours it, as for a person), its escape codes
read back by rich (``Text.from_ansi``) and exported with
``Console(record=True).export_svg()``.  Paths are written as the README writes
them: ``./`` for the clone (what the demo's installers wrote names the fixed
folder it was built in, the same in every clone: shown as it is).
tests/test_cli_color.py checks that the picture shows what a run prints.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEMO = Path("fixtures") / "demo" / "prefix"
SVG = REPO / "docs" / "audit-demo.svg"
COMMAND = f"reconcile audit {DEMO}"


def coloured_run() -> str:
    """What the demo's audit writes to a terminal, escape codes and all."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "reconcile", "audit", str(DEMO)],
        stdout=slave,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        cwd=REPO,
        env={**env, "TERM": "xterm-256color"},
    )
    os.close(slave)
    data = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # every slave end is closed
            break
        if not chunk:
            break
        data += chunk
    os.close(master)
    proc.wait()
    text = data.decode().replace("\r\n", "\n")
    return text.replace(f"{REPO}/", "./")


def svg(coloured: str) -> str:
    from rich.console import Console
    from rich.text import Text

    width = max(len(Text.from_ansi(line).plain) for line in coloured.splitlines())
    with open(os.devnull, "w", encoding="utf-8") as sink:
        console = Console(record=True, width=width, file=sink, force_terminal=True)
        console.print(Text.from_ansi(coloured), end="")
        return console.export_svg(title=f"$ {COMMAND}")


def main() -> int:
    SVG.write_text(svg(coloured_run()), encoding="utf-8")
    print(f"wrote {SVG.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
