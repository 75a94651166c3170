"""One fix per env at a time: a lock file in the state dir, keyed by the
prefix's real path.

``flock`` on an open file: the kernel drops the lock when its holder exits,
however it exits, so a lock can never go stale.  The holder's pid is
written into the file only to name it in the refusal.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from types import TracebackType

from ..errors import ReconcileError
from ._state import prefix_dir

__all__ = ["FixLocked", "PrefixLock"]


class FixLocked(ReconcileError):
    """Another ``reconcile fix`` holds the prefix."""

    def __init__(self, prefix: Path, holder: str) -> None:
        self.prefix = prefix
        self.holder = holder
        super().__init__(
            f"another reconcile fix ({holder}) is working on {str(prefix)!r}; wait for it to finish"
        )


class PrefixLock:
    """``with PrefixLock(prefix): ...`` holds the prefix or raises :class:`FixLocked`."""

    def __init__(self, prefix: Path) -> None:
        self.prefix = prefix
        self.path = prefix_dir(prefix) / "lock"
        self._fd: int | None = None

    def acquire(self) -> None:
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise
            raise FixLocked(self.prefix, _holder(self.path)) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            import fcntl

            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> PrefixLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def _holder(path: Path) -> str:
    try:
        pid = path.read_text().strip()
    except OSError:
        pid = ""
    return f"pid {pid}" if pid.isdigit() else "pid unknown"
