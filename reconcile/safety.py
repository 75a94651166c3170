"""The safety rules every repair plan is checked against before anything runs.

STYLE habit 17: a plan is data; before it is shown as runnable or carried
out it is checked here, and a step that breaks a rule is dropped (its
findings become "not repaired", see :mod:`reconcile.plan`) or the fix is
refused (:mod:`reconcile.fix.apply`).  The rules, each a function over a
:class:`~reconcile.plan.Plan` and the :class:`~reconcile.graph.Graph` it was
made from, returning :class:`Violation` values:

``remove-outside-prefix``
    a deleted path must lie inside the prefix.
``remove-site-packages``
    never a directory that is, or contains, a site-packages (the prefix,
    ``lib``, ``lib/pythonX.Y``, a ``site-packages`` or ``dist-packages``).
``remove-through-link``
    never a path reached through a symbolic link to a directory
    (``lib/python3.1 -> python3.12``: ``rm -rf`` through it deletes the env's
    own packages).  The plan knows the links discovery saw; ``fix`` also
    resolves every path on disk just before it changes anything.
``remove-not-answered``
    a deleted path belongs to a distribution the step answers for: its
    metadata folder, a file its RECORD lists, its conda-meta record.  Never
    anything else (another distribution's metadata or files, a path no
    metadata names).
``conda-remove-holds-others``
    ``conda remove --force`` deletes every path a record lists: never a
    record that also holds a distribution of conda's the step does not
    answer for (defaults' ``pyqt`` holds ``PyQt5``, ``PyQt5_sip``,
    ``PyQtChart`` and ``PyQtWebEngine``; keeping pip's ``PyQt5_sip`` must not
    delete the other three).
``pip-uninstalls-conda``
    never ``pip uninstall`` conda, python, or, in an env that holds conda
    (a base env), a package conda needs to run: the conda steps after it
    would run a broken conda.
``pip-gone-before-pip``
    pip, setuptools and wheel (what pip needs to install offline) go last:
    once a step removes one (``pip uninstall``, ``conda remove``), no later
    step may run pip before a conda, pixi or ensurepip step puts it back.

:func:`unreadable` is the prefix-level rule: a prefix that could not be read
(a folder that cannot be listed, a file that cannot be read, conda-meta
records that are Git LFS pointers, no conda record at all) gets no plan.

This module reads nothing unless given ``realpath`` (only ``fix`` does).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from packaging.utils import NormalizedName, canonicalize_name

from .filenames import (
    METADATA_DIR_SUFFIXES,
    InvalidFilename,
    parse_conda_meta_filename,
    parse_metadata_dirname,
)
from .models import EdgeKind

if TYPE_CHECKING:
    from .graph import Graph
    from .plan import Plan, Step

__all__ = [
    "PIP_TOOLS",
    "RULES",
    "Violation",
    "check_plan",
    "conda_runtime",
    "describe",
    "unreadable",
]

#: What pip needs to install: pip itself, and what it builds a source
#: distribution with when there is no index to fetch them from.
PIP_TOOLS = (canonicalize_name("pip"), canonicalize_name("setuptools"), canonicalize_name("wheel"))

_SITE_NAMES = ("site-packages", "dist-packages")
#: How discovery words a record that is a Git LFS pointer (discover/_conda_meta.py).
_LFS = "Git LFS pointer"


@dataclass(frozen=True, kw_only=True, slots=True)
class Violation:
    """One broken rule: ``step`` is the 0-based index into ``plan.steps``,
    ``what`` the path or package at fault, ``why`` one line for a person."""

    rule: str
    step: int
    what: str
    why: str

    def __str__(self) -> str:
        return f"step {self.step + 1}: {self.why} ({self.rule})"


# ---------------------------------------------------------------------------
# helpers


def _rel(prefix: str, path: str) -> str | None:
    """``path`` relative to ``prefix``, normalised; None when outside."""
    prefix = prefix.rstrip("/") or "/"
    norm = posixpath.normpath(path)
    if norm == prefix:
        return ""
    if not norm.startswith(prefix.rstrip("/") + "/"):
        return None
    rel = norm[len(prefix.rstrip("/")) + 1 :]
    return None if rel == ".." or rel.startswith("../") else rel


def _sites(graph: Graph) -> dict[str, bool]:
    """Every site-packages inside the prefix the graph knows -> reached through a link."""
    state = graph.state
    found: dict[str, bool] = {}
    for site in (state.site_packages, *state.other_site_packages):
        if site is not None and not posixpath.isabs(site.path):
            found[posixpath.normpath(site.path)] = site.via_link
    if state.python is not None:
        found.setdefault(posixpath.normpath(state.python.site_packages), False)
    for record in state.records:
        if record.python_site_packages_path:
            found.setdefault(posixpath.normpath(record.python_site_packages_path), False)
    return found


def _inside(rel: str, folder: str) -> bool:
    return rel == folder or rel.startswith(folder + "/")


def _pip_command(step: Step) -> tuple[str, list[str]] | None:
    """(``uninstall``/``install``/``ensurepip``..., operands) for ``python -m pip ...``."""
    args = list(step.args)
    if "-m" not in args:
        return None
    at = args.index("-m")
    module = args[at + 1] if at + 1 < len(args) else ""
    if module == "ensurepip":
        return "ensurepip", []
    if module != "pip" or at + 2 >= len(args):
        return None
    return args[at + 2], [a for a in args[at + 3 :] if not a.startswith("-")]


def _conda_names(step: Step) -> tuple[str, set[str]]:
    """(verb, package names) of a ``conda install/remove`` step."""
    from ._conda import spec_name

    args = list(step.args)
    verb = args[1] if len(args) > 1 else ""
    names: set[str] = set()
    skip = False
    for arg in args[2:]:
        if skip:
            skip = False
        elif arg in ("-p", "--prefix", "-c", "--channel", "-n", "--name"):
            skip = True
        elif not arg.startswith("-"):
            name = spec_name(arg)
            if name:
                names.add(str(canonicalize_name(name)))
    return verb, names


def conda_runtime(graph: Graph) -> frozenset[NormalizedName]:
    """Names ``pip uninstall`` must never touch: conda and python, and, when
    conda itself is installed in this env (a base env), every package it
    depends on, directly or not (conda imports them on every run)."""
    names = {canonicalize_name("conda"), canonicalize_name("python")}
    conda = graph.by_conda_name("conda")
    if conda is None:
        return frozenset(names)
    todo, seen = [conda.key], {conda.key}
    while todo:
        key = todo.pop()
        names.add(canonicalize_name(key))
        node = graph.nodes.get(key)
        if node is not None and node.record is not None:
            names.add(canonicalize_name(node.record.name))
        for edge in graph.out_edges(key):
            if edge.kind is EdgeKind.DEPENDS and edge.resolved and edge.target not in seen:
                seen.add(edge.target)
                todo.append(edge.target)
    return frozenset(names)


def _answered(graph: Graph, step: Step) -> set[str]:
    """Canonical names (PyPI and conda) of the packages a step answers for."""
    names: set[str] = set()
    for key in step.answers:
        package = key.split(":", 1)[-1]
        names.add(canonicalize_name(package))
        node = graph.nodes.get(package) or graph.by_conda_name(package)
        if node is not None:
            names.add(canonicalize_name(node.key))
            if node.record is not None:
                names.add(canonicalize_name(node.record.name))
    return names


def _owners(graph: Graph, rel: str) -> set[str] | None:
    """Canonical names of the distributions ``rel`` belongs to; None when no
    metadata in the env names it."""
    state = graph.state
    if rel.startswith("conda-meta/") and rel.count("/") == 1 and rel.endswith(".json"):
        record = next((r for r in state.records if r.source == rel), None)
        if record is not None:
            return {canonicalize_name(record.name)}
        try:
            return {canonicalize_name(parse_conda_meta_filename(rel[len("conda-meta/") :]).name)}
        except InvalidFilename:
            return None
    owners: set[str] = set()
    for site in (state.site_packages, *state.other_site_packages):
        if site is None:
            continue
        base = posixpath.normpath(site.path)
        if rel.startswith(base + "/"):
            top = rel[len(base) + 1 :].split("/", 1)[0]
            if top.endswith(METADATA_DIR_SUFFIXES):
                dist = next((d for d in site.dists if d.path == f"{base}/{top}"), None)
                name = dist.name if dist else parse_metadata_dirname(top).name
                owners.add(canonicalize_name(name))
        for dist in site.dists:
            if rel in dist.record:
                owners.add(dist.name)
    for record in state.records:
        if any(p.path == rel for p in record.paths):
            owners.add(canonicalize_name(record.name))
    return owners or None


# ---------------------------------------------------------------------------
# the rules


def _removals(plan: Plan) -> Iterator[tuple[int, Step, str]]:
    from .plan import Tool  # plan imports this module

    for i, step in enumerate(plan.steps):
        if step.tool is Tool.REMOVE:
            for path in step.args:
                yield i, step, path


def remove_outside_prefix(plan: Plan, graph: Graph) -> Iterator[Violation]:
    for i, _step, path in _removals(plan):
        if _rel(str(plan.prefix), path) is None:
            yield Violation(rule="remove-outside-prefix", step=i, what=path,
                            why=f"{path} is outside the prefix")  # fmt: skip


def remove_site_packages(plan: Plan, graph: Graph) -> Iterator[Violation]:
    sites = _sites(graph)
    for i, _step, path in _removals(plan):
        rel = _rel(str(plan.prefix), path)
        if rel is None:
            continue
        parts = rel.split("/") if rel else []
        hit = (
            not rel
            or any(_inside(site, rel) for site in sites)
            or any(p in _SITE_NAMES for p in parts[-1:])
        )
        if hit:
            yield Violation(rule="remove-site-packages", step=i, what=path,
                            why=f"{path} is or contains a site-packages folder")  # fmt: skip


def remove_through_link(
    plan: Plan, graph: Graph, realpath: Callable[[str], str] | None = None
) -> Iterator[Violation]:
    sites = _sites(graph)
    prefix = str(plan.prefix)
    real_prefix = realpath(prefix) if realpath else prefix
    for i, _step, path in _removals(plan):
        rel = _rel(prefix, path)
        if rel is None or not rel:
            continue
        linked = next((s for s, via in sites.items() if via and _inside(rel, s)), None)
        if linked is None and realpath is not None:
            # The folder that holds the path must be where its name says:
            # the last part itself may be a link (rm removes the link).
            parent = posixpath.dirname(rel)
            want = posixpath.join(real_prefix, parent) if parent else real_prefix
            if realpath(posixpath.join(prefix, parent) if parent else prefix) != want:
                linked = parent
        if linked is not None:
            yield Violation(rule="remove-through-link", step=i, what=path,
                            why=f"{path} is reached through a symbolic link ({linked})")


def remove_not_answered(plan: Plan, graph: Graph) -> Iterator[Violation]:
    for i, step, path in _removals(plan):
        rel = _rel(str(plan.prefix), path)
        if rel is None:
            continue
        owners = _owners(graph, rel)
        answered = _answered(graph, step)
        if owners is None:
            yield Violation(rule="remove-not-answered", step=i, what=path,
                            why=f"{path} is named by no distribution's metadata")  # fmt: skip
        elif not owners & answered:
            yield Violation(rule="remove-not-answered", step=i, what=path,
                            why=f"{path} belongs to {', '.join(sorted(owners))}, which the "
                            "step does not answer for")  # fmt: skip
        elif owners - answered:
            yield Violation(rule="remove-not-answered", step=i, what=path,
                            why=f"{path} also belongs to {', '.join(sorted(owners - answered))}")


def conda_remove_holds_others(plan: Plan, graph: Graph) -> Iterator[Violation]:
    from .graph import Ownership

    for i, step in enumerate(plan.steps):
        if step.tool != "conda":
            continue
        verb, names = _conda_names(step)
        if verb != "remove":
            continue
        answered = _answered(graph, step)
        for node in graph.nodes.values():
            record = node.record
            if (
                record is None
                or str(canonicalize_name(record.name)) not in names
                or node.owned_dist is None
                or node.ownership is not Ownership.INTACT
                or canonicalize_name(node.key) in answered
            ):
                continue
            yield Violation(rule="conda-remove-holds-others", step=i, what=record.name,
                            why=f"conda remove {record.name} would also delete conda's "
                            f"{node.key} {node.version}, which the step does not answer "
                            "for")  # fmt: skip


def pip_uninstalls_conda(plan: Plan, graph: Graph) -> Iterator[Violation]:
    from .plan import Tool  # plan imports this module

    protected = conda_runtime(graph)
    for i, step in enumerate(plan.steps):
        command = _pip_command(step) if step.tool is Tool.PIP else None
        if command is None or command[0] != "uninstall":
            continue
        for name in command[1]:
            if canonicalize_name(name) in protected:
                yield Violation(rule="pip-uninstalls-conda", step=i, what=name,
                                why=f"pip uninstall {name}: conda and python need it to run "
                                "the steps after it")  # fmt: skip


def pip_gone_before_pip(plan: Plan, graph: Graph) -> Iterator[Violation]:
    from .plan import Tool  # plan imports this module

    records = {canonicalize_name(r.name) for r in graph.state.records}
    gone: dict[str, int] = {}  # tool -> the step that removed it
    for i, step in enumerate(plan.steps):
        command = _pip_command(step) if step.tool is Tool.PIP else None
        if command is not None and command[0] != "ensurepip":
            verb, operands = command
            for tool, at in list(gone.items()):
                if tool == "pip" or verb == "install":
                    yield Violation(
                        rule="pip-gone-before-pip", step=at, what=tool,
                        why=f"step {at + 1} removes {tool}, which step {i + 1} needs "
                        "(nothing puts it back in between)",
                    )  # fmt: skip
                    del gone[tool]
            if verb == "uninstall":
                for name in operands:
                    if canonicalize_name(name) in PIP_TOOLS:
                        gone[canonicalize_name(name)] = i
        elif command is not None:  # ensurepip
            gone.pop("pip", None)
        elif step.tool is Tool.CONDA:
            verb, names = _conda_names(step)
            for name in names & set(PIP_TOOLS):
                if verb == "remove":
                    gone[name] = i
                else:
                    gone.pop(name, None)
        elif step.tool is Tool.PIXI:
            # pixi installs every conda package of its lock file again.
            for tool in [t for t in gone if t in records]:
                del gone[tool]


RULES: tuple[Callable[[Plan, Graph], Iterator[Violation]], ...] = (
    remove_outside_prefix,
    remove_site_packages,
    remove_through_link,
    remove_not_answered,
    conda_remove_holds_others,
    pip_uninstalls_conda,
    pip_gone_before_pip,
)


def check_plan(
    plan: Plan, graph: Graph, *, realpath: Callable[[str], str] | None = None
) -> tuple[Violation, ...]:
    """Every rule's violations, in step order.  ``realpath`` (``fix`` passes
    :func:`os.path.realpath`) also resolves each deleted path on disk."""
    found: list[Violation] = []
    for rule in RULES:
        if rule is remove_through_link:
            found.extend(remove_through_link(plan, graph, realpath))
        else:
            found.extend(rule(plan, graph))
    return tuple(sorted(found, key=lambda v: (v.step, v.rule, v.what)))


def unreadable(graph: Graph) -> tuple[str, ...]:
    """Why ``graph``'s prefix was not read well enough to plan a repair of it
    (empty when it was): no conda record, Git LFS pointers in conda-meta, a
    folder or file discovery could not list or read."""
    state = graph.state
    reasons: list[str] = []
    lfs = [p.path for p in state.problems if p.code == "invalid-record" and _LFS in p.reason]
    if lfs:
        reasons.append(f"conda-meta holds Git LFS pointers, not records ({', '.join(lfs)}): "
                       "run `git lfs pull` in the repository that holds the env")  # fmt: skip
    for p in state.problems:
        # A symlink loop is a broken entry the plan replaces; a folder or file
        # that cannot be listed or read hides what is installed.
        hidden = p.reason.startswith(("cannot list", "cannot read"))
        if hidden and p.path != "conda-meta/history" and "symbolic link" not in p.reason:
            reasons.append(f"{p.path}: {p.reason}")
    if not state.records and not lfs:
        reasons.append("no conda record could be read from conda-meta")
    return tuple(reasons)


def describe(violations: Sequence[Violation]) -> str:
    """The violations on one line, for a refusal."""
    return "; ".join(str(v) for v in violations)
