"""Does this env match this environment file?

:func:`compare` takes the unified graph of a prefix and a validated
:class:`~reconcile.envfile.EnvFile` and returns a :class:`Comparison`: one
:class:`Row` per thing the file asks for, on the conda side (each MatchSpec
against conda's record of that name, and whether pip has since replaced or
removed that record's files) and on the pip side (each requirement, URL,
path or editable install against the distribution installed now, and each
``-c`` constraint against the installed version).  Pure: it reads nothing.

A row *matches* when the env already is what the line asks for, the way the
installer would see it: ``name==1.0`` is met by an installed 1.0 whoever
installed it; ``name @ git+url@rev`` only by a distribution whose PEP 610
record names that repository and revision.  Packages the file does not name
are listed as ``extra``; they are mismatches only with ``exact`` (a
history-mode file never names the dependencies), except conda records whose
files pip has replaced or removed: whatever the file names, recreating the
env from it gives conda's copy back, so the env does not match.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from ._conda import InvalidSpec, spec_matches
from .channels import file_url_path
from .envfile import CondaDep, EnvFile
from .export import short_channel
from .graph import Graph, Node, Ownership, Provenance
from .listfiles import EXPLICIT
from .models import CondaRecord, DirectUrl, DistKind, InstalledDist, StrEnum
from .requirements import LineProblem, PipEntry, PipKind
from .urls import redact_text, redact_url

__all__ = ["Comparison", "Row", "RowStatus", "compare"]


class RowStatus(StrEnum):
    """How what the env has stands to what one line of the file asks for."""

    OK = "ok"
    MISSING = "missing"
    DIFFERS = "differs"
    UNCHECKED = "unchecked"  # cannot be told from what the env records
    #: a marker or selector excludes this platform; a constraint on a package
    #: that is not installed
    SKIPPED = "skipped"
    EXTRA = "extra"  # installed, not named by the file

    @property
    def is_mismatch(self) -> bool:
        return self in (RowStatus.MISSING, RowStatus.DIFFERS, RowStatus.UNCHECKED)


@dataclass(frozen=True, kw_only=True, slots=True)
class Row:
    """One thing the file asks for, and what the env has.

    ``status``: see :class:`RowStatus`.
    """

    side: str  # "conda" or "pip"
    package: str
    wants: str
    has: str | None
    status: RowStatus
    detail: str = ""
    source: str = ""
    line: int = 0
    #: False for a conda record the file does not name whose files were
    #: replaced or removed: a mismatch all the same (recreating the env gives
    #: conda's copy back), but not something the file asked for.
    asked: bool = True

    @property
    def is_mismatch(self) -> bool:
        return self.status.is_mismatch


@dataclass(frozen=True, kw_only=True, slots=True)
class Comparison:
    prefix: str
    file: str
    rows: tuple[Row, ...]
    extra: tuple[Row, ...] = ()
    problems: tuple[LineProblem, ...] = ()  # lines that could not be read
    notes: tuple[str, ...] = ()
    exact: bool = False

    @property
    def mismatches(self) -> int:
        n = sum(1 for r in self.rows if r.is_mismatch)
        return n + (len(self.extra) if self.exact else 0)

    def tally(self, side: str) -> tuple[int, int, int]:
        """For ``side``: how many things the file asks for, how many of those
        are not met, and how many rows more the file did not ask for (conda
        records whose files were replaced or removed)."""
        rows = [r for r in self.rows if r.side == side]
        asked = [r for r in rows if r.asked]
        return len(asked), sum(1 for r in asked if r.is_mismatch), len(rows) - len(asked)

    @property
    def matches(self) -> bool:
        return self.mismatches == 0 and not self.problems


# --------------------------------------------------------------------------
# conda side


def _selector_applies(selector: str, platform: str | None) -> bool:
    """micromamba's ``sel(...)``: ``linux``, ``osx``, ``win``, ``unix``."""
    if platform is None:
        return True
    family = platform.split("-", 1)[0]
    if selector == "unix":
        return family in ("linux", "osx")
    return selector == family


def _platform(graph: Graph) -> str | None:
    if graph.python is not None:
        return graph.python.platform
    subdirs = {r.subdir for r in graph.state.records if r.subdir and r.subdir != "noarch"}
    return subdirs.pop() if len(subdirs) == 1 else None


# MatchSpec bracket keys the record model keeps; others (md5, sha256, url,
# license, ...) describe the package file and are not compared.
_BRACKET_KEYS = frozenset({"version", "build", "build_number", "channel", "subdir"})
_BRACKET = re.compile(r"\[([^\]]*)\]\s*$")


def _matchable(spec: str) -> tuple[str, tuple[str, ...]]:
    """``spec`` without the bracket keys a conda record here cannot be
    judged by, and the names of those keys."""
    m = _BRACKET.search(spec)
    if m is None:
        return spec, ()
    kept: list[str] = []
    dropped: list[str] = []
    # split at commas outside quotes: version='>=1,<2' is one item
    for part in re.split(r",(?=(?:[^'\"]*['\"][^'\"]*['\"])*[^'\"]*$)", m.group(1)):
        key = part.split("=", 1)[0].strip()
        if key in _BRACKET_KEYS:
            kept.append(part.strip())
        elif key:
            dropped.append(key)
    head = spec[: m.start()].rstrip()
    return (f"{head}[{', '.join(kept)}]" if kept else head), tuple(dropped)


def _conda_row(
    dep: CondaDep,
    records: Mapping[str, list[CondaRecord]],
    graph: Graph,
    platform: str | None,
    problems: list[LineProblem],
    wants: str,
) -> Row | None:
    rows = []
    candidates: list[CondaRecord | None] = list(records.get(dep.name, ())) or [None]
    for record in candidates:
        row = _conda_record_row(dep, record, graph, platform, problems, wants)
        if row is None or row.status is RowStatus.OK:
            return row
        rows.append(row)
    return rows[0]


def _conda_record_row(
    dep: CondaDep,
    record: CondaRecord | None,
    graph: Graph,
    platform: str | None,
    problems: list[LineProblem],
    wants: str,
) -> Row | None:
    def row(status: RowStatus, has: str | None = None, detail: str = "") -> Row:
        return Row(side="conda", package=dep.name, wants=wants, has=has,
                   status=status, detail=detail, source=dep.source, line=dep.line)  # fmt: skip

    if dep.selector and not _selector_applies(dep.selector, platform):
        return row(RowStatus.SKIPPED, detail=f"sel({dep.selector})")
    if record is None:
        node = graph.by_pypi_name(dep.name)
        if node is not None and node.record is None and node.present:
            return row(
                RowStatus.MISSING, f"{node.version} (pip)", "pip installed it; no conda record"
            )
        return row(RowStatus.MISSING)
    has = f"{record.version} {record.build}"
    if dep.channel:
        want, got = short_channel(dep.channel), short_channel(record.channel)
        if got is not None and want != got:
            return row(RowStatus.DIFFERS, has, f"from channel {got}")
    spec, unjudged = _matchable(dep.spec)
    note = f"{', '.join(unjudged)} not compared" if unjudged else ""
    try:
        ok = spec_matches(
            spec,
            name=record.name,
            version=record.version,
            build=record.build,
            build_number=record.build_number,
        )
    except InvalidSpec as exc:
        problems.append(
            LineProblem(source=dep.source, line=dep.line, text=dep.text, reason=str(exc))
        )
        return None
    if not ok:
        return row(RowStatus.DIFFERS, has, note)
    node = graph.by_conda_name(record.name)
    if node is not None and node.ownership is Ownership.OVERWRITTEN:
        dist = node.effective
        other = f"{dist.version_text} ({dist.installer or 'unknown'})" if dist else "another copy"
        return row(
            RowStatus.DIFFERS, has, f"conda-meta records it, but {other} is installed over it"
        )
    if node is not None and node.ownership is Ownership.REMOVED:
        return row(RowStatus.DIFFERS, has, "conda-meta records it, but its files are gone")
    return row(RowStatus.OK, has, note)


# --------------------------------------------------------------------------
# pip side


def _installed(graph: Graph, name: str) -> tuple[Node | None, InstalledDist | None]:
    node = graph.by_pypi_name(name)
    return node, (node.effective if node is not None else None)


def _who(node: Node, dist: InstalledDist) -> str:
    if node.installed_by == "conda":
        return "conda"
    return dist.installer or "unknown installer"


def _describe(node: Node, dist: InstalledDist) -> str:
    text = f"{dist.version_text or '?'} ({_who(node, dist)})"
    if node.record is not None and node.ownership is Ownership.OVERWRITTEN:
        text += f" over conda's {node.record.version}"
    return text


def _norm_url(url: str) -> str:
    url = redact_url(url.split("#", 1)[0]).rstrip("/")
    for prefix in ("git+", "hg+", "svn+", "bzr+"):
        if url.startswith(prefix):
            url = url[len(prefix) :]
    return url.removesuffix(".git").lower()


def _local_path(dist: InstalledDist) -> str | None:
    """The local folder or file a distribution was installed from."""
    if dist.editable_target:
        return os.path.normpath(dist.editable_target)
    du = dist.direct_url
    if du is None or not du.url.startswith("file:"):
        return None
    return os.path.normpath(file_url_path(du.url))


def _is_editable(dist: InstalledDist) -> bool:
    du = dist.direct_url
    return (
        dist.kind == DistKind.EGG_LINK
        or (du is not None and du.editable)
        or (du is None and dist.editable_target is not None)
    )


def _rev_matches(want: str | None, du: DirectUrl) -> bool:
    if not want:
        return True
    commit = du.commit_id or ""
    return want in (du.requested_revision, commit) or (len(want) >= 7 and commit.startswith(want))


def _url_status(entry: PipEntry, dist: InstalledDist) -> tuple[RowStatus, str]:
    du = dist.direct_url
    if du is None:
        return RowStatus.DIFFERS, "installed from an index, not from this URL"
    if entry.vcs is not None:
        want = entry.url_without_vcs or ""
        if du.vcs is None or _norm_url(want) != _norm_url(du.url):
            return RowStatus.DIFFERS, f"installed from {redact_url(du.url)}"
        if not _rev_matches(entry.revision, du):
            got = du.commit_id or du.requested_revision or "?"
            return RowStatus.DIFFERS, f"installed at revision {got}"
        return RowStatus.OK, f"commit {du.commit_id}" if du.commit_id else ""
    if _norm_url(entry.url or "") != _norm_url(du.url):
        return RowStatus.DIFFERS, f"installed from {redact_url(du.url)}"
    fragment = (entry.url or "").partition("#")[2]
    want_hash = next(
        (p for p in fragment.split("&") if p.split("=")[0] in ("sha256", "sha384", "sha512")),
        None,
    )
    if want_hash and du.archive_hash and want_hash != du.archive_hash:
        return RowStatus.DIFFERS, f"installed archive has {du.archive_hash}"
    return RowStatus.OK, ""


def _find_by_url(graph: Graph, entry: PipEntry) -> tuple[Node | None, InstalledDist | None]:
    want = _norm_url(entry.url_without_vcs or entry.url or "")
    for node in graph.nodes.values():
        for dist in node.dists:
            du = dist.direct_url
            if du is not None and _norm_url(du.url) == want:
                return node, dist
    return None, None


def _find_by_path(graph: Graph, path: str) -> tuple[Node | None, InstalledDist | None]:
    want = os.path.normpath(path)
    for node in graph.nodes.values():
        for dist in node.dists:
            if _local_path(dist) == want:
                return node, dist
    return None, None


def _pip_row(
    entry: PipEntry, graph: Graph, env: Mapping[str, str] | None, matched: set[str]
) -> Row | None:
    def row(status: RowStatus, has: str | None = None, detail: str = "", package: str = "") -> Row:
        return Row(side="pip", package=package or entry.name or "", has=has, status=status,
                   detail=detail, wants=" ".join(entry.text.split()), source=entry.source,
                   line=entry.line)  # fmt: skip

    marker = entry.requirement.marker if entry.requirement is not None else entry.marker
    if marker is not None and env is not None and not marker.evaluate(dict(env)):
        return row(RowStatus.SKIPPED, detail="marker is false here")
    kind = entry.kind
    if kind is PipKind.OPTION:
        return None

    if kind is PipKind.REQUIREMENT:
        assert entry.requirement is not None and entry.name is not None
        node, dist = _installed(graph, entry.name)
        if node is None or dist is None:
            if entry.constraint:
                return row(RowStatus.SKIPPED, detail="not installed; a constraint installs nothing")
            no_metadata = node is not None and node.record is not None
            detail = "conda's package has no Python metadata pip can see" if no_metadata else ""
            return row(RowStatus.MISSING, detail=detail)
        matched.add(node.key)
        has = _describe(node, dist)
        spec = entry.requirement.specifier
        if not str(spec):
            return row(RowStatus.OK, has)
        try:
            version = Version(dist.version_text)
        except InvalidVersion:
            return row(RowStatus.UNCHECKED, has, "installed version is not a PEP 440 version")
        ok = spec.contains(version, prereleases=True)
        return row(RowStatus.OK if ok else RowStatus.DIFFERS, has)

    if kind is PipKind.URL:
        if entry.name:
            node, dist = _installed(graph, entry.name)
        else:
            node, dist = _find_by_url(graph, entry)
        if node is None or dist is None:
            return row(RowStatus.MISSING)
        matched.add(node.key)
        status, detail = _url_status(entry, dist)
        return row(status, _describe(node, dist), detail, package=node.key)

    # local paths and editable installs
    if kind is PipKind.EDITABLE and entry.path is None:
        # ``-e git+url#egg=name``: the install records only its checkout.
        if not entry.name:
            return row(
                RowStatus.UNCHECKED,
                detail="an editable VCS install without #egg= cannot be matched",
            )
        node, dist = _installed(graph, entry.name)
        if node is None or dist is None:
            return row(RowStatus.MISSING)
        matched.add(node.key)
        if not _is_editable(dist):
            return row(RowStatus.DIFFERS, _describe(node, dist), "installed, but not editable")
        return row(RowStatus.OK, _describe(node, dist), "editable; its VCS URL is not recorded")
    assert entry.path is not None
    node, dist = _find_by_path(graph, entry.path)
    if (node is None or dist is None) and entry.name:
        node, dist = _installed(graph, entry.name)
    if node is None or dist is None:
        return row(RowStatus.MISSING, detail=entry.path)
    matched.add(node.key)
    has = _describe(node, dist)
    got = _local_path(dist)
    if got != os.path.normpath(entry.path):
        where = f"installed from {got}" if got else "not installed from this path"
        return row(RowStatus.DIFFERS, has, where, package=node.key)
    if kind is PipKind.EDITABLE and not _is_editable(dist):
        return row(RowStatus.DIFFERS, has, "installed from this path, but not editable", node.key)
    if kind is PipKind.PATH and _is_editable(dist):
        return row(RowStatus.DIFFERS, has, "installed editable from this path", node.key)
    return row(RowStatus.OK, has, package=node.key)


# --------------------------------------------------------------------------


def compare(graph: Graph, env: EnvFile, *, exact: bool = False) -> Comparison:
    """Compare the env of ``graph`` with ``env``, line by line."""
    problems = list(env.unreadable)
    notes = [f"{p.source}:{p.line}: {p.text!r}: {p.reason}" for p in env.problems if p.ignored]
    # Two records of one name happen (an interrupted transaction); a spec is
    # met when any of them meets it.
    records: dict[str, list[CondaRecord]] = {}
    for record in graph.state.records:
        records.setdefault(record.name, []).append(record)
    platform = _platform(graph)
    if env.format != "environment.yml":
        notes.append(
            f"read as a {env.format} file" + (f" for {env.platform}" if env.platform else "")
        )
    if env.platform and platform and env.platform not in (platform, "noarch"):
        notes.append(
            f"the file is for {env.platform} and the env is {platform}: their builds differ"
        )
    rows: list[Row] = []
    named_conda: set[str] = set()
    for dep in env.conda:
        named_conda.add(dep.name)
        # An explicit file's line is a URL: shown as the exact spec it stands for.
        wants = (
            f"{short_channel(dep.channel) or ''}::{dep.spec}".lstrip(":")
            if env.format == EXPLICIT
            else dep.text.strip()
        )
        row = _conda_row(dep, records, graph, platform, problems, wants)
        if row is not None:
            rows.append(row)

    marker_env = graph.python.marker_environment() if graph.python is not None else None
    if marker_env is None and any(
        (e.requirement is not None and e.requirement.marker is not None) or e.marker is not None
        for e in env.pip
    ):
        notes.append("the env's Python is unknown: markers are taken as true")
    matched: set[str] = set()
    options: list[str] = []
    for entry in env.pip:
        if entry.kind is PipKind.OPTION:
            options.extend(entry.options)
            continue
        row = _pip_row(entry, graph, marker_env, matched)
        if row is not None:
            rows.append(row)
    if options:
        shown = dict.fromkeys(redact_text(o) for o in options)
        notes.append("pip options, not compared: " + "; ".join(shown))

    extra: list[Row] = []
    for name in sorted(records):
        if name in named_conda:
            continue
        r = records[name][0]
        has = f"{r.version} {r.build}"
        node = graph.by_conda_name(name)
        if node is not None and node.key in matched:
            # A pip line of the file names it: that line judges what is
            # installed (one package, one row).
            continue
        if node is not None and node.ownership in (Ownership.OVERWRITTEN, Ownership.REMOVED):
            # Not named by the file, but a conda package all the same: the
            # file would give conda's copy back, and the env has pip's.
            dist = node.effective
            what = (
                f"{dist.version_text} ({dist.installer or 'unknown'}) is installed over it"
                if node.ownership is Ownership.OVERWRITTEN and dist is not None
                else "its files are gone"
            )
            detail = f"conda-meta records it, but {what}"
            rows.append(Row(side="conda", package=name, wants=f"({name}, a dependency)", has=has,
                            status=RowStatus.DIFFERS, detail=detail, asked=False))  # fmt: skip
            continue
        extra.append(Row(side="conda", package=name, wants=name, has=has, status=RowStatus.EXTRA))
    for node in graph.nodes.values():
        if node.provenance is Provenance.PIP and node.key not in matched:
            dist = node.effective
            if dist is None or canonicalize_name(node.key) in named_conda:
                continue
            extra.append(Row(side="pip", package=node.key, wants=node.key,
                             has=_describe(node, dist), status=RowStatus.EXTRA))  # fmt: skip
    return Comparison(
        prefix=str(graph.state.prefix),
        file=env.path,
        rows=tuple(rows),
        extra=tuple(extra),
        problems=tuple(problems),
        notes=tuple(notes),
        exact=exact,
    )
