"""Read the distributions in one site-packages folder.

Formats: ``*.dist-info`` (PEP 376/627: METADATA, RECORD, INSTALLER,
REQUESTED; PEP 610 direct_url.json), setuptools ``*.egg-info`` as a folder
(PKG-INFO, requires.txt, installed-files.txt) or a single PKG-INFO-format
file, and legacy ``*.egg-link`` files whose metadata lives in the linked
project.  Only metadata is read: nothing is imported or executed, and a
RECORD path that leaves the prefix is counted, never followed.

Old metadata that packaging >= 22 rejects (``Requires-Python: >=3.5.*``,
``Requires-Dist: pyarrow (>=0.15.*)``, a non-PEP 440 ``Version``) does not make
a distribution stale: pip reads it and installs over it.  The field that
cannot be evaluated is reported at info level (``legacy-metadata``) and the
rest of the distribution is used as it is.
"""

from __future__ import annotations

import csv
import json
import os
import posixpath
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from ..channels import file_url_path
from ..filenames import parse_metadata_dirname
from ..metadata import CoreMetadata, read_core_metadata
from ..models import (
    CONDA_INSTALLERS,
    DirectUrl,
    DistKind,
    InstalledDist,
    ReadProblem,
    Severity,
    SitePackages,
    parse_version,
)
from . import _cache
from ._cache import ParseCache

__all__ = ["read_site_packages"]

_STALE = "stale-dist-info"
_LEGACY = "legacy-metadata"
_OUTSIDE = "record-outside-prefix"
#: ``lib/pythonX.Y/site-packages``: the folder a RECORD written on Unix is
#: relative to, three levels below the prefix.
_UNIX_SITE = "lib/python3/site-packages"
_CSV_FIELD_LIMIT = csv.field_size_limit()
_MAX_METADATA = 16 * 1024 * 1024  # headers live at the top; a bigger file is junk
_NO_METADATA = CoreMetadata()


class _Reader:
    """Reads one site-packages folder; collects problems instead of raising."""

    def __init__(self, prefix: str, rel: str, cache: ParseCache | None = None) -> None:
        self.prefix = prefix
        self.cache = cache
        self.rel = rel  # prefix-relative (or absolute, outside the prefix)
        self.outside = os.path.isabs(rel)
        self.abs = rel if self.outside else os.path.join(prefix, rel)
        self.problems: list[ReadProblem] = []

    # -- helpers -----------------------------------------------------------

    def problem(
        self, package: str, path: str, reason: str, severity: Severity = Severity.WARNING
    ) -> None:
        self.problems.append(
            ReadProblem(code=_STALE, package=package, path=path, reason=reason, severity=severity)
        )

    def legacy(self, package: str, path: str, reason: str, field: str) -> None:
        """A metadata field packaging cannot parse: at most worth an info."""
        self.problems.append(
            ReadProblem(
                code=_LEGACY, package=package, path=path, reason=reason,
                severity=Severity.INFO, field=field,
            )
        )

    def version(self, text: str, package: str, shown: str) -> Version | None:
        version = parse_version(text)
        if version is None and text:
            # setuptools < 66 kept legacy versions ("1.0-SNAPSHOT", "2004d")
            # in METADATA; pip installed them, and packaging >= 22 has no
            # LegacyVersion to order them.
            self.legacy(
                package, shown,
                f"Version {text!r} is not a PEP 440 version; it is not compared with "
                "any specifier",
                "Version",
            )
        return version

    def relpath(self, name: str) -> str:
        return f"{self.rel}/{name}"

    def read_bytes(self, path: str, package: str, shown: str) -> bytes | None:
        try:
            with open(path, "rb") as fh:
                # A plain read() sizes its buffer from fstat; a huge junk file
                # is cut at _MAX_METADATA (its headers are at the top).
                if os.fstat(fh.fileno()).st_size > _MAX_METADATA:
                    return fh.read(_MAX_METADATA)
                return fh.read()
        except FileNotFoundError:
            return None
        except OSError as exc:
            self.problem(package, shown, f"cannot read: {exc.strerror or exc}")
            return None

    def metadata(self, data: bytes | None, package: str, shown: str) -> CoreMetadata:
        if not data:
            return _NO_METADATA
        meta = read_core_metadata(data)
        if meta.latin1:
            # Core metadata must be UTF-8 (PEP 566); old tools wrote latin-1.
            # Read on, but say so: pip may fail on it.
            self.problem(package, shown, "not valid UTF-8; read as latin-1")
        return meta

    # -- entry points ------------------------------------------------------

    def read(self) -> SitePackages:
        try:
            entries = sorted(os.scandir(self.abs), key=lambda e: e.name)
        except OSError as exc:
            self.problem("site-packages", self.rel, f"cannot list: {exc.strerror or exc}")
            return SitePackages(path=self.rel)
        dists: list[InstalledDist] = []
        pth_lines: list[str] = []
        pth_targets: dict[str, str] = {}
        for entry in entries:
            name = entry.name
            try:
                if name.endswith(".dist-info"):
                    dist = self.cached_dist_info(entry) if self.cache else self.dist_info(entry)
                elif name.endswith(".egg-info"):
                    dist = self.egg_info(entry)
                elif name.endswith(".egg-link"):
                    dist = self.egg_link(entry)
                elif name.endswith(".pth") and entry.is_file():
                    lines = list(self.pth(entry))
                    pth_lines.extend(lines)
                    if lines:
                        pth_targets[canonicalize_name(name[: -len(".pth")])] = lines[0]
                    continue
                else:
                    continue
            except OSError as exc:  # a race or an odd file type
                self.problem(
                    parse_metadata_dirname(name).name,
                    self.relpath(name),
                    f"cannot read: {exc.strerror or exc}",
                )
                continue
            if dist is not None:
                dists.append(dist)
        dists = [self.pth_editable(d, pth_targets) for d in dists]
        return SitePackages(path=self.rel, dists=tuple(dists), editable_paths=tuple(pth_lines))

    def pth_editable(self, dist: InstalledDist, targets: dict[str, str]) -> InstalledDist:
        """Poetry 1.x (and other tools before PEP 660 and PEP 610) mark an
        editable install only by ``<name>.pth`` naming the source folder."""
        line = targets.get(dist.name)
        # A relative line is an ordinary sys.path addition next to the package.
        if line is None or not os.path.isabs(line) or dist.direct_url is not None:
            return dist
        return replace(dist, editable_target=line, target_exists=os.path.isdir(line))

    def cached_dist_info(self, entry: os.DirEntry[str]) -> InstalledDist | None:
        """``dist_info``, or what it returned last time if the folder and
        every file in it are unchanged (see ``_cache``)."""
        assert self.cache is not None
        key = os.path.join(self.abs, entry.name)
        fingerprint = _cache.folder_fingerprint(key) if entry.is_dir() else None
        hit = self.cache.dist(key, fingerprint)
        if hit is not None:
            dist, problems = hit
            self.problems.extend(problems)
            return dist
        start = len(self.problems)
        dist = self.dist_info(entry)
        self.cache.put_dist(key, fingerprint, dist, self.problems[start:])
        return dist

    def dist_info(self, entry: os.DirEntry[str]) -> InstalledDist | None:
        shown = self.relpath(entry.name)
        from_dirname = parse_metadata_dirname(entry.name)
        fallback = from_dirname.name
        if not entry.is_dir():
            self.problem(fallback, shown, "is not a directory")
            return None
        try:
            members = sorted(os.listdir(entry.path))
        except OSError as exc:
            self.problem(fallback, shown, f"cannot list: {exc.strerror or exc}")
            return None
        meta = self.read_bytes(os.path.join(entry.path, "METADATA"), fallback, shown + "/METADATA")
        core = self.metadata(meta, fallback, shown + "/METADATA")
        raw_name = core.name or fallback
        name = canonicalize_name(raw_name)
        version_text = core.version or from_dirname.version_text
        if meta is None:
            # pip and importlib.metadata cannot identify it: not a distribution,
            # only debris (typically INSTALLER/REQUESTED that pip uninstall left
            # because RECORD did not list them).
            left = ", ".join(members) or "nothing"
            self.problem(name, shown, f"no METADATA (left: {left})")
            return None
        installer_bytes = self.read_bytes(os.path.join(entry.path, "INSTALLER"), name, shown)
        installer = installer_bytes.decode("utf-8", "replace").strip() if installer_bytes else None
        # WHEEL's tags judge whether the wheel fits the env (platform-mismatch).
        # conda's packages are not judged (conda chose them for this subdir
        # and Python; the WHEEL inside is whatever their build wrote), so
        # their WHEEL is not read: one file less per conda-owned dist.
        wheel_tags = (
            self.wheel_tags(os.path.join(entry.path, "WHEEL"), name, shown + "/WHEEL")
            if "WHEEL" in members and installer not in CONDA_INSTALLERS
            else ()
        )
        record, record_size = self.record(entry.path, shown, name)
        direct_url = self.direct_url(entry.path, name, shown)
        target = file_url_path(direct_url.url) if direct_url and direct_url.is_local_dir else None
        has_record = record is not None
        if not has_record and meta is not None and installer not in CONDA_INSTALLERS:
            # Without RECORD pip cannot uninstall it (PEP 376).  Conda-owned
            # dist-infos are removed by conda, so they are judged elsewhere.
            self.problem(name, shown, "no RECORD: pip cannot uninstall this distribution")
        metadata = shown + "/METADATA"
        return InstalledDist(
            name=name,
            raw_name=raw_name,
            version=self.version(version_text, name, metadata),
            version_text=version_text,
            path=shown,
            kind=DistKind.DIST_INFO,
            installer=installer,
            installer_size=len(installer_bytes) if installer_bytes is not None else None,
            requested="REQUESTED" in members,
            requires=self.requirements(core.requires_dist, name, metadata),
            requires_python=self.requires_python(core.requires_python, name, metadata),
            extras=core.provides_extra,
            direct_url=direct_url,
            editable_target=target,
            target_exists=target is not None and os.path.isdir(target),
            record=tuple(record or ()),
            record_size=record_size,
            has_record=has_record,
            members=tuple(members),
            mtime=entry.stat().st_mtime,
            wheel_tags=wheel_tags,
        )

    def egg_info(self, entry: os.DirEntry[str]) -> InstalledDist | None:
        shown = self.relpath(entry.name)
        from_dirname = parse_metadata_dirname(entry.name)
        fallback = from_dirname.name
        if entry.is_dir():
            meta = self.read_bytes(
                os.path.join(entry.path, "PKG-INFO"), fallback, shown + "/PKG-INFO"
            )
            requires_txt = self.read_bytes(
                os.path.join(entry.path, "requires.txt"), fallback, shown
            )
            files = self.read_bytes(
                os.path.join(entry.path, "installed-files.txt"), fallback, shown
            )
            kind = DistKind.EGG_INFO
            members = tuple(sorted(os.listdir(entry.path)))
        elif entry.is_file():
            meta = self.read_bytes(entry.path, fallback, shown)
            requires_txt = files = None
            kind = DistKind.EGG_INFO_FILE
            members = ()
        else:
            self.problem(fallback, shown, "is neither a file nor a directory")
            return None
        core = self.metadata(meta, fallback, shown)
        raw_name = core.name or fallback
        name = canonicalize_name(raw_name)
        if meta is None:
            self.problem(name, shown, "no PKG-INFO")
        reqs = self.requirements(core.requires_dist or _requires_txt(requires_txt), name, shown)
        record = (
            self.installed_files(files.decode("utf-8", "replace"), f"{self.rel}/{entry.name}")
            if files
            else ()
        )
        version_text = core.version or from_dirname.version_text
        return InstalledDist(
            name=name,
            raw_name=raw_name,
            version=self.version(version_text, name, shown),
            version_text=version_text,
            path=shown,
            kind=kind,
            requires=reqs,
            requires_python=self.requires_python(core.requires_python, name, shown),
            record=record,
            has_record=files is not None,
            members=members,
            mtime=entry.stat().st_mtime,
        )

    def egg_link(self, entry: os.DirEntry[str]) -> InstalledDist | None:
        """A ``setup.py develop`` install: the file names the project folder."""
        shown = self.relpath(entry.name)
        fallback = parse_metadata_dirname(entry.name).name
        data = self.read_bytes(entry.path, fallback, shown)
        lines = data.decode("utf-8", "replace").splitlines() if data else []
        target = lines[0].strip() if lines else ""
        name = canonicalize_name(fallback)
        core = _NO_METADATA
        requires_txt = None
        if target and os.path.isdir(target):
            # The egg-info lives in the project, outside the prefix.  Reading
            # its metadata is what pip does too; nothing there is executed.
            for child in sorted(os.listdir(target)):
                if (
                    child.endswith(".egg-info")
                    and canonicalize_name(parse_metadata_dirname(child).name) == name
                ):
                    egg = os.path.join(target, child)
                    meta = self.read_bytes(os.path.join(egg, "PKG-INFO"), fallback, shown)
                    # Outside the prefix: not UTF-8 is not this env's problem.
                    core = read_core_metadata(meta) if meta else _NO_METADATA
                    requires_txt = self.read_bytes(
                        os.path.join(egg, "requires.txt"), fallback, shown
                    )
                    break
        version_text = core.version or ""
        return InstalledDist(
            name=canonicalize_name(core.name or fallback),
            raw_name=core.name or fallback,
            version=parse_version(version_text),
            version_text=version_text,
            path=shown,
            kind=DistKind.EGG_LINK,
            requires=self.requirements(
                core.requires_dist or _requires_txt(requires_txt), name, shown
            ),
            requires_python=self.requires_python(core.requires_python, name, shown),
            editable_target=target or None,
            target_exists=bool(target) and os.path.isdir(target),
            mtime=entry.stat().st_mtime,
        )

    def pth(self, entry: os.DirEntry[str]) -> Iterator[str]:
        """Path lines of a .pth file (``import`` lines are code: skipped)."""
        data = self.read_bytes(entry.path, entry.name, self.relpath(entry.name))
        for line in (data or b"").decode("utf-8", "replace").splitlines():
            line = line.strip()
            if line and not line.startswith(("#", "import ", "import\t")):
                yield line

    # -- pieces ------------------------------------------------------------

    def record(self, folder: str, shown: str, name: str) -> tuple[list[str] | None, int | None]:
        data = self.read_bytes(os.path.join(folder, "RECORD"), name, shown + "/RECORD")
        if data is None:
            return None, None
        paths: list[str] = []
        escaped: list[str] = []
        text = data.decode("utf-8", "replace")
        lines = text.splitlines()
        firsts = _record_paths(text, lines)
        if firsts is None:
            try:
                firsts = [row[0] for row in csv.reader(lines) if row]
            except csv.Error as exc:
                self.problem(name, shown + "/RECORD", f"malformed RECORD: {exc}")
                return [], len(data)
        base = self.rel + "/"
        plain = not self.outside
        for path in firsts:
            if not path:
                continue
            if plain and not (
                # The common row, a plain relative path, inline: this loop
                # runs once per installed file.
                path[0] == "/" or path[1:2] == ":" or "\\" in path or ".." in path
                or "./" in path or "//" in path
            ):  # fmt: skip
                paths.append(base + path)
                continue
            rel = self.inside(path)
            if rel is not None:
                paths.append(rel)  # "../../../bin/pip": outside site-packages, inside the prefix
            elif not self.unix_layout_inside(path):
                escaped.append(path)
        if escaped and not os.path.isabs(self.rel):
            # pip itself never removes such a path ("Not removing or modifying
            # (outside of prefix)"), so the distribution is still usable and
            # uninstallable: worth an info, never stale.
            self.problems.append(
                ReadProblem(
                    code=_OUTSIDE,
                    package=name,
                    path=shown + "/RECORD",
                    reason=f"RECORD lists {len(escaped)} path(s) outside the prefix, e.g. "
                    f"{escaped[0]!r}; reconcile does not follow them and pip uninstall "
                    "leaves them alone",
                    severity=Severity.INFO,
                )
            )
        return paths, len(data)

    def unix_layout_inside(self, path: str) -> bool:
        """Whether ``path`` stays inside the prefix when read against a Unix
        ``lib/pythonX.Y/site-packages``, here where site-packages is only two
        levels deep (``Lib/site-packages`` on Windows).  conda's noarch: python
        packages are built on Unix: pip, wheel and setuptools list
        ``../../../bin/pip`` in RECORD, and keep it when conda links them into
        a Windows prefix.  That is the writer's layout, not a stray path; the
        file it names is not here (conda made ``Scripts/pip.exe``), so it is
        not followed either."""
        if self.outside or self.rel.count("/") != 1 or "\\" in path:
            return False
        if path.startswith("/") or path[1:2] == ":":
            return False
        joined = posixpath.normpath(posixpath.join(_UNIX_SITE, path))
        return joined != ".." and not joined.startswith("../")

    def installed_files(self, text: str, egg_rel: str) -> tuple[str, ...]:
        # installed-files.txt paths are relative to the egg-info folder.
        out = []
        for line in text.splitlines():
            line = line.strip()
            if line:
                rel = self.inside(line, base=egg_rel)
                if rel is not None:
                    out.append(rel)
        return tuple(out)

    def inside(self, path: str, base: str | None = None) -> str | None:
        """``path`` (relative to ``base``, default this site-packages) as a
        prefix-relative path, or None when it points outside the prefix."""
        if self.outside:
            return None  # a site-packages outside the prefix owns nothing inside it
        if "\\" in path:
            path = path.replace("\\", "/")
        if path.startswith("/") or path[1:2] == ":":
            abs_prefix = self.prefix.rstrip("/") + "/"
            return path[len(abs_prefix) :] if path.startswith(abs_prefix) else None
        if ".." not in path and "./" not in path and "//" not in path:
            # The common row: a plain relative path (this runs once per RECORD row).
            return f"{base or self.rel}/{path}"
        joined = posixpath.normpath(posixpath.join(base or self.rel, path))
        if joined == ".." or joined.startswith("../"):
            return None
        return joined

    def wheel_tags(self, path: str, name: str, shown: str) -> tuple[str, ...]:
        """The ``Tag:`` values of a WHEEL file (the wheel spec's
        ``Wheel-Version``/``Generator``/``Root-Is-Purelib``/``Tag`` headers;
        one tag a line, a compressed set such as ``py2.py3-none-any`` kept
        as written)."""
        data = self.read_bytes(path, name, shown)
        if not data:
            return ()
        tags = []
        for line in data.decode("utf-8", "replace").splitlines():
            key, sep, value = line.partition(":")
            if sep and key.strip().lower() == "tag" and value.strip():
                tags.append(value.strip())
        return tuple(tags)

    def requirements(self, lines: Sequence[str], name: str, shown: str) -> tuple[Requirement, ...]:
        out = []
        bad = []
        for line in lines:
            try:
                out.append(Requirement(line))
            except InvalidRequirement:
                bad.append(line)
        if bad:
            # Legacy specifiers ("pyarrow (>=0.15.*)", "pytz (>dev)") that
            # packaging < 22 accepted: pip installed the distribution and
            # installs over it; only these lines cannot be evaluated.  One
            # finding per distribution and field.
            shown_lines = ", ".join(repr(line) for line in bad[:3])
            more = f" and {len(bad) - 3} more" if len(bad) > 3 else ""
            self.legacy(
                name, shown,
                f"Requires-Dist {shown_lines}{more}: not valid PEP 508, "
                f"{'this requirement is' if len(bad) == 1 else 'these requirements are'} "
                "not evaluated",
                "Requires-Dist",
            )
        return tuple(out)

    def requires_python(self, text: str | None, name: str, shown: str) -> SpecifierSet | None:
        if not text:
            return None
        try:
            return SpecifierSet(text)
        except InvalidSpecifier:
            # ">=3.5.*" (pylint 2.6, chaostoolkit-lib 1.8): a wildcard only
            # == and != allow (PEP 440).  pip reads the distribution anyway.
            self.legacy(
                name, shown,
                f"Requires-Python {text!r} is not a valid PEP 440 specifier; it cannot be "
                "evaluated",
                "Requires-Python",
            )
            return None

    def direct_url(self, folder: str, name: str, shown: str) -> DirectUrl | None:
        data = self.read_bytes(os.path.join(folder, "direct_url.json"), name, shown)
        if data is None:
            return None
        try:
            raw = json.loads(data)
            return _direct_url(raw)
        except (ValueError, TypeError, KeyError, RecursionError):
            self.problem(name, shown + "/direct_url.json", "malformed direct_url.json (PEP 610)")
            return None


def _direct_url(raw: Any) -> DirectUrl:
    if not isinstance(raw, dict) or not isinstance(raw.get("url"), str):
        raise ValueError("no url")
    dir_info: dict[str, Any] = raw["dir_info"] if isinstance(raw.get("dir_info"), dict) else {}
    vcs_info = raw.get("vcs_info") if isinstance(raw.get("vcs_info"), dict) else None
    archive = raw.get("archive_info") if isinstance(raw.get("archive_info"), dict) else None
    archive_hash = None
    if archive is not None:
        hashes = archive.get("hashes")
        if isinstance(hashes, dict) and hashes:
            algo = "sha256" if "sha256" in hashes else sorted(hashes)[0]
            archive_hash = f"{algo}={hashes[algo]}"
        elif isinstance(archive.get("hash"), str):
            archive_hash = archive["hash"]
    return DirectUrl(
        url=raw["url"],
        editable=bool(dir_info.get("editable")),
        vcs=vcs_info.get("vcs") if vcs_info else None,
        commit_id=vcs_info.get("commit_id") if vcs_info else None,
        requested_revision=vcs_info.get("requested_revision") if vcs_info else None,
        archive_hash=archive_hash,
        archive=archive is not None,
        subdirectory=raw.get("subdirectory") if isinstance(raw.get("subdirectory"), str) else None,
    )


def _record_paths(text: str, lines: list[str]) -> list[str] | None:
    """The first column of RECORD when no row needs the csv module: without
    a quote, a NUL or a field over csv's size limit, csv splits each line
    at its commas, so the path is what precedes the first one.  None when
    csv must read it (and then report what it finds wrong)."""
    if '"' in text or "\0" in text:
        return None
    if len(text) > _CSV_FIELD_LIMIT and any(len(line) > _CSV_FIELD_LIMIT for line in lines):
        return None
    return [line.partition(",")[0] for line in lines]


def _requires_txt(data: bytes | None) -> list[str]:
    """setuptools' requires.txt: sections ``[extra]``, ``[:marker]`` or
    ``[extra:marker]`` qualify the lines under them."""
    if not data:
        return []
    out: list[str] = []
    marker = ""
    for line in data.decode("utf-8", "replace").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            extra, _, env = line[1:-1].partition(":")
            parts = []
            if extra.strip():
                parts.append(f'extra == "{extra.strip()}"')
            if env.strip():
                parts.append(f"({env.strip()})")
            marker = " and ".join(parts)
            continue
        out.append(f"{line}; {marker}" if marker else line)
    return out


def read_site_packages(
    prefix: str, rel: str, cache: ParseCache | None = None
) -> tuple[SitePackages, list[ReadProblem]]:
    """Read the site-packages at ``rel`` (prefix-relative, or absolute for a
    folder outside the prefix such as the user site).  With ``cache``, a
    dist-info folder unchanged since it was last parsed is not parsed again."""
    reader = _Reader(prefix, rel, cache)
    return reader.read(), reader.problems
