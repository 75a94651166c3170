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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Literal

import typer

# typer vendors click (pyproject.toml pins the typer versions that do); its
# usage errors are caught here to print them in reconcile's one-line form.
from typer._click import exceptions as _click

from . import __version__, render
from .errors import ReconcileError
from .exits import EXIT_OK, exit_code
from .pipeline import error_text

if TYPE_CHECKING:
    from pathlib import Path

    from .config import Config
    from .console import Status
    from .graph import Graph
    from .models import Depth, Finding
    from .plan import Plan
    from .resolve import CandidateSource
    from .sources import Locator

__all__ = ["main"]


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
    depth = _depth(args)
    hashing = f"hashing every conda file of {prefix} (--deep)"
    with _progress(hashing if depth.value == "deep" else None):
        return load_graph(
            prefix,
            depth=depth,
            name_map_file=args.name_map,
            config=config,
            cache=not getattr(args, "no_cache", False),
        )


def _progress(text: str | None) -> Status:
    """A progress line on stderr for work that can take seconds, shown only
    when stderr is a terminal (and not at all when ``text`` is None)."""
    from .console import Status

    return Status(text or "", enabled=False if text is None else None)


def _cmd_graph(args: argparse.Namespace) -> int:
    from .check import unmet_edges
    from .reports import GraphReport

    graph = _load(args)
    report = GraphReport(graph=graph, unmet=unmet_edges(graph))
    sys.stdout.write(render.GRAPH[args.format](report))
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
    report = AuditReport(
        graph=graph, outcome=outcome, accepted=bool(args.write_baseline), verbose=args.verbose
    )
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
    from .outputs import refuse_inside, to_stdout

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
        findings=args.format not in ("text", "json"),  # the CI formats: every finding
    )
    envs = list_environments()
    output = None if to_stdout(args.output) else args.output
    if output:
        refuse_inside(output, envs.prefixes, "--output")
    with _progress(f"auditing {len(envs.prefixes)} environments") as status:
        report = run_fleet(envs, options, jobs=args.jobs or os.cpu_count() or 1,
                           progress=lambda done, total: status.update(
                               f"auditing {total} environments: {done} done"))  # fmt: skip
    text = render.FLEET[args.format](report)
    if output:
        _write_text(output, text, errors="replace")
        sys.stdout.write(render.FLEET["text"](report))
    else:
        sys.stdout.write(text)
    return exit_code(report)


def _outside_prefix(path: str, graph: Graph, option: str) -> None:
    """Refuse a file the user asked for inside the audited prefix: reconcile never writes there."""
    from .outputs import refuse_inside

    refuse_inside(path, [graph.state.prefix], option)


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
    # The resolver's events: lines on stderr with -v, else the progress line's text.
    with _progress(None if verbose else f"planning the repair of {graph.state.prefix}") as status:
        write = (lambda line: print(line, file=sys.stderr)) if verbose else status.update
        return make_plan(
            graph,
            findings,
            strategy=args.strategy,
            source=source,
            pip_source_args=pip_args,
            reporter=verbose_reporter(write) if verbose or status.on else None,
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
        with _progress(f"planning a rebuild of {graph.state.prefix}"):
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
    from .outputs import STDOUT, to_stdout
    from .render.env import constraints_txt, environment_yml, impossible
    from .reports import ExportReport

    if args.no_builds and not args.pinned:
        raise ReconcileError("--no-builds needs --pinned")
    if args.as_is and (args.find_links or args.index_url or args.offline):
        raise ReconcileError("--as-is repairs nothing: no --offline, --find-links or --index-url")
    if args.yml_name is not None and not args.yml_name.strip():
        raise ReconcileError("--yml-name needs a name")
    if args.constraints == STDOUT:
        raise ReconcileError("--constraints needs a file: environment.yml names it by its path "
                             "(-c FILE); '-' is standard output")  # fmt: skip
    if to_stdout(args.output):
        args.output = None
    cwd = os.getcwd()
    if (
        args.output
        and args.constraints
        and os.path.abspath(args.output) == os.path.abspath(args.constraints)
    ):
        raise ReconcileError("-o and --constraints name the same file")
    # The spec needs metadata and ownership only, not the per-file checks.
    graph = _load(argparse.Namespace(**{**vars(args), "quick": True, "deep": False}))
    for path, option in ((args.output, "--output"), (args.constraints, "--constraints")):
        if path:
            _outside_prefix(path, graph, option)
    ref = relative_reference(args.constraints, args.output, cwd) if args.constraints else None
    options = ExportOptions(
        pinned=args.pinned, builds=not args.no_builds, constraints=ref, as_is=args.as_is
    )
    # pip's side, when it does not fit conda's, is moved by the plan's resolver.
    repair = resolver_repair(
        graph, offline=not args.index_url, find_links=args.find_links, index_url=args.index_url
    )
    prefix = str(graph.state.prefix)
    try:
        spec = build_spec(graph, options, repair=repair, name=args.yml_name)
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
    if args.output:  # the report to a file, the text summary to stdout (as audit's -o)
        _write_text(args.output, render.LINT[args.format](report), errors="replace")
        sys.stdout.write(render.LINT["text"](report))
    else:
        sys.stdout.write(render.LINT[args.format](report))
    return exit_code(report)


# ---------------------------------------------------------------------------
# The command line itself: typer commands that hand the ``_cmd_*`` functions
# above the argparse-style namespace they read.  Parsing, help and shell
# completion are typer's; every error message and exit code is reconcile's.

app = typer.Typer(
    name="reconcile",
    epilog="Run 'reconcile COMMAND --help' for a command's options, examples and exit codes.",
    # Help renders through rich (panels); nothing else imports it (habit 12).
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    add_completion=True,
)

# Help panels: the same names in every command.
_ENV = "Which environment"
_DEPTH = "Depth"
_OUTPUT = "Output"
_POLICY = "Policy"
_SOURCES = "Sources"
_REPAIR = "Repair"
_SETTINGS = "Settings"

# Fixed values are Literal types: typer makes them choices, which --help lists
# and shell completion offers.
FailOn = Literal["error", "warning", "info", "never"]  # config.FAIL_ON, not imported early
PlanStrategy = Literal["prefer-conda", "prefer-pip", "rebuild"]
FixStrategy = Literal["prefer-conda", "prefer-pip"]
if TYPE_CHECKING:
    from typing import TypeAlias

    AuditFormat: TypeAlias = str
    GraphFormat: TypeAlias = str
    PlanFormat: TypeAlias = str
    CompareFormat: TypeAlias = str
    LintFormat: TypeAlias = str
else:  # each command's formats are the names of its table in reconcile.render
    AuditFormat = Literal[tuple(render.AUDIT)]
    GraphFormat = Literal[tuple(render.GRAPH)]
    PlanFormat = Literal[tuple(render.PLAN)]
    CompareFormat = Literal[tuple(render.COMPARE)]
    LintFormat = Literal[tuple(render.LINT)]


@dataclass(frozen=True, slots=True)
class _Ran:
    """What a command returns to :func:`main`: its exit code.  Anything else
    that ends a run (``--help``, ``--version``, a usage error) ends it before
    a command ran."""

    code: int


def _usage(message: str) -> Exception:
    """A usage error: exit 2 with a one-line ``reconcile: error:`` message."""
    return _click.UsageError(message)


def _complete_env_names(incomplete: str) -> list[str]:
    """``-n`` completion: the names of the envs conda knows of (the lookup
    ``-n`` itself uses).  Runs on every TAB press: quick, and never fails."""
    try:
        from .discover.locate import env_names

        return [n for n in env_names() if n.startswith(incomplete)]
    except Exception:  # a completion that raises breaks the user's shell line
        return []


def _source(value: str) -> str:
    """A ``--find-links`` or ``--channel`` that is a local folder, made
    absolute: the steps that name it may run from another folder.  URLs and
    channel names are kept as given."""
    return os.path.abspath(value) if "://" not in value and os.path.isdir(value) else value


def _positive(value: str | None) -> int | None:
    if value is None:
        return None
    if not value.isdigit() or int(value) < 1:
        raise _usage(f"--jobs: expected a whole number of at least 1, got {value!r}")
    return int(value)


def _exclusive(**given: object) -> None:
    """Options of one group that exclude each other (named as typed)."""
    named = [name for name, value in given.items() if value]
    if len(named) > 1:
        raise _usage(f"{named[1]}: not allowed with {named[0]}")


def _which(prefix: str | None, name: str | None) -> None:
    if prefix and name:
        raise _usage(f"give PREFIX or -n NAME, not both (got {prefix!r} and -n {name!r})")


def _stdout(path: str | None) -> str | None:
    """``-o -`` is standard output, as no ``-o`` at all (:mod:`reconcile.outputs`)."""
    from .outputs import to_stdout

    return None if to_stdout(path) else path


def _show_version(value: bool) -> None:
    if value:
        print(f"reconcile {__version__}")
        raise typer.Exit()


def _epilog(examples: Sequence[tuple[str, str]], *, ok: str, findings: str, error: str) -> str:
    """A command's help after its options: two or three examples, each with
    what it does, and what each exit code means for this command."""
    lines = ["[bold]Examples[/]", ""]
    for command, what in examples:
        lines += [f"  $ {command}", f"      {what}"]
    lines += ["", "[bold]Exit codes[/]", ""]
    lines += [f"  {code}  {text}" for code, text in ((0, ok), (1, findings), (2, error))]
    return "\n".join(lines)


# Options more than one command takes.  Each help text is said once.
PrefixArg = Annotated[
    str | None,
    typer.Argument(
        metavar="[PREFIX]",
        help="the environment's folder (default: the active env, $CONDA_PREFIX)",
        show_default=False,
    ),
]
NameOpt = Annotated[
    str | None,
    typer.Option(
        "-n",
        "--name",
        metavar="NAME",
        help="the env of this name, looked up as conda does (its envs dirs and "
        "~/.conda/environments.txt); not with PREFIX",
        autocompletion=_complete_env_names,
        rich_help_panel=_ENV,
    ),
]
QuickOpt = Annotated[
    bool,
    typer.Option(
        "--quick", help="metadata and ownership only; skip per-file checks", rich_help_panel=_DEPTH
    ),
]
DeepOpt = Annotated[
    bool,
    typer.Option(
        "--deep",
        help="also compare the sha256 of every conda file (reads every byte)",
        rich_help_panel=_DEPTH,
    ),
]
NoCacheOpt = Annotated[
    bool,
    typer.Option(
        "--no-cache",
        help="parse everything afresh; do not read or write reconcile's cache",
        rich_help_panel=_SETTINGS,
    ),
]
ConfigOpt = Annotated[
    str | None,
    typer.Option(
        "--config",
        metavar="FILE",
        help="settings file (default: reconcile.toml, or pyproject.toml with \\[tool.reconcile], "
        "found from the working directory upward)",
        rich_help_panel=_SETTINGS,
    ),
]
NameMapOpt = Annotated[
    str | None,
    typer.Option(
        "--name-map",
        metavar="FILE",
        help="conda<TAB>PyPI name pairs that override the bundled table",
        rich_help_panel=_SETTINGS,
    ),
]
FailOnOpt = Annotated[
    FailOn | None,
    typer.Option(
        "--fail-on",
        metavar="SEVERITY",
        help="exit 1 when a finding of this severity or worse exists: error, warning, info, "
        "or never (default: the settings' fail-on, else error)",
        show_default=False,
        rich_help_panel=_POLICY,
    ),
]
NoColorOpt = Annotated[
    bool,
    typer.Option(
        "--no-color",
        help="no colour in the text report (also: the NO_COLOR variable); "
        "there is none when stdout is not a terminal",
        rich_help_panel=_OUTPUT,
    ),
]
OfflineOpt = Annotated[
    bool,
    typer.Option(
        "--offline",
        help="installed files and local caches only: no index, no channel is asked",
        rich_help_panel=_SOURCES,
    ),
]
FindLinksOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--find-links",
        metavar="DIR",
        help="pip's wheels from this folder (repeatable)",
        show_default=False,
        rich_help_panel=_SOURCES,
    ),
]
IndexUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--index-url",
        metavar="URL",
        help="pip's wheels from this index (credentials are masked in every output)",
        rich_help_panel=_SOURCES,
    ),
]
ChannelOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--channel",
        metavar="URL",
        help="also look for conda packages in this channel (repeatable)",
        show_default=False,
        rich_help_panel=_SOURCES,
    ),
]


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_show_version,
            is_eager=True,
            help="print reconcile's version and exit",
        ),
    ] = False,
) -> None:
    """Audit a conda environment in which pip was also used: one graph of
    conda's and pip's records, every conflict between them.

    It reads the prefix and never writes to it; only [bold]fix[/] changes an env,
    journalled and with --undo.
    """
    if ctx.invoked_subcommand is None:
        names = list(ctx.command.list_commands(ctx))  # type: ignore[attr-defined]
        raise _usage(f"missing command: {', '.join(names[:-1])} or {names[-1]}")


@app.command(
    epilog=_epilog(
        [
            ("reconcile audit", "the active env ($CONDA_PREFIX)"),
            ("reconcile audit -n work --deep -v", "the env named work, every file hashed"),
            ("reconcile audit --format sarif -o audit.sarif", "a report for code scanning"),
        ],
        ok="no finding at or above --fail-on (with --baseline: no new one)",
        findings="at least one such finding; with --all, the worst env's code",
        error="usage or I/O error: no such env, a file that cannot be read",
    ),
)
def audit(
    prefix: PrefixArg = None,
    name: NameOpt = None,
    all_envs: Annotated[
        bool,
        typer.Option(
            "--all",
            help="every conda env on this machine: one row each (text, json), or each env's "
            "own report (sarif, junit, github)",
            rich_help_panel=_ENV,
        ),
    ] = False,
    jobs: Annotated[
        str | None,
        typer.Option(
            "--jobs",
            metavar="N",
            help="with --all: envs audited at once (default: the CPUs)",
            show_default=False,
            rich_help_panel=_ENV,
        ),
    ] = None,
    quick: QuickOpt = False,
    deep: DeepOpt = False,
    fmt: Annotated[
        AuditFormat,
        typer.Option(
            "--format",
            metavar="FORMAT",
            help="text for people; json (reconcile.audit/1); sarif for GitHub code scanning; "
            "junit for GitLab and Jenkins; github for workflow annotations",
            rich_help_panel=_OUTPUT,
        ),
    ] = "text",
    output: Annotated[
        str | None,
        typer.Option(
            "-o",
            "--output",
            metavar="FILE",
            help="write the --format report to FILE ('-': stdout) and the text summary to stdout",
            rich_help_panel=_OUTPUT,
        ),
    ] = None,
    verbose: Annotated[
        bool,
        typer.Option(
            "-v",
            "--verbose",
            help="list every missing or altered file under its finding",
            rich_help_panel=_OUTPUT,
        ),
    ] = False,
    no_color: NoColorOpt = False,
    fail_on: FailOnOpt = None,
    baseline: Annotated[
        str | None,
        typer.Option(
            "--baseline",
            metavar="FILE",
            help="fail only on findings this baseline does not hold",
            rich_help_panel=_POLICY,
        ),
    ] = None,
    write_baseline: Annotated[
        str | None,
        typer.Option(
            "--write-baseline",
            metavar="FILE",
            help="record today's findings as the baseline (and exit 0)",
            rich_help_panel=_POLICY,
        ),
    ] = None,
    config: ConfigOpt = None,
    name_map: NameMapOpt = None,
    no_cache: NoCacheOpt = False,
) -> _Ran:
    """Report every conflict between conda and pip in one environment.

    Reads conda-meta's records, pip's dist-infos and the files both say they
    installed, joins them into one graph, and reports what is wrong: files pip
    overwrote, files missing or altered, conda depends or pip requirements
    that do not hold, files two packages claim. Findings are errors, warnings
    or info; --fail-on sets which of them fail the run.
    """
    _which(prefix, name)
    _exclusive(**{"--quick": quick, "--deep": deep})
    _exclusive(**{"--baseline": baseline, "--write-baseline": write_baseline})
    return _run(
        _cmd_audit,
        prefix=prefix,
        name=name,
        all=all_envs,
        jobs=_positive(jobs),
        quick=quick,
        deep=deep,
        format=fmt,
        output=_stdout(output),
        verbose=verbose,
        color=_color_wanted(no_color, fmt, output),
        fail_on=fail_on,
        baseline=baseline,
        write_baseline=write_baseline,
        config=config,
        name_map=name_map,
        no_cache=no_cache,
    )


@app.command(
    epilog=_epilog(
        [
            ("reconcile graph", "the active env, one package a line"),
            ("reconcile graph -n work --format dot | dot -Tsvg > g.svg", "a picture"),
            ("reconcile graph PREFIX --format json", "schema reconcile.graph/1"),
        ],
        ok="the graph was printed",
        findings="not used: the graph is printed whatever is wrong",
        error="usage or I/O error: no such env, a prefix that cannot be read",
    ),
)
def graph(
    prefix: PrefixArg = None,
    name: NameOpt = None,
    fmt: Annotated[
        GraphFormat,
        typer.Option(
            "--format",
            metavar="FORMAT",
            help="text; json (reconcile.graph/1); dot for Graphviz; mermaid for Markdown",
            rich_help_panel=_OUTPUT,
        ),
    ] = "text",
    config: ConfigOpt = None,
    name_map: NameMapOpt = None,
    no_cache: NoCacheOpt = False,
) -> _Ran:
    """Print the unified graph of conda's and pip's packages.

    One node per package, with who installed it (conda, pip, or both in
    conflict) and its version, and the dependency edges between them: conda's
    depends and pip's Requires-Dist. The graph needs no per-file checks, so
    it is always read at --quick depth.
    """
    _which(prefix, name)
    return _run(
        _cmd_graph,
        prefix=prefix,
        name=name,
        quick=True,  # nothing the graph shows depends on the file checks
        deep=False,
        format=fmt,
        config=config,
        name_map=name_map,
        no_cache=no_cache,
    )


@app.command(
    epilog=_epilog(
        [
            ("reconcile plan", "the active env's repair, step by step"),
            ("reconcile plan -n work --format sh > repair.sh", "a script to read, then run"),
            ("reconcile plan --strategy prefer-pip --find-links wheels/", "keep pip's side"),
        ],
        ok="the plan repairs every error finding, or there is nothing to repair",
        findings="no consistent plan, or an error finding no step repairs",
        error="usage or I/O error, or a prefix that could not be read in full",
    ),
)
def plan(
    prefix: PrefixArg = None,
    name: NameOpt = None,
    quick: QuickOpt = False,
    deep: DeepOpt = False,
    strategy: Annotated[
        PlanStrategy,
        typer.Option(
            "--strategy",
            metavar="STRATEGY",
            help="prefer-conda: conda's copies win; prefer-pip: pip's, where conda's "
            "depends allow; rebuild: a new env from export's environment.yml",
            rich_help_panel=_REPAIR,
        ),
    ] = "prefer-conda",
    fmt: Annotated[
        PlanFormat,
        typer.Option(
            "--format",
            metavar="FORMAT",
            help="text; sh (a script, every path quoted); json (reconcile.plan/1)",
            rich_help_panel=_OUTPUT,
        ),
    ] = "text",
    verbose: Annotated[
        bool,
        typer.Option(
            "-v",
            "--verbose",
            help="show the resolver's progress on stderr",
            rich_help_panel=_OUTPUT,
        ),
    ] = False,
    offline: OfflineOpt = False,
    find_links: FindLinksOpt = None,
    index_url: IndexUrlOpt = None,
    channel: ChannelOpt = None,
    config: ConfigOpt = None,
    name_map: NameMapOpt = None,
    no_cache: NoCacheOpt = False,
) -> _Ran:
    """Print the ordered conda and pip steps that repair the environment.

    Each step names the findings it answers and why. Nothing is removed
    before its replacement is found (in the package caches, --channel,
    --find-links or the index); steps that would break a safety rule are left
    out and their findings listed as not repaired. The plan is only printed:
    [bold]reconcile fix[/] carries it out.
    """
    _which(prefix, name)
    _exclusive(**{"--quick": quick, "--deep": deep})
    _exclusive(**{"--offline": offline, "--find-links": find_links, "--index-url": index_url})
    return _run(
        _cmd_plan,
        prefix=prefix,
        name=name,
        quick=quick,
        deep=deep,
        strategy=strategy,
        format=fmt,
        verbose=verbose,
        offline=offline,
        find_links=[_source(d) for d in find_links or ()],
        index_url=index_url,
        channel=[_source(c) for c in channel or ()],
        config=config,
        name_map=name_map,
        no_cache=no_cache,
    )


@app.command(
    epilog=_epilog(
        [
            ("reconcile fix --dry-run", "the plan for the active env; nothing changes"),
            ("reconcile fix -n work --yes --offline", "apply it from local caches"),
            ("reconcile fix --undo -n work", "back to before the last fix"),
        ],
        ok="fixed, nothing to fix, or undone (--dry-run: as plan's 0)",
        findings="refused, declined, rolled back, or an error left unrepaired",
        error="usage or I/O error, or an earlier fix that was interrupted",
    ),
)
def fix(
    prefix: PrefixArg = None,
    name: NameOpt = None,
    quick: QuickOpt = False,
    deep: DeepOpt = False,
    strategy: Annotated[
        FixStrategy,
        typer.Option(
            "--strategy",
            metavar="STRATEGY",
            help="prefer-conda: conda's copies win; prefer-pip: pip's, where conda's depends allow",
            rich_help_panel=_REPAIR,
        ),
    ] = "prefer-conda",
    yes: Annotated[
        bool,
        typer.Option("--yes", help="do not ask before changing the env", rich_help_panel=_REPAIR),
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="show the steps; change nothing", rich_help_panel=_REPAIR),
    ] = False,
    undo: Annotated[
        bool,
        typer.Option(
            "--undo",
            help="put the env back as it was before the last fix, byte for byte",
            rich_help_panel=_REPAIR,
        ),
    ] = False,
    offline: OfflineOpt = False,
    find_links: FindLinksOpt = None,
    index_url: IndexUrlOpt = None,
    channel: ChannelOpt = None,
    config: ConfigOpt = None,
    name_map: NameMapOpt = None,
    no_cache: NoCacheOpt = False,
) -> _Ran:
    """Carry out the repair plan as a transaction, with undo.

    Shows the plan of [bold]reconcile plan[/] and asks before changing anything
    (--yes does not ask). The steps run under a lock with a journal outside
    the prefix; the env is audited again afterwards, and any new error, lost
    import or failed step rolls every change back. Each step is reported on
    stderr as it starts: "\\[i/n] ...".
    """
    _which(prefix, name)
    _exclusive(**{"--quick": quick, "--deep": deep})
    _exclusive(**{"--offline": offline, "--index-url": index_url})
    return _run(
        _cmd_fix,
        prefix=prefix,
        name=name,
        quick=quick,
        deep=deep,
        strategy=strategy,
        yes=yes,
        dry_run=dry_run,
        undo=undo,
        offline=offline,
        find_links=[_source(d) for d in find_links or ()],
        index_url=index_url,
        channel=[_source(c) for c in channel or ()],
        config=config,
        name_map=name_map,
        no_cache=no_cache,
    )


@app.command(
    epilog=_epilog(
        [
            ("reconcile export -o environment.yml", "what was asked for, from history"),
            ("reconcile export -n work --pinned --no-builds", "every package pinned, to stdout"),
            ("reconcile export -o env.yml --constraints pip-constraints.txt", "and pip's pins"),
        ],
        ok="written",
        findings="no consistent export exists: nothing written, stderr says why",
        error="usage or I/O error",
    ),
)
def export(
    prefix: PrefixArg = None,
    name: NameOpt = None,
    output: Annotated[
        str | None,
        typer.Option(
            "-o",
            "--output",
            metavar="FILE",
            help="write environment.yml here (default, or '-': stdout)",
            rich_help_panel=_OUTPUT,
        ),
    ] = None,
    pinned: Annotated[
        bool, typer.Option("--pinned", help="pin every package", rich_help_panel=_OUTPUT)
    ] = False,
    no_builds: Annotated[
        bool,
        typer.Option(
            "--no-builds", help="with --pinned: no build strings", rich_help_panel=_OUTPUT
        ),
    ] = False,
    constraints: Annotated[
        str | None,
        typer.Option(
            "--constraints",
            metavar="FILE",
            help="also write pip constraints (conda's Python packages, pinned) here",
            rich_help_panel=_OUTPUT,
        ),
    ] = None,
    as_is: Annotated[
        bool,
        typer.Option(
            "--as-is",
            help="the env as it is, no repair: pip's packages at their installed versions "
            "(those over conda's too), conda's as recorded",
            rich_help_panel=_OUTPUT,
        ),
    ] = False,
    yml_name: Annotated[
        str | None,
        typer.Option(
            "--yml-name",
            metavar="NAME",
            help="the environment.yml's name: (default: the env's folder name)",
            rich_help_panel=_OUTPUT,
        ),
    ] = None,
    offline: Annotated[
        bool,
        typer.Option(
            "--offline",
            help="repair pip's side from installed files and local caches (the default)",
            rich_help_panel=_SOURCES,
        ),
    ] = False,
    find_links: Annotated[
        list[str] | None,
        typer.Option(
            "--find-links",
            metavar="DIR",
            help="also repair pip's side from this folder of wheels (repeatable)",
            show_default=False,
            rich_help_panel=_SOURCES,
        ),
    ] = None,
    index_url: Annotated[
        str | None,
        typer.Option(
            "--index-url",
            metavar="URL",
            help="repair pip's side from this index",
            rich_help_panel=_SOURCES,
        ),
    ] = None,
    config: ConfigOpt = None,
    name_map: NameMapOpt = None,
    no_cache: NoCacheOpt = False,
) -> _Ran:
    """Write an environment.yml that recreates the environment.

    conda's packages as conda specs, pip's as a pip section, with the names
    each was asked for (conda's history, pip's REQUESTED) unless --pinned.
    When pip's packages do not fit conda's versions, a resolver moves pip's
    side first; when nothing fits, nothing is written and stderr says why.
    """
    _which(prefix, name)
    _exclusive(**{"--offline": offline, "--find-links": find_links, "--index-url": index_url})
    return _run(
        _cmd_export,
        prefix=prefix,
        name=name,
        quick=True,
        deep=False,
        output=_stdout(output),
        pinned=pinned,
        no_builds=no_builds,
        constraints=constraints,
        as_is=as_is,
        yml_name=yml_name,
        offline=offline,
        find_links=[_source(d) for d in find_links or ()],
        index_url=index_url,
        config=config,
        name_map=name_map,
        no_cache=no_cache,
    )


@app.command(
    epilog=_epilog(
        [
            ("reconcile compare environment.yml", "the active env against the file"),
            ("reconcile compare -n work environment.yml --exact", "nothing unnamed either"),
            ("reconcile compare PREFIX spec-file.txt", "conda list --explicit or pip freeze"),
        ],
        ok="the env matches the file",
        findings="it does not; every mismatch is listed",
        error="usage or I/O error: no such env, a file that cannot be read",
    ),
)
def compare(
    paths: Annotated[
        list[str],
        typer.Argument(
            metavar="[PREFIX] FILE",
            help="the env's folder (default: -n NAME, else the active env) and an "
            "environment.yml, a conda list --explicit file or a pip requirements file",
            show_default=False,
        ),
    ],
    name: NameOpt = None,
    exact: Annotated[
        bool,
        typer.Option(
            "--exact",
            help="packages the file does not name are mismatches too",
            rich_help_panel=_POLICY,
        ),
    ] = False,
    fmt: Annotated[
        CompareFormat,
        typer.Option(
            "--format",
            metavar="FORMAT",
            help="text; json (reconcile.compare/1)",
            rich_help_panel=_OUTPUT,
        ),
    ] = "text",
    config: ConfigOpt = None,
    name_map: NameMapOpt = None,
) -> _Ran:
    """Say whether the environment matches an environment.yml.

    Every package the file asks for is checked against what is installed
    (version, build, channel, and whether conda or pip installed it); with
    --exact, installed packages the file does not name are mismatches too.
    """
    if name and len(paths) > 1:
        _which(paths[0], name)
    return _run(
        _cmd_compare,
        paths=paths,
        name=name,
        exact=exact,
        format=fmt,
        config=config,
        name_map=name_map,
    )


@app.command(
    epilog=_epilog(
        [
            ("reconcile lint environment.yml", "FILE:LINE: severity code: message"),
            ("reconcile lint envs/*.yml --fail-on warning", "warnings fail too"),
            ("reconcile lint environment.yml --format sarif -o lint.sarif", "for code scanning"),
        ],
        ok="no finding at or above --fail-on",
        findings="at least one such finding",
        error="usage error, or a file that cannot be read (the rest are linted)",
    ),
)
def lint(
    files: Annotated[
        list[str],
        typer.Argument(
            metavar="FILE...",
            help="environment.yml files to check",
            show_default=False,
        ),
    ],
    fmt: Annotated[
        LintFormat,
        typer.Option(
            "--format",
            metavar="FORMAT",
            help="text (FILE:LINE: lines); json (reconcile.lint/1); sarif; junit; github",
            rich_help_panel=_OUTPUT,
        ),
    ] = "text",
    output: Annotated[
        str | None,
        typer.Option(
            "-o",
            "--output",
            metavar="FILE",
            help="write the --format report to FILE ('-': stdout) and the text summary to stdout",
            rich_help_panel=_OUTPUT,
        ),
    ] = None,
    no_color: NoColorOpt = False,
    fail_on: FailOnOpt = None,
    config: ConfigOpt = None,
    name_map: NameMapOpt = None,
) -> _Ran:
    """Check environment.yml files before an environment exists.

    Finds what would go wrong on create: pip lines that replace a conda
    package, conda specs that cannot both hold, names that are not packages,
    pins the constraints file contradicts. Needs no environment and no network.
    """
    return _run(
        _cmd_lint,
        files=files,
        format=fmt,
        output=_stdout(output),
        color=_color_wanted(no_color, fmt, output),
        fail_on=fail_on,
        config=config,
        name_map=name_map,
    )


def _color_wanted(no_color: bool, fmt: str, output: str | None = None) -> bool:
    """Colour for the text report on stdout: ``--format text``, or the text
    summary that stdout gets when ``-o`` takes the report; a terminal only."""
    from .console import color_wanted

    text = fmt == "text" or _stdout(output) is not None
    return text and color_wanted(sys.stdout, no_color=no_color)


def _run(command: Callable[[argparse.Namespace], int], **values: object) -> _Ran:
    """Run one ``_cmd_*`` on the namespace it reads; every error is one line."""
    try:
        if values.get("color"):
            return _Ran(_painted(command, argparse.Namespace(**values)))
        return _Ran(command(argparse.Namespace(**values)))
    except ReconcileError as exc:
        print(f"reconcile: error: {exc}", file=sys.stderr)
        return _Ran(exit_code(exc))
    except OSError as exc:
        print(f"reconcile: error: {error_text(exc)}", file=sys.stderr)
        return _Ran(exit_code(exc))
    except KeyboardInterrupt as exc:
        return _Ran(exit_code(exc))
    except Exception as exc:  # a bug: still one line, with a way to see more
        if os.environ.get("RECONCILE_DEBUG"):
            raise
        print(
            f"reconcile: internal error: {type(exc).__name__}: {exc} "
            "(set RECONCILE_DEBUG=1 for the traceback, and please report it)",
            file=sys.stderr,
        )
        return _Ran(exit_code(exc))


def _painted(command: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run ``command`` with its stdout, the text report, coloured on the way
    out (the renderers return plain text; colour is the terminal's concern)."""
    import contextlib
    import io

    from .console import paint

    shown = io.StringIO()
    try:
        with contextlib.redirect_stdout(shown):
            return command(args)
    finally:
        sys.stdout.write(paint(shown.getvalue()))
        sys.stdout.flush()


def _usage_text(exc: _click.ClickException) -> str:
    """click's usage error as one line in argparse's words ("invalid choice")."""
    param = getattr(exc, "param", None)
    choices = getattr(getattr(param, "type", None), "choices", None)
    if param is not None and choices is not None:
        given = _given(exc)
        where = "/".join(getattr(param, "opts", ()) or [param.human_readable_name])
        message = f"{where}: invalid choice: {given!r} (choose from {', '.join(choices)})"
    else:
        message = exc.format_message().rstrip(".")
        message = message[:1].lower() + message[1:]
    command = getattr(getattr(exc, "ctx", None), "command_path", "reconcile")
    return " ".join(f"{message} (see '{command} --help')".split())


def _given(exc: _click.ClickException) -> str:
    """The value a BadParameter rejected, from its message ("'x' is not one of ...")."""
    text = exc.format_message()
    start = text.find(": '")
    end = text.find("' is not", start + 3)
    return text[start + 3 : end] if 0 <= start < end else text


def main(argv: Sequence[str] | None = None) -> int:
    """Run reconcile on ``argv`` (default: ``sys.argv[1:]``) and return the
    command's exit code.

    What ends a run before any command runs raises :class:`SystemExit`, as
    argparse's ``parse_args`` did: ``--help``, ``--version`` and shell
    completion with 0, a usage error with 2 after one ``reconcile: error:``
    line on stderr.
    """
    command = typer.main.get_command(app)
    args = list(sys.argv[1:] if argv is None else argv)
    # One short run builds many small objects and no cycles worth collecting:
    # the cyclic collector costs ~10% of an audit and frees nothing.
    gc.disable()
    try:
        result = command.main(args=args, prog_name="reconcile", standalone_mode=False)
    except _click.ClickException as exc:
        print(f"reconcile: error: {_usage_text(exc)}", file=sys.stderr)
        raise SystemExit(exc.exit_code) from None
    finally:
        gc.enable()  # main() may be called in a longer-lived process (tests, embedders)
    if isinstance(result, _Ran):
        return result.code
    raise SystemExit(result if isinstance(result, int) else EXIT_OK)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
