"""Run reconcile as a person runs it, at a terminal: stdout and/or stderr on
a pseudo-terminal (``pty.openpty()``), the other streams on pipes.

A pty's line discipline turns each "\\n" written into "\\r\\n"; what is read
back is turned back, so that it compares with what reconcile wrote.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without what decides colour, plus ``extra``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("NO_COLOR", "FORCE_COLOR", "TERM", "COLUMNS", "TERMINAL_WIDTH")
    }
    env.update({"TERM": "xterm-256color", "PYTHONDONTWRITEBYTECODE": "1"}, **extra)
    return env


def reconcile(
    args: Sequence[str],
    *,
    stdout_tty: bool = False,
    stderr_tty: bool = False,
    env: Mapping[str, str] | None = None,
    cwd: Path = REPO,
    timeout: float = 120,
) -> Run:
    """``python -m reconcile ARGS`` with the streams asked for on a terminal."""
    argv = [sys.executable, "-m", "reconcile", *args]
    master, slave = pty.openpty() if stdout_tty or stderr_tty else (-1, -1)
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=slave if stdout_tty else subprocess.PIPE,
            stderr=slave if stderr_tty else subprocess.PIPE,
            env=dict(clean_env() if env is None else env),
            cwd=cwd,
        )
        if slave >= 0:
            os.close(slave)
            slave = -1
        tty = _drain(master, proc, timeout) if master >= 0 else b""
        out, err = proc.communicate(timeout=timeout)
    finally:
        for fd in (master, slave):
            if fd >= 0:
                os.close(fd)
    shown = tty.decode().replace("\r\n", "\n")
    return Run(
        code=proc.returncode,
        out=shown if stdout_tty else out.decode(),
        err=shown if stderr_tty and not stdout_tty else err.decode() if err else "",
    )


def _drain(master: int, proc: subprocess.Popen[bytes], timeout: float) -> bytes:
    """Everything written to the pty until the child closes it."""
    data = b""
    while True:
        ready, _, _ = select.select([master], [], [], timeout)
        if not ready:
            proc.kill()
            raise TimeoutError("no output from reconcile on the terminal")
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: every slave end is closed
            return data
        if not chunk:
            return data
        data += chunk
