"""Carry out a repair plan as one transaction: verify, journal, execute,
re-audit, and roll back on any doubt (conda's ``UnlinkLinkTransaction`` is
the model).

    prepare()   every source found and staged, every step translated; no change yet
    Transaction.run()
        snapshot    the journal: the prefix listed, every path a step may touch stored
        execute     step by step, with progress; after each step, a check that
                    nothing changed that the journal cannot put back
        verify      the re-audit: no new error finding, no distribution that
                    imported before now fails to
        commit      or roll back from the journal, on a failed step, a failed
                    check, Ctrl-C or SIGTERM

conda steps run without conda: py-rattler links the exact records from the
journal's own package cache (see :mod:`reconcile.fix.sources`) and writes
conda-meta as conda does; the fix then adds a conda-meta/history entry.
pip steps run with the env's own pip (or one that can target it), from
wheels downloaded into the journal before anything changed.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.utils import canonicalize_name

from .. import __version__
from .._conda import split_exact_spec
from ..filenames import METADATA_DIR_SUFFIXES, parse_conda_dist, parse_metadata_dirname
from ..models import at_or_above
from ..reports import FixEnd
from ..urls import redact_text, redact_url
from . import journal as jr
from ._state import new_journal_dir, prefix_dir, read_json, write_json
from .errors import FixRefused
from .sources import MissingPackages, PackageSource, cache_dirs, stage_package

if TYPE_CHECKING:
    from ..graph import Graph
    from ..models import Finding
    from ..plan import Plan, Step

__all__ = [
    "FixOptions",
    "FixRefused",
    "FixResult",
    "Hooks",
    "Interrupted",
    "Transaction",
    "interrupted_journal",
    "prepare",
]

#: Files directly in bin/ or site-packages/ up to this size are always
#: journalled: scripts, .pth files, single-module distributions.
SMALL = 1 << 20


class Interrupted(KeyboardInterrupt):
    """SIGTERM, turned into what Ctrl-C raises, so one path rolls back both."""


class Hooks:
    """Points where tests inject faults; the default does nothing."""

    def before_step(self, index: int, action: Action, tx: Transaction) -> None:
        pass

    def after_step(self, index: int, action: Action, tx: Transaction) -> None:
        pass

    def started(self, index: int, action: Action, proc: subprocess.Popen[bytes]) -> None:
        pass


HOOKS = Hooks()


@dataclass(frozen=True, kw_only=True, slots=True)
class FixOptions:
    offline: bool = False
    channels: tuple[str, ...] = ()
    find_links: tuple[str, ...] = ()
    index_url: str | None = None
    command: str = "reconcile fix"


@dataclass(kw_only=True)
class Action:
    """One step of the plan, translated into what this module runs."""

    step: Step
    kind: str  # "remove", "pip", "conda"
    title: str
    keep: set[str] = field(default_factory=set)  # prefix-relative paths it may change
    argv: list[str] = field(default_factory=list)  # pip
    desired: list[Any] = field(default_factory=list)  # conda: rattler records after the step
    reinstall: set[str] = field(default_factory=set)
    linked: list[tuple[Any, PackageSource]] = field(default_factory=list)
    unlinked: list[Any] = field(default_factory=list)
    specs: list[str] = field(default_factory=list)
    verb: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class FixResult:
    status: FixEnd  # DONE or ROLLED_BACK
    journal: Path
    reason: str = ""
    changed: tuple[str, ...] = ()
    lost: tuple[str, ...] = ()
    errors_left: tuple[str, ...] = ()


# ---------------------------------------------------------------------------
# prepare: nothing changes here


def _rel(prefix: Path, path: str) -> str:
    return os.path.relpath(path, prefix).replace(os.sep, "/")


def _site_packages(graph: Graph) -> str:
    sp = graph.state.site_packages
    if sp is not None and not os.path.isabs(sp.path):
        return sp.path
    py = graph.python
    version = f"{py.version.major}.{py.version.minor}" if py is not None else "3"
    return f"lib/python{version}/site-packages"


def _bin(graph: Graph) -> str:
    py = graph.python
    return "Scripts" if py is not None and py.platform.startswith("win") else "bin"


def _small_files(prefix: Path, folder: str) -> set[str]:
    out: set[str] = set()
    try:
        entries = list(os.scandir(prefix / folder))
    except OSError:
        return out
    for e in entries:
        try:
            if e.is_symlink() or (e.is_file(follow_symlinks=False) and e.stat().st_size <= SMALL):
                out.add(f"{folder}/{e.name}")
        except OSError:
            continue
    return out


def _dist_paths(graph: Graph, names: set[str]) -> set[str]:
    out: set[str] = set()
    sp = graph.state.site_packages
    for dist in sp.dists if sp is not None else ():
        if dist.name in names and not os.path.isabs(dist.path):
            out.add(dist.path)
            out.update(p for p in dist.record if not os.path.isabs(p))
    return out


def _pip_runner(python: str, *, outside: bool = False) -> list[str]:
    """The env's own pip; else (or when the plan says ``pip --python``, as it
    does for an env without pip) this interpreter's pip aimed at it (pip >= 22.3)."""
    if not outside:
        probe = subprocess.run(
            [python, "-m", "pip", "--version"], capture_output=True, check=False, env=_child_env()
        )
        if probe.returncode == 0:
            return [python, "-m", "pip"]
    from packaging.version import Version

    try:
        from pip import __version__ as ours  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        ours = "0"
    if Version(ours) >= Version("22.3"):
        return [sys.executable, "-m", "pip", "--python", python]
    raise FixRefused(
        f"the env has no working pip, and no pip >= 22.3 that can target it "
        f"runs reconcile (found {ours}); install pip into the env first"
    )


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    for var in ("PYTHONPATH", "PYTHONHOME", "PIP_REQUIRE_VIRTUALENV", "PYTHONSTARTUP"):
        env.pop(var, None)
    return env


_SOURCE_FLAGS = {"--no-index": 0, "--find-links": 1, "--index-url": 1, "--extra-index-url": 1}


def _split_pip(args: Sequence[str]) -> tuple[list[str], list[str], list[str]]:
    """pip install arguments -> (source options, other options, requirement specs)."""
    sources: list[str] = []
    options: list[str] = []
    specs: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a in _SOURCE_FLAGS:
            sources += args[i : i + 1 + _SOURCE_FLAGS[a]]
            i += 1 + _SOURCE_FLAGS[a]
        elif a == "-c":
            options += args[i : i + 2]
            i += 2
        elif a.startswith("-"):
            options.append(a)
            i += 1
        else:
            specs.append(a)
            i += 1
    return sources, options, specs


def _wheel_paths(wheel: Path, site: str, bindir: str) -> set[str]:
    """Prefix-relative paths a wheel writes (RECORD, its .data folders, console scripts)."""
    import zipfile

    out: set[str] = set()
    try:
        with zipfile.ZipFile(wheel) as zf:
            names = zf.namelist()
            for entry in names:
                head, _, rest = entry.partition("/")
                if head.endswith(".data") and rest:
                    scheme, _, sub = rest.partition("/")
                    base = {"purelib": site, "platlib": site, "scripts": bindir, "data": ""}.get(
                        scheme
                    )
                    if base is not None and sub:
                        out.add(f"{base}/{sub}" if base else sub)
                else:
                    out.add(f"{site}/{entry}")
                if entry.endswith(".dist-info/entry_points.txt"):
                    text = zf.read(entry).decode("utf-8", "replace")
                    out.update(f"{bindir}/{n}" for n in _console_scripts(text))
    except (OSError, zipfile.BadZipFile):
        pass
    return out


def _console_scripts(text: str) -> list[str]:
    names, section = [], ""
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line.strip("[]").strip()
        elif "=" in line and section in ("console_scripts", "gui_scripts"):
            names.append(line.split("=", 1)[0].strip())
    return names


def _conda_args(step: Step) -> tuple[str, set[str], list[str]]:
    args = list(step.args)
    if len(args) < 4 or args[0] != "conda" or args[2] != "-p":
        raise FixRefused(f"cannot carry out {' '.join(args)!r} without conda")
    rest = args[4:]
    return (
        args[1],
        {a for a in rest if a.startswith("-")},
        [a for a in rest if not a.startswith("-")],
    )


def _installed(prefix: Path) -> list[Any]:
    """The records rattler can read (a damaged one is what a remove step drops)."""
    import rattler

    out = []
    meta = prefix / "conda-meta"
    for path in sorted(meta.glob("*.json")) if meta.is_dir() else ():
        try:
            out.append(rattler.PrefixRecord.from_path(path))
        except Exception:  # rattler's own parse errors; the audit has the finding
            continue
    return out


def _record_fields(rec: Any) -> dict[str, Any]:
    return {
        "name": rec.name.normalized,
        "version": str(rec.version),
        "build": str(rec.build),
        "sha256": rec.sha256.hex() if isinstance(rec.sha256, bytes) else rec.sha256,
        "md5": rec.md5.hex() if isinstance(rec.md5, bytes) else rec.md5,
        "file_name": getattr(rec, "file_name", None),
        "subdir": rec.subdir,
        "url": getattr(rec, "url", None),
    }


def _staged_paths(src: PackageSource, site: str, bindir: str) -> set[str]:
    out: set[str] = set()
    info = src.staged / "info"
    try:
        paths = [p["_path"] for p in json.loads((info / "paths.json").read_text())["paths"]]
    except (OSError, ValueError, KeyError, TypeError):
        try:
            paths = (info / "files").read_text().split("\n")
        except OSError:
            paths = []
    try:
        noarch = json.loads((info / "index.json").read_text()).get("noarch")
    except (OSError, ValueError):
        noarch = None
    for p in filter(None, paths):
        if noarch == "python" and p.startswith("site-packages/"):
            p = site + p[len("site-packages") :]
        elif noarch == "python" and p.startswith("python-scripts/"):
            p = bindir + p[len("python-scripts") :]
        out.add(p)
    return out


def _old_files(prefix: Path, names: set[str]) -> set[str]:
    out: set[str] = set()
    for path in (prefix / "conda-meta").glob("*.json"):
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            continue
        if isinstance(raw, dict) and raw.get("name") in names:
            out.update(f for f in raw.get("files", ()) if isinstance(f, str))
    return out


def _channels(installed: Sequence[Any], options: FixOptions, offline: bool) -> list[str]:
    found = list(options.channels)
    for rec in installed:
        ch = str(rec.channel or "")
        if ch and ch not in found and "://" in ch:
            found.append(ch.rstrip("/"))
    return [c for c in found if not offline or c.startswith("file:")]


def prepare(graph: Graph, plan: Plan, options: FixOptions, journal: Path) -> list[Action]:
    """Translate every step and find every package it needs, before any change.

    Raises :class:`FixRefused` (or :class:`MissingPackages`) naming what is
    missing; writes only into ``journal`` (staged packages and wheels).
    """
    import rattler

    from ..plan import Tool
    from ..safety import check_plan, describe

    # The same safety rules the plan was made under, now with every deleted
    # path resolved on disk: nothing changes if one is broken.
    violations = check_plan(plan, graph, realpath=os.path.realpath)
    if violations:
        raise FixRefused(f"the plan breaks a safety rule: {describe(violations)}")
    prefix = graph.state.prefix
    site, bindir = _site_packages(graph), _bin(graph)
    python = str(prefix / bindir / "python")
    caches = cache_dirs()
    installed = _installed(prefix)
    by_name = {r.name.normalized: r for r in installed}
    constraints = journal / "constraints.txt"
    constraints.write_text("".join(f"{c}\n" for c in plan.constraints), encoding="utf-8")
    wheels = journal / "wheels"
    runner: list[str] | None = None
    actions: list[Action] = []
    missing: list[tuple[str, Sequence[str]]] = []

    def stage(
        fields: dict[str, Any],
        folder: str | None,
        archive: str | None,
        channels: Sequence[str] | None = None,
    ) -> PackageSource | None:
        """An exact record is looked for in its own channel and ``--channel``s;
        one with no record left (a damaged conda-meta file), in every channel
        the env's records name as well."""
        if channels is None:
            channels = _channels(installed, options, options.offline)
        try:
            return stage_package(
                **fields,
                folder=folder,
                archive=archive,
                channels=[*channels, *(c for c in options.channels if c not in channels)],
                caches=caches,
                offline=options.offline,
                staging=journal / "pkgs",
            )
        except MissingPackages as exc:
            missing.extend(exc.missing)
            return None

    state = list(installed)  # what conda-meta holds after each conda step
    for step in plan.steps:
        if step.tool is Tool.REMOVE:
            paths = {_rel(prefix, p) for p in step.args}
            for p in paths:
                if p.startswith("..") or os.path.isabs(p):
                    raise FixRefused(f"a remove step names {p!r}, outside the prefix")
            actions.append(
                Action(
                    step=step, kind="remove", keep=paths, title="remove " + ", ".join(sorted(paths))
                )
            )
        elif step.tool is Tool.PIP:
            args = list(step.args)
            if args[1:3] == ["-m", "ensurepip"]:
                keep = _dist_paths(graph, {canonicalize_name("pip")}) | _small_files(prefix, bindir)
                keep |= {f"{site}/pip"}
                actions.append(
                    Action(
                        step=step,
                        kind="pip",
                        argv=args,
                        keep=keep,
                        title="ensurepip",
                        specs=["pip"],
                    )
                )
                continue
            if runner is None:
                runner = _pip_runner(python, outside=args[:2] == ["pip", "--python"])
            verb, rest = args[3], args[4:]
            sources, opts, specs = _split_pip(rest)
            pip_names = {canonicalize_name(s.split("==")[0]) for s in specs}
            keep = _dist_paths(graph, set(pip_names)) | {f"{site}/{n}" for n in pip_names}
            opts = [str(constraints) if o == "{constraints}" else o for o in opts]
            if verb == "install":
                pip_src = _pip_sources(sources, options)
                wheels.mkdir(exist_ok=True)
                before = set(wheels.iterdir())
                _download_wheels(runner, graph, wheels, [*pip_src, *_pairs(opts, "-c")], specs)
                for whl in set(wheels.iterdir()) - before or set(wheels.iterdir()):
                    keep |= _wheel_paths(whl, site, bindir)
                argv = [
                    *runner,
                    "--disable-pip-version-check",
                    "--no-input",
                    "install",
                    *(o for o in opts),
                    "--no-index",
                    "--find-links",
                    str(wheels),
                    *specs,
                ]
            else:
                argv = [*runner, "--disable-pip-version-check", "--no-input", verb, *opts, *specs]
            keep |= _small_files(prefix, bindir) | _small_files(prefix, site)
            actions.append(
                Action(
                    step=step,
                    kind="pip",
                    argv=argv,
                    keep=keep,
                    title=f"pip {verb} {' '.join(specs)}",
                    specs=specs,
                )
            )
        elif step.tool is Tool.CONDA:
            verb, flags, operands = _conda_args(step)
            action = Action(
                step=step,
                kind="conda",
                verb=verb,
                specs=operands,
                title=f"conda {verb} {' '.join(operands)}",
            )
            current = {r.name.normalized: r for r in state}
            if verb == "remove":
                names: set[str] = set(operands)
                action.unlinked = [current[n] for n in names if n in current]
                action.desired = [r for r in state if r.name.normalized not in names]
                action.keep = _old_files(prefix, names)
            elif verb == "install" and "--force-reinstall" in flags:
                names = set()
                desired = list(state)
                for spec in operands:
                    channel, name, version, build = split_exact_spec(spec)
                    names.add(name)
                    rec = current.get(name) or by_name.get(name)
                    if rec is not None and (str(rec.version), str(rec.build)) == (version, build):
                        fields = _record_fields(rec)
                        found = stage(
                            fields,
                            _raw(prefix, rec, "extracted_package_dir"),
                            _raw(prefix, rec, "package_tarball_full_path"),
                            [str(rec.channel)] if "://" in str(rec.channel or "") else [],
                        )
                        if found is None:
                            continue
                        new = rec
                    else:
                        fields = {
                            "name": name,
                            "version": version or "",
                            "build": build or "",
                            "sha256": None,
                            "md5": None,
                            "file_name": None,
                            "subdir": None,
                            "url": None,
                        }
                        found = _stage_any_subdir(stage, fields)
                        if found is None:
                            continue
                        new = _record_from_staged(found, channel)
                    action.linked.append((new, found))
                    desired = [r for r in desired if r.name.normalized != name] + [new]
                    if name in current:
                        action.unlinked.append(current[name])
                action.desired = desired
                action.reinstall = names
                action.keep = _old_files(prefix, names) | {
                    p for _, s in action.linked for p in _staged_paths(s, site, bindir)
                }
            elif verb == "install":
                channels = _channels(installed, options, options.offline)
                if not channels:
                    raise FixRefused(
                        "a conda install step must solve against a channel, and "
                        "none can be reached (give --channel, or drop --offline)"
                    )
                try:
                    solved = asyncio.run(
                        rattler.solve(
                            sources=channels,
                            specs=[*(r.name.normalized for r in state), *operands],
                            gateway=rattler.Gateway(cache_dir=journal / "repodata"),
                            platforms=[rattler.Subdir.current(), "noarch"],
                            locked_packages=state,
                            virtual_packages=rattler.VirtualPackage.detect(),
                        )
                    )
                except Exception as exc:  # rattler's solve and fetch errors
                    raise FixRefused(
                        f"cannot solve "
                        f"{' '.join(operands)} from {', '.join(channels)}: "
                        f"{str(exc).splitlines()[0] if str(exc) else exc}"
                    ) from exc
                known = {(r.name.normalized, str(r.version), str(r.build)) for r in state}
                desired = list(solved)
                for rec in solved:
                    if (rec.name.normalized, str(rec.version), str(rec.build)) in known:
                        continue
                    staged = stage(_record_fields(rec), None, None)
                    if staged is not None:
                        action.linked.append((rec, staged))
                action.desired = desired
                action.keep = {p for _, s in action.linked for p in _staged_paths(s, site, bindir)}
            else:
                raise FixRefused(f"cannot carry out {' '.join(step.args)!r} without conda")
            action.keep |= {"conda-meta"} | _small_files(prefix, bindir)
            action.title = _conda_title(action)
            state = list(action.desired)
            actions.append(action)
        else:
            raise FixRefused(f"cannot carry out a {step.tool.value!r} step: {' '.join(step.args)}")
    if missing:
        raise MissingPackages(missing)
    scripts = sorted(
        src.dist
        for a in actions
        for _, src in a.linked
        if any((src.staged / d / f".{parse_conda_dist(src.dist).name}-post-link{x}").exists()
               for d, x in (("bin", ".sh"), ("Scripts", ".bat")))
    )  # fmt: skip
    if scripts:
        # conda runs these after linking; rattler here does not run any
        # script, so the result would not be what conda leaves.  Refuse.
        raise FixRefused(f"{', '.join(scripts)} ha{'s' if len(scripts) == 1 else 've'} a "
                         "post-link script, which reconcile does not run; repair with conda "
                         "(`reconcile plan --format sh`); nothing changed")  # fmt: skip
    return actions


def _download_wheels(
    runner: Sequence[str], graph: Graph, dest: Path, sources: Sequence[str], specs: Sequence[str]
) -> None:
    """Every wheel a pip step installs, downloaded before anything changes.

    The env's pip first.  A pip that cannot start in the env as it is now (a
    metadata file it cannot decode: the step before it in the plan removes
    it) is replaced by this interpreter's pip, told the env's Python version.
    """
    base = ["--disable-pip-version-check", "--no-input", "download", "--no-deps",
            "--only-binary=:all:", "--dest", str(dest), *sources, *specs]  # fmt: skip
    got = subprocess.run(
        [*runner, *base], capture_output=True, text=True, check=False, env=_child_env()
    )
    if got.returncode == 0:
        return
    first = (got.stderr.strip().splitlines() or ["pip download failed"])[-1]
    py = graph.python
    if "Traceback" in got.stderr and py is not None:
        version = f"{py.version.major}.{py.version.minor}"
        ours = [sys.executable, "-m", "pip", *base, "--python-version", version]
        retry = subprocess.run(ours, capture_output=True, text=True, check=False, env=_child_env())
        if retry.returncode == 0:
            return
        first = (retry.stderr.strip().splitlines() or [first])[-1]
    raise FixRefused(
        f"the wheels of {', '.join(specs)} are not in the "
        f"given sources ({' '.join(sources)}): {first}; nothing changed"
    )


def _dist(rec: Any) -> str:
    return f"{rec.name.normalized}-{rec.version}-{rec.build}"


def _conda_title(action: Action) -> str:
    """What a conda step does, in records: unlink X, link Y (from where)."""
    linked = {_dist(r) for r, _ in action.linked}
    parts = [f"unlink {_dist(r)}" for r in action.unlinked if _dist(r) not in linked]
    parts += [
        f"{'relink' if any(_dist(u) == _dist(r) for u in action.unlinked) else 'link'} "
        f"{_dist(r)} (from {redact_url(src.origin)})"
        for r, src in action.linked
    ]
    return "conda: " + ("; ".join(parts) or "nothing to link")


def _pairs(opts: Sequence[str], flag: str) -> Iterator[str]:
    for i, o in enumerate(opts):
        if o == flag and i + 1 < len(opts):
            yield o
            yield opts[i + 1]


def _pip_sources(plan_sources: Sequence[str], options: FixOptions) -> list[str]:
    """The sources pip downloads from: the user's (an --index-url unredacted),
    and the local folders the plan added."""
    if options.index_url:
        return ["--index-url", options.index_url]
    links = [a for i, a in enumerate(plan_sources) if i and plan_sources[i - 1] == "--find-links"]
    links += [d for d in options.find_links if d not in links]
    return ["--no-index", *(a for d in links for a in ("--find-links", d))]


def _raw(prefix: Path, rec: Any, key: str) -> str | None:
    """A field of the record's JSON that rattler's record does not expose."""
    dist = f"{rec.name.normalized}-{rec.version}-{rec.build}.json"
    try:
        value = json.loads((prefix / "conda-meta" / dist).read_text(encoding="utf-8")).get(key)
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) and value else None


def _stage_any_subdir(
    stage: Callable[..., PackageSource | None], fields: dict[str, Any]
) -> PackageSource | None:
    import rattler

    for subdir in ("noarch", str(rattler.Subdir.current())):
        src = stage({**fields, "subdir": subdir}, None, None)
        if src is not None:
            return src
    return None


def _record_from_staged(src: PackageSource, channel: str | None) -> Any:
    """A record for a package whose conda-meta entry was damaged, from its own index.json."""
    import rattler

    pr = rattler.PackageRecord.from_index_json(src.staged / "info" / "index.json")
    fn = f"{src.dist}.conda"
    # Found in a package cache: the URL names the archive or folder it was linked from.
    url = src.origin if "://" in src.origin else Path(src.archive or src.origin).as_uri()
    base = (channel or "").rstrip("/")
    if "://" not in base:  # a channel name, or none: the URL's channel folder
        base = url.rsplit("/", 2)[0]
    return rattler.RepoDataRecord(pr, fn, url, base)


# ---------------------------------------------------------------------------
# the transaction


@contextmanager
def _sigterm_raises() -> Iterator[None]:
    def handler(signum: int, frame: Any) -> None:
        raise Interrupted()

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


@contextmanager
def signals_ignored() -> Iterator[None]:
    old = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


class Transaction:
    """One fix of one prefix, journalled in ``journal``."""

    def __init__(
        self,
        graph: Graph,
        findings: Sequence[Finding],
        plan: Plan,
        actions: list[Action],
        journal: Path,
        options: FixOptions,
        progress: Callable[[str], None],
        reaudit: Callable[[], Sequence[Finding]],
    ) -> None:
        self.graph = graph
        self.prefix = graph.state.prefix
        self.findings = findings
        self.plan = plan
        self.actions = actions
        self.journal = journal
        self.options = options
        self.progress = progress
        self.reaudit = reaudit
        self.before: jr.Listing = {}
        self.history: list[str] = []
        self.hooks = HOOKS

    # -- journal --------------------------------------------------------------

    def _state(self, state: str, **extra: Any) -> None:
        path = self.journal / "journal.json"
        doc = (
            read_json(path)
            if path.exists()
            else {
                "schema": "reconcile.fix-journal/1",
                "prefix": str(self.prefix),
                "realpath": os.path.realpath(self.prefix),
                "pid": os.getpid(),
                "started": time.strftime("%Y-%m-%d %H:%M:%S"),
                "command": self.options.command,
                "strategy": self.plan.strategy,
                "steps": [a.step.to_dict() for a in self.actions],
            }
        )
        doc.update(state=state, **extra)
        write_json(path, doc)

    def _keep(self) -> set[str]:
        keep = {"conda-meta"}
        for a in self.actions:
            keep |= a.keep
        return keep

    # -- run ------------------------------------------------------------------

    def run(self) -> FixResult:
        probe_names = _probe_names(self.graph, self.actions)
        imported = _import_probe(self.prefix, self.graph, probe_names)
        self._state("snapshot")
        self.before = jr.snapshot(self.prefix, self._keep(), self.journal)
        (prefix_dir(self.prefix) / "last").write_text(self.journal.name + "\n")
        self._state("applying")
        total = len(self.actions)
        try:
            with _sigterm_raises():
                for i, action in enumerate(self.actions, 1):
                    self.hooks.before_step(i, action, self)
                    self.progress(f"[{i}/{total}] {action.title} ...")
                    start = time.monotonic()
                    error = self._execute(i, action)
                    if error:
                        return self._rollback(f"step {i} failed: {error}")
                    lost = jr.unrestorable(self.before, jr.listing(self.prefix))
                    if lost:
                        return self._rollback(
                            f"step {i} changed files the journal had not "
                            f"copied ({', '.join(lost[:3])}); putting back "
                            "what it can"
                        )
                    self.progress(f"[{i}/{total}] done in {time.monotonic() - start:.1f}s")
                    self.hooks.after_step(i, action, self)
                if self.history:
                    self._write_history()
                self.progress("re-auditing the env ...")
                after = self.reaudit()
                old = {(f.code, f.package) for f in self.findings if f.severity.label == "error"}
                new = sorted(
                    {
                        f"{f.code} {f.package}"
                        for f in after
                        if f.severity.label == "error" and (f.code, f.package) not in old
                    }
                )
                if new:
                    return self._rollback(f"the fix would add error finding(s): {', '.join(new)}")
                now = _import_probe(self.prefix, self.graph, probe_names)
                gone = sorted(n for n, ok in imported.items() if ok and not now.get(n, False))
                if gone:
                    return self._rollback(
                        f"distribution(s) that imported before no longer import: {', '.join(gone)}"
                    )
        except KeyboardInterrupt:
            return self._rollback("interrupted")
        except Exception as exc:  # any doubt: a disk error, a bug, a failed re-audit
            what = str(exc).splitlines()[0] if str(exc) else ""
            return self._rollback(f"{type(exc).__name__}: {what}" if what else type(exc).__name__)
        after_listing = jr.listing(self.prefix)
        jr.save(self.journal / "after.json", after_listing)
        changed = sorted(set(jr.changed_paths(self.before, after_listing)))
        errors_left = tuple(sorted({f"{f.code} {f.package}" for f in at_or_above(after, "error")}))
        self._state("done", changed=len(changed))
        return FixResult(
            status=FixEnd.DONE,
            journal=self.journal,
            changed=tuple(changed),
            errors_left=errors_left,
        )

    def _rollback(self, reason: str) -> FixResult:
        reason = redact_text(reason)  # pip's or rattler's last words may name a source
        with signals_ignored():
            self.progress(f"rolling back: {reason}")
            self._state("rolling-back", reason=reason)
            lost = jr.restore(self.prefix, self.before, self.journal)
            self._state("rolled-back", reason=reason, lost=lost)
        return FixResult(
            status=FixEnd.ROLLED_BACK, journal=self.journal, reason=reason, lost=tuple(lost)
        )

    def _execute(self, index: int, action: Action) -> str | None:
        if action.kind == "remove":
            for rel in sorted(action.keep):
                path = os.path.join(self.prefix, rel)
                if os.path.lexists(path):
                    jr._remove(path)
            return None
        if action.kind == "pip":
            return self._run(index, action)
        return self._conda(action)

    def _run(self, index: int, action: Action) -> str | None:
        log = open(self.journal / f"step-{index}.log", "wb")  # noqa: SIM115
        with log:
            proc = subprocess.Popen(
                action.argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=_child_env(),
            )
            try:
                self.hooks.started(index, action, proc)
                code = proc.wait()
            except KeyboardInterrupt:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                raise
        if code == 0:
            return None
        tail = (self.journal / f"step-{index}.log").read_text(errors="replace").strip()
        last = tail.splitlines()[-1] if tail else ""
        how = f"killed by signal {-code}" if code < 0 else f"exit {code}"
        return f"{action.argv[2] if action.argv[1] == '-m' else 'pip'} {how}" + (
            f": {last}" if last else ""
        )

    def _conda(self, action: Action) -> str | None:
        import rattler

        installed = _installed(self.prefix)
        cache = rattler.PackageCache.new_layered(
            [self.journal / "pkgs"], validation_mode=rattler.ValidationMode.fast()
        )
        try:
            asyncio.run(
                rattler.install(
                    action.desired,
                    target_prefix=self.prefix,
                    installed_packages=installed,
                    reinstall_packages=action.reinstall or None,
                    show_progress=False,
                    package_cache=cache,
                    execute_link_scripts=False,
                )
            )
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # rattler's link errors
            return f"rattler: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
        for rec, src in action.linked:
            _fix_cache_paths(self.prefix, rec, src)
        self.history += [f"-{_dist_line(r)}" for r in action.unlinked]
        self.history += [f"+{_dist_line(r)}" for r, _ in action.linked]
        key = "remove specs" if action.verb == "remove" else "update specs"
        self.history.append(f"# {key}: {action.specs!r}")
        return None

    def _write_history(self) -> None:
        path = self.prefix / "conda-meta" / "history"
        lines = [
            f"==> {time.strftime('%Y-%m-%d %H:%M:%S')} <==",
            f"# cmd: {self.options.command}",
            f"# reconcile version: {__version__}",
        ]
        minus = [h for h in self.history if h.startswith("-")]
        plus = [h for h in self.history if h.startswith("+")]
        specs = [h for h in self.history if h.startswith("#")]
        with open(path, "a", encoding="utf-8") as fh:
            fh.write("\n".join([*lines, *minus, *plus, *specs]) + "\n")


def _dist_line(rec: Any) -> str:
    from ..channels import channel_name

    channel = channel_name(str(rec.channel or "")) or "<unknown>"
    return f"{channel}/{rec.subdir}::{rec.name.normalized}-{rec.version}-{rec.build}"


def _fix_cache_paths(prefix: Path, rec: Any, src: PackageSource) -> None:
    """rattler names the journal's staging folder as the package's cache; name
    the cache it really came from instead (or nothing), as conda would."""
    path = prefix / "conda-meta" / f"{rec.name.normalized}-{rec.version}-{rec.build}.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    for key, value in (
        ("extracted_package_dir", src.folder),
        ("package_tarball_full_path", src.archive),
    ):
        if value:
            raw[key] = value
        else:
            raw.pop(key, None)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(raw, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


# ---------------------------------------------------------------------------
# the import probe

_PROBE = r"""
import importlib, importlib.metadata as md, json, re, sys
wanted = set(json.loads(sys.argv[1]))
out = {}
for d in md.distributions():
    name = re.sub(r"[-_.]+", "-", (d.metadata["Name"] or "")).lower()
    if name not in wanted or name in out:
        continue
    tops = (d.read_text("top_level.txt") or "").split()
    if not tops:
        for f in d.files or ():
            parts = f.parts
            if len(parts) > 1 and parts[0].endswith((".dist-info", ".data", ".egg-info")):
                continue
            if parts[0] in ("..", "__pycache__") or not str(f).endswith(".py"):
                continue
            tops.append(parts[0][:-3] if len(parts) == 1 else parts[0])
    ok = True
    for top in sorted(set(tops)):
        if not top.isidentifier():
            continue
        try:
            importlib.import_module(top)
        except BaseException:
            ok = False
    out[name] = ok
print(json.dumps(out))
"""


def _probe_names(graph: Graph, actions: Sequence[Action]) -> list[str]:
    """The distributions the fix touches: pip's and conda's operands, the
    metadata folders it removes."""
    touched: set[str] = set()
    for a in actions:
        words = a.step.args if a.kind == "remove" else a.specs
        for word in words:
            base = os.path.basename(word.rstrip("/"))
            if base.endswith(METADATA_DIR_SUFFIXES):
                name = parse_metadata_dirname(base).name
            else:
                name = split_exact_spec(base)[1]
            touched.add(canonicalize_name(name))
    return sorted(
        node.key
        for node in graph.nodes.values()
        if node.key in touched or (node.record is not None and node.record.name in touched)
    )


def _import_probe(prefix: Path, graph: Graph, names: Sequence[str]) -> dict[str, bool]:
    if not names:
        return {}
    python = prefix / _bin(graph) / "python"
    try:
        got = subprocess.run(
            [str(python), "-I", "-B", "-c", _PROBE, json.dumps(list(names))],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            env=_child_env(),
            cwd=str(prefix),
        )
        result = json.loads(got.stdout.strip().splitlines()[-1]) if got.returncode == 0 else {}
    except (OSError, subprocess.TimeoutExpired, ValueError, IndexError):
        return {}
    return {str(k): bool(v) for k, v in result.items()} if isinstance(result, dict) else {}


def interrupted_journal(prefix: Path) -> Path | None:
    """The journal of a fix that was killed before it finished (the caller holds the lock)."""
    base = prefix_dir(prefix)
    try:
        name = (base / "last").read_text().strip()
        doc = read_json(base / name / "journal.json")
    except (OSError, ValueError):
        return None
    if doc.get("state") in ("applying", "rolling-back", "undoing"):
        return base / name
    return None


def start_journal(prefix: Path) -> Path:
    return new_journal_dir(prefix)
