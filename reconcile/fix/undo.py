"""``reconcile fix --undo``: put the env back exactly as it was before the last fix.

The last fix's journal holds the listing of the prefix before it (and the
content of every path it could change) and the listing after it.  Undo
refuses when the env changed since the fix (something else installed,
removed or edited files there: undoing would lose that too), apart from
Python byte-code caches; then it restores the "before" listing.  A fix that
was killed before it finished has no "after": its journal is restored as is.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import ReconcileError
from . import journal as jr
from ._state import prefix_dir, read_json, write_json

__all__ = ["NothingToUndo", "UndoPlan", "UndoRefused", "find_undo", "run_undo"]


class NothingToUndo(ReconcileError):
    pass


class UndoRefused(ReconcileError):
    """Undo would lose changes made after the fix."""


@dataclass(frozen=True, kw_only=True, slots=True)
class UndoPlan:
    journal: Path
    state: str
    started: str
    command: str
    changed: int


def find_undo(prefix: Path) -> UndoPlan:
    base = prefix_dir(prefix)
    try:
        name = (base / "last").read_text().strip()
        doc = read_json(base / name / "journal.json")
    except (OSError, ValueError):
        raise NothingToUndo(f"no fix of {str(prefix)!r} to undo (no journal in {base})") from None
    journal = base / name
    state = doc.get("state")
    if state in ("undone", "rolled-back"):
        raise NothingToUndo(
            f"the last fix of {str(prefix)!r} ({doc.get('started')}) was "
            f"already {state.replace('-', ' ')}; nothing to undo"
        )
    if state not in ("done", "applying", "rolling-back", "undoing"):
        raise NothingToUndo(f"the last fix of {str(prefix)!r} changed nothing (state {state})")
    if os.path.realpath(prefix) != doc.get("realpath"):
        raise ReconcileError(f"journal {journal} is of {doc.get('realpath')!r}")
    return UndoPlan(
        journal=journal,
        state=state,
        started=str(doc.get("started")),
        command=str(doc.get("command")),
        changed=int(doc.get("changed", 0)),
    )


def run_undo(prefix: Path, plan: UndoPlan) -> list[str]:
    """Restore; return the paths that could not be put back (none, normally)."""
    before = jr.load(plan.journal / "before.json")
    if plan.state == "done":
        after = jr.load(plan.journal / "after.json")
        now = jr.listing(prefix)
        since = sorted(
            p for p in set(jr.changed_paths(after, now)) if jr.PYCACHE not in p.split("/")
        )
        if since:
            shown = ", ".join(since[:5]) + (f" and {len(since) - 5} more" if len(since) > 5 else "")
            raise UndoRefused(
                f"the env changed since the fix of {plan.started} ({shown}); "
                "undo would lose those changes too, so it changes nothing"
            )
    from .apply import signals_ignored

    doc = read_json(plan.journal / "journal.json")
    # An undo cut short (a crash, a full disk) is taken up again from here:
    # "undoing" skips the check against "after", which no longer holds.
    doc.update(state="undoing")
    write_json(plan.journal / "journal.json", doc)
    with signals_ignored():
        lost = jr.restore(prefix, before, plan.journal)
    doc.update(state="undone", lost=lost)
    write_json(plan.journal / "journal.json", doc)
    return lost
