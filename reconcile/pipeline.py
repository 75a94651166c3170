"""The audit of one prefix, as functions every caller shares.

    load_graph (discover -> build_graph) -> audit_findings (check -> policy) -> exit_code

The CLI runs these for one prefix and the fleet (``audit --all``) for each env in
a worker process, so an env audited either way gives the same findings and the
same exit code.  Nothing here prints or exits.  Heavy imports stay inside the
functions: importing this module costs nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ReconcileError

if TYPE_CHECKING:
    from .graph import Graph
    from .models import Depth, Finding
    from .names import NameMap

__all__ = [
    "EXIT_ERROR",
    "EXIT_FINDINGS",
    "EXIT_OK",
    "apply_policy",
    "audit_findings",
    "error_text",
    "exit_code",
    "load_graph",
    "name_map",
    "summary",
]

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def name_map(path: str | None) -> NameMap:
    """The bundled conda↔PyPI table, overridden by the pairs in ``path`` if given."""
    from .names import NameMap

    names = NameMap.bundled()
    return names.merged(NameMap.from_file(path)) if path else names


def load_graph(prefix: Path, *, depth: Depth, name_map_file: str | None) -> Graph:
    """Read ``prefix`` (the only step that touches it) and join it into one graph."""
    from .discover import discover
    from .graph import build_graph

    return build_graph(discover(prefix, depth=depth), name_map(name_map_file))


def apply_policy(findings: tuple[Finding, ...]) -> tuple[Finding, ...]:
    """The one place where findings are filtered or re-graded before they are
    rendered or decide the exit code, for a single audit and for each env of a
    fleet alike.  No policy exists yet: every finding passes unchanged."""
    return findings


def audit_findings(graph: Graph) -> tuple[Finding, ...]:
    """The findings an audit reports for ``graph``: every check, then the policy."""
    from .check import check

    return apply_policy(check(graph))


def exit_code(findings: Sequence[Finding], fail_on: str) -> int:
    """``EXIT_FINDINGS`` if a finding is at or above ``fail_on`` (a severity label
    or ``never``), else ``EXIT_OK``."""
    from .models import Severity

    if fail_on == "never":
        return EXIT_OK
    threshold = Severity.from_label(fail_on)
    return EXIT_FINDINGS if any(f.severity >= threshold for f in findings) else EXIT_OK


def summary(findings: Iterable[Finding]) -> dict[str, int]:
    """How many findings of each severity, worst first, every label present."""
    from .models import Severity

    counts = Counter(f.severity for f in findings)
    return {s.label: counts.get(s, 0) for s in sorted(Severity, reverse=True)}


def error_text(exc: Exception) -> str:
    """The one line that reports an error that stopped an audit."""
    if isinstance(exc, ReconcileError):
        return str(exc)
    if isinstance(exc, OSError):
        where = f" {exc.filename!r}" if exc.filename else ""
        return f"cannot read{where}: {exc.strerror or exc}"
    return f"internal error: {type(exc).__name__}: {exc}"
