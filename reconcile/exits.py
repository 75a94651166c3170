"""The exit code of every command, decided in one place: :func:`exit_code`.

====  ================================================================
0     nothing at or above ``--fail-on``; the env matches; the plan, fix
      or export did all it was asked
1     a finding at or above ``--fail-on`` (one a plan or fix leaves
      unrepaired counts at ``error``), a mismatch, or a refusal: no
      consistent plan or export, a fix refused, declined or rolled back
2     a usage or I/O error (always a one-line message); in ``audit
      --all``, an env that could not be audited
130   interrupted (128 + SIGINT, as a shell reports Ctrl-C)
====  ================================================================

Nothing here prints or exits: the CLI does, with the number this returns.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import TypeAlias

    from .compare import Comparison
    from .fleet import FleetReport
    from .plan import Plan
    from .policy import Outcome
    from .reports import AuditReport, ExportReport, FixReport, LintReport

    #: What a command concludes, or the exception that stopped it.
    Concluded: TypeAlias = (
        Outcome
        | AuditReport
        | FleetReport
        | LintReport
        | Comparison
        | Plan
        | ExportReport
        | FixReport
        | BaseException
    )

__all__ = ["EXIT_ERROR", "EXIT_FINDINGS", "EXIT_INTERRUPTED", "EXIT_OK", "exit_code"]

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED = 130


def _loaded(module: str) -> bool:
    """Whether the stage ``module`` of this package has been imported.

    An outcome of one of its classes can exist only then, so :func:`exit_code`
    looks at a kind only when its module is loaded: deciding the exit code
    never imports a stage the command did not run (the audit's path loads
    neither the plan nor compare, habit 12).
    """
    return f"{__package__}.{module}" in sys.modules


def exit_code(outcome: Concluded) -> int:
    """The exit code of a command that concluded ``outcome``: what it
    returns (a policy :class:`~reconcile.policy.Outcome`, a report of
    :mod:`reconcile.reports`, a fleet report, a comparison, a plan), or the
    exception that stopped it."""
    if isinstance(outcome, BaseException):
        return EXIT_INTERRUPTED if isinstance(outcome, KeyboardInterrupt) else EXIT_ERROR
    if _loaded("policy"):
        from .policy import Outcome

        if isinstance(outcome, Outcome):
            return EXIT_FINDINGS if outcome.failing() else EXIT_OK
    if _loaded("reports"):
        from .reports import AuditReport, ExportReport, FixEnd, FixReport, LintReport

        if isinstance(outcome, AuditReport):
            # Recording today's findings as the baseline accepts them.
            return EXIT_OK if outcome.accepted else exit_code(outcome.outcome)
        if isinstance(outcome, LintReport):
            # A file that could not be read is an I/O error, whatever the others hold.
            if outcome.errors:
                return EXIT_ERROR
            return max((exit_code(o) for _, o in outcome.linted), default=EXIT_OK)
        if isinstance(outcome, ExportReport):
            return EXIT_OK if outcome.spec is not None else EXIT_FINDINGS
        if isinstance(outcome, FixReport):
            if outcome.end is FixEnd.DONE:
                return EXIT_FINDINGS if outcome.errors_left else EXIT_OK
            if outcome.end is FixEnd.SHOWN and outcome.plan is not None:
                return exit_code(outcome.plan)
            return EXIT_OK if outcome.end is FixEnd.UNDONE else EXIT_FINDINGS
    if _loaded("fleet"):
        from .fleet import FleetReport

        if isinstance(outcome, FleetReport):
            # The worst env's: one that could not be audited (2) wins.
            return max((e.exit_code for e in outcome.envs), default=EXIT_OK)
    if _loaded("compare"):
        from .compare import Comparison

        if isinstance(outcome, Comparison):
            return EXIT_OK if outcome.matches else EXIT_FINDINGS
    if _loaded("plan"):
        from .models import at_or_above
        from .plan import Plan

        if isinstance(outcome, Plan):
            # An error finding no step repairs fails the plan as it fails an audit.
            stuck = at_or_above((u.finding for u in outcome.unresolved), "error")
            return EXIT_FINDINGS if not outcome.possible or stuck else EXIT_OK
    raise TypeError(f"no exit code for a {type(outcome).__name__}")
