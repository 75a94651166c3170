"""Audit every environment on the machine: ``reconcile audit --all``.

Which envs: :func:`reconcile.discover.locate.list_environments`.  Each is
audited by the very pipeline a single audit runs (:mod:`reconcile.pipeline`),
in a pool of processes: reading a prefix is file I/O plus pure-Python parsing,
so threads would wait on each other for the GIL.  A worker sends back a small
:class:`EnvAudit` (counts, the worst finding, the exit code, or the one line
that says why the env could not be audited), never the graph.  An env that
cannot be read is a row like any other and does not stop the rest.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Config
from .errors import NoEnvironments, ReconcileError
from .exits import exit_code
from .pipeline import audit_outcome, error_text, load_graph, name_map

if TYPE_CHECKING:
    from .discover.locate import Environments
    from .graph import Graph
    from .models import Depth, Finding, InstalledDist
    from .reports import EnvFindings

__all__ = ["EnvAudit", "FleetOptions", "FleetReport", "audit_env", "run_fleet"]


@dataclass(frozen=True, kw_only=True, slots=True)
class FleetOptions:
    """The options of a single audit, applied to every env."""

    depth: Depth
    name_map_file: str | None = None
    fail_on: str = "error"
    config: Config = field(default_factory=Config)
    #: send back every finding of each env, for the CI formats (one run or
    #: suite per env); the table needs only the counts and the worst
    findings: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class EnvAudit:
    """One env's result: what a single ``reconcile audit PREFIX`` would conclude."""

    prefix: str
    exit_code: int
    #: findings by severity label, as in the single audit's JSON; None if not audited
    summary: Mapping[str, int] | None = field(default=None, hash=False)
    #: the first of the most severe findings, without its evidence
    worst: Finding | None = None
    #: why the env could not be audited (then ``exit_code`` is that of the error, 2)
    error: str | None = None
    #: with ``FleetOptions.findings``: every finding, and the distributions
    #: their evidence names
    findings: tuple[Finding, ...] = field(default=(), hash=False)
    dists: tuple[InstalledDist, ...] = field(default=(), hash=False)

    def findings_report(self, fail_on: str) -> EnvFindings:
        """This env as the CI formats render one audit."""
        from .reports import EnvFindings

        return EnvFindings(
            prefix=self.prefix, findings=self.findings, fail_on=fail_on, dists=self.dists
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class FleetReport:
    """Every env's :class:`EnvAudit`, in the listing's order."""

    options: FleetOptions
    envs: tuple[EnvAudit, ...]
    #: environments.txt lines whose folder no longer exists (not audited)
    gone: tuple[str, ...] = ()

    @property
    def exit_code(self) -> int:
        """The worst env's exit code (:func:`reconcile.exits.exit_code`)."""
        return exit_code(self)


def audit_env(prefix: str, options: FleetOptions) -> EnvAudit:
    """Audit one env the way ``reconcile audit PREFIX`` does; never raises for
    a bad env (set ``RECONCILE_DEBUG`` to let a bug's exception through)."""
    from .models import Finding, severity_counts

    try:
        graph = load_graph(
            Path(prefix),
            depth=options.depth,
            name_map_file=options.name_map_file,
            config=options.config,
        )
        outcome = audit_outcome(graph, options.config, fail_on=options.fail_on)
    except Exception as exc:
        if not isinstance(exc, (ReconcileError, OSError)) and os.environ.get("RECONCILE_DEBUG"):
            raise
        return EnvAudit(prefix=prefix, exit_code=exit_code(exc), error=error_text(exc))
    findings = outcome.findings
    worst = max(findings, key=lambda f: f.severity, default=None)  # the first of the worst
    return EnvAudit(
        prefix=prefix,
        exit_code=exit_code(outcome),
        summary=severity_counts(findings),
        worst=None
        if worst is None
        else Finding(
            code=worst.code, severity=worst.severity, package=worst.package, message=worst.message
        ),
        findings=tuple(findings) if options.findings else (),
        dists=_evidence_dists(graph, findings) if options.findings else (),
    )


def _evidence_dists(graph: Graph, findings: Sequence[Finding]) -> tuple[InstalledDist, ...]:
    """The distributions whose metadata folders the findings' evidence names,
    light: what a CI format needs of them is their kind and members, not
    their RECORD rows or requirements (the worker pickles them back)."""
    out: dict[str, InstalledDist] = {}
    for f in findings:
        for path in (f.path, f.installed_dist, *f.paths):
            if path and path not in out and path.endswith((".dist-info", ".egg-info")):
                dist = graph.state.dist_at(path)
                if dist is not None:
                    out[path] = replace(dist, path=path, record=(), requires=())
    return tuple(out.values())


def run_fleet(
    envs: Environments,
    options: FleetOptions,
    *,
    jobs: int,
    progress: Callable[[int, int], None] | None = None,
) -> FleetReport:
    """Audit every env of ``envs``, ``jobs`` at a time, in the listing's order.
    ``progress(done, total)`` is called as each env's result is taken.

    Raises :class:`~reconcile.errors.NoEnvironments` when there is none, and
    the name map's own error (once, here, not once per env) when it is bad.
    """
    if not envs.prefixes:
        raise NoEnvironments(envs.searched)
    name_map(
        options.name_map_file, options.config
    )  # a bad --name-map is a usage error, not N failed rows
    prefixes = [str(p) for p in envs.prefixes]
    workers = max(1, min(jobs, len(prefixes)))
    done = progress or (lambda done, total: None)
    results: list[EnvAudit] = []
    if workers == 1:
        for p in prefixes:
            results.append(audit_env(p, options))
            done(len(results), len(prefixes))
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(audit_env, p, options) for p in prefixes]
            for p, f in zip(prefixes, futures, strict=True):
                results.append(_result(p, f))
                done(len(results), len(prefixes))
    return FleetReport(options=options, envs=tuple(results), gone=tuple(map(str, envs.gone)))


def _result(prefix: str, future: Future[EnvAudit]) -> EnvAudit:
    try:
        return future.result()
    except BrokenProcessPool as exc:  # the worker was killed (out of memory, a signal)
        return EnvAudit(
            prefix=prefix, exit_code=exit_code(exc), error=f"worker process died: {exc}"
        )
