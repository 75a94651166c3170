"""The audit of one prefix, as functions every caller shares.

    load_graph (discover -> build_graph) -> audit_outcome (check -> policy)

and :func:`reconcile.exits.exit_code` of that outcome.

The CLI runs these for one prefix and the fleet (``audit --all``) for each env in
a worker process, so an env audited either way gives the same findings and the
same exit code.  Nothing here prints or exits.  Heavy imports stay inside the
functions: importing this module costs nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ReconcileError

if TYPE_CHECKING:
    from .config import Config
    from .graph import Graph
    from .models import Depth
    from .names import NameMap
    from .policy import BaselineEntry, Outcome

__all__ = ["audit_outcome", "error_text", "load_graph", "name_map"]


def name_map(path: str | None, config: Config | None = None) -> NameMap:
    """The bundled conda↔PyPI table, then the settings' pairs over it, then the
    pairs in the file ``path`` (``--name-map``) over both."""
    from .names import NameMap

    names = NameMap.bundled()
    if config is not None and config.name_map:
        names = names.merged(NameMap.from_pairs(config.name_map, str(config.path)))
    return names.merged(NameMap.from_file(path)) if path else names


def load_graph(
    prefix: Path,
    *,
    depth: Depth,
    name_map_file: str | None,
    config: Config | None = None,
    cache: bool = True,
) -> Graph:
    """Read ``prefix`` (the only step that touches it) and join it into one graph.

    ``cache``: use the user cache of parsed metadata (never inside the prefix).
    """
    from .discover import discover
    from .graph import build_graph

    state = discover(prefix, depth=depth, cache=cache)
    return build_graph(state, name_map(name_map_file, config))


def audit_outcome(
    graph: Graph,
    config: Config,
    *,
    fail_on: str | None = None,
    baseline: Sequence[BaselineEntry] | None = None,
    baseline_source: str | None = None,
) -> Outcome:
    """Every check on ``graph``, then the settings and baseline
    (:func:`reconcile.policy.apply_policy`): what an audit reports and exits on."""
    from .check import check
    from .policy import apply_policy

    return apply_policy(
        check(graph),
        config,
        fail_on=fail_on,
        baseline=baseline,
        baseline_source=baseline_source,
    )


def error_text(exc: Exception) -> str:
    """The one line that reports an error that stopped an audit."""
    if isinstance(exc, ReconcileError):
        return str(exc)
    if isinstance(exc, OSError):
        where = f" {exc.filename!r}" if exc.filename else ""
        return f"cannot read{where}: {exc.strerror or exc}"
    return f"internal error: {type(exc).__name__}: {exc}"
