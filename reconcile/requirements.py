"""pip's requirements-file format: the lines of a ``requirements.txt``, and
the lines of an ``environment.yml``'s ``pip:`` section, which conda hands to
pip as a requirements file.

The format is pip's own, as pip documents it
(https://pip.pypa.io/en/stable/reference/requirements-file-format/) and reads
it (``pip/_internal/req/req_file.py``); packaging has no parser for it.  So
the line grammar is written here after pip's: comments, ``\\`` continuation,
options and their optparse abbreviations (``--extra-index`` for
``--extra-index-url``), several options on one line, per-requirement options
(``--hash``), ``-r``/``-c`` files relative to the file that names them, and
``-e <path or VCS URL>``.  What a line asks for is then read with packaging
wherever a standard covers it: PEP 508 requirements (``name[extras] spec ;
marker`` and ``name @ url``) and markers with
:class:`packaging.requirements.Requirement` and
:class:`packaging.markers.Marker`, project names with
:func:`packaging.utils.canonicalize_name`, wheel and sdist file names with
:mod:`reconcile.filenames` (packaging's parsers).  Bare URLs, VCS URLs and
local paths are pip's, not PEP 508's, and are read here.

:func:`parse_pip_lines` turns ``(line number, text)`` pairs into
:class:`PipEntry` values (and :class:`PipInclude` for each ``-r``/``-c``).  A
line that cannot be understood becomes a :class:`LineProblem` with its file
and line number; it never stops the reading.  Reading the ``-r``/``-c`` files
is the only I/O, through the ``read_text`` callback (tests pass a dict).
"""

from __future__ import annotations

import enum
import os
import re
import shlex
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name

from .channels import file_url_path
from .filenames import InvalidFilename, parse_dist_filename

__all__ = [
    "ARCHIVE_SUFFIXES",
    "LineProblem",
    "PipEntry",
    "PipInclude",
    "PipKind",
    "parse_pip_lines",
    "requirement_entry",
    "split_vcs_revision",
]

#: How deep ``-r``/``-c`` files may include each other before it counts as a loop.
_MAX_INCLUDE_DEPTH = 10


# --------------------------------------------------------------------------
# values


@dataclass(frozen=True, kw_only=True, slots=True)
class LineProblem:
    """A line that could not be used, or that pip or conda would not use as
    written.  ``ignored`` problems are notes (conda or pip ignores the text
    too); the others mean the line could not be understood.

    The lines of a requirements file are told here; :mod:`reconcile.envfile`
    tells the lines of an environment file's YAML with the same value."""

    source: str
    line: int
    text: str
    reason: str
    ignored: bool = False
    #: A stable name for the problems a caller tells apart (``remote-include``
    #: here; ``duplicate-key`` and ``unknown-key`` of an environment file);
    #: None for the others.
    code: str | None = None

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.text!r}: {self.reason}"


class PipKind(str, enum.Enum):
    """What one pip line asks for."""

    REQUIREMENT = "requirement"  # PEP 508 name[extras] specifier ; marker
    URL = "url"  # ``name @ url`` or a bare URL (VCS or archive)
    PATH = "path"  # a local directory or archive
    EDITABLE = "editable"  # ``-e`` a local directory or a VCS URL
    OPTION = "option"  # index options and the like: nothing to install


_VCS = ("git", "hg", "svn", "bzr")


@dataclass(frozen=True, kw_only=True, slots=True)
class PipEntry:
    """One requirement of a pip section, or of a file it includes."""

    text: str  # the whole line as written
    kind: PipKind
    name: NormalizedName | None = None
    requirement: Requirement | None = None  # PEP 508 form, when there is one
    url: str | None = None  # URL as written (``git+https://...@rev#egg=x``)
    path: str | None = None  # local path, made absolute against the file's folder
    editable: bool = False
    constraint: bool = False  # from a ``-c`` file: limits, installs nothing
    hashes: tuple[str, ...] = ()
    options: tuple[str, ...] = ()  # OPTION lines: the options, normalised
    marker: Marker | None = None  # of a URL or path line (a requirement has its own)
    source: str
    line: int

    @property
    def vcs(self) -> str | None:
        if self.url is None:
            return None
        scheme = self.url.split(":", 1)[0]
        head = scheme.split("+", 1)[0]
        return head if head in _VCS and ("+" in scheme or scheme == head) else None

    @property
    def url_without_vcs(self) -> str | None:
        """The URL without ``git+``, the ``@revision`` and the fragment."""
        if self.url is None:
            return None
        url = self.url.split("#", 1)[0]
        if self.vcs is not None:
            url = url.split("+", 1)[1] if "+" in url.split(":", 1)[0] else url
            url = split_vcs_revision(url)[0]
        return url

    @property
    def revision(self) -> str | None:
        """The ``@revision`` of a VCS URL, if any."""
        if self.url is None or self.vcs is None:
            return None
        return split_vcs_revision(self.url.split("#", 1)[0])[1]


def split_vcs_revision(url: str) -> tuple[str, str | None]:
    """``https://h/r.git@v1`` -> (``https://h/r.git``, ``v1``); an ``@`` in the
    authority (``git@host``, ``user@host``) is not a revision."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        rest, scheme = url, ""
    slash = rest.find("/")
    if slash < 0:
        return url, None
    path = rest[slash:]
    if "@" not in path:
        return url, None
    before, _, rev = path.rpartition("@")
    base = (f"{scheme}://" if sep else "") + rest[:slash] + before
    return base, rev or None


@dataclass(frozen=True, kw_only=True, slots=True)
class PipInclude:
    """One ``-r``/``-c`` line: the file it names, whether or not it could be read."""

    text: str  # the whole line as written
    target: str  # the file as written (a path or a URL)
    path: str | None  # made absolute against the including file's folder; None for a URL
    constraint: bool  # ``-c`` (or any include under a ``-c`` file)
    source: str
    line: int


# --------------------------------------------------------------------------
# pip's line grammar: comments, continuation, options (not in packaging)


# Options pip accepts in a requirements file (pip/_internal/req/req_file.py,
# SUPPORTED_OPTIONS and SUPPORTED_OPTIONS_REQ), and whether they take a value.
_LONG_OPTIONS: dict[str, bool] = {
    "--editable": True,
    "--requirement": True,
    "--constraint": True,
    "--index-url": True,
    "--extra-index-url": True,
    "--no-index": False,
    "--find-links": True,
    "--no-binary": True,
    "--only-binary": True,
    "--prefer-binary": False,
    "--require-hashes": False,
    "--pre": False,
    "--trusted-host": True,
    "--use-feature": True,
    # per requirement
    "--hash": True,
    "--global-option": True,
    "--config-settings": True,
    "--install-option": True,
}
_SHORT_OPTIONS = {
    "-e": "--editable",
    "-r": "--requirement",
    "-c": "--constraint",
    "-i": "--index-url",
    "-f": "--find-links",
}
_PER_REQUIREMENT = frozenset({"--hash", "--global-option", "--config-settings", "--install-option"})
_COMMENT = re.compile(r"(^|\s+)#.*$")
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_VCS_SCHEME = re.compile(r"^(git|hg|svn|bzr)\+", re.I)
#: File names pip installs as an archive rather than a project folder.
ARCHIVE_SUFFIXES = (
    ".whl",
    ".tar.gz",
    ".tgz",
    ".tar.bz2",
    ".tbz",
    ".tar.xz",
    ".txz",
    ".tar",
    ".zip",
)


def _long_option(token: str) -> str | None:
    """optparse accepts any unambiguous prefix of a long option."""
    if token in _LONG_OPTIONS:
        return token
    matches = [o for o in _LONG_OPTIONS if o.startswith(token)]
    return matches[0] if len(matches) == 1 else None


def _logical_lines(lines: list[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """Comments stripped and ``\\``-continued lines joined, as pip does."""
    pending: list[str] = []
    start = 0
    for number, text in lines:
        if not pending:
            start = number
        stripped = text.rstrip()
        if stripped.endswith("\\") and not _COMMENT.search(stripped):
            pending.append(stripped[:-1])
            continue
        pending.append(text)
        joined = _COMMENT.sub("", " ".join(pending) if len(pending) > 1 else pending[0]).strip()
        pending = []
        if joined:
            yield start, joined
    if pending:
        joined = _COMMENT.sub("", " ".join(pending)).strip()
        if joined:
            yield start, joined


def parse_pip_lines(
    lines: list[tuple[int, str]],
    *,
    source: str,
    base_dir: str,
    problems: list[LineProblem],
    read_text: Callable[[str], str] | None = None,
    includes: list[PipInclude] | None = None,
    constraint: bool = False,
    depth: int = 0,
    seen: frozenset[str] = frozenset(),
) -> Iterator[PipEntry]:
    """Parse requirement lines (``(line number, text)``) the way pip reads a
    requirements file, following ``-r`` and ``-c`` files relative to
    ``base_dir``.  ``source`` names the file the lines are from, for
    messages.  Lines that cannot be used are appended to ``problems``; each
    ``-r``/``-c`` line is also appended to ``includes`` when a list is given.
    ``read_text`` reads an included file (default: open it as UTF-8)."""
    for number, text in _logical_lines(lines):
        yield from _pip_line(
            text,
            number,
            source=source,
            base_dir=base_dir,
            read_text=read_text or _read_file,
            problems=problems,
            includes=includes,
            constraint=constraint,
            depth=depth,
            seen=seen,
        )


def _pip_line(
    text: str,
    number: int,
    *,
    source: str,
    base_dir: str,
    read_text: Callable[[str], str],
    problems: list[LineProblem],
    includes: list[PipInclude] | None,
    constraint: bool,
    depth: int,
    seen: frozenset[str],
) -> Iterator[PipEntry]:
    def problem(reason: str, ignored: bool = False) -> None:
        problems.append(
            LineProblem(source=source, line=number, text=text, reason=reason, ignored=ignored)
        )

    # pip splits a line at the first token that starts with "-": the words
    # before it are the requirement, the rest are options.
    words = text.split(" ")
    cut = next((i for i, w in enumerate(words) if w.startswith("-")), len(words))
    args, opt_text = " ".join(words[:cut]).strip(), " ".join(words[cut:]).strip()
    try:
        tokens = shlex.split(opt_text)
    except ValueError as exc:
        problem(f"cannot split options: {exc}")
        return
    options: list[tuple[str, str | None]] = []
    leftover: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if not token.startswith("-"):
            leftover.append(token)
            continue
        name, eq, attached = token.partition("=") if token.startswith("--") else (token, "", "")
        inline: str | None = attached if eq else None
        if not token.startswith("--"):
            long = _SHORT_OPTIONS.get(token[:2])
            if long is not None and len(token) > 2:
                inline = token[2:]
        else:
            long = _long_option(name)
        if long is None:
            problem(f"pip does not accept the option {token.split('=', 1)[0]!r} here")
            return
        if _LONG_OPTIONS[long]:
            if inline is None:
                if i >= len(tokens):
                    problem(f"{long} needs a value")
                    return
                inline = tokens[i]
                i += 1
            options.append((long, inline))
        else:
            options.append((long, None))
    if leftover:
        problem(
            "pip ignores " + " ".join(repr(t) for t in leftover) + " after the options here",
            ignored=True,
        )
    hashes = tuple(v for o, v in options if o == "--hash" and v)

    if args:
        global_opts = [o for o, _ in options if o not in _PER_REQUIREMENT]
        if global_opts:
            problem(f"pip does not accept {global_opts[0]} after a requirement")
            return
        entry = requirement_entry(
            args,
            source=source,
            line=number,
            base_dir=base_dir,
            full_text=text,
            constraint=constraint,
            hashes=hashes,
        )
        if isinstance(entry, str):
            problem(entry)
        else:
            yield entry
        return

    plain: list[str] = []
    for option, value in options:
        if option in ("--requirement", "--constraint"):
            assert value is not None
            yield from _include(
                value,
                number,
                text,
                is_constraint=constraint or option == "--constraint",
                source=source,
                base_dir=base_dir,
                read_text=read_text,
                problems=problems,
                includes=includes,
                depth=depth,
                seen=seen,
            )
        elif option == "--editable":
            assert value is not None
            entry = _editable(value, source, number, base_dir, text, constraint)
            if isinstance(entry, str):
                problem(entry)
            else:
                yield entry
        elif option in _PER_REQUIREMENT:
            problem(f"{option} without a requirement")
        else:
            plain.append(option if value is None else f"{option} {value}")
    if plain:
        yield PipEntry(
            text=text,
            kind=PipKind.OPTION,
            options=tuple(plain),
            constraint=constraint,
            source=source,
            line=number,
        )


def _include(
    target: str,
    number: int,
    text: str,
    *,
    is_constraint: bool,
    source: str,
    base_dir: str,
    read_text: Callable[[str], str],
    problems: list[LineProblem],
    includes: list[PipInclude] | None,
    depth: int,
    seen: frozenset[str],
) -> Iterator[PipEntry]:
    def problem(reason: str, code: str | None = None) -> None:
        problems.append(
            LineProblem(source=source, line=number, text=text, reason=reason, code=code)
        )

    remote = bool(_URL_SCHEME.match(target)) and not target.startswith("file:")
    path: str | None = None
    if not remote:
        path = target[len("file://") :] if target.startswith("file://") else target
        path = os.path.normpath(os.path.join(base_dir, os.path.expanduser(path)))
    if includes is not None:
        includes.append(
            PipInclude(
                text=text,
                target=target,
                path=path,
                constraint=is_constraint,
                source=source,
                line=number,
            )
        )
    if path is None:
        problem("a requirements file at a URL is not fetched; not checked", "remote-include")
        return
    if path in seen or depth >= _MAX_INCLUDE_DEPTH:
        problem("requirements files include each other in a loop; not followed")
        return
    try:
        content = read_text(path)
    except OSError as exc:
        problem(f"cannot read {path}: {exc.strerror or exc}")
        return
    yield from parse_pip_lines(
        list(enumerate(content.splitlines(), start=1)),
        source=path,
        base_dir=os.path.dirname(path),
        read_text=read_text,
        problems=problems,
        includes=includes,
        constraint=is_constraint,
        depth=depth + 1,
        seen=seen | {path},
    )


def _editable(
    value: str, source: str, line: int, base_dir: str, text: str, constraint: bool
) -> PipEntry | str:
    target = value.strip()
    if _is_url(target):
        if not _VCS_SCHEME.match(target) and not target.startswith("file:"):
            return "an editable install needs a local path or a VCS URL"
        name = _egg_name(target)
        path = file_url_path(target) if target.startswith("file:") else None
        return PipEntry(
            text=text,
            kind=PipKind.EDITABLE,
            name=name,
            url=None if path else target,
            path=os.path.normpath(os.path.join(base_dir, path)) if path else None,
            editable=True,
            constraint=constraint,
            source=source,
            line=line,
        )
    # ``-e .[dev]``: extras after the path
    path = re.sub(r"\[[^\]]*\]$", "", target)
    return PipEntry(
        text=text,
        kind=PipKind.EDITABLE,
        path=os.path.normpath(os.path.join(base_dir, os.path.expanduser(path))),
        editable=True,
        constraint=constraint,
        source=source,
        line=line,
    )


# --------------------------------------------------------------------------
# what a requirement names: PEP 508 and file names through packaging


def _is_url(text: str) -> bool:
    """A URL pip reads as one (``scheme://``), or a VCS URL (``git+...``)."""
    return bool(_URL_SCHEME.match(text) or _VCS_SCHEME.match(text))


def _looks_like_path(text: str) -> bool:
    """pip's test (``_looks_like_path`` in pip/_internal/req/constructors.py):
    a path separator, or a leading dot."""
    return "/" in text or "\\" in text or text.startswith(".")


def _egg_name(url: str) -> NormalizedName | None:
    """The project a URL's ``#egg=`` fragment names.  pip reads the value as a
    PEP 508 requirement (``egg=name[extras]``); one that is not names nothing."""
    fragment = url.partition("#")[2]
    for part in fragment.split("&"):
        key, _, value = part.partition("=")
        if key == "egg" and value:
            try:
                return canonicalize_name(Requirement(value).name)
            except InvalidRequirement:
                return None
    return None


def _name_from_filename(filename: str) -> NormalizedName | None:
    """The project of a wheel or sdist file name (``pkg-1.0-py3-none-any.whl``)."""
    try:
        return parse_dist_filename(filename).name
    except InvalidFilename:
        return None


def requirement_entry(
    args: str,
    *,
    source: str,
    line: int,
    base_dir: str,
    full_text: str | None = None,
    constraint: bool = False,
    hashes: tuple[str, ...] = (),
) -> PipEntry | str:
    """One requirement (no options): a :class:`PipEntry`, or why it is not one.

    pip tells a PEP 508 requirement from a URL or a path by its look: a URL
    starts with a scheme; ``name @ url`` has an ``@`` whose part before it
    does not look like a path; a path has a separator, a leading dot or an
    archive's suffix.  PEP 508 text is then read by packaging."""
    text = full_text if full_text is not None else args
    spec = args.strip()
    common: dict[str, Any] = {
        "text": text,
        "constraint": constraint,
        "hashes": hashes,
        "source": source,
        "line": line,
    }
    head, at, _ = spec.partition("@")
    if at and not _is_url(spec) and not _looks_like_path(head):
        return _pep508_entry(spec, base_dir, common)
    # A bare URL or path may carry a marker after "; " (pip requires the space).
    target, _, marker_text = spec.partition("; ")
    target = target.strip()
    if marker_text.strip():
        try:
            common["marker"] = Marker(marker_text.strip())
        except InvalidMarker as exc:
            return f"not a valid marker: {exc}"
    if _is_url(target):
        if target.startswith("file:") and not _VCS_SCHEME.match(target):
            local = file_url_path(target)
            return PipEntry(
                kind=PipKind.PATH,
                name=_egg_name(target) or _name_from_filename(os.path.basename(local)),
                url=target,
                path=os.path.normpath(os.path.join(base_dir, local)),
                **common,
            )
        name = _egg_name(target)
        if name is None and not _VCS_SCHEME.match(target):
            name = _name_from_filename(target.split("#", 1)[0].rsplit("/", 1)[-1])
        return PipEntry(kind=PipKind.URL, name=name, url=target, **common)
    # pip takes a line for a local path when it looks like one and the folder
    # exists, or when it names an archive; without the file system, the look
    # decides (and ``~``, which the shell would have expanded, counts).
    if (
        _looks_like_path(target)
        or target.startswith("~")
        or target.lower().endswith(ARCHIVE_SUFFIXES)
    ):
        path = os.path.normpath(os.path.join(base_dir, os.path.expanduser(target)))
        return PipEntry(
            kind=PipKind.PATH, name=_name_from_filename(os.path.basename(path)), path=path, **common
        )
    common.pop("marker", None)
    return _pep508_entry(spec, base_dir, common)


def _pep508_entry(spec: str, base_dir: str, common: dict[str, Any]) -> PipEntry | str:
    """``name[extras] specifier ; marker`` or ``name[extras] @ url ; marker``,
    read by packaging; a ``file:`` URL is a local path."""
    try:
        req = Requirement(spec)
    except InvalidRequirement as exc:
        return f"not a valid requirement: {exc}"
    name = canonicalize_name(req.name)
    if req.url is None:
        return PipEntry(kind=PipKind.REQUIREMENT, name=name, requirement=req, **common)
    if req.url.startswith("file:") and not _VCS_SCHEME.match(req.url):
        path = os.path.normpath(os.path.join(base_dir, file_url_path(req.url)))
        return PipEntry(
            kind=PipKind.PATH, name=name, requirement=req, url=req.url, path=path, **common
        )
    return PipEntry(kind=PipKind.URL, name=name, requirement=req, url=req.url, **common)


def _read_file(path: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as fh:
        return fh.read()
