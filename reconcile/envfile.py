"""Read ``environment.yml`` files as people write them.

conda's environment file is YAML with ``name``, ``channels`` and
``dependencies``; a ``dependencies`` item is a conda MatchSpec string or a
``{pip: [...]}`` mapping whose lines conda hands to pip as a requirements
file, run from the yml's folder.  Real files go well beyond the documented
shape, and every one of these is read here:

* several ``pip:`` blocks, a ``pip:`` block that is not last, ``pip: []``
  and ``pip:`` with nothing under it;
* pip's requirements-file syntax on each pip line: ``-r``/``-c`` files
  (relative to the file that names them), ``-e <path or VCS URL>``, index
  options (``--index-url``, ``--extra-index-url`` and optparse's
  abbreviations such as ``--extra-index``), several options on one line,
  per-requirement ``--hash`` options, PEP 508 ``name @ url`` and bare URLs,
  local paths and archives, local versions (``1.8.2+cu111``), markers;
* micromamba's ``sel(linux): name`` selector items;
* conda-lock's extra top-level keys (kept as notes, as conda ignores them).

Two layers, as for every input of reconcile: :func:`parse_env_text` turns
YAML text into a lenient :class:`RawEnvFile` that keeps every key and the
line number of every item, and :meth:`EnvFile.from_raw` validates it into
frozen values.  A line that cannot be understood becomes a
:class:`LineProblem` with its file and line number; it never stops the
reading.  Only a file that is not YAML at all, or whose top level is not a
mapping, raises :class:`InvalidEnvFile`.

Reading referenced ``-r``/``-c`` files is the only I/O, and it goes through
the ``read_text`` callback of :meth:`EnvFile.from_raw` (tests pass a dict).
"""

from __future__ import annotations

import enum
import os
import re
import shlex
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name

from ._conda import split_spec_name
from .channels import file_url_path
from .errors import ReconcileError
from .filenames import (
    InvalidFilename,
    is_wheel_filename,
    parse_sdist_filename,
    parse_wheel_filename,
)

__all__ = [
    "ARCHIVE_SUFFIXES",
    "CondaDep",
    "EnvFile",
    "InvalidEnvFile",
    "LineProblem",
    "PipEntry",
    "PipInclude",
    "PipKind",
    "RawEnvFile",
    "RawItem",
    "load_env_file",
    "parse_env_text",
    "parse_pip_lines",
]

#: The top-level keys conda itself reads; others are kept but ignored.
CONDA_KEYS = frozenset({"name", "channels", "dependencies", "prefix", "variables"})
_MAX_INCLUDE_DEPTH = 10


class InvalidEnvFile(ReconcileError):
    """An environment file that is not YAML, or whose top level is not a mapping."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"invalid environment file {path!r}: {reason}")


# --------------------------------------------------------------------------
# raw layer: YAML nodes with their line numbers


@dataclass(frozen=True, slots=True)
class RawItem:
    """One YAML value with the 1-based line it starts on."""

    line: int
    value: Any  # str, None, list[RawItem], dict[str, RawItem], or another scalar


class RawEnvFile(TypedDict):
    """The top-level mapping as read: every key kept, each value located."""

    source: str
    keys: dict[str, RawItem]
    key_lines: dict[str, int]
    duplicates: list[tuple[str, int]]


def parse_env_text(text: str, source: str) -> RawEnvFile:
    """Parse YAML text into a :class:`RawEnvFile`.

    The YAML is composed with PyYAML's safe loader (no tags, no Python
    objects) so that each node keeps its line; scalars are kept as the text
    people wrote (``- 3.8`` stays ``"3.8"``, not a float).
    """
    import yaml

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise InvalidEnvFile(source, f"not YAML{where}: {exc.problem or exc}") from exc
    except yaml.YAMLError as exc:
        raise InvalidEnvFile(source, f"not YAML: {exc}") from exc
    except RecursionError as exc:
        raise InvalidEnvFile(source, "YAML nested too deeply") from exc
    if node is None:
        raise InvalidEnvFile(source, "the file is empty")
    if not isinstance(node, yaml.MappingNode):
        kind = "a list" if isinstance(node, yaml.SequenceNode) else "a single value"
        raise InvalidEnvFile(source, f"expected a mapping of keys, found {kind}")
    keys: dict[str, RawItem] = {}
    key_lines: dict[str, int] = {}
    duplicates: list[tuple[str, int]] = []
    for key_node, value_node in node.value:
        key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else repr(key_node)
        if key in keys:
            duplicates.append((key, key_node.start_mark.line + 1))
        keys[key] = _raw(value_node, 0)
        key_lines[key] = key_node.start_mark.line + 1
    return RawEnvFile(source=source, keys=keys, key_lines=key_lines, duplicates=duplicates)


def _raw(node: Any, depth: int) -> RawItem:
    import yaml

    line = node.start_mark.line + 1
    if depth > 50:
        return RawItem(line, None)
    if isinstance(node, yaml.ScalarNode):
        # A null scalar (``key:`` with nothing, ``~``, ``null``) is None.
        if node.tag == "tag:yaml.org,2002:null":
            return RawItem(line, None)
        return RawItem(line, str(node.value))
    if isinstance(node, yaml.SequenceNode):
        return RawItem(line, [_raw(n, depth + 1) for n in node.value])
    if isinstance(node, yaml.MappingNode):
        out: dict[str, RawItem] = {}
        for k, v in node.value:
            key = str(k.value) if isinstance(k, yaml.ScalarNode) else f"<{k.tag}>"
            out[key] = _raw(v, depth + 1)
        return RawItem(line, out)
    return RawItem(line, None)  # pragma: no cover - compose yields only these three


# --------------------------------------------------------------------------
# validated layer


@dataclass(frozen=True, kw_only=True, slots=True)
class LineProblem:
    """A line that could not be used, or that pip or conda would not use as
    written.  ``ignored`` problems are notes (conda or pip ignores the text
    too); the others mean the line could not be understood."""

    source: str
    line: int
    text: str
    reason: str
    ignored: bool = False
    #: A stable name for the problems a caller tells apart (``duplicate-key``,
    #: ``unknown-key``, ``remote-include``); None for the others.
    code: str | None = None

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.text!r}: {self.reason}"


@dataclass(frozen=True, kw_only=True, slots=True)
class CondaDep:
    """One conda MatchSpec of ``dependencies``."""

    text: str  # as written
    name: str  # conda package name, lower case
    spec: str  # the MatchSpec without its channel prefix
    channel: str | None = None
    selector: str | None = None  # micromamba ``sel(linux)`` -> "linux"
    source: str
    line: int


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


@dataclass(frozen=True, kw_only=True, slots=True)
class EnvFile:
    """A validated environment file."""

    path: str
    name: str | None = None
    prefix: str | None = None
    channels: tuple[str, ...] = ()
    conda: tuple[CondaDep, ...] = ()
    pip: tuple[PipEntry, ...] = ()
    has_pip_section: bool = False
    problems: tuple[LineProblem, ...] = ()
    other_keys: tuple[str, ...] = field(default=())
    # Where things are, for messages that point at a line (``reconcile lint``).
    key_lines: Mapping[str, int] = field(default_factory=dict, hash=False, compare=False)
    channel_lines: tuple[int, ...] = ()  # one per ``channels`` item, in order
    pip_section_lines: tuple[int, ...] = ()  # the line of each ``- pip:`` item
    includes: tuple[PipInclude, ...] = ()  # every ``-r``/``-c``, nested ones too

    @property
    def unreadable(self) -> tuple[LineProblem, ...]:
        return tuple(p for p in self.problems if not p.ignored)

    @classmethod
    def from_raw(
        cls,
        raw: RawEnvFile,
        *,
        base_dir: str,
        read_text: Callable[[str], str] | None = None,
    ) -> EnvFile:
        """Validate ``raw``.  ``base_dir`` is the yml's folder: conda runs pip
        there, so relative pip paths and ``-r`` files are taken from it.
        ``read_text`` reads an included ``-r``/``-c`` file (default: open it)."""
        source = raw["source"]
        problems: list[LineProblem] = []
        for key, line in raw["duplicates"]:
            problems.append(
                LineProblem(
                    source=source,
                    line=line,
                    text=key,
                    reason="key given twice; the last one is used",
                    ignored=True,
                    code="duplicate-key",
                )
            )
        keys = raw["keys"]
        other = tuple(sorted(k for k in keys if k not in CONDA_KEYS))
        for key in other:
            problems.append(
                LineProblem(
                    source=source,
                    line=raw["key_lines"].get(key, keys[key].line),
                    text=key,
                    reason="not a key conda reads; ignored",
                    ignored=True,
                    code="unknown-key",
                )
            )
        name = _text(keys.get("name"), "name", source, problems)
        prefix = _text(keys.get("prefix"), "prefix", source, problems)
        channel_items = list(_strings(keys.get("channels"), "channels", source, problems))
        channels = tuple(text for _, text in channel_items)
        conda: list[CondaDep] = []
        pip_lines: list[tuple[int, str]] = []
        pip_sections: list[int] = []
        has_pip = False
        deps = keys.get("dependencies")
        items: list[RawItem] = []
        if deps is not None and deps.value is not None:
            if isinstance(deps.value, list):
                items = deps.value
            else:
                problems.append(
                    LineProblem(
                        source=source,
                        line=deps.line,
                        text="dependencies",
                        reason="expected a list of dependencies",
                    )
                )
        for item in items:
            value = item.value
            if isinstance(value, str):
                dep = _conda_dep(value, None, source, item.line, problems)
                if dep is not None:
                    conda.append(dep)
            elif isinstance(value, dict):
                for key, sub in value.items():
                    if key == "pip":
                        has_pip = True
                        pip_sections.append(item.line)
                        pip_lines.extend(_pip_block(sub, source, problems))
                    elif (m := _SELECTOR.fullmatch(key)) is not None and isinstance(sub.value, str):
                        dep = _conda_dep(sub.value, m.group(1), source, sub.line, problems)
                        if dep is not None:
                            conda.append(dep)
                    else:
                        problems.append(
                            LineProblem(
                                source=source,
                                line=sub.line,
                                text=key,
                                reason="not a dependency conda understands (only 'pip:' "
                                "mappings are)",
                            )
                        )
            else:
                problems.append(
                    LineProblem(
                        source=source,
                        line=item.line,
                        text="" if value is None else str(value),
                        reason="empty dependency item" if value is None else "not a string",
                    )
                )
        reader = read_text or _read_file
        includes: list[PipInclude] = []
        pip = list(
            parse_pip_lines(
                pip_lines,
                source=source,
                base_dir=base_dir,
                read_text=reader,
                problems=problems,
                includes=includes,
            )
        )
        return cls(
            path=source,
            name=name,
            prefix=prefix,
            channels=channels,
            conda=tuple(conda),
            pip=tuple(pip),
            has_pip_section=has_pip,
            problems=tuple(problems),
            other_keys=other,
            key_lines=dict(raw["key_lines"]),
            channel_lines=tuple(line for line, _ in channel_items),
            pip_section_lines=tuple(pip_sections),
            includes=tuple(includes),
        )


def load_env_file(path: str | os.PathLike[str]) -> EnvFile:
    """Read and validate the environment file at ``path``.

    Raises :class:`InvalidEnvFile` when it is not YAML or not a mapping, and
    ``OSError`` when it cannot be read (the CLI reports both in one line).
    """
    path = os.fspath(path)
    with open(path, "rb") as fh:
        data = fh.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidEnvFile(path, f"not UTF-8 text (byte {exc.start})") from exc
    raw = parse_env_text(text, path)
    return EnvFile.from_raw(raw, base_dir=os.path.dirname(os.path.abspath(path)))


def _read_file(path: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as fh:
        return fh.read()


_SELECTOR = re.compile(r"sel\(\s*([A-Za-z0-9_-]+)\s*\)")


def _text(item: RawItem | None, key: str, source: str, problems: list[LineProblem]) -> str | None:
    if item is None or item.value is None:
        return None
    if isinstance(item.value, str):
        return item.value
    problems.append(
        LineProblem(source=source, line=item.line, text=key, reason="expected a single value")
    )
    return None


def _strings(
    item: RawItem | None, key: str, source: str, problems: list[LineProblem]
) -> Iterator[tuple[int, str]]:
    if item is None or item.value is None:
        return
    values = item.value if isinstance(item.value, list) else [item]
    if not isinstance(item.value, list):
        problems.append(
            LineProblem(
                source=source,
                line=item.line,
                text=key,
                reason="expected a list; read as a list of one",
                ignored=True,
            )
        )
    for sub in values:
        if isinstance(sub.value, str) and sub.value.strip():
            yield sub.line, sub.value.strip()
        else:
            problems.append(
                LineProblem(
                    source=source,
                    line=sub.line,
                    text="" if sub.value is None else str(sub.value),
                    reason=f"not a {key[:-1]} name",
                )
            )


def _conda_dep(
    text: str, selector: str | None, source: str, line: int, problems: list[LineProblem]
) -> CondaDep | None:
    spec = text.strip()
    channel = None
    if "::" in spec:
        channel, _, spec = spec.rpartition("::")
        channel = channel.strip() or None
    split = split_spec_name(spec)
    if not spec or split is None:
        problems.append(
            LineProblem(source=source, line=line, text=text, reason="not a conda package spec")
        )
        return None
    name, rest = split
    if rest and rest[0] not in " =<>!~[*,|":
        problems.append(
            LineProblem(source=source, line=line, text=text, reason="not a conda package spec")
        )
        return None
    return CondaDep(
        text=text,
        name=name,
        spec=spec.strip(),
        channel=channel,
        selector=selector,
        source=source,
        line=line,
    )


def _pip_block(
    item: RawItem, source: str, problems: list[LineProblem]
) -> Iterator[tuple[int, str]]:
    if item.value is None:
        return  # ``pip:`` with nothing under it
    if isinstance(item.value, str):
        # conda would iterate the characters; a one-line requirement is what
        # the author meant, and saying so beats guessing silently.
        problems.append(
            LineProblem(
                source=source,
                line=item.line,
                text=item.value,
                reason="'pip:' should be a list; read as one line",
                ignored=True,
            )
        )
        yield item.line, item.value
        return
    if not isinstance(item.value, list):
        problems.append(
            LineProblem(source=source, line=item.line, text="pip", reason="expected a list")
        )
        return
    for sub in item.value:
        if isinstance(sub.value, str):
            yield sub.line, sub.value
        else:
            problems.append(
                LineProblem(
                    source=source,
                    line=sub.line,
                    text="" if sub.value is None else str(sub.value),
                    reason="empty pip line" if sub.value is None else "not a pip requirement line",
                )
            )


# --------------------------------------------------------------------------
# pip's requirements-file syntax


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
_NAMED_URL = re.compile(r"^\s*[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*@\s*\S")
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
    read_text: Callable[[str], str],
    problems: list[LineProblem],
    includes: list[PipInclude] | None = None,
    constraint: bool = False,
    depth: int = 0,
    seen: frozenset[str] = frozenset(),
) -> Iterator[PipEntry]:
    """Parse requirement lines (``(line number, text)``) the way pip reads a
    requirements file, following ``-r`` and ``-c`` files relative to
    ``base_dir``.  Each ``-r``/``-c`` line is also appended to ``includes``
    when a list is given."""
    for number, text in _logical_lines(lines):
        yield from _pip_line(
            text,
            number,
            source=source,
            base_dir=base_dir,
            read_text=read_text,
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
    if _URL_SCHEME.match(target) or _VCS_SCHEME.match(target):
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


def _egg_name(url: str) -> NormalizedName | None:
    fragment = url.partition("#")[2]
    for part in fragment.split("&"):
        key, _, value = part.partition("=")
        if key == "egg" and value:
            return canonicalize_name(re.split(r"[\[<>=!~;]", value, maxsplit=1)[0])
    return None


def _name_from_filename(filename: str) -> tuple[NormalizedName | None, str | None]:
    try:
        parsed = (
            parse_wheel_filename(filename)
            if is_wheel_filename(filename)
            else parse_sdist_filename(filename)
        )
    except InvalidFilename:
        return None, None
    return parsed.name, str(parsed.version)


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
    """One requirement (no options): a :class:`PipEntry`, or why it is not one."""
    text = full_text if full_text is not None else args
    spec = args.strip()
    common: dict[str, Any] = {
        "text": text,
        "constraint": constraint,
        "hashes": hashes,
        "source": source,
        "line": line,
    }
    if _NAMED_URL.match(spec) and not _URL_SCHEME.match(spec):
        try:
            req = Requirement(spec)
        except InvalidRequirement as exc:
            return f"not a valid requirement: {exc}"
        url = req.url or ""
        if url.startswith("file:") and not _VCS_SCHEME.match(url):
            local = file_url_path(url)
            return PipEntry(
                kind=PipKind.PATH,
                name=canonicalize_name(req.name),
                requirement=req,
                url=url,
                path=os.path.normpath(os.path.join(base_dir, local)),
                **common,
            )
        return PipEntry(
            kind=PipKind.URL, name=canonicalize_name(req.name), requirement=req, url=url, **common
        )
    # A bare URL or path may carry a marker after "; " (pip requires the space).
    target, _, marker_text = spec.partition("; ")
    target = target.strip()
    if marker_text.strip():
        try:
            common["marker"] = Marker(marker_text.strip())
        except InvalidMarker as exc:
            return f"not a valid marker: {exc}"
    if _URL_SCHEME.match(target) or _VCS_SCHEME.match(target):
        if target.startswith("file:") and not _VCS_SCHEME.match(target):
            local = file_url_path(target)
            name, _ = _name_from_filename(os.path.basename(local))
            return PipEntry(
                kind=PipKind.PATH,
                name=_egg_name(target) or name,
                url=target,
                path=os.path.normpath(os.path.join(base_dir, local)),
                **common,
            )
        name = _egg_name(target)
        if name is None and not _VCS_SCHEME.match(target):
            name, _ = _name_from_filename(target.split("#", 1)[0].rsplit("/", 1)[-1])
        return PipEntry(kind=PipKind.URL, name=name, url=target, **common)
    looks_like_path = (
        target.startswith((".", "/", "~"))
        or "/" in target
        or "\\" in target
        or target.lower().endswith(ARCHIVE_SUFFIXES)
    )
    if looks_like_path:
        path = os.path.normpath(os.path.join(base_dir, os.path.expanduser(target)))
        name, _ = _name_from_filename(os.path.basename(path))
        return PipEntry(kind=PipKind.PATH, name=name, path=path, **common)
    common.pop("marker", None)
    try:
        req = Requirement(spec)
    except InvalidRequirement as exc:
        return f"not a valid requirement: {exc}"
    return PipEntry(
        kind=PipKind.REQUIREMENT, name=canonicalize_name(req.name), requirement=req, **common
    )
