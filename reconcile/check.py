"""Stage 3: turn the graph into findings.

Each ``_check_*`` function looks for one kind of problem and yields
:class:`~reconcile.models.Finding` values; none prints or reads the disk.
The finding codes are a contract (README, JSON, tests): see ``CODES``.

Where one cause would show up under several codes, it is reported once,
under the code that names the cause: files of a conda record that pip
overwrote are not also reported as missing or altered, and the files two
dist-infos of one name share are a duplicate, not a clobber.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from ._conda import InvalidSpec, spec_matches, spec_name
from .graph import Graph, Node, Ownership, Provenance
from .models import (
    CONDA_INSTALLERS,
    CondaRecord,
    Depth,
    DistKind,
    EdgeKind,
    Finding,
    InstalledDist,
    Severity,
)
from .pins import PINNED, pinned_node

__all__ = ["CODES", "check"]

#: Every finding code, with its default severity and what it means.
CODES: Mapping[str, tuple[Severity, str]] = {
    "pip-overwrote-conda": (
        Severity.ERROR,
        "a conda record owns a dist, but the dist-info on disk now belongs to another installer",
    ),
    "pip-removed-conda": (
        Severity.ERROR,
        "a conda record owns a dist whose dist-info is gone and nothing replaced it",
    ),
    "duplicate-distribution": (
        Severity.ERROR,
        "two or more dist-info/egg-info for one name in one site-packages",
    ),
    "file-clobber": (
        Severity.WARNING,
        "paths claimed by two or more owners, or a file rattler renamed",
    ),
    "missing-file": (Severity.ERROR, "files a conda record lists are gone"),
    "altered-file": (
        Severity.WARNING,
        "a conda file's size (or sha256 with --deep) differs from its record",
    ),
    "conda-dependency-unsatisfied": (
        Severity.ERROR,
        "a conda depends/constrains is not met by what is installed now",
    ),
    "pip-dependency-unsatisfied": (
        Severity.ERROR,
        "a Requires-Dist is missing or outside its specifier",
    ),
    "requires-python-mismatch": (
        Severity.WARNING,
        "a dist's Requires-Python excludes the env's Python",
    ),
    "orphaned-site-packages": (
        Severity.WARNING,
        "site-packages of another Python version still holds distributions",
    ),
    "user-site-leak": (
        Severity.WARNING,
        "the user site is visible to this env and holds distributions",
    ),
    "stale-dist-info": (Severity.WARNING, "a dist-info that cannot be used or uninstalled"),
    "legacy-metadata": (
        Severity.INFO,
        "a metadata field packaging no longer parses (old metadata pip still installs "
        "over); that field is not evaluated",
    ),
    "record-outside-prefix": (
        Severity.INFO,
        "a RECORD lists paths outside the prefix; they are not followed",
    ),
    "invalid-record": (
        Severity.ERROR,
        "a conda-meta file that cannot be read or disagrees with its name",
    ),
    "editable-install": (Severity.INFO, "an editable or local-path install"),
    "pin-violated": (
        Severity.ERROR,
        "an installed version is outside the user's pin in conda-meta/pinned",
    ),
    "platform-mismatch": (
        Severity.ERROR,
        "an installed wheel's tags fit neither the env's Python nor its platform; "
        "pip and uv refuse such a wheel, and its compiled modules will likely not import",
    ),
}

_FIRST = 5  # how many example paths a finding carries in "paths" (missing-file and
# altered-file also carry every path, for `audit -v`)


def _finding(
    code: str, package: str, message: str, severity: Severity | None = None, /, **evidence: Any
) -> Finding:
    return Finding(
        code=code,
        severity=severity or CODES[code][0],
        package=package,
        message=message,
        evidence={k: v for k, v in evidence.items() if v is not None},
    )


def _side(node: Node) -> str:
    """``conda`` or ``pip``: the two sides of the evidence (``provided_by``)."""
    return "conda" if node.installed_by == "conda" else "pip"


#: INSTALLER values (PEP 376) as people name the tools that write them.
_INSTALLERS: Mapping[str, str] = {
    "pip": "pip",
    "uv": "uv",
    "uv-pixi": "uv (through pixi)",  # pixi's PIXI_UV_INSTALLER
    "poetry": "Poetry",
    "pdm": "PDM",
    "conda": "conda",
}


def _installer(dist: InstalledDist | None) -> str:
    """Who wrote ``dist``, by its INSTALLER file, for a message."""
    if dist is None or not dist.installer:
        return "an installer that wrote no INSTALLER file"
    return _INSTALLERS.get(dist.installer.lower(), dist.installer)


def _provider(node: Node) -> str:
    """Who provides ``node`` now, for a message: conda, or the installer."""
    return "conda" if node.installed_by == "conda" else _installer(node.effective)


def _label(node: Node) -> str:
    return (
        node.record.name
        if node.record is not None and node.provenance is Provenance.CONDA
        else node.key
    )


# --------------------------------------------------------------------------


def _check_read_problems(graph: Graph) -> Iterator[Finding]:
    for p in graph.state.problems:
        yield _finding(
            p.code, p.package, f"{p.path}: {p.reason}", p.severity, path=p.path, field=p.field
        )


def _check_duplicate_records(graph: Graph) -> Iterator[Finding]:
    by_name: dict[str, list[str]] = defaultdict(list)
    for record in graph.state.records:
        by_name[record.name].append(record.source)
    for name, sources in sorted(by_name.items()):
        if len(sources) > 1:
            yield _finding(
                "invalid-record",
                name,
                f"{len(sources)} conda-meta records for {name} ({', '.join(sources)}); "
                "conda keeps one record per name, so all but one are stale",
                paths=sources,
            )


def _check_ownership(graph: Graph) -> Iterator[Finding]:
    for node in graph.nodes.values():
        record = node.record
        if record is None or node.ownership in (None, Ownership.INTACT):
            continue
        conda = f"{record.name} {record.version} ({record.build})"
        dist = node.effective
        evidence = {
            "conda_record": record.source,
            "conda_version": record.version,
            "conda_build": record.build,
            "channel": record.channel,
            "conda_dist": node.owned_dist,
        }
        if node.ownership is Ownership.REMOVED:
            yield _finding(
                "pip-removed-conda",
                node.key,
                f"conda's {conda} is recorded as installed but its {node.owned_dist} "
                "is gone (pip uninstall?); conda-meta is stale",
                **evidence,
            )
            continue
        assert dist is not None
        if dist.installer == "conda":
            # Not conda reinstalling its own package: another conda record's
            # dist-info (or a stale copy of one) sits where this record's was.
            other = _listed_by(graph, dist.path)
            by = f"conda's {other.dist_str}" if other is not None else "another conda package"
            message = (
                f"{dist.path} ({dist.version_text}, from {by}) is there in place of conda's "
                f"{conda} dist-info {node.owned_dist}; conda-meta still records {record.version}"
            )
        else:
            how = (
                "reinstalled the same version"
                if dist.version_text == record.version
                else f"installed {dist.version_text}"
            )
            message = (
                f"{_installer(dist)} {how} over conda's {conda}; "
                f"conda-meta still records {record.version}"
            )
        yield _finding(
            "pip-overwrote-conda",
            node.key,
            message,
            **evidence,
            installed_dist=dist.path,
            installed_version=dist.version_text,
            installer=dist.installer,
        )


def _listed_by(graph: Graph, folder: str) -> CondaRecord | None:
    """The conda record whose file list holds the metadata folder ``folder``."""
    inside = folder + "/"
    for record in graph.state.records:
        if any(p.path.startswith(inside) or p.path == folder for p in record.paths):
            return record
    return None


def _check_duplicates(graph: Graph) -> Iterator[Finding]:
    sites = [graph.state.site_packages, *graph.state.other_site_packages]
    for site in sites:
        if site is None:
            continue
        groups: dict[str, list[InstalledDist]] = defaultdict(list)
        for dist in site.dists:
            groups[dist.name].append(dist)
        for name, dists in sorted(groups.items()):
            if len(dists) < 2:
                continue
            newest = max(dists, key=lambda d: d.mtime)
            listing = ", ".join(f"{d.version_text or '?'} ({d.installer or d.kind})" for d in dists)
            yield _finding(
                "duplicate-distribution",
                name,
                f"{len(dists)} copies of {name} in {site.path}: {listing}; "
                f"{newest.version_text or '?'} was written last",
                paths=[d.path for d in dists],
                versions=[d.version_text for d in dists],
                installers=[d.installer for d in dists],
                effective=newest.path,
            )


def _check_clobbers(graph: Graph) -> Iterator[Finding]:
    # path -> its first claim (owner, side); only paths claimed by a second,
    # different owner get a list (this runs once per file of the env).
    first: dict[str, tuple[str, str]] = {}
    shared: dict[str, list[tuple[str, str]]] = {}
    labels: dict[str, str] = {}  # owners whose name already says their side

    def claim(path: str, who: tuple[str, str]) -> None:
        prev = first.setdefault(path, who)
        if prev is not who and prev[0] != who[0]:
            shared.setdefault(path, [prev]).append(who)

    for node in graph.nodes.values():
        record = node.record
        if record is not None and node.primary:
            conda = (node.key, "conda")
            for p in record.paths:
                if p.path_type != "directory":
                    claim(p.path, conda)
                if p.original_path is not None or "__clobber-from-" in p.path:
                    yield _renamed_clobber(node, p.path, p.original_path)
        intact = node.ownership is Ownership.INTACT
        for dist in node.dists:
            if intact and dist.path == node.owned_dist:
                continue  # conda's own dist-info: its RECORD repeats conda's list
            if node.record is not None and not intact:
                continue  # pip wrote over conda's files: pip-overwrote-conda says so
            # A pip dist beside conda's intact copy of the same name: conda
            # wrote last, over pip's files.  That is a clobber of its own, so
            # pip's copy is an owner of its own, named with its installer
            # ("six (pip)", which the message must not repeat).
            owner = f"{node.key} ({dist.installer or 'pip'})" if intact else node.key
            who = (owner, dist.installer or "pip")
            if intact:
                labels[owner] = owner
            for path in dist.record:
                claim(path, who)

    # One finding per group of contested paths: the paths that the same set
    # of owners claim, however many owners that is (three packages shipping
    # one file are one problem, not three).
    groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
    sides: dict[tuple[str, ...], tuple[str, ...]] = {}
    for path, claims in shared.items():
        side_of = dict(claims)
        owners = tuple(sorted(side_of))
        groups[owners].append(path)
        sides[owners] = tuple(side_of[o] for o in owners)
    for owners, paths in sorted(groups.items()):
        paths.sort()
        named = [
            labels.get(o) or f"{o} ({side})" for o, side in zip(owners, sides[owners], strict=True)
        ]
        listing = (
            f"both {named[0]} and {named[1]}"
            if len(named) == 2
            else f"{', '.join(named[:-1])} and {named[-1]}"
        )
        yield _finding(
            "file-clobber",
            owners[0],
            f"{len(paths)} file(s) claimed by {listing}, e.g. {paths[0]}",
            paths=paths[:_FIRST],
            count=len(paths),
            owners=list(owners),
            sides=list(sides[owners]),
        )


def _renamed_clobber(node: Node, path: str, original_path: str | None) -> Finding:
    """rattler keeps one copy of a file two conda packages ship and renames
    the other ``<path>__clobber-from-<package>``."""
    assert node.record is not None
    original = original_path or path.split("__clobber-from-")[0]
    loser = path.rsplit("__clobber-from-", 1)[-1] if "__clobber-from-" in path else None
    return _finding(
        "file-clobber",
        _label(node),
        f"{original} is shipped by two conda packages; rattler kept one "
        f"and renamed the other copy to {path}",
        paths=[original],
        renamed=path,
        clobbered_by=loser,
        owners=[node.record.name],
    )


def _check_files(graph: Graph) -> Iterator[Finding]:
    state = graph.state
    if state.depth is Depth.QUICK:
        return
    files = state.files
    for node in graph.nodes.values():
        record = node.record
        if record is None or not node.primary or node.ownership not in (None, Ownership.INTACT):
            continue
        missing: list[str] = []
        altered: list[tuple[str, str]] = []
        for p in record.paths:
            if p.path_type in ("directory", "pyc_file") or p.path.endswith(".pyc"):
                # Compiled files are rewritten by Python at will: never evidence.
                continue
            if p.path in files.missing:
                missing.append(p.path)
            elif p.path in files.altered:
                altered.append((p.path, files.altered[p.path]))
        name = _label(node)
        if missing:
            yield _finding(
                "missing-file",
                name,
                f"{len(missing)} of {len(record.paths)} files of conda's {record.dist_str} "
                f"are missing, e.g. {missing[0]}",
                conda_record=record.source,
                count=len(missing),
                paths=missing[:_FIRST],
                missing=missing,  # every one, for `audit -v` (conda doctor -v lists them all)
            )
        if altered:
            yield _finding(
                "altered-file",
                name,
                f"{len(altered)} file(s) of conda's {record.dist_str} differ from the "
                f"record, e.g. {altered[0][0]} ({altered[0][1]})",
                conda_record=record.source,
                count=len(altered),
                paths=[a for a, _ in altered[:_FIRST]],
                details=[d for _, d in altered[:_FIRST]],
                altered=dict(altered),  # every one, path -> what differs, for `audit -v`
            )


def _check_conda_dependencies(graph: Graph) -> Iterator[Finding]:
    # Records that could not be read: what they provide has no record, and
    # their invalid-record finding already says why.
    unreadable = {
        canonicalize_name(p.package) for p in graph.state.problems if p.code == "invalid-record"
    }
    for edge in graph.edges:
        if edge.kind is EdgeKind.REQUIRES:
            continue
        source = graph.nodes[edge.source]
        assert source.record is not None
        if source.ownership is Ownership.REMOVED:
            continue  # the package itself is gone; pip-removed-conda says so
        who = f"conda's {source.record.name} {source.record.version}"
        if edge.target.startswith("__"):
            continue  # virtual packages (__glibc, __unix): the machine, not the prefix
        target = graph.nodes.get(edge.target) if edge.resolved else None
        if target is None or not target.present:
            if edge.kind is EdgeKind.CONSTRAINS:
                continue  # constrains only bind when the package is installed
            yield _finding(
                "conda-dependency-unsatisfied",
                _label(source),
                f"{who} depends on {edge.spec!r}, which is not installed",
                spec=edge.spec,
                conda_record=source.record.source,
            )
            continue
        ok, version, detail = _conda_spec_ok(edge.spec, target)
        if ok:
            if (
                target.record is None
                and edge.kind is EdgeKind.DEPENDS
                and canonicalize_name(target.key) not in unreadable
            ):
                yield _finding(
                    "conda-dependency-unsatisfied",
                    _label(source),
                    f"{who} depends on {edge.spec!r}; only {_installer(target.effective)} "
                    f"provides it ({target.key} {target.version}), conda has no record of it",
                    Severity.WARNING,
                    spec=edge.spec,
                    installed_version=target.version,
                    provided_by="pip",
                    conda_record=source.record.source,
                )
            continue
        verb = "depends on" if edge.kind is EdgeKind.DEPENDS else "constrains"
        yield _finding(
            "conda-dependency-unsatisfied",
            _label(source),
            f"{who} {verb} {edge.spec!r} but {target.key} {version} is installed"
            f" (by {_provider(target)}){detail}",
            spec=edge.spec,
            kind=edge.kind.value,
            installed_version=version,
            provided_by=_side(target),
            conda_record=source.record.source,
        )


def _conda_spec_ok(spec: str, target: Node) -> tuple[bool, str, str]:
    """Does ``target`` meet the conda MatchSpec ``spec``?  Also returns the
    version judged.

    When the spec names the target's own conda record, conda's view holds:
    the record's version (and build, while conda's files are there).  When
    the name was matched on the PyPI side (no conda record carries it), only
    the version installed now is judged.
    """
    record = target.record
    own = record is not None and record.name == spec_name(spec)
    version = target.conda_version if own else target.version
    assert version is not None
    conda_files = own and target.installed_by == "conda"
    try:
        ok = spec_matches(
            spec,
            name=record.name if record is not None and own else spec_name(spec),
            version=version,
            build=record.build if conda_files and record is not None else None,
            build_number=record.build_number if record is not None else 0,
        )
    except InvalidSpec as exc:
        return True, version, f" ({exc}; not judged)"  # an unparseable spec is not evidence
    return ok, version, ""


def _check_pins(graph: Graph) -> Iterator[Finding]:
    # A pin binds only what is installed (conda reads it as an optional
    # spec); it is judged like a depends on the same package.
    for pin in graph.state.pins:
        target = pinned_node(graph, pin)
        if target is None or not target.present:
            continue
        ok, version, _ = _conda_spec_ok(pin, target)
        if ok:
            continue
        yield _finding(
            "pin-violated",
            _label(target),
            f"{PINNED} pins {pin!r} but {target.key} {version} is installed "
            f"(by {_provider(target)})",
            pin=pin,
            path=PINNED,
            installed_version=version,
            provided_by=_side(target),
        )


def _check_pip_dependencies(graph: Graph) -> Iterator[Finding]:
    # Where a conda record depends on the same package, its MatchSpec governs
    # and conda-dependency-unsatisfied reports it: one cause, one finding.
    conda_edges = {(e.source, e.target) for e in graph.edges if e.kind is EdgeKind.DEPENDS}
    for edge in graph.edges:
        if edge.kind is not EdgeKind.REQUIRES or not edge.active or edge.requirement is None:
            continue
        source = graph.nodes[edge.source]
        if source.installed_by == "conda" and (edge.source, edge.target) in conda_edges:
            continue
        req = edge.requirement
        dist = source.effective
        assert dist is not None
        who = f"{source.key} {dist.version_text}"
        # A conda package's own metadata is secondary to its conda depends:
        # conda splits and renames packages, so these are warnings there.
        severity = Severity.WARNING if source.installed_by == "conda" else Severity.ERROR
        extra = f" (extra {edge.via_extra!r})" if edge.via_extra else ""
        target = graph.nodes.get(edge.target) if edge.resolved else None
        if target is None or not target.present:
            yield _finding(
                "pip-dependency-unsatisfied",
                source.key,
                f"{who} requires {req}{extra}, which is not installed",
                severity,
                requirement=str(req),
                requirer_installed_by=source.installed_by,
                path=dist.path,  # the METADATA holding the Requires-Dist
            )
            continue
        version_text = target.version
        assert version_text is not None
        try:
            version = Version(version_text)
        except InvalidVersion:
            continue  # a conda version PEP 440 cannot order: not evidence either way
        if req.specifier and not req.specifier.contains(version, prereleases=True):
            yield _finding(
                "pip-dependency-unsatisfied",
                source.key,
                f"{who} requires {req}{extra} but {target.key} {version_text} is "
                f"installed (provided by {_provider(target)})",
                severity,
                requirement=str(req),
                installed_version=version_text,
                provided_by=_side(target),
                requirer_installed_by=source.installed_by,
                path=dist.path,
            )


def _check_requires_python(graph: Graph) -> Iterator[Finding]:
    python = graph.python
    if python is None:
        return
    for node in graph.nodes.values():
        for dist in node.dists:
            spec = dist.requires_python
            if spec is not None and not spec.contains(python.version, prereleases=True):
                yield _finding(
                    "requires-python-mismatch",
                    node.key,
                    f"{node.key} {dist.version_text} requires Python {spec}, "
                    f"the env has {python.version}",
                    requires_python=str(spec),
                    python=str(python.version),
                    path=dist.path,
                )


def _check_wheel_tags(graph: Graph) -> Iterator[Finding]:
    """A wheel whose WHEEL tags the env's Python and platform do not
    support: pip and uv refuse it, so it came by another way (``pip install
    --target --platform``, ``--python-version``, a copied site-packages).
    An error: CPython imports only extension modules of its own ABI and
    platform (``.cpython-311-x86_64-linux-gnu.so``, ``.abi3.so``), a Mach-O
    or PE file does not load on Linux, and wheels tagged ``py3-none-<platform>``
    carry executables for that platform."""
    python = graph.python
    if python is None:
        return
    from .wheel_tags import fit

    env = f"{_implementation(python.implementation)} {python.short}"
    env += " (free-threaded)" if python.free_threaded else ""
    for node in graph.nodes.values():
        for dist in node.dists:
            if not dist.wheel_tags or dist.installer in CONDA_INSTALLERS:
                continue
            if node.ownership is Ownership.INTACT and dist.path == node.owned_dist:
                continue  # conda's own dist-info: conda chose the package for this env
            found = fit(python, dist.wheel_tags)
            if found is None:
                continue
            what = {
                "python": f"another Python than {env}",
                "platform": f"another platform than {python.platform}",
                "both": f"another Python and platform than {env} on {python.platform}",
            }[found.reason]
            more = len(found.tags) - 1
            also = f" (and {more} more tag{'s' if more > 1 else ''})" if more else ""
            pure = all(t.endswith("-none-any") for t in found.tags)
            fails = (
                f"its code may not run on {env}"
                if pure
                else "its compiled modules will likely not import"
            )
            yield _finding(
                "platform-mismatch",
                node.key,
                f"{node.key} {dist.version_text} is a wheel for {found.tags[0]}{also}, "
                f"built for {what}; pip and uv refuse it here, and {fails}",
                path=f"{dist.path}/WHEEL",
                installed_dist=dist.path,
                tags=list(found.tags),
                mismatch=found.reason,
                python=str(python.version),
                platform=python.platform,
                installer=dist.installer,
            )


def _implementation(name: str) -> str:
    return {"cpython": "CPython", "pypy": "PyPy"}.get(name, name)


def _check_orphans(graph: Graph) -> Iterator[Finding]:
    python = graph.python
    for site in graph.state.other_site_packages:
        for dist in site.dists:
            yield _finding(
                "orphaned-site-packages",
                dist.name,
                f"{dist.name} {dist.version_text} sits in {site.path}, which the env's "
                f"Python {python.short if python else '?'} never reads",
                path=dist.path,
                site_packages=site.path,
                env_site_packages=python.site_packages if python else None,
            )


def _check_user_site(graph: Graph) -> Iterator[Finding]:
    state = graph.state
    site = state.user_site
    if site is None or not state.user_site_visible:
        return
    for dist in site.dists:
        shadowed = graph.nodes.get(dist.name)
        if shadowed is not None and shadowed.present:
            yield _finding(
                "user-site-leak",
                dist.name,
                f"{dist.name} {dist.version_text} in the user site ({site.path}) is on "
                f"this env's sys.path too; it conflicts with the env's {shadowed.version}"
                f" (from {_provider(shadowed)})",
                path=str(Path(site.path) / Path(dist.path).name),
                env_version=shadowed.version,
                user_version=dist.version_text,
            )
        else:
            yield _finding(
                "user-site-leak",
                dist.name,
                f"{dist.name} {dist.version_text} from the user site ({site.path}) is "
                "importable in this env though it is not installed in it",
                Severity.INFO,
                path=str(Path(site.path) / Path(dist.path).name),
                user_version=dist.version_text,
            )


def _check_editables(graph: Graph) -> Iterator[Finding]:
    for node in graph.nodes.values():
        for dist in node.dists:
            if node.ownership is Ownership.INTACT and dist.path == node.owned_dist:
                # conda's own dist-info: conda-build ran ``pip install .`` in its
                # work folder, and pip's direct_url.json names that folder on the
                # build machine (/home/conda/feedstock_root/..., D:/bld/...).
                continue
            if dist.kind == DistKind.EGG_LINK:
                how = "legacy egg-link (setup.py develop)"
            elif dist.direct_url is not None and dist.direct_url.is_local_dir:
                how = "editable (PEP 660)" if dist.direct_url.editable else "local directory"
            elif dist.editable_target is not None:
                how = "editable (.pth file, no direct_url.json)"
            else:
                continue
            target = dist.editable_target
            gone = "" if dist.target_exists else "; that path no longer exists"
            yield _finding(
                "editable-install",
                node.key,
                f"{node.key} {dist.version_text}: {how} install from {target}{gone}",
                target=target,
                exists=dist.target_exists,
                kind=how,
                path=dist.path,
            )


CHECKS: tuple[Callable[[Graph], Iterable[Finding]], ...] = (
    _check_read_problems,
    _check_duplicate_records,
    _check_ownership,
    _check_duplicates,
    _check_clobbers,
    _check_files,
    _check_conda_dependencies,
    _check_pins,
    _check_pip_dependencies,
    _check_requires_python,
    _check_wheel_tags,
    _check_orphans,
    _check_user_site,
    _check_editables,
)


def check(graph: Graph) -> tuple[Finding, ...]:
    """Every finding for ``graph``, most severe first, then by code and package."""
    found: list[Finding] = []
    for run in CHECKS:
        found.extend(run(graph))
    unique = list(dict.fromkeys(found))
    unique.sort(key=lambda f: (-f.severity, f.code, f.package, f.message))
    return tuple(unique)
