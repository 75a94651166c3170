"""The errors of ``reconcile fix`` (all :class:`~reconcile.errors.ReconcileError`)."""

from __future__ import annotations

from ..errors import ReconcileError

__all__ = ["FixRefused"]


class FixRefused(ReconcileError):
    """The fix will not start: something it needs is missing.  Nothing changed.

    The CLI reports it in one line and exits 1 (a reason in the env, not a
    usage error)."""
