"""What reconcile shows a person at a terminal, and only there: colour and progress.

Renderers return plain strings (habit 2); the CLI decides whether a person is
watching and, only then, colours the text report (:func:`paint`) and shows
progress on stderr (:class:`Status`).  Piped or redirected output, ``NO_COLOR``
(https://no-color.org), ``TERM=dumb`` and ``--no-color`` get the plain text,
byte for byte, and the CI formats (json, sarif, junit, github, sh, yaml) are
never coloured.  Nothing here imports rich: colour is a few SGR codes, and
progress one line that is rewritten in place and erased at the end.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Mapping
from types import TracebackType
from typing import TextIO

__all__ = ["SEVERITY_STYLE", "Status", "color_wanted", "paint", "progress_wanted"]

#: Severity label -> SGR parameters: errors bold red, warnings yellow, info blue.
SEVERITY_STYLE: Mapping[str, str] = {"error": "1;31", "warning": "33", "info": "34"}
_RESET = "\x1b[0m"


def _is_terminal(stream: TextIO, env: Mapping[str, str]) -> bool:
    if env.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False


def color_wanted(
    stream: TextIO, *, no_color: bool = False, env: Mapping[str, str] | None = None
) -> bool:
    """Whether text written to ``stream`` may be coloured: a terminal, no
    ``--no-color``, and no non-empty ``NO_COLOR`` (no-color.org's rule)."""
    env = os.environ if env is None else env
    return not no_color and not env.get("NO_COLOR") and _is_terminal(stream, env)


def progress_wanted(stream: TextIO | None = None, env: Mapping[str, str] | None = None) -> bool:
    """Whether progress lines may be shown on ``stream`` (default stderr): a terminal only."""
    env = os.environ if env is None else env
    return _is_terminal(sys.stderr if stream is None else stream, env)


def _style(text: str, severity: str) -> str:
    return f"\x1b[{SEVERITY_STYLE[severity]}m{text}{_RESET}"


_LABELS = "|".join(SEVERITY_STYLE)
# The text report's shapes that carry a severity (reconcile.render's text output):
#   "ERROR (4)"                      audit: a severity's heading, then its findings,
#   "  pip-overwrote-conda  six: …"  indented, code first, up to the blank line
#   "f.yml:3: warning code: …"       lint: one line per finding
#   "[error] code pkg: …"            audit --all: each env's worst finding
#   "4 errors, 0 warnings, 1 info"   the tally
_HEADING = re.compile(rf"^({_LABELS.upper()}) \(\d+\)$")
_FINDING = re.compile(r"^(  )(\S+)(  .*)$")
_LINT = re.compile(rf"^(.+?:\d+: )({_LABELS})( \S+:)")
_WORST = re.compile(rf"\[({_LABELS})\]")
_TALLY = re.compile(r"^\d+ errors?, \d+ warnings?, \d+ info\b")
_COUNT = re.compile(r"(?<![\w-])([1-9]\d*) (errors?|warnings?|info)\b")


def paint(text: str) -> str:
    """The text report ``text`` with its severities coloured."""
    lines = text.split("\n")
    under: str | None = None  # the severity heading the current lines are under
    for i, line in enumerate(lines):
        heading = _HEADING.match(line)
        if heading:
            under = heading.group(1).lower()
            lines[i] = _style(line, under)
            continue
        if not line:
            under = None
            continue
        if under is not None:
            found = _FINDING.match(line)
            if found:
                lines[i] = found[1] + _style(found[2], under) + found[3]
            continue
        lint = _LINT.match(line)
        if lint:
            severity = lint[2]
            lines[i] = (
                lint[1]
                + _style(severity, severity)
                + _style(lint[3], severity)
                + line[lint.end() :]
            )
            continue
        line = _WORST.sub(lambda m: _style(m[0], m[1]), line)
        tally = _TALLY.match(line)
        if tally:
            counts = _COUNT.sub(lambda m: _style(m[0], m[2].rstrip("s")), tally[0])
            line = counts + line[tally.end() :]
        lines[i] = line
    return "\n".join(lines)


class Status:
    """One progress line on stderr while slow work runs, for a person at a
    terminal: rewritten in place by :meth:`update`, erased on exit, so that
    nothing of it stays in the scrollback or reaches a pipe or a log.  Off
    (every call a no-op) when stderr is not a terminal."""

    def __init__(self, text: str, *, stream: TextIO | None = None, enabled: bool | None = None):
        self._stream = sys.stderr if stream is None else stream
        self._on = progress_wanted(self._stream) if enabled is None else enabled
        self._text = text
        self._start = time.monotonic()
        self._last = float("-inf")  # the first update is always shown
        self._shown = False

    @property
    def on(self) -> bool:
        """Whether anything is shown (stderr is a terminal)."""
        return self._on

    def __enter__(self) -> Status:
        self._write(self._text)
        return self

    def update(self, text: str) -> None:
        """Show ``text`` instead; at most ten times a second, as a resolver
        may report thousands of events."""
        if not self._on:
            return
        now = time.monotonic()
        if now - self._last < 0.1:
            return
        self._last = now
        self._write(text)

    def _write(self, text: str) -> None:
        if not self._on:
            return
        seconds = time.monotonic() - self._start
        shown = f"reconcile: {text}" + (f" ({seconds:.0f} s)" if seconds >= 1 else "")
        width = _width(self._stream)
        if len(shown) > width - 1:  # a wrapped line could not be rewritten in place
            shown = shown[: width - 2] + "…"
        self._stream.write(f"\r\x1b[K{shown}")
        self._stream.flush()
        self._shown = True

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._shown:
            self._stream.write("\r\x1b[K")
            self._stream.flush()
            self._shown = False


def _width(stream: TextIO) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns or 80
    except (AttributeError, ValueError, OSError):
        return 80
