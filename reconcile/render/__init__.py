"""Stage 4: render what a command concludes as a string.

One module per format, as pipdeptree's ``_render/``: :mod:`.text`,
:mod:`.json`, :mod:`.sarif`, :mod:`.junit`, :mod:`.github`, :mod:`.dot`,
:mod:`.mermaid`, :mod:`.sh`, and :mod:`.env` (the environment.yml and pip
constraints that ``export`` writes).  In each, one function per kind of
outcome, named for it (``text.audit``, ``json.plan``, ``sarif.findings``).

Every renderer has one signature: it takes the outcome it renders (a
:class:`~reconcile.reports.AuditReport`, a
:class:`~reconcile.fleet.FleetReport`, a :class:`~reconcile.graph.Graph`,
a :class:`~reconcile.plan.Plan`, a :class:`~reconcile.compare.Comparison`, a
:class:`~reconcile.reports.LintReport`) and returns a string.  Renderers
never print, read or exit, and never recompute what the pipeline decided
(severities, the baseline, the exit code).

The CLI picks a command's renderer by format name from that command's table
here; the table's names are also the command's ``--format`` choices.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Generic, TypeVar, cast

if TYPE_CHECKING:
    from ..compare import Comparison
    from ..fleet import FleetReport
    from ..graph import Graph
    from ..plan import Plan
    from ..reports import AuditReport, LintReport

__all__ = ["AUDIT", "COMPARE", "FLEET", "GRAPH", "LINT", "PLAN", "Formats"]

T = TypeVar("T")


class Formats(Mapping[str, Callable[[T], str]], Generic[T]):
    """Format name -> renderer, for one command's outcome ``T``.

    Given as ``name="module.function"``: a format's module is imported only
    when that format is looked up, so ``reconcile --help`` (which lists the
    names) and an audit in text load no other format (habit 12).
    """

    def __init__(self, **where: str) -> None:
        self._where = where

    def __getitem__(self, name: str) -> Callable[[T], str]:
        module, function = self._where[name].split(".")
        renderer = getattr(importlib.import_module(f"{__name__}.{module}"), function)
        return cast("Callable[[T], str]", renderer)

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)


#: ``reconcile audit PREFIX``
AUDIT: Formats[AuditReport] = Formats(
    text="text.audit",
    json="json.audit",
    sarif="sarif.findings",
    junit="junit.findings",
    github="github.findings",
)
#: ``reconcile audit --all``: one row per env.  It takes audit's ``--format``;
#: the CI formats are about one env's findings, and print the rows as text.
FLEET: Formats[FleetReport] = Formats(
    text="text.fleet",
    json="json.fleet",
    sarif="text.fleet",
    junit="text.fleet",
    github="text.fleet",
)
#: ``reconcile graph``
GRAPH: Formats[Graph] = Formats(
    text="text.graph", json="json.graph", dot="dot.graph", mermaid="mermaid.graph"
)
#: ``reconcile plan`` (``fix`` shows its plan as text)
PLAN: Formats[Plan] = Formats(text="text.plan", sh="sh.plan", json="json.plan")
#: ``reconcile compare``
COMPARE: Formats[Comparison] = Formats(text="text.compare", json="json.compare")
#: ``reconcile lint``
LINT: Formats[LintReport] = Formats(
    text="text.lint",
    json="json.lint",
    sarif="sarif.findings",
    junit="junit.findings",
    github="github.findings",
)
