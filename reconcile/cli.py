"""The command line: the one place the pipeline is wired, printed and exited.

    discover (read prefix) -> graph (unified model) -> check (findings) -> render

Exit codes: 0 no finding at or above ``--fail-on``; 1 at least one; 2 usage
or I/O error (a one-line message, never a traceback); every one is decided by
:func:`reconcile.exits.exit_code` from what the command concluded.  Formats
come from the command's table in :mod:`reconcile.render`.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from . import __version__, render
from .errors import ReconcileError
from .exits import EXIT_OK, exit_code
from .pipeline import error_text

if TYPE_CHECKING:
    from pathlib import Path

    from .config import Config
    from .graph import Graph
    from .models import Depth, Finding
    from .plan import Plan
    from .resolve import CandidateSource
    from .sources import Locator

__all__ = ["main"]

FAIL_ON = ("error", "warning", "info", "never")  # as config.FAIL_ON, which is not imported early


def _add_prefix_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("prefix", nargs="?", help="environment prefix (default: $CONDA_PREFIX)")
    p.add_argument("-n", "--name", help="environment name, looked up in the conda envs dirs")
    p.add_argument(
        "--name-map",
        metavar="FILE",
        help="conda<TAB>pypi name pairs that override the bundled table",
    )
    _add_config_arg(p)
    depth = p.add_mutually_exclusive_group()
    depth.add_argument(
        "--quick", action="store_true", help="metadata and ownership only; skip per-file checks"
    )
    depth.add_argument(
        "--deep", action="store_true", help="also compare the sha256 of every conda file"
    )
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="parse everything afresh; do not read or write the user cache",
    )


def _source(value: str) -> str:
    """A ``--find-links`` or ``--channel`` that is a local folder, made
    absolute: the steps that name it may run from another folder.  URLs and
    channel names are kept as given."""
    return os.path.abspath(value) if "://" not in value and os.path.isdir(value) else value


def _add_config_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--config",
        metavar="FILE",
        help="settings file (default: reconcile.toml, or pyproject.toml with [tool.reconcile], "
        "found from the working directory upward)",
    )


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reconcile",
        description="Audit a conda environment in which pip was also used: "
        "one graph of conda's and pip's records, every conflict between them.",
    )
    parser.add_argument("--version", action="version", version=f"reconcile {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    audit = sub.add_parser("audit", help="report every conflict between conda and pip")
    _add_prefix_args(audit)
    audit.add_argument(
        "--format",
        choices=tuple(render.AUDIT),
        default="text",
        help="sarif: GitHub code scanning; junit: GitLab, Jenkins; github: workflow annotations",
    )
    audit.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write the --format report here; the text summary still goes to stdout",
    )
    audit.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        help="exit 1 when a finding of this severity or worse exists "
        "(default: the settings' fail-on, else error)",
    )
    known = audit.add_mutually_exclusive_group()
    known.add_argument(
        "--baseline", metavar="FILE", help="fail only on findings this baseline does not hold"
    )
    known.add_argument(
        "--write-baseline", metavar="FILE", help="record today's findings as the baseline"
    )
    audit.add_argument(
        "--all",
        action="store_true",
        help="audit every conda env on this machine, one row each; exit code of the worst",
    )
    audit.add_argument(
        "--jobs",
        type=_positive,
        metavar="N",
        help="with --all: envs audited at once (default: CPUs)",
    )

    graph = sub.add_parser("graph", help="print the unified conda+pip installed graph")
    _add_prefix_args(graph)
    graph.add_argument("--format", choices=tuple(render.GRAPH), default="text")

    # -- plan (issue: repair plan) ------------------------------------------
    plan = sub.add_parser("plan", help="ordered conda and pip steps that repair the env")
    _add_prefix_args(plan)
    plan.add_argument("--format", choices=tuple(render.PLAN), default="text")
    plan.add_argument(
        "--strategy", choices=("prefer-conda", "prefer-pip", "rebuild"), default="prefer-conda"
    )
    source = plan.add_mutually_exclusive_group()
    source.add_argument("--offline", action="store_true", help="installed + local caches only")
    source.add_argument("--find-links", metavar="DIR", action="append", default=[], type=_source)
    source.add_argument("--index-url", metavar="URL")
    plan.add_argument("-v", "--verbose", action="store_true", help="show the resolver's progress")
    plan.add_argument("--channel", metavar="URL", action="append", default=[], type=_source,
                      help="also look for conda packages in this channel")  # fmt: skip

    # -- fix (issue: safe repair) ---------------------------------------------
    fix = sub.add_parser("fix", help="carry out the repair plan, journalled, with undo")
    _add_prefix_args(fix)
    fix.add_argument("--strategy", choices=("prefer-conda", "prefer-pip"), default="prefer-conda")
    fix.add_argument("--yes", action="store_true", help="do not ask before changing the env")
    fix.add_argument("--dry-run", action="store_true", help="show the steps; change nothing")
    fix.add_argument(
        "--undo", action="store_true", help="put the env back as it was before the last fix"
    )
    fix_source = fix.add_mutually_exclusive_group()
    fix_source.add_argument(
        "--offline", action="store_true", help="package caches, local channels and wheels only"
    )
    fix_source.add_argument("--index-url", metavar="URL", help="pip's wheels from this index")
    fix.add_argument("--find-links", metavar="DIR", action="append", default=[], type=_source,
                     help="pip's wheels from this folder")  # fmt: skip
    fix.add_argument("--channel", metavar="URL", action="append", default=[], type=_source,
                     help="also look for conda packages in this channel")  # fmt: skip

    # -- export / compare (issue: export) -----------------------------------
    export = sub.add_parser("export", help="write an environment.yml that recreates the env")
    _add_prefix_args(export)
    export.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    export.add_argument("--pinned", action="store_true", help="pin every package")
    export.add_argument("--no-builds", action="store_true", help="with --pinned: no build strings")
    export.add_argument("--constraints", metavar="FILE", help="also write pip constraints here")
    export_source = export.add_mutually_exclusive_group()
    export_source.add_argument(
        "--offline", action="store_true", help="repair from installed + local caches (default)"
    )
    export_source.add_argument(
        "--find-links", metavar="DIR", action="append", default=[], type=_source,
        help="also repair from DIR",
    )
    export_source.add_argument("--index-url", metavar="URL", help="repair from this index")
    compare = sub.add_parser("compare", help="does this env match this environment.yml?")
    compare.add_argument("paths", nargs="+", metavar="[PREFIX] FILE")
    compare.add_argument("-n", "--name", help="environment name, looked up in the conda envs dirs")
    compare.add_argument("--format", choices=tuple(render.COMPARE), default="text")
    compare.add_argument(
        "--exact", action="store_true", help="packages the file does not name are mismatches too"
    )
    compare.add_argument(
        "--name-map", metavar="FILE", help="conda<TAB>pypi pairs that override the bundled table"
    )
    _add_config_arg(compare)
    # -- lint (issue: lint and CI) ---------------------------------------------
    lint = sub.add_parser("lint", help="check environment.yml files before an env exists")
    lint.add_argument("files", nargs="+", metavar="FILE")
    lint.add_argument("--format", choices=tuple(render.LINT), default="text")
    lint.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        help="exit 1 when a finding of this severity or worse exists "
        "(default: the settings' fail-on, else error)",
    )
    lint.add_argument(
        "--name-map", metavar="FILE", help="conda<TAB>pypi pairs that override the bundled table"
    )
    _add_config_arg(lint)
    return parser


def _settings(args: argparse.Namespace) -> Config:
    """The settings file's contents (``--config``, or found upward from here)."""
    from .config import load_config

    return load_config(getattr(args, "config", None), codes=_all_codes)


def _all_codes() -> list[str]:
    """Audit's and lint's finding codes: one settings file serves both."""
    from .check import CODES
    from .lint import LINT

    return [*CODES, *LINT]


def _depth(args: argparse.Namespace) -> Depth:
    from .models import Depth

    return Depth.QUICK if args.quick else Depth.DEEP if args.deep else Depth.DEFAULT


def _load(args: argparse.Namespace, config: Config | None = None) -> Graph:
    from .discover import locate_prefix
    from .pipeline import load_graph

    config = config if config is not None else _settings(args)
    prefix = locate_prefix(args.prefix, args.name)
    return load_graph(
        prefix,
        depth=_depth(args),
        name_map_file=args.name_map,
        config=config,
        cache=not getattr(args, "no_cache", False),
    )


def _cmd_graph(args: argparse.Namespace) -> int:
    graph = _load(args)
    sys.stdout.write(render.GRAPH[args.format](graph))
    return EXIT_OK


def _cmd_audit(args: argparse.Namespace) -> int:
    from .pipeline import audit_outcome
    from .policy import baseline_json, parse_baseline
    from .reports import AuditReport

    if args.all:
        return _audit_all(args)
    if args.jobs:
        raise ReconcileError("--jobs goes with --all")
    config = _settings(args)
    baseline = None
    if args.baseline:
        baseline = parse_baseline(_read_text(args.baseline), args.baseline)
    graph = _load(args, config)
    outcome = audit_outcome(
        graph, config, fail_on=args.fail_on, baseline=baseline, baseline_source=args.baseline
    )
    if args.write_baseline:
        _outside_prefix(args.write_baseline, graph, "--write-baseline")
        _write_text(args.write_baseline, baseline_json(outcome.findings))
        print(
            f"reconcile: wrote {len(outcome.findings)} finding(s) to the baseline "
            f"{args.write_baseline}",
            file=sys.stderr,
        )
    report = AuditReport(graph=graph, outcome=outcome, accepted=bool(args.write_baseline))
    text = render.AUDIT[args.format](report)
    if args.output:
        _outside_prefix(args.output, graph, "--output")
        _write_text(args.output, text, errors="replace")
        sys.stdout.write(render.AUDIT["text"](report))
    else:
        sys.stdout.write(text)
    return exit_code(report)


def _read_text(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ReconcileError(f"cannot read {path!r}: {reason}") from exc


def _write_text(path: str, content: str, *, errors: str = "strict") -> None:
    try:
        with open(path, "w", encoding="utf-8", errors=errors) as fh:
            fh.write(content)
    except OSError as exc:
        raise ReconcileError(f"cannot write {path!r}: {exc.strerror or exc}") from exc


def _audit_all(args: argparse.Namespace) -> int:
    from .discover.locate import list_environments
    from .fleet import FleetOptions, run_fleet

    if args.prefix or args.name:
        raise ReconcileError("--all audits every env found: give no PREFIX and no -n")
    if args.baseline or args.write_baseline:
        raise ReconcileError("a baseline belongs to one env: not with --all")
    config = _settings(args)
    options = FleetOptions(
        depth=_depth(args),
        name_map_file=args.name_map,
        fail_on=args.fail_on or config.fail_on or "error",
        config=config,
    )
    report = run_fleet(list_environments(), options, jobs=args.jobs or os.cpu_count() or 1)
    sys.stdout.write(render.FLEET[args.format](report))
    return exit_code(report)


def _outside_prefix(path: str, graph: Graph, option: str) -> None:
    """Refuse a file the user asked for inside the audited prefix: reconcile never writes there."""
    target = os.path.realpath(path)
    prefix = os.path.realpath(graph.state.prefix)
    if os.path.commonpath([target, prefix]) == prefix:
        raise ReconcileError(f"{option} {path!r} is inside the audited prefix; reconcile never "
                             "writes there")  # fmt: skip


def _cmd_plan(args: argparse.Namespace) -> int:
    from .check import check

    graph = _load(args)
    _plannable(graph)
    findings = check(graph)
    if args.strategy == "rebuild":
        plan = _rebuild(args, graph, findings)
    else:
        plan = _in_place_plan(args, graph, findings)
    sys.stdout.write(render.PLAN[args.format](plan))
    return exit_code(plan)


def _plannable(graph: Graph) -> None:
    """A prefix that was not read in full gets no plan: every step would rest
    on a guess about what is installed (an unlistable site-packages looks
    empty, and its folder like debris)."""
    from .safety import unreadable

    reasons = unreadable(graph)
    if reasons:
        raise ReconcileError(f"cannot plan a repair of {str(graph.state.prefix)!r}: it was not "
                             f"read in full: {'; '.join(reasons)}")  # fmt: skip


def _in_place_plan(args: argparse.Namespace, graph: Graph, findings: Sequence[Finding]) -> Plan:
    """prefer-conda or prefer-pip, with pip's candidates from the sources given
    (``plan`` and ``fix`` make the same plan from the same options)."""
    from .plan import make_plan
    from .resolve import default_source, verbose_reporter

    source = default_source(
        graph, offline=not args.index_url, find_links=args.find_links, index_url=args.index_url
    )
    pip_args: list[str] = []
    shown: str | None = None
    if args.index_url:
        from .plan import INDEX_URL
        from .urls import mask_url

        # Credentials never reach the printed plan: the step names the URL
        # by INDEX_URL, the text shows it masked, sh reads it from the env.
        masked = mask_url(args.index_url)
        secret = masked != args.index_url
        shown = masked if secret else None
        pip_args = ["--index-url", INDEX_URL if secret else args.index_url]
    else:
        pip_args = ["--no-index", *(a for d in args.find_links for a in ("--find-links", d))]
    verbose = getattr(args, "verbose", False)
    reporter = verbose_reporter(lambda line: print(line, file=sys.stderr)) if verbose else None
    return make_plan(
        graph,
        findings,
        strategy=args.strategy,
        source=source,
        pip_source_args=pip_args,
        reporter=reporter,
        locator=_locator(args, graph, source),
        index_url=shown,
    )


def _locator(args: argparse.Namespace, graph: Graph, source: CandidateSource) -> Locator:
    """Where the plan's replacements come from: the package caches, the
    records' channels and ``--channel``s (not fetched with ``--offline``),
    and pip's ``source``."""
    from .sources import Locator, env_channels

    return Locator(
        pip=source,
        python=graph.python,
        channels=tuple(args.channel),
        env_channels=env_channels(graph.state.records),
        offline=args.offline,
    )


def _cmd_fix(args: argparse.Namespace) -> int:
    import shlex
    import shutil

    from .check import check
    from .discover import locate_prefix
    from .fix._state import new_journal_dir
    from .fix.apply import FixOptions, FixRefused, Transaction, interrupted_journal, prepare
    from .fix.lock import PrefixLock
    from .pipeline import load_graph
    from .reports import FixEnd, FixReport
    from .urls import MASK, redact_text

    prefix = locate_prefix(args.prefix, args.name)
    if args.undo:
        return _fix_undo(args, prefix)
    with PrefixLock(prefix):
        stopped = interrupted_journal(prefix)
        if stopped is not None:
            raise ReconcileError(
                f"a fix of {str(prefix)!r} was stopped before it finished "
                f"(journal {stopped}); run `reconcile fix --undo` first"
            )
        config = _settings(args)
        graph = _load(args, config)
        _plannable(graph)
        findings = check(graph)
        plan = _in_place_plan(args, graph, findings)
        sys.stdout.write(render.PLAN["text"](plan))
        if not plan.possible:
            print("reconcile: fix refused: no consistent plan exists (see above); "
                  "nothing changed", file=sys.stderr)  # fmt: skip
            return exit_code(FixReport(end=FixEnd.REFUSED))
        if not plan.steps or args.dry_run:
            if not plan.steps:
                print("reconcile: nothing to fix", file=sys.stderr)
            return exit_code(FixReport(end=FixEnd.SHOWN, plan=plan))
        if not args.yes:
            if not sys.stdin.isatty():
                raise ReconcileError("not asking on a non-interactive stdin: pass --yes to "
                                     "apply the plan, or --dry-run")  # fmt: skip
            answer = input(f"Apply {len(plan.steps)} step(s) to {prefix}? [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                print("reconcile: nothing changed", file=sys.stderr)
                return exit_code(FixReport(end=FixEnd.DECLINED))
        options = FixOptions(
            offline=args.offline,
            channels=tuple(args.channel),
            find_links=tuple(args.find_links),
            index_url=args.index_url,
            # The journal, conda-meta/history and `fix --undo` show the
            # command: an --index-url's or --channel's credentials masked.
            command=shlex.join(["reconcile", *(redact_text(a, MASK) for a in sys.argv[1:])])
            if sys.argv[1:2] == ["fix"] else f"reconcile fix {shlex.quote(str(prefix))}",
        )  # fmt: skip
        journal = new_journal_dir(prefix)
        try:
            actions = prepare(graph, plan, options, journal)
        except FixRefused as exc:
            shutil.rmtree(journal, ignore_errors=True)
            print(f"reconcile: fix refused: {exc}", file=sys.stderr)
            return exit_code(FixReport(end=FixEnd.REFUSED))

        def reaudit() -> Sequence[Finding]:
            again = load_graph(prefix, depth=_depth(args), name_map_file=args.name_map,
                               config=config, cache=False)  # fmt: skip
            return check(again)

        def progress(line: str) -> None:
            print(line, file=sys.stderr, flush=True)

        tx = Transaction(graph, findings, plan, actions, journal, options, progress, reaudit)
        result = tx.run()
    if result.status is FixEnd.ROLLED_BACK:
        print(f"reconcile: rolled back: {result.reason}", file=sys.stderr)
        if result.lost:
            print(f"reconcile: could not put back: {', '.join(result.lost)}", file=sys.stderr)
        else:
            print(f"reconcile: the env is as it was before the fix (journal {result.journal})",
                  file=sys.stderr)  # fmt: skip
        return exit_code(FixReport(end=FixEnd.ROLLED_BACK))
    where = graph.state.prefix
    print(f"fixed {where}: {len(actions)} step(s), {len(result.changed)} path(s) changed")
    for action in actions:
        print(f"  - {action.title}")
    print(f"journal: {result.journal}")
    print(f"undo with: reconcile fix --undo {shlex.quote(str(where))}")
    if result.errors_left:
        print(f"still {len(result.errors_left)} error finding(s) no step repairs: "
              f"{', '.join(result.errors_left)}")  # fmt: skip
    return exit_code(FixReport(end=FixEnd.DONE, errors_left=result.errors_left))


def _fix_undo(args: argparse.Namespace, prefix: Path) -> int:
    from .fix.lock import PrefixLock
    from .fix.undo import NothingToUndo, UndoRefused, find_undo, run_undo
    from .reports import FixEnd, FixReport

    with PrefixLock(prefix):
        try:
            undo = find_undo(prefix)
        except NothingToUndo as exc:
            print(f"reconcile: {exc}", file=sys.stderr)
            return exit_code(FixReport(end=FixEnd.REFUSED))
        print(f"undo the fix of {undo.started} ({undo.command}), journal {undo.journal}")
        if not args.yes:
            if not sys.stdin.isatty():
                raise ReconcileError("not asking on a non-interactive stdin: pass --yes")
            if input(f"Restore {prefix} as it was before? [y/N] ").strip().lower() not in (
                "y", "yes",
            ):  # fmt: skip
                print("reconcile: nothing changed", file=sys.stderr)
                return exit_code(FixReport(end=FixEnd.DECLINED))
        try:
            lost = run_undo(prefix, undo)
        except UndoRefused as exc:
            print(f"reconcile: undo refused: {exc}", file=sys.stderr)
            return exit_code(FixReport(end=FixEnd.REFUSED))
    if lost:
        print(f"reconcile: could not put back: {', '.join(lost)}", file=sys.stderr)
        return exit_code(FixReport(end=FixEnd.LOST))
    print(f"restored {prefix} as it was before the fix of {undo.started}")
    return exit_code(FixReport(end=FixEnd.UNDONE))


def _rebuild(args: argparse.Namespace, graph: Graph, findings: Sequence[Finding]) -> Plan:
    from .export import ExportImpossible, ExportOptions, build_spec, resolver_repair
    from .plan import rebuild_plan
    from .render.env import constraints_txt, environment_yml

    repair = resolver_repair(
        graph, offline=not args.index_url, find_links=args.find_links, index_url=args.index_url
    )
    options = ExportOptions(pinned=True, builds=True, constraints="pip-constraints.txt")
    try:
        spec = build_spec(graph, options, repair=repair)
    except ExportImpossible as exc:
        return rebuild_plan(graph, findings, environment_yml=None, constraints_txt="",
                            explanations=exc.explanations, suggestions=exc.suggestions)  # fmt: skip
    return rebuild_plan(
        graph,
        findings,
        environment_yml=environment_yml(spec),
        constraints_txt=constraints_txt(spec),
    )


def _cmd_export(args: argparse.Namespace) -> int:
    from .export import (
        ExportImpossible,
        ExportOptions,
        build_spec,
        relative_reference,
        resolver_repair,
    )
    from .render.env import constraints_txt, environment_yml, impossible
    from .reports import ExportReport

    if args.no_builds and not args.pinned:
        raise ReconcileError("--no-builds needs --pinned")
    cwd = os.getcwd()
    if (
        args.output
        and args.constraints
        and os.path.abspath(args.output) == os.path.abspath(args.constraints)
    ):
        raise ReconcileError("-o and --constraints name the same file")
    # The spec needs metadata and ownership only, not the per-file checks.
    graph = _load(argparse.Namespace(**{**vars(args), "quick": True, "deep": False}))
    ref = relative_reference(args.constraints, args.output, cwd) if args.constraints else None
    options = ExportOptions(pinned=args.pinned, builds=not args.no_builds, constraints=ref)
    # pip's side, when it does not fit conda's, is moved by the plan's resolver.
    repair = resolver_repair(
        graph, offline=not args.index_url, find_links=args.find_links, index_url=args.index_url
    )
    prefix = str(graph.state.prefix)
    try:
        spec = build_spec(graph, options, repair=repair)
    except ExportImpossible as exc:
        report = ExportReport(
            prefix=prefix, explanations=exc.explanations, suggestions=exc.suggestions
        )
        sys.stderr.write(impossible(report))
        return exit_code(report)
    for warning in spec.warnings:
        sys.stderr.write(f"reconcile export: warning: {warning}\n")
    files = [(args.constraints, constraints_txt(spec))] if args.constraints else []
    text = environment_yml(spec)
    if args.output:
        files.append((args.output, text))
    for path, content in files:
        _write_text(path, content)
    if not args.output:
        sys.stdout.write(text)
    return exit_code(ExportReport(prefix=prefix, spec=spec))


def _cmd_compare(args: argparse.Namespace) -> int:
    from .compare import compare
    from .envfile import load_env_file

    if len(args.paths) > 2:
        raise ReconcileError("compare takes [PREFIX] FILE: at most two paths")
    prefix, file = (None, args.paths[0]) if len(args.paths) == 1 else args.paths
    env = load_env_file(file)
    graph = _load(
        argparse.Namespace(
            prefix=prefix,
            name=args.name,
            name_map=args.name_map,
            config=args.config,
            quick=True,
            deep=False,
        )
    )
    result = compare(graph, env, exact=args.exact)
    sys.stdout.write(render.COMPARE[args.format](result))
    return exit_code(result)


def _cmd_lint(args: argparse.Namespace) -> int:
    from .lint import lint, load_for_lint
    from .pipeline import name_map
    from .policy import Outcome, apply_policy
    from .reports import LintReport

    config = _settings(args)
    names = name_map(args.name_map, config)
    linted: list[tuple[str, Outcome]] = []
    errors: list[tuple[str, str]] = []
    for path in args.files:
        # One file that cannot be read is a one-line error; the others are
        # still linted, and the exit code is 2.
        try:
            env = load_for_lint(path)
        except ReconcileError as exc:
            errors.append((path, str(exc)))
        except OSError as exc:
            errors.append((path, f"cannot read {path!r}: {exc.strerror or exc}"))
        else:
            # The settings' overrides and ignores apply to lint's codes too.
            linted.append((path, apply_policy(lint(env, names), config, fail_on=args.fail_on)))
    for _, message in errors:
        print(f"reconcile: error: {message}", file=sys.stderr)
    fail_on = linted[0][1].fail_on if linted else args.fail_on or "error"
    report = LintReport(linted=tuple(linted), errors=tuple(errors), fail_on=fail_on)
    sys.stdout.write(render.LINT[args.format](report))
    return exit_code(report)


COMMANDS = {
    "audit": _cmd_audit,
    "graph": _cmd_graph,
    "plan": _cmd_plan,
    "fix": _cmd_fix,
    "export": _cmd_export,
    "compare": _cmd_compare,
    "lint": _cmd_lint,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # One short run builds many small objects and no cycles worth collecting:
    # the cyclic collector costs ~10% of an audit and frees nothing.
    gc.disable()
    try:
        return COMMANDS[args.command](args)
    except ReconcileError as exc:
        print(f"reconcile: error: {exc}", file=sys.stderr)
        return exit_code(exc)
    except OSError as exc:
        print(f"reconcile: error: {error_text(exc)}", file=sys.stderr)
        return exit_code(exc)
    except KeyboardInterrupt as exc:
        return exit_code(exc)
    except Exception as exc:  # a bug: still one line, with a way to see more
        if os.environ.get("RECONCILE_DEBUG"):
            raise
        print(
            f"reconcile: internal error: {type(exc).__name__}: {exc} "
            "(set RECONCILE_DEBUG=1 for the traceback, and please report it)",
            file=sys.stderr,
        )
        return exit_code(exc)
    finally:
        gc.enable()  # main() may be called in a longer-lived process (tests, embedders)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
