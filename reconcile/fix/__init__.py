"""``reconcile fix``: carry out a repair plan as a transaction, with undo.

    plan (reconcile.plan) -> prepare (find and stage every source; no change)
      -> snapshot (the journal) -> execute -> re-audit -> commit | roll back

Modules: :mod:`.sources` (where packages come from), :mod:`.journal` (the
snapshot and its exact restore), :mod:`.lock` (one fix per env),
:mod:`.apply` (the transaction), :mod:`.undo` (``fix --undo``).  Journals
live in the user's state dir (:mod:`._state`), never in the prefix.
"""

from __future__ import annotations

__all__: list[str] = []
