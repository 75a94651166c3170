"""What a command concludes, as one value: what its renderers take and its
exit code is decided from (:func:`reconcile.exits.exit_code`).

The stages already return most of these: a :class:`~reconcile.graph.Graph`
(``graph``), a :class:`~reconcile.plan.Plan` (``plan``), a
:class:`~reconcile.compare.Comparison` (``compare``), a
:class:`~reconcile.fleet.FleetReport` (``audit --all``).  The commands that
put several values together get a small type here: one audit, one lint run,
one export, one fix.  Values only: nothing here reads, prints or exits, and
importing this module imports no stage.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .check import Unmet
    from .export import EnvSpec
    from .graph import Edge, Graph
    from .models import Finding, InstalledDist, Severity
    from .plan import Plan
    from .policy import Outcome

__all__ = [
    "AuditReport",
    "EnvFindings",
    "ExportReport",
    "FindingsReport",
    "FixEnd",
    "FixReport",
    "GraphReport",
    "LintReport",
]


class FindingsReport(Protocol):
    """Findings, as the CI formats (SARIF, JUnit, GitHub) render them: an
    audit's (:class:`AuditReport`) or a lint run's (:class:`LintReport`)."""

    @property
    def command(self) -> str:
        """The reconcile command that found them (``audit``, ``lint``): what
        the reports are named for."""

    @property
    def prefix(self) -> str | None:
        """The audited prefix, absolute; None for findings about files (lint)."""

    def dist_at(self, path: str) -> InstalledDist | None:
        """The distribution whose metadata folder is ``path`` (prefix-relative),
        as discovery read it; None when there is none or no prefix."""

    @property
    def findings(self) -> Sequence[Finding]:
        """The findings to report, after the settings (and a baseline)."""

    @property
    def fail_on(self) -> str:
        """``error``, ``warning``, ``info`` or ``never``."""

    @property
    def known(self) -> Collection[str] | None:
        """Fingerprints of the findings a baseline holds; None: no baseline."""

    @property
    def codes(self) -> Mapping[str, tuple[Severity, str]]:
        """Every code the command can report: (default severity, description)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class AuditReport:
    """``reconcile audit PREFIX``: the graph and the settings' outcome."""

    graph: Graph
    outcome: Outcome
    #: ``--write-baseline``: today's findings were recorded, and so accepted
    accepted: bool = False
    #: ``-v``: the text lists every missing or altered file under its finding
    verbose: bool = False

    @property
    def command(self) -> str:
        return "audit"

    @property
    def prefix(self) -> str:
        return os.path.abspath(self.graph.state.prefix)

    def dist_at(self, path: str) -> InstalledDist | None:
        return self.graph.state.dist_at(path)

    @property
    def findings(self) -> Sequence[Finding]:
        return self.outcome.findings

    @property
    def fail_on(self) -> str:
        return self.outcome.fail_on

    @property
    def known(self) -> Collection[str] | None:
        return self.outcome.known if self.outcome.baseline is not None else None

    @property
    def codes(self) -> Mapping[str, tuple[Severity, str]]:
        from .check import CODES

        return CODES


@dataclass(frozen=True, kw_only=True, slots=True)
class EnvFindings:
    """One env of ``reconcile audit --all`` as the CI formats render it: what
    its own audit found, without its graph (the fleet's workers send back
    only the findings, and the distributions their evidence names)."""

    prefix: str
    findings: tuple[Finding, ...] = ()
    fail_on: str = "error"
    #: the distributions the findings' evidence names (their members, for
    #: the file a CI format points at)
    dists: tuple[InstalledDist, ...] = ()

    @property
    def command(self) -> str:
        return "audit"

    @property
    def known(self) -> None:
        return None  # no baseline with --all

    @property
    def codes(self) -> Mapping[str, tuple[Severity, str]]:
        from .check import CODES

        return CODES

    def dist_at(self, path: str) -> InstalledDist | None:
        return next((d for d in self.dists if d.path == path), None)


@dataclass(frozen=True, kw_only=True, slots=True)
class GraphReport:
    """``reconcile graph PREFIX``: the unified graph, and its dependency
    edges that what is installed does not satisfy (judged by the audit's
    own functions, :func:`reconcile.check.unmet_edges`)."""

    graph: Graph
    unmet: tuple[Unmet, ...] = ()

    def unmet_by_edge(self) -> dict[Edge, Unmet]:
        """Each unmet edge's :class:`~reconcile.check.Unmet` (an edge not
        in it is met, or not judged: a virtual package, an inactive marker)."""
        return {u.edge: u for u in self.unmet}


@dataclass(frozen=True, kw_only=True, slots=True)
class LintReport:
    """``reconcile lint FILE...``: each file linted, in the order given, with
    its outcome; the files that could not be read, with their one-line error."""

    linted: tuple[tuple[str, Outcome], ...] = ()
    errors: tuple[tuple[str, str], ...] = ()
    fail_on: str = "error"

    @property
    def command(self) -> str:
        return "lint"

    @property
    def prefix(self) -> None:
        return None  # lint reads files, not a prefix

    def dist_at(self, path: str) -> None:
        return None

    @property
    def known(self) -> None:
        return None  # no baseline for lint

    @property
    def files(self) -> tuple[tuple[str, tuple[Finding, ...]], ...]:
        """(file as given, its findings), for each file linted."""
        return tuple((path, outcome.findings) for path, outcome in self.linted)

    @property
    def findings(self) -> Sequence[Finding]:
        return [f for _, outcome in self.linted for f in outcome.findings]

    @property
    def codes(self) -> Mapping[str, tuple[Severity, str]]:
        from .lint import LINT

        return LINT


@dataclass(frozen=True, kw_only=True, slots=True)
class ExportReport:
    """``reconcile export``: the spec written, or why none could be written.

    Without a spec it holds the :class:`~reconcile.export.ExportImpossible`'s
    lines, not the exception: its traceback would keep the whole graph alive.
    """

    prefix: str
    spec: EnvSpec | None = None
    #: no spec: why pip's packages cannot fit conda's, one line each
    explanations: tuple[str, ...] = ()
    #: no spec: what could help, one line each
    suggestions: tuple[str, ...] = ()


class FixEnd(enum.Enum):
    """Where ``reconcile fix`` (or ``fix --undo``) stopped."""

    DONE = "done"  # applied and verified (errors may be left that no step repairs)
    SHOWN = "shown"  # --dry-run, or nothing to fix: the plan was only shown
    REFUSED = "refused"  # no consistent plan, a safety rule, nothing to undo, ...
    DECLINED = "declined"  # the user answered no
    ROLLED_BACK = "rolled-back"  # a step or the re-audit failed: the fix was undone
    LOST = "lost"  # --undo could not put everything back
    UNDONE = "undone"  # --undo: the env is as it was before the fix


@dataclass(frozen=True, kw_only=True, slots=True)
class FixReport:
    """How a fix ended, and what decides its exit code there."""

    end: FixEnd
    #: SHOWN: the plan that was shown (its unresolved errors fail the run)
    plan: Plan | None = None
    #: DONE: "code package" of the error findings the re-audit still reports
    errors_left: tuple[str, ...] = ()
