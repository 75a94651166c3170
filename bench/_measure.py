"""Run one command and measure it: wall time, CPU time, peak memory.

Peak memory needs care.  Linux keeps a process's peak RSS across ``exec``,
and a child forked (or vforked) from this Python starts from this Python's
own RSS (about 24 MiB), so ``wait4``/``getrusage`` can never report less
than that: small commands (``uv``, ``--help``) would all read "24 MiB".
GNU ``time`` is a small C program, so a command it starts begins near zero;
when ``/usr/bin/time`` is GNU time, the peak comes from its ``%M``.
Otherwise it comes from ``os.wait4``, the exact child's usage (not
``RUSAGE_CHILDREN``, whose maximum over all children hides any run smaller
than an earlier one), and figures near the floor are marked as such.
"""

from __future__ import annotations

import functools
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO

__all__ = ["Sample", "Summary", "gnu_time", "measure", "summarise"]


@dataclass(frozen=True)
class Sample:
    wall: float  # seconds
    cpu: float  # user + system seconds, children included
    peak_kib: int  # maximum resident set size (Linux reports KiB)
    returncode: int
    out_bytes: int
    err_head: str  # first line of stderr, to explain a failure


@dataclass(frozen=True)
class Summary:
    median: float
    low: float
    high: float
    cpu: float  # median
    peak_kib: int  # the largest of the runs
    out_bytes: int
    returncodes: tuple[int, ...]

    @property
    def peak_mib(self) -> float:
        return self.peak_kib / 1024


def _first_line(fh: IO[bytes]) -> str:
    fh.seek(0)
    lines = fh.read(4096).decode("utf-8", "replace").strip().splitlines()
    return lines[0] if lines else ""


@functools.cache
def gnu_time() -> str | None:
    """``/usr/bin/time`` when it is GNU time (``-f``/``-o``), else None."""
    path = "/usr/bin/time"
    if not os.access(path, os.X_OK):
        return None
    probe = subprocess.run(
        [path, "-f", "%M", "-o", os.devnull, "true"], capture_output=True, check=False
    )
    return path if probe.returncode == 0 else None


def _peak_from_time(path: str) -> int | None:
    # GNU time writes "Command exited with non-zero status N" before the
    # figures when the command fails; the peak is the last line.
    with open(path, encoding="utf-8") as fh:
        lines = fh.read().split()
    return int(lines[-1]) if lines and lines[-1].isdigit() else None


def measure(argv: Sequence[str], env: Mapping[str, str]) -> Sample:
    """Run ``argv`` once, its output to a file (as a user redirects it: the
    renderers' cost counts, a terminal's does not)."""
    timer = gnu_time()
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile(suffix=".time") as peak_file,
    ):
        wrapped = [timer, "-f", "%M", "-o", peak_file.name, *argv] if timer else list(argv)
        start = time.perf_counter()
        proc = subprocess.Popen(
            wrapped, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=dict(env)
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0, os.SEEK_END)
        peak = _peak_from_time(peak_file.name) if timer else None
        return Sample(
            wall=wall,
            cpu=usage.ru_utime + usage.ru_stime,
            peak_kib=peak if peak is not None else usage.ru_maxrss,
            returncode=proc.returncode,
            out_bytes=out.tell(),
            err_head=_first_line(err),
        )


def summarise(samples: Sequence[Sample]) -> Summary:
    walls = [s.wall for s in samples]
    return Summary(
        median=statistics.median(walls),
        low=min(walls),
        high=max(walls),
        cpu=statistics.median(s.cpu for s in samples),
        peak_kib=max(s.peak_kib for s in samples),
        out_bytes=samples[-1].out_bytes,
        returncodes=tuple(sorted({s.returncode for s in samples})),
    )
