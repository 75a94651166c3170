"""Stage 4a: a repair plan, as data.

A :class:`Plan` is an ordered list of :class:`Step` values (the tool, its
arguments, the findings the step answers, and why), plus what no step can
answer.  Rendering it (``render_plan``) and running it are separate; making
a plan reads nothing and writes nothing.

Strategies:

``prefer-conda`` (default)
    conda stays the owner of everything it installed.  pip's copies over
    conda packages are uninstalled and the exact conda records reinstalled;
    debris is removed; pip-only packages move to versions that fit conda's.
``prefer-pip``
    pip's versions stay; conda's stale records go.  ``conda remove --force``
    deletes every path its record lists, including the files pip now owns at
    those paths, so pip's copy is reinstalled *after* the conda removal.
``rebuild``
    not an in-place repair: a new env from the environment.yml and pip
    constraints that ``reconcile export`` writes (:func:`rebuild_plan`).

Order of steps, so that each tool always finds a state it can act on:
remove debris and extra metadata folders, then pip uninstalls, then conda
(force-)reinstalls and removals, then conda installs, then pip installs
pinned by a constraints file that holds conda's versions, so the repair
cannot cause a new overwrite.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from ._conda import spec_name
from ._plan_rules import also_holds, exact_parts, keep_pip, overlapping, pin_breaks
from .channels import file_url_path
from .filenames import METADATA_DIR_SUFFIXES, InvalidFilename, parse_conda_meta_filename
from .graph import Graph, Node, Ownership
from .models import (
    CondaRecord,
    DistKind,
    EdgeKind,
    Finding,
    InstalledDist,
    Severity,
    StrEnum,
)
from .pins import PINNED
from .safety import conda_runtime

if TYPE_CHECKING:
    from .conda_pins import CondaPin
    from .resolve import CandidateSource, Fixed, ResolutionFailed
    from .sources import Locator

__all__ = [
    "CONSTRAINTS",
    "INDEX_URL",
    "STRATEGIES",
    "Plan",
    "Step",
    "Tool",
    "make_plan",
    "rebuild_plan",
    "resolver_advice",
]

STRATEGIES = ("prefer-conda", "prefer-pip", "rebuild")

#: Stands for the path of the constraints file in step arguments; renderers
#: and runners put the real path there.
CONSTRAINTS = "{constraints}"

#: Stands for an ``--index-url`` that holds credentials: the text and JSON
#: show it masked (``Plan.index_url``), the sh script reads it from
#: ``$RECONCILE_INDEX_URL``; it is never printed.
INDEX_URL = "{index_url}"


class Tool(StrEnum):
    """What carries out a :class:`Step` (its ``args`` are that tool's command)."""

    CONDA = "conda"
    PIP = "pip"  # pip (``args`` start with the env's python -m pip, or pip --python)
    REMOVE = "remove"  # delete the paths in ``args``, all inside the prefix
    PIXI = "pixi"  # pixi manages the env: ``pixi install`` from its lock file
    RECONCILE = "reconcile"  # rebuild: audit the new env


@dataclass(frozen=True, kw_only=True, slots=True)
class Step:
    """One command.  ``tool`` says what runs it (:class:`Tool`); ``answers``
    holds ``"code:package"`` keys."""

    tool: Tool
    args: tuple[str, ...]
    answers: tuple[str, ...]
    why: str

    def __post_init__(self) -> None:
        # A step built with the tool's name (a test, a JSON plan) gets the member.
        object.__setattr__(self, "tool", Tool(self.tool))

    def to_dict(self) -> dict[str, Any]:
        return {"tool": self.tool, "args": list(self.args), "answers": list(self.answers),
                "why": self.why}  # fmt: skip


@dataclass(frozen=True, kw_only=True, slots=True)
class Unresolved:
    finding: Finding
    reason: str


@dataclass(frozen=True, kw_only=True, slots=True)
class Plan:
    prefix: Path
    strategy: str
    steps: tuple[Step, ...] = ()
    constraints: tuple[str, ...] = ()  # "name==version" lines: conda's Python packages
    unresolved: tuple[Unresolved, ...] = ()
    notes: tuple[str, ...] = ()  # what the env looks like afterwards, worth knowing
    explanations: tuple[str, ...] = ()  # why no consistent pip side exists
    suggestions: tuple[str, ...] = ()
    files: tuple[tuple[str, str], ...] = ()  # rebuild: (file name, content) to write first
    index_url: str | None = None  # shown for INDEX_URL in args: the --index-url, secrets masked
    findings: tuple[Finding, ...] = field(default=(), repr=False)

    @property
    def possible(self) -> bool:
        return not self.explanations


def _key(f: Finding) -> str:
    return f"{f.code}:{f.package}"


def _python_exe(graph: Graph) -> str:
    prefix = graph.state.prefix
    py = graph.python
    if py is not None and py.platform.startswith("win"):
        return str(prefix / "python.exe")
    return str(prefix / "bin" / "python")


class _Builder:
    """Collects the pieces of a plan, then orders them into steps."""

    def __init__(self, graph: Graph, findings: Sequence[Finding], strategy: str) -> None:
        self.graph = graph
        self.findings = findings
        self.strategy = strategy
        self.prefix = str(graph.state.prefix)
        self.remove: dict[str, list[str]] = {}  # path -> answers
        self.pip_uninstall: dict[str, list[str]] = {}
        self.conda_reinstall: dict[str, list[str]] = {}  # exact spec -> answers
        self.offline_ok = True  # every reinstalled record is still in a package cache
        self.conda_remove: dict[str, list[str]] = {}
        self.conda_install: dict[str, list[str]] = {}  # spec -> answers
        self.pip_reinstall: dict[NormalizedName, list[str]] = {}  # keep version, fresh files
        self.restore_pip: dict[NormalizedName, list[str]] = {}  # prefer-pip: after conda remove
        self.unresolved: list[Unresolved] = []
        self.done: set[str] = set()
        self.exact: dict[str, CondaRecord | tuple[str, str, str]] = {}  # reinstall spec -> what
        self.kept: list[InstalledDist] = []  # prefer-pip: pip's copies the plan keeps
        # reinstall spec -> the same spec naming the channel it was found in,
        # when that is not the record's own (gone) channel: what conda can reach.
        self.found_in: dict[str, str] = {}

    # -- bookkeeping --------------------------------------------------------

    def _add(self, slot: dict[Any, list[str]], item: Any, answers: Iterable[str]) -> None:
        keys = slot.setdefault(item, [])
        for key in answers:
            if key not in keys:
                keys.append(key)
            self.done.add(key)

    def by_code(self, code: str) -> list[Finding]:
        return [f for f in self.findings if f.code == code]

    def node(self, package: str) -> Node | None:
        return self.graph.nodes.get(package) or self.graph.by_conda_name(package)

    def reinstall(self, record: CondaRecord, answers: Iterable[str]) -> None:
        self.offline_ok &= record.in_package_cache
        self.exact[record.match_spec()] = record
        self._add(self.conda_reinstall, record.match_spec(), answers)

    def reinstalls(self, record: CondaRecord | None) -> bool:
        return record is not None and record.match_spec() in self.conda_reinstall

    def refuse(self, keys: Iterable[str], reason: str, *extra: dict[Any, list[str]]) -> None:
        """A safety rule dropped a step: what it answered is not repaired, and
        no other step goes on half-repairing it."""
        keys = set(keys)
        slots: tuple[dict[Any, list[str]], ...] = (
            self.remove, self.pip_uninstall, self.conda_reinstall, self.conda_remove,
            self.conda_install, self.pip_reinstall, self.restore_pip, *extra,
        )  # fmt: skip
        for slot in slots:
            for item, answers in list(slot.items()):
                kept = [k for k in answers if k not in keys]
                if answers and not kept:
                    del slot[item]
                else:
                    slot[item] = kept
        by_key = {_key(f): f for f in self.findings}
        self.unresolved = [u for u in self.unresolved if _key(u.finding) not in keys]
        for key in sorted(keys):
            if key in by_key:
                self.unresolved.append(Unresolved(finding=by_key[key], reason=reason))
            self.done.add(key)

    def leave(self, finding: Finding, reason: str) -> None:
        if _key(finding) not in self.done:
            self.unresolved.append(Unresolved(finding=finding, reason=reason))
            self.done.add(_key(finding))

    # -- what each finding needs -------------------------------------------

    def related(self, node: Node) -> list[str]:
        """Finding keys about ``node`` that restoring one owner answers."""
        codes = ("duplicate-distribution", "stale-dist-info", "missing-file", "altered-file")
        names = {node.key} | ({node.record.name} if node.record else set())
        return [_key(f) for f in self.findings if f.code in codes and f.package in names]

    def overwritten(self, finding: Finding) -> None:
        node = self.node(finding.package)
        if node is None or node.record is None:
            return
        answers = [_key(finding), *self.related(node)]
        foreign = [d for d in node.dists if d.path != node.owned_dist]
        if self.strategy == "prefer-pip":
            newest = max(foreign, key=lambda d: d.mtime) if foreign else None
            keep = keep_pip(self.graph, node, newest.version_text) if newest else None
            if keep is not None and not keep.ok:
                self.leave(finding, f"prefer-pip keeps pip's {node.key} "
                           f"{newest.version_text if newest else ''}, which breaks conda's "
                           f"{', '.join(keep.broken)}")  # fmt: skip
                return
            records = keep.records if keep else (node.record,)
            if not self.removable(finding, node, records):
                return
            # conda remove --force deletes every path its record lists -- the
            # files pip now owns at those paths too -- so pip's copy goes back
            # in afterwards (same version, from the chosen source).
            for record in records:
                self._add(self.conda_remove, record.name, answers)
            if newest is not None:
                self.kept.append(newest)
            for dist in foreign:
                # pip itself is gone after the conda removal; its metadata must
                # go too, or ensurepip takes it as installed and does nothing.
                if dist is not newest or node.key == "pip":
                    self._add(self.remove, dist.path, answers)
            self._add(self.restore_pip, node.key, answers)
            return
        conda_copy = next((d for d in node.dists if d.path == node.owned_dist), None)
        if conda_copy is not None:
            # Two full dist-infos (--ignore-installed): pip uninstall would pick
            # one at random.  conda's folder goes first; conda writes it back.
            self._add(self.remove, conda_copy.path, answers)
        # conda (and what it runs on) cannot be pip-uninstalled before conda
        # puts it back: drop pip's metadata, conda's reinstall writes the files.
        keep_newest = canonicalize_name(node.key) not in conda_runtime(self.graph)
        for dist in sorted(foreign, key=lambda d: d.mtime)[: -1 if keep_newest else None]:
            self._add(self.remove, dist.path, answers)
        if foreign and keep_newest:
            self._add(self.pip_uninstall, node.key, answers)
        self.reinstall(node.record, answers)

    def removed(self, finding: Finding) -> None:
        node = self.node(finding.package)
        if node is None or node.record is None:
            return
        answers = [_key(finding), *self.related(node)]
        if self.strategy == "prefer-pip":
            if self.removable(finding, node, (node.record,)):
                self._add(self.conda_remove, node.record.name, answers)
        else:
            self.reinstall(node.record, answers)

    def removable(self, finding: Finding, node: Node, records: Sequence[CondaRecord]) -> bool:
        """prefer-pip may remove ``records`` only when they hold nothing else
        of conda's; otherwise the finding is explained instead."""
        others = also_holds(self.graph, records, node)
        if others:
            held = ", ".join(f"{o.key} {o.version}" for o in others)
            names = ", ".join(r.name for r in records)
            self.leave(finding, f"prefer-pip would remove conda's {names}, which also holds "
                       f"{held}: `conda remove --force` would delete them too")  # fmt: skip
        return not others

    def conda_files(self, finding: Finding) -> None:
        node = self.node(finding.package)
        if node is not None and node.record is not None:
            self.reinstall(node.record, [_key(finding)])

    def duplicate(self, finding: Finding) -> None:
        if _key(finding) in self.done:
            return
        node = self.node(finding.package)
        if node is None or len(node.dists) < 2:
            self.leave(finding, "the copies are outside the env's site-packages")
            return
        if node.record is not None and node.ownership is Ownership.INTACT:
            # conda installed over pip's copy: drop pip's metadata and the
            # files only pip's RECORD lists, then reinstall conda's record.
            conda_paths = {p.path for p in node.record.paths}
            for dist in node.dists:
                if dist.path == node.owned_dist:
                    continue
                self._add(self.remove, dist.path, [_key(finding)])
                for path in dist.record:
                    if path not in conda_paths and not path.startswith(dist.path + "/"):
                        self._add(self.remove, path, [_key(finding)])
            self.reinstall(node.record, [_key(finding), *self.clobbers(node)])
            return
        newest = max(node.dists, key=lambda d: d.mtime)
        for dist in node.dists:
            if dist is not newest:
                self._add(self.remove, dist.path, [_key(finding)])
        self._add(self.pip_reinstall, canonicalize_name(node.key), [_key(finding)])

    def clobbers(self, node: Node) -> list[str]:
        return [_key(f) for f in self.by_code("file-clobber") if f.package == node.key
                and node.key in f.owners]  # fmt: skip

    def stale(self, finding: Finding) -> None:
        if _key(finding) in self.done:
            return
        path = finding.path or ""
        folder = path.split(".dist-info", 1)[0] + ".dist-info" if ".dist-info" in path else path
        if not folder or posixpath.isabs(folder) or folder.startswith("../"):
            self.leave(finding, "outside the prefix: remove it by hand")
            return
        if not folder.endswith(METADATA_DIR_SUFFIXES):
            # Only a metadata folder is debris; anything else (a site-packages
            # that could not be listed) holds what is installed.
            self.leave(finding, f"{folder} is not a metadata folder: nothing to remove")
            return
        node = self.node(finding.package)
        usable = node is not None and any(d.path == folder for d in node.dists)
        self._add(self.remove, folder, [_key(finding)])
        if usable and node is not None and node.record is None:
            # Its metadata is damaged but it is installed: put it back cleanly.
            self._add(self.pip_reinstall, canonicalize_name(node.key), [_key(finding)])

    def orphaned(self, finding: Finding) -> None:
        site = finding.site_packages or ""
        folder = finding.path or ""
        found = next(
            ((s, d) for s in self.graph.state.other_site_packages if s.path == site
             for d in s.dists if d.path == folder),
            None,
        )  # fmt: skip
        if found is None:
            self.leave(finding, "not found again in the prefix")
            return
        other, dist = found
        live = self.graph.state.site_packages
        if other.via_link or (
            live is not None
            and (other.path == live.path or (other.real_path and other.real_path == live.real_path))
        ):
            # lib/python3.1 -> python3.1X: the same folder under a second
            # name.  rm -rf through it would delete the env's own packages.
            self.leave(finding, f"{site} is reached through a symbolic link or is the env's "
                       "own site-packages: nothing to remove")  # fmt: skip
            return
        # The env's Python never reads that folder: removing it is safe.
        for path in (dist.path, *dist.record):
            self._add(self.remove, path, [_key(finding)])

    def conda_dependency(self, finding: Finding) -> None:
        if _key(finding) in self.done:
            return
        spec = finding.spec or ""
        source = self._source(finding)
        if (
            source is not None
            and source.record is not None
            and source.record.name in self.conda_remove
        ):
            # prefer-pip removes the record whose depends this is.
            self._add(self.conda_remove, source.record.name, [_key(finding)])
            return
        target = self._target(source, spec)
        if target is not None and target.record is not None and self.reinstalls(target.record):
            self.reinstall(target.record, [_key(finding)])
            return
        if finding.kind == EdgeKind.CONSTRAINS:
            pips = target is not None and (
                target.record is None
                or target.ownership in (Ownership.OVERWRITTEN, Ownership.SHADOWED)
            )
            if pips:
                assert target is not None
                self.leave(finding, f"pip's {target.key} breaks a conda constraint ({spec}); "
                           "install the package with conda or loosen it")  # fmt: skip
            else:
                # conda's own record of the package is what is installed
                # (conda-forge's python against another Python's python_abi).
                self.leave(finding, f"conda's own packages disagree ({finding.package} "
                           f"constrains {spec}); run `conda update` for them")  # fmt: skip
            return
        if self.strategy == "prefer-pip" and target is not None and target.record is None:
            self.leave(finding, "prefer-pip keeps pip's version, which conda's depends "
                       f"does not allow ({spec})")  # fmt: skip
            return
        if target is None or not target.present:
            self._add(self.conda_install, spec, [_key(finding)])
            return
        if target.record is None and self.strategy == "prefer-conda":
            # Only pip provides it: conda takes it over.
            self._add(self.pip_uninstall, target.key, [_key(finding)])
            self._add(self.conda_install, spec, [_key(finding)])
            return
        if self.strategy == "prefer-pip":
            self.leave(finding, f"prefer-pip keeps pip's {target.key} {target.version}, "
                       f"which conda's {finding.package} does not allow ({spec})")  # fmt: skip
            return
        self.leave(finding, "two conda packages disagree; run `conda update` for them")

    def invalid_record(self, finding: Finding) -> None:
        """A damaged conda-meta file: move it out of conda's way and let conda
        write it again from the package, named by the file (or its content)."""
        path = finding.path or ""
        if not path.startswith("conda-meta/") or not path.endswith(".json"):
            self.leave(finding, _advice(finding))
            return
        record = next((r for r in self.graph.state.records if r.source == path), None)
        if record is not None:
            spec = record.match_spec()
        else:
            try:
                dist = parse_conda_meta_filename(path[len("conda-meta/") :])
            except InvalidFilename:
                self.leave(finding, _advice(finding))
                return
            spec = f"{dist.name}=={dist.version}={dist.build}"
            self.exact[spec] = (dist.name, dist.version, dist.build)
            self.offline_ok = False
        self._add(self.remove, path, [_key(finding)])
        self._add(self.conda_reinstall, spec, [_key(finding)])

    def _source(self, finding: Finding) -> Node | None:
        """The node of the conda record a dependency finding is about: by its
        record file, since conda's numpy and the numpy node (owned by
        numpy-base) share a name."""
        source = finding.conda_record
        for node in self.graph.nodes.values():
            if node.primary and node.record is not None and node.record.source == source:
                return node
        return self.node(finding.package)

    def _target(self, source: Node | None, spec: str) -> Node | None:
        if source is None:
            return None
        for edge in self.graph.out_edges(source.key):
            if edge.spec == spec and edge.resolved:
                return self.graph.nodes[edge.target]
        return None


# ---------------------------------------------------------------------------
# the pip side, resolved


def _kept_pins(graph: Graph, strategy: str, dropped: set[str]) -> dict[NormalizedName, CondaPin]:
    """conda's pins (:mod:`reconcile.conda_pins`) that this plan keeps.  A pin
    goes with its record when the plan removes that record (``dropped``), and
    under prefer-pip wherever pip's copy replaced conda's: pip's copy stays,
    a pip package now, at pip's version."""
    from .conda_pins import conda_pins  # not on the audit's path (render imports plan)

    kept: dict[NormalizedName, CondaPin] = {}
    for name, pin in conda_pins(graph).items():
        node = graph.by_pypi_name(name)
        if node is None or pin.record.name in dropped:
            continue
        if strategy == "prefer-pip" and node.ownership is not Ownership.INTACT and node.dists:
            continue
        kept[name] = pin
    return kept


def _fixed(graph: Graph, pins: Mapping[NormalizedName, CondaPin]) -> dict[NormalizedName, Fixed]:
    """The resolver's view of conda's pins: exactly one candidate each."""
    from .resolve import Fixed

    pip_only = {k for k, n in graph.nodes.items() if n.record is None}
    fixed: dict[NormalizedName, Fixed] = {}
    for name, pin in pins.items():
        node = graph.by_pypi_name(name)
        dist = next((d for d in node.dists if d.path == node.owned_dist), None) if node else None
        requires = tuple(r for r in (dist.requires if dist else ()) if
                         canonicalize_name(r.name) in pip_only)  # fmt: skip
        record = pin.record
        fixed[name] = Fixed(
            name=name,
            version=pin.version,
            origin=f"conda ({record.channel and _short(record.channel)}/{record.subdir or '?'} "
            f"{record.dist_str})",
            requires=requires,
        )
    return fixed


def _short(channel: str) -> str:
    from .channels import channel_name

    return channel_name(channel) or channel


def _pip_roots(graph: Graph, fixed: Mapping[NormalizedName, Fixed]) -> list[InstalledDist]:
    roots = []
    for node in graph.nodes.values():
        if canonicalize_name(node.key) in fixed:
            continue
        dist = node.effective
        if dist is not None and dist.kind != DistKind.EGG_LINK:
            roots.append(dist)
    return roots


def make_plan(
    graph: Graph,
    findings: Sequence[Finding],
    *,
    strategy: str = "prefer-conda",
    source: CandidateSource | None = None,
    pip_source_args: Sequence[str] = (),
    reporter: Any = None,
    locator: Locator | None = None,
    index_url: str | None = None,
) -> Plan:
    """Turn the audit of ``graph`` into an ordered plan.  No I/O beyond what
    ``source`` does to find pip candidates and ``locator`` to find where each
    replacement comes from (default: the package caches, the records'
    channels and ``source``); a step that deletes or uninstalls is planned
    only when what replaces it was found.  ``index_url`` is the masked form
    of an ``--index-url`` with credentials, given as :data:`INDEX_URL`."""
    if strategy not in STRATEGIES[:2]:
        raise ValueError(f"unknown strategy {strategy!r}")
    from .sources import KeepLocalProjects, Locator, env_channels, local_project

    local = {n.key for n in graph.nodes.values() if local_project(n.effective)}
    if source is not None and local:
        source = KeepLocalProjects(source, map(canonicalize_name, local))
    if locator is None:
        locator = Locator(pip=source, python=graph.python,
                          env_channels=env_channels(graph.state.records))  # fmt: skip
    b = _Builder(graph, findings, strategy)
    for f in b.by_code("pip-overwrote-conda"):
        b.overwritten(f)
    for f in b.by_code("pip-removed-conda"):
        b.removed(f)
    for code in ("missing-file", "altered-file"):
        for f in b.by_code(code):
            b.conda_files(f)
    for f in b.by_code("duplicate-distribution"):
        b.duplicate(f)
    for f in b.by_code("stale-dist-info"):
        b.stale(f)
    for f in b.by_code("orphaned-site-packages"):
        b.orphaned(f)
    for f in b.by_code("invalid-record"):
        if not f.paths:  # two records of one name need a person
            b.invalid_record(f)
    for f in b.by_code("conda-dependency-unsatisfied"):
        b.conda_dependency(f)

    # pip's side: conda's versions fixed, pip-only packages free but kept
    # where they fit.
    from .resolve import ResolutionFailed, resolve

    kept = _kept_pins(graph, strategy, set(b.conda_remove))
    fixed = _fixed(graph, kept)
    roots = _pip_roots(graph, fixed)
    requirements = [Requirement(d.raw_name) for d in roots]
    prefer = {d.name: d.version for d in roots if d.version is not None}
    explanations: tuple[str, ...] = ()
    suggestions: tuple[str, ...] = ()
    pins: dict[NormalizedName, Version] = {}
    if graph.python is not None and source is not None:
        try:
            result = resolve(requirements, fixed=fixed, source=source, python=graph.python,
                             reporter=reporter, prefer=prefer)  # fmt: skip
        except ResolutionFailed as exc:
            explanations, suggestions = exc.explanations, resolver_advice(exc, strategy)
        else:
            pins = {name: c.version for name, c in result.items() if name not in fixed}
            # Local files the resolver chose (pip's wheel cache, a find-links
            # folder) must be where pip looks too.
            links = sorted({
                str(Path(file_url_path(c.url)).parent)
                for name, c in result.items()
                if name not in fixed and c.url and c.url.startswith("file:")
                and not c.origin.startswith("installed")
            })  # fmt: skip
            extra = [a for d in links if d not in pip_source_args for a in ("--find-links", d)]
            pip_source_args = [*pip_source_args, *extra]
    installed = {d.name: d.version for d in roots}
    pip_findings = [f for f in findings if f.code in
                    ("pip-dependency-unsatisfied", "requires-python-mismatch")]  # fmt: skip
    pip_install: dict[NormalizedName, list[str]] = {}
    for name, version in sorted(pins.items()):
        if installed.get(name) != version and name not in b.pip_reinstall:
            answers = [_key(f) for f in pip_findings if _concerns(f, name)]
            pip_install[name] = answers
            b.done.update(answers)
    if not explanations:
        for f in pip_findings:
            if _key(f) not in b.done and f.code == "pip-dependency-unsatisfied":
                b.done.add(_key(f))  # met by the resolved set as a whole
    for name in list(b.pip_reinstall) + list(b.restore_pip):
        if name in pins:
            continue
        prefer_version = installed.get(name)
        if prefer_version is not None:
            pins[name] = prefer_version
    pip_source_args = [*pip_source_args, *_unsourced(b, pins, locator, pip_source_args)]

    notes_extra = _safety(b, pins, pip_install)

    for f in findings:
        if f.severity >= Severity.WARNING and _key(f) not in b.done:
            b.leave(f, _advice(f))

    steps, notes = _safe_steps(b, graph, pins, pip_install, pip_source_args)
    notes = [*notes, *notes_extra, *_source_notes(graph, steps, index_url)]
    from .conda_pins import constraint_lines

    constraints = constraint_lines(kept.values())
    return Plan(
        prefix=graph.state.prefix,
        strategy=strategy,
        steps=tuple(steps),
        constraints=constraints,
        unresolved=tuple(b.unresolved),
        notes=tuple(notes),
        explanations=explanations,
        suggestions=suggestions,
        findings=tuple(findings),
        index_url=index_url,
    )


def resolver_advice(failure: ResolutionFailed, strategy: str = "prefer-conda") -> tuple[str, ...]:
    """What the user can do when pip's side cannot fit conda's
    (:mod:`reconcile.advice`), with the plan's own way out: the prefer-pip
    strategy lets pip move conda's packages (not offered to a prefer-pip plan)."""
    from .advice import resolution_advice

    return resolution_advice(failure, move_conda=None if strategy == "prefer-pip" else _prefer_pip)


def _prefer_pip(name: str, version: Version | None) -> str:
    shown = name if version is None else f"{name} {version}"
    return f"use --strategy prefer-pip to let pip move conda's {shown}"


def _safe_steps(
    b: _Builder,
    graph: Graph,
    pins: Mapping[NormalizedName, Version],
    pip_install: dict[NormalizedName, list[str]],
    pip_source_args: Sequence[str],
) -> tuple[list[Step], list[str]]:
    """Order the steps, check them against the safety rules
    (:mod:`reconcile.safety`) and drop what breaks one: the findings it
    answered become "not repaired" with the rule's reason; again until none
    breaks a rule (each round drops something, so it ends)."""
    from .safety import check_plan

    while True:
        steps = _order(b, graph, pins, pip_install, pip_source_args)
        notes = _notes(graph, set(b.conda_remove))
        if graph.state.manager is not None and graph.state.manager.name == "pixi":
            steps, notes = _through_pixi(graph, steps, notes, b.strategy)
        draft = Plan(prefix=graph.state.prefix, strategy=b.strategy, steps=tuple(steps))
        violations = check_plan(draft, graph)
        if not violations:
            return steps, notes
        dropped = False
        for v in violations:
            step = steps[v.step]
            slot: Mapping[str, list[str]] = (
                {str(Path(b.prefix) / p): a for p, a in b.remove.items()}
                if step.tool is Tool.REMOVE
                else b.pip_uninstall if step.tool is Tool.PIP
                else b.conda_remove if step.tool is Tool.CONDA else {}
            )  # fmt: skip
            keys = slot.get(v.what) or list(step.answers)
            if keys:
                b.refuse(keys, f"not repaired: {v.why} (safety rule {v.rule})", pip_install)
                dropped = True
        if not dropped:  # steps that answer nothing: leave them out
            bad = {v.step for v in violations}
            return [s for i, s in enumerate(steps) if i not in bad], notes


def _safety(
    b: _Builder, versions: Mapping[NormalizedName, Version],
    pip_install: dict[NormalizedName, list[str]],
) -> list[str]:  # fmt: skip
    """Take out every step that would leave a pinned package outside its pin
    (``conda-meta/pinned``) or put a conda package over a pip copy that
    prefer-pip keeps; what they answered is explained instead."""
    graph = b.graph
    blocked: dict[str, str] = {}  # finding key -> why
    notes: list[str] = []
    barred = {n: d for d in b.kept for n in overlapping(graph, d)}
    for slot in (b.conda_reinstall, b.conda_install):
        for spec, answers in list(slot.items()):
            parts = exact_parts(spec) if slot is b.conda_reinstall else None
            name = parts[0] if parts else spec_name(spec)
            if name in barred:
                why = (f"conda's {name} ships files of pip's {barred[name].raw_name} "
                       f"{barred[name].version_text}, which prefer-pip keeps")  # fmt: skip
            elif parts and (broke := pin_breaks(graph, name=name, version=parts[1],
                                                build=parts[2])):  # fmt: skip
                why = (f"reinstalling conda's {name} {parts[1]} would break the pin "
                       f"{broke[0]!r} in {PINNED}")  # fmt: skip
            else:
                continue
            blocked.update(dict.fromkeys(answers, why))
            del slot[spec]
    for name in [*b.restore_pip, *b.pip_reinstall, *pip_install]:
        version = versions.get(name)
        if version is None or not (broke := pin_breaks(graph, name=name, version=str(version),
                                                        conda=False)):  # fmt: skip
            continue
        why = f"pip's {name} {version} would be outside the pin {broke[0]!r} in {PINNED}"
        for pip_slot in (b.restore_pip, b.pip_reinstall, pip_install):
            blocked.update(dict.fromkeys(pip_slot.pop(name, []), why))
        notes.append(f"{name} {version} is not installed: {why.split(' would ', 1)[1]}")
    # What the blocked steps answered is not repaired: no other step for it.
    slots: list[dict[Any, list[str]]] = [b.remove, b.pip_uninstall, b.conda_reinstall,
        b.conda_remove, b.conda_install, b.pip_reinstall, b.restore_pip, pip_install]  # fmt: skip
    while True:
        grew = False
        for slot in slots:
            for item, answers in list(slot.items()):
                if any(k in blocked for k in answers):
                    why = next(blocked[k] for k in answers if k in blocked)
                    for k in answers:
                        grew |= k not in blocked
                        blocked.setdefault(k, why)
                    del slot[item]
        if not grew:
            break
    for f in b.findings:
        if _key(f) in blocked:
            b.done.discard(_key(f))
            b.leave(f, blocked[_key(f)])
    for f in b.by_code("pin-violated"):
        node = b.node(f.package)
        record = node.record if node is not None else None
        if record is not None and b.reinstalls(record):
            b._add(b.conda_reinstall, record.match_spec(), [_key(f)])
        else:
            b.leave(f, f"nothing in this plan brings {f.package} back inside the pin "
                    f"{f.pin!r}: install a version inside it with conda")  # fmt: skip
    return notes


def rebuild_plan(
    graph: Graph,
    findings: Sequence[Finding],
    *,
    environment_yml: str | None,
    constraints_txt: str,
    explanations: Sequence[str] = (),
    suggestions: Sequence[str] = (),
) -> Plan:
    """``--strategy rebuild``: a fresh env next to this one, from the
    environment.yml and pip constraints ``reconcile export`` writes (conda
    runs pip from the yml's folder, so the two files sit together)."""
    prefix = graph.state.prefix
    target = str(prefix.with_name(prefix.name + "-rebuilt"))
    if environment_yml is None:
        return Plan(prefix=prefix, strategy="rebuild", explanations=tuple(explanations),
                    suggestions=tuple(suggestions), findings=tuple(findings))  # fmt: skip
    answers = tuple(_key(f) for f in findings if f.severity >= Severity.WARNING)
    steps = (
        Step(tool=Tool.CONDA,
             args=("conda", "env", "create", "-p", target, "-f", "environment.yml"),
             answers=answers,
             why="a new env from conda's records and pip's packages moved to fit them"),
        Step(tool=Tool.RECONCILE, args=("reconcile", "audit", target), answers=(),
             why="check the new env before you switch to it"),
    )  # fmt: skip
    return Plan(
        prefix=prefix,
        strategy="rebuild",
        steps=steps,
        files=(("environment.yml", environment_yml), ("pip-constraints.txt", constraints_txt)),
        notes=(f"the old env at {prefix} is left as it is; remove it once {target} works",),
        findings=tuple(findings),
    )


def _through_pixi(
    graph: Graph, steps: list[Step], notes: list[str], strategy: str
) -> tuple[list[Step], list[str]]:
    """A pixi env: pixi puts conda's packages back from its lock file, so the
    conda steps give way to one ``pixi install`` (conda commands run by hand
    in a pixi env are undone, or confuse, the next pixi run)."""
    manager = graph.state.manager
    assert manager is not None
    conda = [s for s in steps if s.tool is Tool.CONDA]
    if not conda:
        return steps, notes
    args = ["pixi", "install"]
    if manager.manifest_path:
        args += ["--manifest-path", manager.manifest_path]
    if manager.environment_name:
        args += ["--environment", manager.environment_name]
    pixi = Step(
        tool=Tool.PIXI,
        args=tuple(args),
        answers=_union(list(s.answers) for s in conda),
        why="pixi manages this env: it installs conda's packages from its lock file "
        "(instead of hand-made conda commands)"
        if strategy != "prefer-pip"
        else "pixi manages this env: to keep pip's versions, move those packages from "
        "[dependencies] to [pypi-dependencies] in the manifest, then run pixi install",
    )
    at = steps.index(conda[0])
    kept = [s for s in steps if s.tool is not Tool.CONDA]
    kept.insert(at, pixi)
    note = (
        f"{graph.state.prefix} is managed by {manager.describe()}; if `pixi install` finds "
        "nothing to do while the findings remain, delete the env folder and run it again: "
        "pixi recreates the env from its lock file"
    )
    return kept, [*notes, note]


def _notes(graph: Graph, removed: set[str]) -> list[str]:
    """prefer-pip: conda packages left depending on a package whose conda
    record the plan removes (pip's copy is all they will have)."""
    users: dict[str, list[str]] = {}
    for edge in graph.edges:
        if edge.kind is not EdgeKind.DEPENDS or not edge.resolved:
            continue
        source, target = graph.nodes[edge.source].record, graph.nodes[edge.target].record
        if source is None or target is None or source.name in removed:
            continue
        if target.name in removed:
            users.setdefault(target.name, []).append(source.name)
    return [
        f"conda will have no record of {name}: conda's {', '.join(sorted(who))} then depend "
        "on pip's copy (a warning in the next audit)"
        for name, who in sorted(users.items())
    ]


def _concerns(finding: Finding, name: str) -> bool:
    if finding.package == name:
        return True
    req = finding.requirement
    return req is not None and canonicalize_name(Requirement(req).name) == name


_ADVICE = {
    "file-clobber": "two packages ship the same file; keep one of them (uninstall the other) "
    "or ask their maintainers",
    "user-site-leak": "the user site is shared by every env: set PYTHONNOUSERSITE=1 for this "
    "env, or `pip uninstall` it from the user site",
    "invalid-record": "a conda-meta record is damaged; reinstall that package with conda "
    "(`conda install --force-reinstall`) or remove the broken file",
    "requires-python-mismatch": "conda's package does not support this Python; update it "
    "with conda",
    "pip-dependency-unsatisfied": "no pip version fits; see the explanation",
}


def _advice(f: Finding) -> str:
    return _ADVICE.get(f.code, "no automatic repair; see the finding's evidence")


def _order(
    b: _Builder,
    graph: Graph,
    pins: Mapping[NormalizedName, Version],
    pip_install: Mapping[NormalizedName, list[str]],
    pip_source_args: Sequence[str],
) -> list[Step]:
    prefix = b.prefix
    python = _python_exe(graph)
    pip_cmd = _pip_command(graph)
    steps: list[Step] = []
    if b.remove:
        steps.append(Step(
            tool=Tool.REMOVE,
            args=tuple(str(Path(prefix) / p) for p in sorted(b.remove)),
            answers=_union(b.remove.values()),
            why="metadata debris and extra copies that no installer can act on",
        ))  # fmt: skip
    for name, answers in sorted(b.pip_uninstall.items()):
        steps.append(Step(
            tool=Tool.PIP,
            args=(*pip_cmd, "uninstall", "--yes", name),
            answers=tuple(answers),
            why=f"pip's copy of {name} goes, so conda's can come back",
        ))  # fmt: skip
    if b.conda_remove:
        steps.append(Step(
            tool=Tool.CONDA,
            args=("conda", "remove", "-p", prefix, "--yes", "--force", "--offline",
                  *sorted(b.conda_remove)),
            answers=_union(b.conda_remove.values()),
            why="drop conda's stale records (this also deletes pip's files at the same "
            "paths; the next steps put them back)",
        ))  # fmt: skip
    if b.conda_reinstall:
        steps.append(Step(
            tool=Tool.CONDA,
            args=("conda", "install", "-p", prefix, "--yes", "--force-reinstall", "--no-deps",
                  *(("--offline",) if b.offline_ok else ()),
                  *sorted(b.found_in.get(spec, spec) for spec in b.conda_reinstall)),
            answers=_union(b.conda_reinstall.values()),
            why="reinstall conda's exact records (name, version, build) over what is there now",
        ))  # fmt: skip
    if b.conda_install:
        steps.append(Step(
            tool=Tool.CONDA,
            args=("conda", "install", "-p", prefix, "--yes", *sorted(b.conda_install)),
            answers=_union(b.conda_install.values()),
            why="install what conda packages depend on and nothing provides",
        ))  # fmt: skip
    pip = canonicalize_name("pip")
    if pip in b.restore_pip:
        # conda just deleted pip itself: bootstrap one to put pip's pip back.
        steps.append(Step(
            tool=Tool.PIP,
            args=(python, "-m", "ensurepip", "--default-pip"),
            answers=tuple(b.restore_pip[pip]),
            why="conda's removal of its pip record deleted pip itself",
        ))  # fmt: skip
    restore = {**b.restore_pip, **b.pip_reinstall}
    if restore:
        specs = [f"{n}=={pins[n]}" for n in sorted(restore) if n in pins]
        steps.append(Step(
            tool=Tool.PIP,
            args=(*pip_cmd, "install", "--no-deps", "--force-reinstall",
                  *pip_source_args, "-c", CONSTRAINTS, *specs),
            answers=_union(restore.values()),
            why="put pip's packages back with clean metadata, at the versions they have",
        ))  # fmt: skip
    if pip_install:
        steps.append(Step(
            tool=Tool.PIP,
            args=(*pip_cmd, "install", "--no-deps", *pip_source_args,
                  "-c", CONSTRAINTS, *(f"{n}=={pins[n]}" for n in sorted(pip_install))),
            answers=_union(pip_install.values()),
            why="move pip's packages to versions that fit conda's (resolved with conda's "
            "versions fixed)",
        ))  # fmt: skip
    return steps


def _has_pip(graph: Graph) -> bool:
    """pip is installed in the env's own site-packages (not only in the user
    site, which another Python may own)."""
    node = graph.nodes.get("pip")
    live = graph.state.site_packages
    paths = {d.path for d in live.dists} if live is not None else set()
    return node is not None and any(
        d.kind in (DistKind.DIST_INFO, DistKind.EGG_INFO) and d.path in paths for d in node.dists
    )


def _pip_command(graph: Graph) -> tuple[str, ...]:
    """``PREFIX/bin/python -m pip``; in an env without pip, a pip >= 22.3
    outside it that targets the env's Python (``pip --python``)."""
    python = _python_exe(graph)
    if _has_pip(graph):
        return (python, "-m", "pip")
    return ("pip", "--python", python)


def _unsourced(
    b: _Builder, pins: Mapping[NormalizedName, Version], locator: Locator, pip_args: Sequence[str]
) -> list[str]:
    """Drop every step whose replacement cannot be had, with everything that
    answers the same findings (a removal before a reinstall that cannot
    happen would leave the package without metadata), and leave those
    findings "not repaired", naming the missing source.  Returns the
    ``--find-links`` arguments the found pip files need."""
    bad: dict[str, str] = {}
    links: list[str] = []
    manager = b.graph.state.manager
    by_pixi = manager is not None and manager.name == "pixi"
    for spec, what in b.exact.items():
        if spec not in b.conda_reinstall or by_pixi:
            continue  # pixi installs conda's packages from its lock file's sources
        found = locator.conda(what) if isinstance(what, CondaRecord) else locator.conda_dist(*what)
        if not found.ok:
            for key in b.conda_reinstall[spec]:
                bad.setdefault(key, found.reason)
        elif found.origin is not None and "://" in found.origin:
            # ``<channel>/<subdir>/<file>``: name that channel in the step.
            channel = found.origin.rsplit("/", 2)[0]
            head, sep, rest = spec.rpartition("::")
            if head.rstrip("/") != channel.rstrip("/"):
                b.found_in[spec] = f"{channel}::{rest if sep else spec}"
    for slot in (b.restore_pip, b.pip_reinstall):
        for name, answers in slot.items():
            version = pins.get(name)
            node = b.node(name)
            if version is None:
                reason = f"no version of {name} is known to reinstall"
            else:
                found = locator.pip(name, version, node.effective if node else None)
                if found.ok:
                    if found.link_dir and found.link_dir not in [*pip_args, *links]:
                        links.append(found.link_dir)
                    continue
                reason = found.reason
            for key in answers:
                bad.setdefault(key, reason)
    slots: list[dict[Any, list[str]]] = [b.remove, b.pip_uninstall, b.conda_reinstall,
        b.conda_remove, b.conda_install, b.pip_reinstall, b.restore_pip]  # fmt: skip
    changed = bool(bad)
    while changed:
        changed = False
        for slot in slots:
            for item, answers in list(slot.items()):
                cause = next((bad[k] for k in answers if k in bad), None)
                if cause is None:
                    continue
                del slot[item]
                for key in answers:
                    if key not in bad:
                        bad[key], changed = cause, True
    b.done -= set(bad)
    for f in b.findings:
        if _key(f) in bad and f.severity >= Severity.WARNING:
            b.leave(f, bad[_key(f)])
    return [a for d in links for a in ("--find-links", d)]


def _source_notes(graph: Graph, steps: Sequence[Step], index_url: str | None) -> list[str]:
    notes = []
    if any(s.tool is Tool.PIP and s.args[:2] == ("pip", "--python") for s in steps):
        python = _python_exe(graph)
        notes.append(
            f"this env has no pip: its pip steps run `pip --python {python}` with a pip "
            f">= 22.3 outside the env (or use `uv pip --python {python}`, or install pip "
            "into the env with conda first)"
        )
    if index_url is not None and any(INDEX_URL in s.args for s in steps):
        notes.append(
            f"credentials in --index-url are not shown ({index_url}); the sh script reads "
            "the URL from $RECONCILE_INDEX_URL"
        )
    return notes


def _union(groups: Iterable[list[str]]) -> tuple[str, ...]:
    out: list[str] = []
    for group in groups:
        for key in group:
            if key not in out:
                out.append(key)
    return tuple(out)
