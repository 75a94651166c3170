"""Stage 4b: the environment file that recreates an env, as data.

``conda env export`` writes every pip package as ``name==version`` (editable
and VCS installs come out as versions pip cannot find), and
``--from-history`` drops pip entirely.  :func:`build_spec` turns the unified
graph into an :class:`EnvSpec`: the conda side as conda recorded it, and the
pip side as pip can reinstall it; ``reconcile.render.env`` writes it as
``environment.yml`` and as a pip constraints file.  Nothing here reads or
writes a file.

Modes
-----
history (default)
    conda: the specs the user asked for, replayed from ``conda-meta/history``
    the way conda does (``# update specs`` add, ``# remove specs`` drop,
    ``# neutered specs`` override), kept when the package is still
    installed.  pip: the distributions no conda record owns that the user
    asked for (``REQUESTED`` present) or that no other pip-only
    distribution requires.  Distributions that require each other in a
    cycle count as one: a cycle that nothing outside it requires, and that
    holds no requested member, is kept whole (``sphinx`` and the
    ``sphinxcontrib-*`` that require ``Sphinx`` again, left after the
    package that pulled them in was uninstalled).
pinned
    conda: every record as ``name=version=build`` (``name=version`` without
    builds).  pip: every distribution no conda record owns.

The repaired env
----------------
When pip replaced or removed conda's packages, the exported conda side is
still what conda recorded, so the recreated env gets conda's versions back.
pip's side must then fit them: a pip-only distribution that requires
another version of a conda package, or another Python, is moved to a
version that fits (the ``repair`` callback, normally the plan's resolver).
When no version fits, :class:`ExportImpossible` carries the explanation and
nothing is written.

Constraints
-----------
Every conda-owned Python distribution pinned under its PyPI name, for
``pip install -c``: when conda recreates the env and runs pip, pip cannot
replace a conda package, since the only version it may pick is the one conda
just installed.  The pins are :func:`reconcile.conda_pins.conda_pins`, the
ones the repair plan writes too: the version pip sees, the version of the
metadata conda installed (Anaconda's ``setuptools 50.3.1`` ships
``setuptools-50.3.1.post20201107-py3.8.egg-info``: ``setuptools==50.3.1``
would not match it).  A metadata name that is no PyPI project name
(``_ipyw_jlab_nb_ext_conf``, which canonicalises to ``-ipyw-...``, an option
to pip) is never written.

What pip never gets
-------------------
conda-build installs most Python packages with pip, which leaves a PEP 610
``direct_url.json`` naming the build machine's work folder
(``/home/conda/feedstock_root/build_artifacts/...``, Anaconda's
``/tmp/build/80754af9/...``).  Such a URL is never exported as a direct
reference: the folder exists only on the build machine, so the distribution
is pinned by version instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from . import __version__
from ._conda import spec_name
from .channels import channel_name, file_url_path
from .conda_pins import conda_pins, unconstrained, valid_pin, written
from .errors import ReconcileError
from .graph import Graph, Node, Ownership, Provenance
from .models import CondaRecord, DistKind, EdgeKind, InstalledDist
from .requirements import ARCHIVE_SUFFIXES
from .urls import redact_text, redact_url

__all__ = [
    "Change",
    "Constraint",
    "EnvSpec",
    "ExportImpossible",
    "ExportOptions",
    "PipLine",
    "RepairRequest",
    "build_spec",
    "pip_line",
    "relative_reference",
    "resolver_repair",
    "short_channel",
    "valid_pin",
]

Mode = Literal["history", "pinned"]


class ExportImpossible(ReconcileError):
    """pip's side cannot be made to fit conda's: nothing is written.

    ``explanations`` are one line each, for a person."""

    def __init__(self, explanations: Iterable[str], suggestions: Iterable[str] = ()) -> None:
        self.explanations = tuple(redact_text(e) for e in explanations)
        self.suggestions = tuple(redact_text(s) for s in suggestions)
        super().__init__("cannot export a working environment: pip's packages cannot fit conda's")


@dataclass(frozen=True, kw_only=True, slots=True)
class ExportOptions:
    """What to export.  ``constraints`` is the ``-c`` reference written into
    the pip section: the constraints file's path relative to the yml's
    folder, because conda runs pip from there."""

    pinned: bool = False
    builds: bool = True
    constraints: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class PipLine:
    """One line of the pip section.

    ``kind``: ``index`` (``name==version``), ``editable`` (``-e <path>``),
    ``vcs`` (``name @ git+<url>@<commit>``), ``archive`` (``name @ <url>``,
    with ``#sha256=`` when known) or ``local`` (a local directory's path).
    """

    name: NormalizedName
    line: str
    kind: str
    version: str | None = None
    requested: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class Constraint:
    """A line of the constraints file: a :class:`~reconcile.conda_pins.CondaPin`
    as written (``version`` in PEP 440's normal form)."""

    name: NormalizedName
    version: str
    conda: str  # the conda record's name


@dataclass(frozen=True, kw_only=True, slots=True)
class Change:
    """A difference between the installed env and the exported one."""

    name: str
    installed: str | None
    exported: str | None
    why: str


@dataclass(frozen=True, kw_only=True, slots=True)
class EnvSpec:
    """Everything an ``environment.yml`` and its constraints file hold."""

    name: str
    prefix: str
    mode: Mode
    builds: bool
    channels: tuple[str, ...]
    conda: tuple[str, ...]
    conda_from: str  # how the conda specs were chosen, one phrase
    pip: tuple[PipLine, ...]
    constraints: tuple[Constraint, ...]
    constraints_ref: str | None = None
    changes: tuple[Change, ...] = ()
    notes: tuple[str, ...] = ()
    #: What the user should act on, one line each: written into the yml as
    #: comments and printed by the CLI on stderr.
    warnings: tuple[str, ...] = ()
    tool: str = f"reconcile {__version__}"

    @property
    def pip_section(self) -> tuple[str, ...]:
        """The pip lines as written: ``-c`` first, then the requirements."""
        if not self.pip:
            return ()
        head = (f"-c {self.constraints_ref}",) if self.constraints_ref else ()
        return head + tuple(p.line for p in self.pip)


@dataclass(frozen=True, kw_only=True, slots=True)
class RepairRequest:
    """What the repair callback resolves.

    ``requirements``: the pip-only distributions to keep, by name only;
    ``prefer``: their installed versions (kept wherever they fit);
    ``conda``: conda's Python distributions at conda's versions (with the
    requirements conda's own metadata states, when its dist-info is intact);
    ``pinned``: pip-only distributions that cannot move (editable, VCS,
    archive and local installs) with their requirements.
    """

    requirements: tuple[Requirement, ...]
    prefer: Mapping[NormalizedName, Version]
    conda: Mapping[NormalizedName, tuple[Version, tuple[Requirement, ...], str]]
    pinned: Mapping[NormalizedName, tuple[Version, tuple[Requirement, ...]]]
    conflicts: tuple[str, ...] = field(default=())


#: Resolve a :class:`RepairRequest` to ``{name: version}`` for pip's side, or
#: raise :class:`ExportImpossible`.
Repair = Callable[[Graph, RepairRequest], Mapping[NormalizedName, Version]]


def _clean_spec(spec: str) -> str:
    """A conda MatchSpec with its channel written short and without a token."""
    spec = spec.strip()
    if "::" in spec:
        channel, _, rest = spec.rpartition("::")
        short = channel_name(channel.strip())
        return f"{short}::{rest.strip()}" if short else rest.strip()
    return redact_text(spec)


# --------------------------------------------------------------------------
# channels


def channels(graph: Graph) -> tuple[str, ...]:
    """Channels of the installed records, short names, in the order the env
    used them: first appearance in ``conda-meta/history`` (``+channel::dist``
    lines), then the others by how many records come from each."""
    used: dict[str, int] = {}
    for record in graph.state.records:
        name = _record_channel(record)
        if name:
            used[name] = used.get(name, 0) + 1
    order: list[str] = []
    for revision in graph.state.history:
        for added in revision.added:
            if "::" not in added:
                continue
            name = short_channel(added.rpartition("::")[0])
            if name and name in used and name not in order:
                order.append(name)
    rest = sorted((n for n in used if n not in order), key=lambda n: (-used[n], n))
    return tuple(order + rest)


def short_channel(channel: str | None) -> str | None:
    """A channel as environment.yml writes it (see ``channels.channel_name``)."""
    return channel_name(channel)


def _record_channel(record: CondaRecord) -> str | None:
    if record.channel and record.channel not in ("<unknown>", "@"):
        return short_channel(record.channel)
    if record.url:
        # .../channel/subdir/file.conda -> the channel
        return short_channel(record.url.rsplit("/", 1)[0])
    return None


# --------------------------------------------------------------------------
# conda side


def requested_specs(graph: Graph) -> dict[str, str]:
    """What ``conda env export --from-history`` writes: the specs of
    ``# update specs`` minus ``# remove specs``, with ``# neutered specs``
    overriding (conda neuters a spec when a later command moves the package
    past it), kept while the package is installed."""
    spec_map: dict[str, str] = {}
    for revision in graph.state.history:
        for spec in revision.remove_specs:
            spec_map.pop(spec_name(spec), None)
        for spec in revision.update_specs:
            spec_map[spec_name(spec)] = spec
        for spec in revision.neutered_specs:
            spec_map[spec_name(spec)] = spec
    installed = {r.name for r in graph.state.records}
    return {name: _clean_spec(s) for name, s in spec_map.items() if name in installed}


def _history_conda(graph: Graph) -> tuple[list[str], str]:
    specs = requested_specs(graph)
    if specs:
        return [specs[n] for n in sorted(specs)], "the specs requested in conda-meta/history"
    from_records = {
        r.name: _clean_spec(r.requested_specs[-1])
        for r in graph.state.records
        if r.requested_specs and spec_name(r.requested_specs[-1]) == r.name
    }
    if from_records:
        return (
            [from_records[n] for n in sorted(from_records)],
            "the specs the records say were requested (conda-meta/history has none)",
        )
    # rattler and pixi write no history: keep what nothing else depends on,
    # and python, at their installed versions.
    depended = {spec_name(d) for r in graph.state.records for d in r.depends}
    leaves = sorted(
        (r for r in graph.state.records if r.name not in depended or r.name == "python"),
        key=lambda r: r.name,
    )
    if not leaves:
        return [], "no conda packages"
    return (
        [f"{r.name}={r.version}" for r in leaves],
        "no request history: packages nothing else depends on, and python, at their versions",
    )


def _pinned_conda(graph: Graph, builds: bool) -> list[str]:
    out = []
    for r in sorted(graph.state.records, key=lambda r: (r.name, r.version, r.build)):
        out.append(f"{r.name}={r.version}={r.build}" if builds else f"{r.name}={r.version}")
    return out


# --------------------------------------------------------------------------
# pip side


def pip_line(dist: InstalledDist, version: str | None = None) -> tuple[str, str]:
    """``(kind, line)``: how pip reinstalls ``dist`` (PEP 610 says how it
    was installed; ``version`` overrides the installed one for index
    installs).  No credential of the recorded URL is kept."""
    du = dist.direct_url
    name = dist.name
    editable = dist.kind == DistKind.EGG_LINK or (du is not None and du.editable)
    if du is None and dist.editable_target and dist.kind != DistKind.EGG_LINK:
        editable = True  # a .pth pointing at a source folder (Poetry 1.x)
    if editable:
        target = dist.editable_target
        if target is None and du is not None:
            target = file_url_path(du.url) if du.url.startswith("file:") else du.url
        return "editable", f"-e {redact_url(target or '')}"
    if du is not None and du.conda_build:
        du = None  # the build machine's folder: pip finds the version instead
    if du is not None and du.vcs:
        url = redact_url(du.url)
        prefix = "" if url.startswith(f"{du.vcs}+") else f"{du.vcs}+"
        rev = du.commit_id or du.requested_revision
        target = f"{prefix}{url}" + (f"@{rev}" if rev else "")
        fragment = [f"subdirectory={du.subdirectory}"] if du.subdirectory else []
        if not urlsplit(url).netloc:
            # ``name @ git+file:///repo`` is not PEP 508 to the packaging
            # that pip vendored until 2024 (a URL needs a host); pip's own
            # ``#egg=`` form names the project instead.
            fragment.insert(0, f"egg={name}")
            return "vcs", target + "#" + "&".join(fragment)
        return "vcs", f"{name} @ {target}" + ("#" + "&".join(fragment) if fragment else "")
    if du is not None:
        url = redact_url(du.url.split("#", 1)[0])
        path = file_url_path(du.url) if du.url.startswith("file:") else None
        # PEP 610 keeps archive_info apart from dir_info; the model keeps the
        # hash only, so a local file without one is told by its name.
        if (
            path is not None
            and du.archive_hash is None
            and not path.lower().endswith(ARCHIVE_SUFFIXES)
        ):
            return "local", path + (f"#subdirectory={du.subdirectory}" if du.subdirectory else "")
        fragment = []
        if du.archive_hash and "=" in du.archive_hash:
            fragment.append(du.archive_hash)  # "sha256=<hex>": checked by pip
        if du.subdirectory:
            fragment.append(f"subdirectory={du.subdirectory}")
        return "archive", f"{name} @ {url}" + ("#" + "&".join(fragment) if fragment else "")
    shown = version or dist.version_text
    return "index", f"{name}=={shown}" if shown else name


def _pip_only(graph: Graph) -> list[Node]:
    return [
        n
        for n in graph.nodes.values()
        if n.provenance is Provenance.PIP and n.effective is not None
    ]


def _pip_requires(graph: Graph, pip_keys: set[str]) -> dict[str, set[str]]:
    """pip-only key -> the pip-only keys it requires (active, resolved edges)."""
    out: dict[str, set[str]] = {k: set() for k in pip_keys}
    for edge in graph.edges:
        if (
            edge.kind is EdgeKind.REQUIRES
            and edge.active
            and edge.resolved
            and edge.source in pip_keys
            and edge.target in pip_keys
            and edge.source != edge.target
        ):
            out[edge.source].add(edge.target)
    return out


def _reach(requires: Mapping[str, set[str]], start: str) -> set[str]:
    seen = {start}
    todo = [start]
    while todo:
        for nxt in requires[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _needed_by_pip(graph: Graph, pip_nodes: list[Node]) -> set[str]:
    """pip-only keys that installing the others brings in, so the history
    mode leaves them out: those some pip-only distribution outside their own
    requirement cycle requires, and the unrequested members of a cycle that
    holds a requested one.  A cycle nothing else requires and nobody asked
    for is kept whole: dropping all of it would drop what the user has."""
    keys = {n.key for n in pip_nodes}
    requested = {n.key for n in pip_nodes if n.effective is not None and n.effective.requested}
    requires = _pip_requires(graph, keys)
    reach = {k: _reach(requires, k) for k in keys}
    cycle = {k: {o for o in reach[k] if k in reach[o]} for k in keys}
    out: set[str] = set()
    for key in keys - requested:
        from_outside = any(key in requires[s] for s in keys - cycle[key])
        if from_outside or cycle[key] & requested:
            out.add(key)
    return out


def _movable(dist: InstalledDist) -> bool:
    """Installed from an index (no PEP 610 record, not editable): pip may
    pick another version of it."""
    return pip_line(dist)[0] == "index"


# --------------------------------------------------------------------------
# does pip's side fit conda's?


def conflicts(
    graph: Graph,
    conda_versions: Mapping[str, Version],
    pip_versions: Mapping[str, Version | None],
) -> list[str]:
    """Why the pip-only distributions, at ``pip_versions``, do not fit conda's
    Python distributions at ``conda_versions`` (and the env's Python): one
    line per broken requirement.  A requirement nothing installed provides is
    not a conflict: pip installs it when the env is recreated."""
    out: list[str] = []
    python = graph.python
    for key in sorted(pip_versions):
        node = graph.nodes[key]
        dist = node.effective
        if dist is None:
            continue
        rp = dist.requires_python
        if python is not None and rp is not None and not rp.contains(python.version, True):
            out.append(
                f"{key} {pip_versions[key]} requires Python {dist.requires_python}; "
                f"the environment's Python is {python.version}"
            )
    for edge in graph.edges:
        if edge.kind is not EdgeKind.REQUIRES or not edge.active or not edge.resolved:
            continue
        req = edge.requirement
        if req is None or edge.source == edge.target:
            continue
        source_is_pip = edge.source in pip_versions
        target_is_pip = edge.target in pip_versions
        source_node = graph.nodes[edge.source]
        # conda's own dists count when their metadata is conda's.
        if not source_is_pip and (
            source_node.ownership is not Ownership.INTACT or not target_is_pip
        ):
            continue
        if target_is_pip:
            have = pip_versions[edge.target]
            who = "pip's"
        elif edge.target in conda_versions:
            have = conda_versions[edge.target]
            who = "conda's"
        else:
            continue
        if have is None or req.specifier.contains(have, prereleases=True):
            continue
        src_version = (
            pip_versions.get(edge.source) if source_is_pip else conda_versions.get(edge.source)
        )
        out.append(f"{edge.source} {src_version} requires {req}; {who} {edge.target} is {have}")
    return out


# --------------------------------------------------------------------------


def build_spec(
    graph: Graph,
    options: ExportOptions | None = None,
    *,
    repair: Repair | None = None,
    name: str | None = None,
) -> EnvSpec:
    """The environment spec that recreates ``graph``'s env, repaired.

    ``repair`` resolves pip's side when it does not fit conda's; without
    one, such an env raises :class:`ExportImpossible` with the conflicts.

    The steps: choose conda's dependencies; pin conda's Python distributions
    for pip (:mod:`reconcile.conda_pins`); fit pip's versions to conda's
    (the repair step); say what conda's side gets back; write pip's lines;
    add conda's pip for them; note what is left out.
    """
    options = options or ExportOptions()
    state = graph.state
    conda, conda_from = _conda_specs(graph, options)

    pins = conda_pins(graph)
    notes = list(unconstrained(graph, pins))
    constraints = [Constraint(name=p.name, version=str(p.version), conda=p.record.name)
                   for p in written(pins.values())]  # fmt: skip
    conda_versions: dict[str, Version] = {p.name: p.version for p in written(pins.values())}

    pip_nodes = _pip_only(graph)
    versions, moved, added = _fit_pip_to_conda(graph, pip_nodes, conda_versions, repair)
    changes = [*moved, *_conda_comes_back(graph)]
    lines, line_notes, warnings = _pip_lines(graph, pip_nodes, versions, pinned=options.pinned)
    if options.pinned:
        added_lines, added_changes = _added_by_repair(added)
        lines += added_lines
        changes += added_changes
    conda, pip_notes = _with_conda_pip(conda, lines, graph)
    notes += [*line_notes, *pip_notes, *_not_exported(graph, pip_nodes, pinned=options.pinned)]

    return EnvSpec(
        name=name or _env_name(graph),
        prefix=str(state.prefix),
        mode="pinned" if options.pinned else "history",
        builds=options.builds,
        channels=channels(graph),
        conda=tuple(conda),
        conda_from=conda_from,
        pip=tuple(lines),
        constraints=tuple(constraints),
        constraints_ref=options.constraints,
        changes=tuple(sorted(changes, key=lambda c: c.name)),
        notes=tuple(notes),
        warnings=tuple(warnings),
    )


def _conda_specs(graph: Graph, options: ExportOptions) -> tuple[list[str], str]:
    """The conda dependencies, and how they were chosen (one phrase): every
    record pinned, or the specs the user asked for (see the modes above)."""
    if options.pinned:
        conda_from = "every conda record, pinned" + ("" if options.builds else " (no builds)")
        return _pinned_conda(graph, options.builds), conda_from
    return _history_conda(graph)


def _fit_pip_to_conda(
    graph: Graph,
    pip_nodes: list[Node],
    conda_versions: Mapping[str, Version],
    repair: Repair | None,
) -> tuple[dict[str, Version | None], list[Change], dict[NormalizedName, Version]]:
    """The repair step: the version each pip-only distribution is exported
    at, the :class:`Change` of each that had to move, and the distributions
    the moved versions newly need (``{name: version}``).

    The installed versions, when they fit conda's at ``conda_versions``;
    otherwise ``repair``'s.  Raises :class:`ExportImpossible` with the
    conflicts when there is no ``repair``, or when its versions still do
    not fit."""
    installed: dict[str, Version | None] = {}
    for n in pip_nodes:
        assert n.effective is not None
        installed[n.key] = n.effective.version
    versions: dict[str, Version | None] = dict(installed)
    found = conflicts(graph, conda_versions, installed)
    if not found:
        return versions, [], {}
    if repair is None:
        raise ExportImpossible(found)
    pip_keys = set(installed)
    request = _repair_request(graph, pip_nodes, conda_versions, found)
    result = repair(graph, request)
    changes: list[Change] = []
    for key in sorted(pip_keys):
        new = result.get(canonicalize_name(key))
        if new is not None and new != installed[key]:
            versions[key] = new
            changes.append(
                Change(
                    name=key,
                    installed=str(installed[key]) if installed[key] else None,
                    exported=str(new),
                    why="to fit conda's packages",
                )
            )
    added: dict[NormalizedName, Version] = {}
    for rname, rversion in result.items():
        if rname not in pip_keys and rname not in conda_versions:
            added[rname] = rversion
    still = conflicts(graph, conda_versions, {k: versions[k] for k in pip_keys})
    # The graph knows the installed versions' requirements only; a moved
    # version brings its own, which the resolver has checked.
    moved = {c.name for c in changes}
    still = [s for s in still if s.split(" ", 1)[0] not in moved]
    if still:
        raise ExportImpossible(still)
    return versions, changes, added


def _conda_comes_back(graph: Graph) -> list[Change]:
    """Where pip changed conda's packages, the recreated env has conda's: a
    copy pip replaced or removed comes back, and a second copy beside
    conda's is left out."""
    changes: list[Change] = []
    for node in graph.nodes.values():
        if node.provenance is Provenance.CONDA_PYTHON and len(node.dists) > 1:
            for other in node.dists:
                if other.path != node.owned_dist:
                    changes.append(
                        Change(
                            name=node.key,
                            installed=f"{other.version_text} ({other.installer or 'unknown'})",
                            exported=f"{node.record.version} (conda)" if node.record else None,
                            why=f"a second copy ({other.path}) beside conda's is left out",
                        )
                    )
        if node.provenance is Provenance.CONFLICT and node.record is not None:
            dist = node.effective
            changes.append(
                Change(
                    name=node.key,
                    installed=f"{dist.version_text} ({dist.installer or 'unknown'})"
                    if dist is not None
                    else None,
                    exported=f"{node.record.version} (conda)",
                    why=_conflict_why(node),
                )
            )
    return changes


def _pip_lines(
    graph: Graph,
    pip_nodes: list[Node],
    versions: Mapping[str, Version | None],
    *,
    pinned: bool,
) -> tuple[list[PipLine], list[str], list[str]]:
    """The pip section, with the notes and the warnings its lines bring.

    One line per pip-only distribution, at its exported version (``versions``)
    where pip may pick one, in name order; the history mode leaves out those
    that installing the others brings in.  A name pip cannot read as a
    project is a note, not a line."""
    required = _needed_by_pip(graph, pip_nodes)
    lines: list[PipLine] = []
    notes: list[str] = []
    warnings: list[str] = []
    for node in sorted(pip_nodes, key=lambda n: n.key):
        dist = node.effective
        assert dist is not None
        if not pinned and not dist.requested and node.key in required:
            continue
        v = versions.get(node.key)
        kind, line = pip_line(dist, str(v) if v is not None and _movable(dist) else None)
        if kind == "index" and not valid_pin(dist.name, line):
            notes.append(f"{dist.raw_name}: not a PyPI project name; no pip line written for it")
            continue
        if dist.direct_url is not None and kind == "index":
            notes.append(
                f"{dist.name}: its direct_url.json names a conda-build folder "
                f"({redact_url(dist.direct_url.url)}); written as {line}"
            )
        shown = str(v) if v is not None else dist.version_text or None
        warnings.extend(_conda_pins(graph, node, line, shown))
        lines.append(
            PipLine(name=dist.name, line=line, kind=kind, version=shown, requested=dist.requested)
        )
        if kind != "index" and not dist.version_text:
            notes.append(f"{dist.name}: no version recorded; written as {kind} install")
    return lines, notes, warnings


def _added_by_repair(added: Mapping[NormalizedName, Version]) -> tuple[list[PipLine], list[Change]]:
    """The pinned mode writes every pip distribution: those the repaired
    versions newly need too, each a line and a :class:`Change`."""
    lines: list[PipLine] = []
    changes: list[Change] = []
    for rname in sorted(added):
        lines.append(
            PipLine(
                name=rname,
                line=f"{rname}=={added[rname]}",
                kind="index",
                version=str(added[rname]),
            )
        )
        changes.append(
            Change(
                name=rname,
                installed=None,
                exported=str(added[rname]),
                why="needed by pip's packages at their repaired versions",
            )
        )
    return lines, changes


def _with_conda_pip(
    conda: list[str], lines: list[PipLine], graph: Graph
) -> tuple[list[str], list[str]]:
    """The conda dependencies with pip among them when there is a pip
    section (conda's own pip runs it), and a note saying so."""
    if not lines or any(spec_name(s) == "pip" for s in conda):
        return conda, []
    if any(r.name == "pip" for r in graph.state.records):
        conda = [*conda, "pip"]
        conda.sort(key=spec_name)
        return conda, ["pip added to the conda packages: the pip section needs it"]
    return conda, ["no conda pip here; conda adds one when it creates the env"]


def _not_exported(graph: Graph, pip_nodes: list[Node], *, pinned: bool) -> list[str]:
    """Notes on what the env holds that the export leaves out, or reads
    otherwise than its metadata says: conda records that could not be read,
    the user site and other site-packages, and (history mode) pip-only
    distributions whose dist-info says conda installed them."""
    state = graph.state
    notes: list[str] = []
    used = {r.source for r in state.records}
    for problem in state.problems:
        if (
            problem.code == "invalid-record"
            and problem.path.startswith("conda-meta/")
            and problem.path not in used
        ):
            notes.append(f"{problem.path} could not be read and is not exported: {problem.reason}")
    if state.user_site is not None and state.user_site.dists and state.user_site_visible:
        notes.append(
            f"not exported: {len(state.user_site.dists)} distribution(s) in the user site "
            f"{state.user_site.path}"
        )
    for site in state.other_site_packages:
        if site.dists:
            notes.append(
                f"not exported: {len(site.dists)} distribution(s) in {site.path} "
                "(not this Python's site-packages)"
            )
    if not pinned:
        for node in pip_nodes:
            dist = node.effective
            if dist is not None and dist.installer in ("conda", "whl2conda"):
                notes.append(
                    f"{node.key}: its dist-info says conda installed it, but no readable "
                    "conda record owns it; exported as a pip package"
                )
    return notes


def _conda_pins(graph: Graph, node: Node, line: str, version: str | None) -> list[str]:
    """Why the pip line of ``node`` repeats an overwrite: a conda record
    depends on the same package at a version the line's is not (a
    metapackage such as ``anaconda`` pins ``tqdm 4.50.2 py_0``), so
    recreating the env installs conda's copy first and the pip section
    then replaces it, as pip replaced it here."""
    from ._conda import InvalidSpec, spec_matches

    out = []
    for edge in graph.edges:
        if edge.kind is not EdgeKind.DEPENDS or edge.target != node.key or not edge.resolved:
            continue
        record = graph.nodes[edge.source].record
        if record is None:
            continue
        try:
            fits = version is not None and spec_matches(
                edge.spec, name=spec_name(edge.spec), version=version, build=None
            )
        except InvalidSpec:
            continue
        if fits:
            continue
        out.append(
            f"{node.key}: conda's {record.name} {record.version} depends on "
            f"'{_clean_spec(edge.spec)}': recreating this env installs that {node.key} "
            f"with conda, then the pip line '{line}' replaces it, as pip replaced it "
            f"here; install {node.key} with conda, or leave {record.name} out"
        )
    return out


def _conflict_why(node: Node) -> str:
    if node.ownership is Ownership.REMOVED:
        return "pip removed conda's copy; conda's comes back"
    if node.ownership is Ownership.SHADOWED:
        return "pip installed it over conda's package; conda's stays"
    return "pip replaced conda's copy; conda's comes back"


def _repair_request(
    graph: Graph,
    pip_nodes: list[Node],
    conda_versions: Mapping[str, Version],
    found: list[str],
) -> RepairRequest:
    pip_keys = {n.key for n in pip_nodes}
    requirements: list[Requirement] = []
    prefer: dict[NormalizedName, Version] = {}
    pinned: dict[NormalizedName, tuple[Version, tuple[Requirement, ...]]] = {}
    for node in pip_nodes:
        dist = node.effective
        assert dist is not None
        if _movable(dist) or dist.version is None:
            requirements.append(Requirement(dist.name))
            if dist.version is not None:
                prefer[dist.name] = dist.version
        else:
            pinned[dist.name] = (dist.version, dist.requires)
    conda: dict[NormalizedName, tuple[Version, tuple[Requirement, ...], str]] = {}
    for key, version in conda_versions.items():
        owner = graph.nodes.get(key)
        record = owner.record if owner is not None else None
        dist = None
        if owner is not None and owner.ownership is Ownership.INTACT:
            dist = next((d for d in owner.dists if d.path == owner.owned_dist), None)
        requires = tuple(
            r for r in (dist.requires if dist else ()) if canonicalize_name(r.name) in pip_keys
        )
        origin = f"conda ({record.dist_str})" if record is not None else "conda"
        conda[canonicalize_name(key)] = (version, requires, origin)
    return RepairRequest(
        requirements=tuple(sorted(requirements, key=lambda r: r.name)),
        prefer=prefer,
        conda=conda,
        pinned=pinned,
        conflicts=tuple(found),
    )


def _env_name(graph: Graph) -> str:
    return graph.state.prefix.name or "base"


def relative_reference(target: str, yml: str | None, cwd: str) -> str:
    """``target`` relative to the folder of ``yml`` (``cwd`` when the yml goes
    to stdout), POSIX separators: conda runs pip from the yml's folder."""
    import os

    base = os.path.dirname(os.path.abspath(os.path.join(cwd, yml))) if yml else cwd
    rel = os.path.relpath(os.path.abspath(os.path.join(cwd, target)), base)
    return rel.replace(os.sep, "/")


def resolver_repair(
    graph: Graph,
    *,
    offline: bool = True,
    find_links: Iterable[str] = (),
    index_url: str | None = None,
) -> Repair:
    """The plan's resolver (:mod:`reconcile.resolve`) as a :data:`Repair`:
    conda's versions fixed, pip-only packages free but kept where they fit,
    candidates from the installed env, ``find_links`` and pip's wheel cache
    (or ``index_url``).  The source is made only when a repair is needed."""
    links = tuple(find_links)

    def run(graph: Graph, request: RepairRequest) -> Mapping[NormalizedName, Version]:
        from .resolve import Fixed, ResolutionFailed, default_source, resolve

        if graph.python is None:
            raise ExportImpossible(request.conflicts)
        fixed = {
            name: Fixed(name=name, version=version, origin=origin, requires=requires)
            for name, (version, requires, origin) in request.conda.items()
        }
        for name, (version, requires) in request.pinned.items():
            fixed[name] = Fixed(
                name=name, version=version, origin="pip (direct URL install)", requires=requires
            )
        source = default_source(graph, offline=offline, find_links=links, index_url=index_url)
        try:
            result = resolve(
                list(request.requirements),
                fixed=fixed,
                source=source,
                python=graph.python,
                prefer=dict(request.prefer),
            )
        except ResolutionFailed as exc:
            from .advice import resolution_advice

            # No move_conda: export keeps conda's packages, it has no strategy.
            raise ExportImpossible(exc.explanations, resolution_advice(exc)) from exc
        return {name: c.version for name, c in result.items() if name not in fixed}

    return run
