"""Time reconcile and its peers on the benchmark prefixes; print figures.

    python bench/run.py                         # realistic + stress, 5 rounds
    python bench/run.py --prefix scale -n 3     # any kind from prefixes.py, or a path
    python bench/run.py --json bench.json       # also write every figure
    python bench/run.py --quick                 # CI: tiny prefix, 1 round, < 60 s

Speed is measured here, never in tests: this script prints figures and
asserts nothing about them (``--quick`` fails only when a command does).

Commands run round-robin (one of each, then the next round), after one
untimed warm-up round, so drift in the machine (page cache, CPU frequency,
other load) lands on every command alike instead of on whichever ran last.
The peers (``uv pip check``, ``pip check``, ``pipdeptree``) check less than
reconcile does, but they are what a user would otherwise run on the same
prefix, so reconcile's time is shown as a ratio to each.

Add a command by adding a line to ``COMMANDS``; a reconcile subcommand that
the installed CLI does not list in ``--help`` (``plan``, ``export`` today)
is skipped, not failed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shlex
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from _measure import Sample, Summary, gnu_time, measure, summarise
from _venv import clean_pip_env, make_venv, pip_install
from prefixes import KINDS, Prefix, bench_dir, ensure

HERE = Path(__file__).resolve().parent
TOOLS_REQUIREMENTS = HERE / "tools.txt"
OK_CODES = (0, 1)  # 1 = "found problems" for reconcile and every peer; 2+ = failed


@dataclass(frozen=True)
class Command:
    """One benchmarked command.  ``argv`` tokens of the form ``{name}``
    expand to one or more arguments (see ``_expand``); a command whose
    placeholder cannot be resolved (peer not installed) is skipped."""

    label: str
    argv: tuple[str, ...]
    tool: str  # "reconcile" or the peer's name: rows, ratios
    subcommand: str | None = None  # reconcile subcommand that must exist
    per_prefix: bool = True  # False: startup commands, timed once
    # A required command that fails is a FAILED row and exit status 1 (what
    # `--quick` in CI is for); any other that fails its first run is skipped
    # with the reason: a peer that cannot read the prefix, or a subcommand
    # the CLI lists but has not built yet.  Make new ones required once built.
    required: bool = True


COMMANDS: tuple[Command, ...] = (
    Command("reconcile --help", ("{reconcile}", "--help"), "reconcile", per_prefix=False),
    Command("reconcile --version", ("{reconcile}", "--version"), "reconcile", per_prefix=False),
    Command(
        "reconcile audit --help", ("{reconcile}", "audit", "--help"), "reconcile", per_prefix=False
    ),
    # The floors reconcile's start-up stands on: the interpreter, and a
    # one-command typer app (typer_floor.py) with and without rendering help.
    Command("python -c pass", ("{bench_python}", "-c", "pass"), "floor", per_prefix=False),
    Command(
        "typer app --help", ("{bench_python}", "{typer_floor}", "--help"), "floor", per_prefix=False
    ),
    Command(
        "typer app (one command)",
        ("{bench_python}", "{typer_floor}", "--name", "x"),
        "floor",
        per_prefix=False,
    ),
    # reconcile keeps what it parsed in a cache outside the prefix, so every
    # timed run after the warm-up round is a *warm* run (the prefix has not
    # changed), which is what a user gets from the second audit on.  The
    # --no-cache rows are the cold runs: everything parsed afresh.
    Command(
        "reconcile audit --no-cache",
        ("{reconcile}", "audit", "--no-cache", "{prefix}"),
        "reconcile",
        "audit",
    ),
    Command("reconcile audit", ("{reconcile}", "audit", "{prefix}"), "reconcile", "audit"),
    Command(
        "reconcile audit --quick --no-cache",
        ("{reconcile}", "audit", "--quick", "--no-cache", "{prefix}"),
        "reconcile",
        "audit",
    ),
    Command(
        "reconcile audit --quick",
        ("{reconcile}", "audit", "--quick", "{prefix}"),
        "reconcile",
        "audit",
    ),
    Command(
        "reconcile audit --deep",
        ("{reconcile}", "audit", "--deep", "{prefix}"),
        "reconcile",
        "audit",
    ),
    Command(
        "reconcile audit --format json",
        ("{reconcile}", "audit", "--format", "json", "{prefix}"),
        "reconcile",
        "audit",
    ),
    Command("reconcile graph", ("{reconcile}", "graph", "{prefix}"), "reconcile", "graph"),
    Command(
        "reconcile plan --offline",  # a benchmark must not time the network
        ("{reconcile}", "plan", "--offline", "{prefix}"),
        "reconcile",
        "plan",
        required=False,
    ),
    Command(
        "reconcile export",
        ("{reconcile}", "export", "{prefix}"),
        "reconcile",
        "export",
        required=False,
    ),
    Command(
        "uv pip check",
        ("{uv}", "pip", "check", "--python", "{python}"),
        "uv",
        required=False,
    ),
    Command("pip check", ("{pip}", "check"), "pip", required=False),
    Command(
        "pipdeptree -w fail",
        ("{pipdeptree}", "--python", "{python}", "-w", "fail"),
        "pipdeptree",
        required=False,
    ),
)
PEERS = ("uv", "pip", "pipdeptree")

#: conda cannot be installed here (no conda channel is reachable), so its
#: figures are the ones issue 6 quotes for the same two kinds of prefix on
#: this machine (realistic: 201 dists, 185 records, 47k files; stress: 2,000
#: dists, 1,624 records).  They are shown as reference rows, not measured.
QUOTED: Mapping[str, Mapping[str, float]] = {
    "realistic": {"conda list -p": 2.8, "conda doctor -p": 8.0},
    "stress": {"conda list -p": 13.0, "conda doctor -p": 15.0},
}
QUOTED_SOURCE = "quoted from issue 6 (conda not installable here), not measured"


# -- the tools -------------------------------------------------------------


def ensure_tools(root: Path, *, install: bool) -> Path | None:
    """The venv holding the peers (``tools.txt``), created when ``install``.
    Kept apart from the prefixes so the prefixes hold only what they model,
    and from the dev venv so the peers' versions are pinned."""
    tools = root / "tools"
    stamp = tools / "bench-tools.txt"
    wanted = TOOLS_REQUIREMENTS.read_text(encoding="utf-8")
    if stamp.exists() and stamp.read_text(encoding="utf-8") == wanted:
        return tools
    if not install:
        return None
    print(f"installing the peers into {tools}", file=sys.stderr)
    make_venv(tools, with_pip=True)
    pip_install(tools / "bin" / "python", ["-q", "-r", str(TOOLS_REQUIREMENTS)])
    stamp.write_text(wanted, encoding="utf-8")
    return tools


def reconcile_argv(explicit: str | None) -> list[str]:
    """The reconcile under test: ``--reconcile``, else the console script
    beside this Python (what a user runs), else ``python -m reconcile``."""
    if explicit:
        return shlex.split(explicit)
    script = Path(sys.executable).with_name("reconcile")
    return [str(script)] if script.exists() else [sys.executable, "-m", "reconcile"]


def subcommands(reconcile: Sequence[str]) -> set[str]:
    """Subcommands ``reconcile --help`` lists: one a line, first the name and
    then its summary, inside typer's "Commands" panel (``│ audit    Report
    ...``) or indented under a heading (argparse, or typer without rich)."""
    result = subprocess.run([*reconcile, "--help"], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(
            f"run.py: `{shlex.join(reconcile)} --help` failed: {result.stderr.strip()}"
        )
    text = result.stdout
    found = set(re.findall(r"^(?:│ | {2,4})([a-z][\w-]*)\s{2,}\S", text, flags=re.M))
    for group in re.findall(r"\{([\w,-]+)\}", text):
        found.update(group.split(","))
    return found


def version_of(argv: Sequence[str]) -> str:
    try:
        result = subprocess.run([*argv, "--version"], capture_output=True, text=True, timeout=60)
    except OSError:
        return "?"
    return (result.stdout or result.stderr).strip().splitlines()[0] if result.stdout else "?"


def source_state() -> dict[str, Any]:
    """The commit of this checkout and any uncommitted change to ``reconcile/``:
    with an editable install, that is the code being timed."""
    repo = str(HERE.parent)
    try:
        commit = subprocess.run(
            ["git", "-C", repo, "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", repo, "status", "--porcelain", "--", "reconcile"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return {}
    return {"commit": commit, "uncommitted": [line[3:] for line in status.splitlines()]}


# -- expanding and selecting commands --------------------------------------


def _pip(prefix: Path, tools: Path | None) -> list[str] | None:
    """The prefix's own pip when it has one (what its user runs), else the
    tools' pip pointed at the prefix's interpreter."""
    own = prefix / "bin" / "pip"
    if own.exists():
        return [str(own)]
    if tools is None:
        return None
    return [str(tools / "bin" / "pip"), "--python", str(prefix / "bin" / "python")]


def _placeholders(
    reconcile: list[str], prefix: Path | None, tools: Path | None
) -> dict[str, list[str] | None]:
    def tool(name: str) -> list[str] | None:
        return [str(tools / "bin" / name)] if tools is not None else None

    values: dict[str, list[str] | None] = {"reconcile": reconcile}
    values["bench_python"] = [sys.executable]
    values["typer_floor"] = [str(HERE / "typer_floor.py")]
    values.update({"uv": tool("uv"), "pipdeptree": tool("pipdeptree")})
    if prefix is not None:
        values["prefix"] = [str(prefix)]
        values["python"] = [str(prefix / "bin" / "python")]
        values["pip"] = _pip(prefix, tools)
    return values


def _expand(argv: Sequence[str], values: Mapping[str, list[str] | None]) -> list[str] | None:
    out: list[str] = []
    for token in argv:
        if token.startswith("{") and token.endswith("}"):
            value = values.get(token[1:-1])
            if value is None:
                return None
            out.extend(value)
        else:
            out.append(token)
    return out


def select(
    per_prefix: bool, values: Mapping[str, list[str] | None], available: set[str]
) -> tuple[list[tuple[Command, list[str]]], list[str]]:
    """The runnable commands of one group, and why the others were skipped."""
    runnable, skipped = [], []
    for command in COMMANDS:
        if command.per_prefix != per_prefix:
            continue
        if command.subcommand is not None and command.subcommand not in available:
            skipped.append(f"{command.label} (no such subcommand yet)")
            continue
        argv = _expand(command.argv, values)
        if argv is None:
            skipped.append(f"{command.label} ({command.tool} not installed)")
            continue
        runnable.append((command, argv))
    return runnable, skipped


def only(
    commands: list[tuple[Command, list[str]]], pattern: str | None
) -> list[tuple[Command, list[str]]]:
    return [(c, a) for c, a in commands if pattern is None or re.search(pattern, c.label)]


# -- running ---------------------------------------------------------------


def probe(
    commands: Sequence[tuple[Command, list[str]]], env: Mapping[str, str]
) -> tuple[list[tuple[Command, list[str]]], list[str]]:
    """Run every command once, untimed.  This is the warm-up (page cache and
    lazy imports settle for everyone alike) and finds optional commands that
    cannot run here, so they are skipped with a reason instead of timed."""
    kept, skipped = [], []
    for command, argv in commands:
        sample = measure(argv, env)
        if sample.returncode in OK_CODES or command.required:
            kept.append((command, argv))
        else:
            skipped.append(f"{command.label} (exits {sample.returncode}: {sample.err_head})")
    return kept, skipped


def run_group(
    commands: Sequence[tuple[Command, list[str]]], repeat: int, env: Mapping[str, str]
) -> dict[str, list[Sample]]:
    """Round-robin: every command once per round, ``repeat`` rounds."""
    samples: dict[str, list[Sample]] = {c.label: [] for c, _ in commands}
    for round_no in range(repeat):
        for command, argv in commands:
            samples[command.label].append(measure(argv, env))
        print(f"  round {round_no + 1}/{repeat} done", file=sys.stderr)
    return samples


def ratios(
    summaries: Mapping[str, Summary], quoted: Mapping[str, float] | None = None
) -> dict[str, dict[str, float]]:
    """reconcile's median over each peer's median (and over each quoted
    figure), per reconcile command."""
    peers = {
        c.tool: summaries[c.label].median
        for c in COMMANDS
        if c.tool in PEERS and c.label in summaries
    }
    peers.update({_short(label): t for label, t in (quoted or {}).items()})
    return {
        c.label: {peer: summaries[c.label].median / t for peer, t in peers.items() if t > 0}
        for c in COMMANDS
        if c.tool == "reconcile" and c.label in summaries
    }


def _short(label: str) -> str:
    return label.removesuffix(" -p").replace(" ", "-")  # "conda-doctor"


# -- the targets (issue 6) --------------------------------------------------


@dataclass(frozen=True)
class Target:
    what: str
    value: float | None  # None: not measured in this run
    limit: float
    unit: str  # "s", "×", "MiB"

    @property
    def met(self) -> bool | None:
        return None if self.value is None else self.value <= self.limit

    def line(self) -> str:
        if self.value is None:
            return f"  [ n/a ] {self.what}: not measured in this run"
        mark = "met" if self.met else "NOT met"
        fmt = ".2f" if self.unit != "MiB" else ".0f"
        return (
            f"  [{mark:^7}] {self.what}: {self.value:{fmt}}{self.unit} "
            f"(target ≤ {self.limit:{fmt}}{self.unit})"
        )


def targets(sections: Mapping[str, Mapping[str, Any]]) -> list[Target]:
    """Issue 6's targets, from the figures of this run.  Ratios to conda use
    the quoted figures (``QUOTED``)."""

    def median(kind: str, label: str) -> float | None:
        c = sections.get(kind, {}).get("commands", {}).get(label)
        return c["median"] if c else None

    def peak(kind: str, label: str) -> float | None:
        c = sections.get(kind, {}).get("commands", {}).get(label)
        return c["peak_kib"] / 1024 if c else None

    def ratio(a: float | None, b: float | None) -> float | None:
        return a / b if a is not None and b else None

    out: list[Target] = []

    def add(what: str, value: float | None, limit: float, unit: str) -> None:
        out.append(Target(what, value, limit, unit))

    quick, quick_cold = "reconcile audit --quick", "reconcile audit --quick --no-cache"
    for kind, cold_limit in (("realistic", 3.0), ("stress", 2.0)):
        uv = median(kind, "uv pip check")
        add(
            f"{kind}: audit --quick cold ÷ uv", ratio(median(kind, quick_cold), uv), cold_limit, "×"
        )
        add(f"{kind}: audit --quick warm ÷ uv", ratio(median(kind, quick), uv), 1.0, "×")
    doctor = QUOTED["realistic"]["conda doctor -p"]
    for label, how in (("reconcile audit --no-cache", "cold"), ("reconcile audit", "warm")):
        value = median("realistic", label)
        add(f"realistic: audit ({how})", value, 0.6, "s")
        add(f"realistic: audit ({how}) ÷ conda doctor (quoted)", ratio(value, doctor), 0.1, "×")
        add(f"stress: audit ({how})", median("stress", label), 1.5, "s")
    deep = median("realistic", "reconcile audit --deep")
    add("realistic: audit --deep ÷ conda doctor (quoted)", ratio(deep, doctor), 1 / 3, "×")
    for label in ("reconcile audit --no-cache", quick_cold):
        growth = ratio(median("scale", label), median("stress", label))
        add(f"scale ÷ stress: {label.removeprefix('reconcile ')}", growth, 5.5, "×")
    for kind, limit in (("realistic", 100.0), ("stress", 300.0)):
        peaks = [peak(kind, c.label) for c in COMMANDS if c.tool == "reconcile" and c.per_prefix]
        known = [p for p in peaks if p is not None]
        add(f"{kind}: peak memory, any reconcile command", max(known, default=None), limit, "MiB")
    for label in ("reconcile --help", "reconcile --version"):
        add(label, median("startup", label), 0.1, "s")
    add(
        "reconcile audit --help ÷ typer app --help",
        ratio(median("startup", "reconcile audit --help"), median("startup", "typer app --help")),
        1.3,
        "×",
    )
    return out


def startup_lines(sections: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """reconcile's start-up against its floors: the interpreter, and typer's
    own cost (a one-command typer app less ``python -c pass``), which every
    command pays on top of what it did before typer."""
    commands = sections.get("startup", {}).get("commands", {})

    def median(label: str) -> float | None:
        return commands[label]["median"] if label in commands else None

    python, app = median("python -c pass"), median("typer app (one command)")
    help_app, help_audit = median("typer app --help"), median("reconcile audit --help")
    lines = []
    if python is not None and app is not None:
        lines.append(f"typer's floor (one-command app − python -c pass): {app - python:.3f}s")
    if help_app and help_audit is not None:
        lines.append(
            f"reconcile audit --help {help_audit:.3f}s ÷ typer app --help {help_app:.3f}s: "
            f"{help_audit / help_app:.2f}× (target ≤ 1.30×)"
        )
    return lines


# -- printing --------------------------------------------------------------


def _failed(summary: Summary) -> bool:
    return any(rc not in OK_CODES for rc in summary.returncodes)


def table(
    summaries: Mapping[str, Summary],
    rel: Mapping[str, Mapping[str, float]],
    quoted: Mapping[str, float] | None = None,
) -> str:
    names = [*PEERS, *(_short(label) for label in quoted or {})]
    peers = [p for p in names if any(p in r for r in rel.values())]
    head = f"{'command':36} {'median':>8} {'min–max':>15} {'cpu':>7} {'peak':>8} {'output':>9}"
    head += "".join(f" {'×' + p:>11}" for p in peers)
    lines = [head, "-" * len(head)]
    for label, s in summaries.items():
        row = (
            f"{label:36} {s.median:7.3f}s {s.low:6.3f}–{s.high:6.3f}s {s.cpu:6.2f}s "
            f"{s.peak_mib:5.0f} MiB {s.out_bytes / 1024:6.0f} KiB"
        )
        row += "".join(
            f" {rel[label][p]:10.2f}×" if p in rel.get(label, {}) else f" {'':>11}" for p in peers
        )
        if _failed(s):
            row += f"  FAILED rc={s.returncodes}"
        lines.append(row)
    for label, seconds in (quoted or {}).items():
        lines.append(f"{label + ' (quoted)':36} {seconds:7.3f}s")
    if quoted:
        lines.append(f"(quoted) rows: {QUOTED_SOURCE}")
    return "\n".join(lines)


def _describe(prefix: Prefix) -> str:
    st = prefix.stamp
    if "distributions" not in st:
        return f"{prefix.path}"
    how = "cached" if st.get("cached") else "built"
    return (
        f"{prefix.path}: {st['distributions']} dists, {st['conda_records']} conda records, "
        f"{st['files']} files ({how}; build took {st['build_seconds']} s)"
    )


# -- main ------------------------------------------------------------------


def _prefix(value: str, force: bool) -> Prefix:
    if value in KINDS:
        return ensure(value, force=force)
    path = Path(value).expanduser().absolute()
    if not path.is_dir():
        raise SystemExit(f"run.py: not a prefix kind ({', '.join(KINDS)}) or a folder: {value}")
    return Prefix(path.name, path, {})


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--prefix",
        action="append",
        help=f"a kind ({', '.join(KINDS)}) or a prefix path; repeatable "
        "(default: realistic, stress)",
    )
    parser.add_argument("-n", "--repeat", type=int, default=5, help="rounds (default 5)")
    parser.add_argument("--json", metavar="OUT", help="write every figure to this file")
    parser.add_argument("--quick", action="store_true", help="tiny prefix, 1 round, no installs")
    parser.add_argument("--no-peers", action="store_true", help="time reconcile only")
    parser.add_argument(
        "--only", metavar="REGEX", help="time only the commands whose label matches (re.search)"
    )
    parser.add_argument("--reconcile", metavar="CMD", help="the reconcile command to time")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the prefixes first")
    args = parser.parse_args(argv)
    if args.quick:
        args.prefix = args.prefix or ["tiny"]
        args.repeat = 1
    args.prefix = args.prefix or ["realistic", "stress"]
    return args


def _section(
    title: str,
    commands: list[tuple[Command, list[str]]],
    skipped: list[str],
    args: argparse.Namespace,
    quoted: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    print(f"\n== {title}", file=sys.stderr)
    env = clean_pip_env()  # same settings for every tool, none from this machine
    # reconcile's parse cache: the bench's own, never the user's.
    env["RECONCILE_CACHE_DIR"] = str(bench_dir() / "reconcile-cache")
    commands, failed_probe = probe(commands, env)
    skipped = skipped + failed_probe
    samples = run_group(commands, args.repeat, env)
    summaries = {label: summarise(s) for label, s in samples.items()}
    rel = ratios(summaries, quoted)
    print(f"\n## {title}\n")
    print(table(summaries, rel, quoted))
    if skipped:
        print(f"skipped: {'; '.join(skipped)}")
    for label, runs in samples.items():
        errors = {s.err_head for s in runs if s.returncode not in OK_CODES}
        if errors:
            print(f"{label} failed: {'; '.join(sorted(errors))}")
    return {
        "commands": {
            c.label: {
                "argv": argv,
                **asdict(summaries[c.label]),
                "samples": [asdict(s) for s in samples[c.label]],
            }
            for c, argv in commands
        },
        "ratios": rel,
        "quoted": {"figures": dict(quoted), "source": QUOTED_SOURCE} if quoted else None,
        "skipped": skipped,
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    prefixes = [_prefix(p, args.rebuild) for p in args.prefix]
    tools = None if args.no_peers else ensure_tools(bench_dir(), install=not args.quick)
    reconcile = reconcile_argv(args.reconcile)
    available = subcommands(reconcile)
    report: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": sys.version.split()[0],
        },
        "versions": {"reconcile": version_of(reconcile)},
        "source": source_state(),
        "repeat": args.repeat,
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "peak_memory_from": "GNU time %M" if gnu_time() else "os.wait4 (floor: this runner's RSS)",
        "sections": {},
    }
    if tools is not None:
        for peer in PEERS:
            report["versions"][peer] = version_of([str(tools / "bin" / peer)])
    print(f"versions: {report['versions']}")
    print(f"source: {report['source']}; {os.cpu_count()} CPUs; {args.repeat} round(s)")
    report["load_average"] = os.getloadavg()
    print(f"date: {report['date']}; load average before the run: {report['load_average']}")
    print(f"peak memory from: {report['peak_memory_from']}")

    startup, skipped = select(False, _placeholders(reconcile, None, tools), available)
    startup = only(startup, args.only)
    report["sections"]["startup"] = _section("startup", startup, skipped, args)
    for prefix in prefixes:
        commands, skipped = select(True, _placeholders(reconcile, prefix.path, tools), available)
        commands = only(commands, args.only)
        title = f"{prefix.kind} — {_describe(prefix)}"
        quoted = None if args.quick else QUOTED.get(prefix.kind)
        section = _section(title, commands, skipped, args, quoted)
        report["sections"][prefix.kind] = {"prefix": str(prefix.path), **prefix.stamp, **section}

    report["targets"] = [
        {**asdict(t), "met": t.met} for t in targets(report["sections"]) if t.value is not None
    ]
    print("\n## start-up\n")
    print("\n".join(startup_lines(report["sections"])))
    if not args.quick:
        print("\n## targets (issue 6)\n")
        print("\n".join(t.line() for t in targets(report["sections"])))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"\nfigures written to {args.json}")
    failed = [
        f"{name}: {label}"
        for name, section in report["sections"].items()
        for label, c in section["commands"].items()
        if any(rc not in OK_CODES for rc in c["returncodes"])
    ]
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
