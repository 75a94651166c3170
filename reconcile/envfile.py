"""Read ``environment.yml`` files as people write them.

conda's environment file is YAML with ``name``, ``channels`` and
``dependencies``; a ``dependencies`` item is a conda MatchSpec string or a
``{pip: [...]}`` mapping whose lines conda hands to pip as a requirements
file, run from the yml's folder.  Real files go well beyond the documented
shape, and every one of these is read here:

* several ``pip:`` blocks, a ``pip:`` block that is not last, ``pip: []``
  and ``pip:`` with nothing under it;
* micromamba's ``sel(linux): name`` selector items;
* conda-lock's extra top-level keys (kept as notes, as conda ignores them).

The lines of the ``pip:`` blocks are pip's requirements-file syntax, read by
:mod:`reconcile.requirements` (``-r``/``-c`` files, ``-e``, index options,
``--hash``, PEP 508 requirements, URLs, paths, markers); their values
(:class:`~reconcile.requirements.PipEntry`,
:class:`~reconcile.requirements.LineProblem`, ...) live there.

Two layers, as for every input of reconcile: :func:`parse_env_text` turns
YAML text into a lenient :class:`RawEnvFile` that keeps every key and the
line number of every item, and :meth:`EnvFile.from_raw` validates it into
frozen values.  A line that cannot be understood becomes a
:class:`~reconcile.requirements.LineProblem` with its file and line number;
it never stops the reading.  Only a file that is not YAML at all, or whose
top level is not a mapping, raises :class:`InvalidEnvFile`.

Reading referenced ``-r``/``-c`` files is the only I/O, and it goes through
the ``read_text`` callback of :meth:`EnvFile.from_raw` (tests pass a dict).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict

from ._conda import split_spec_name
from .errors import ReconcileError
from .requirements import LineProblem, PipEntry, PipInclude, parse_pip_lines

__all__ = [
    "CONDA_KEYS",
    "CondaDep",
    "EnvFile",
    "InvalidEnvFile",
    "RawEnvFile",
    "RawItem",
    "load_env_file",
    "parse_env_text",
]

#: The top-level keys conda itself reads; others are kept but ignored.
CONDA_KEYS = frozenset({"name", "channels", "dependencies", "prefix", "variables"})


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
    #: What YAML makes of a scalar that is not a string (``42``: a number,
    #: ``yes``: a boolean, ``2024-01-01``: a date), as conda's loader sees it;
    #: None for strings.  ``value`` keeps the text as written either way.
    kind: str | None = None

    def shown(self) -> str:
        """The value as YAML's flow style writes it: ``{a: b}``, ``[x, y]``."""
        if isinstance(self.value, list):
            return "[" + ", ".join(v.shown() for v in self.value) + "]"
        if isinstance(self.value, dict):
            return "{" + ", ".join(f"{k}: {v.shown()}" for k, v in self.value.items()) + "}"
        return "" if self.value is None else str(self.value)


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
    people wrote (``- 3.8`` stays ``"3.8"``, not a float), with what YAML
    makes of it in ``RawItem.kind`` (``a number``), which conda's loader sees.
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


#: YAML's types for a plain scalar (the safe loader's implicit resolvers).
_SCALAR_KINDS = {
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:bool": "a boolean",
    "tag:yaml.org,2002:timestamp": "a date",
    "tag:yaml.org,2002:binary": "binary data",
}


def _raw(node: Any, depth: int) -> RawItem:
    import yaml

    line = node.start_mark.line + 1
    if depth > 50:
        return RawItem(line, None)
    if isinstance(node, yaml.ScalarNode):
        # A null scalar (``key:`` with nothing, ``~``, ``null``) is None.
        if node.tag == "tag:yaml.org,2002:null":
            return RawItem(line, None)
        return RawItem(line, str(node.value), _SCALAR_KINDS.get(node.tag, "a tagged value")
                       if node.tag != "tag:yaml.org,2002:str" else None)  # fmt: skip
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
class CondaDep:
    """One conda MatchSpec of ``dependencies``."""

    text: str  # as written
    name: str  # conda package name, lower case
    spec: str  # the MatchSpec without its channel prefix
    channel: str | None = None
    selector: str | None = None  # micromamba ``sel(linux)`` -> "linux"
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
    #: What the file was read as: an environment.yml, or (reconcile.listfiles)
    #: a ``conda list --explicit`` file or a pip requirements file.
    format: str = "environment.yml"
    platform: str | None = None  # an explicit file's ``# platform:`` header

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
            if isinstance(value, str) and item.kind is not None:
                problems.append(_not_a_string(item, source, "conda package spec"))
            elif isinstance(value, str):
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
                        if sub.kind is not None:
                            problems.append(_not_a_string(sub, source, "conda package spec"))
                            continue
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
                        text=item.shown(),
                        reason="empty dependency item" if value is None else "not a string",
                    )
                )
        includes: list[PipInclude] = []
        pip = list(
            parse_pip_lines(
                pip_lines,
                source=source,
                base_dir=base_dir,
                read_text=read_text,
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


def load_env_file(path: str | os.PathLike[str], *, lists: bool = True) -> EnvFile:
    """Read and validate the environment file at ``path``.

    With ``lists``, a ``conda list --explicit`` file or a pip requirements
    file (``pip freeze``) is read too, told apart by its content
    (:mod:`reconcile.listfiles`).  Raises :class:`InvalidEnvFile` when it is
    none of these (not YAML, or not a mapping), and ``OSError`` when it
    cannot be read (the CLI reports both in one line).
    """
    path = os.fspath(path)
    with open(path, "rb") as fh:
        data = fh.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidEnvFile(path, f"not UTF-8 text (byte {exc.start})") from exc
    try:
        raw = parse_env_text(text, path)
    except InvalidEnvFile:
        if not lists:
            raise
        from .listfiles import read_list_file

        other = read_list_file(text, path)
        if other is None:
            raise
        return other
    return EnvFile.from_raw(raw, base_dir=os.path.dirname(os.path.abspath(path)))


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
    if isinstance(item.value, str) and item.kind is not None:
        problems.append(_not_a_string(item, source, "pip requirement line"))
        return
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
        if isinstance(sub.value, str) and sub.kind is not None:
            problems.append(_not_a_string(sub, source, "pip requirement line"))
        elif isinstance(sub.value, str):
            yield sub.line, sub.value
        else:
            problems.append(
                LineProblem(
                    source=source,
                    line=sub.line,
                    text=sub.shown(),
                    reason="empty pip line" if sub.value is None else "not a pip requirement line",
                )
            )


def _not_a_string(item: RawItem, source: str, what: str) -> LineProblem:
    """A scalar YAML does not read as a string: conda hands the number, the
    boolean or the date itself on, and refuses it ("invalid package
    specification"; pip's lines are joined as strings and fail too)."""
    return LineProblem(
        source=source,
        line=item.line,
        text=item.shown(),
        reason=f"not a {what}: YAML reads {item.shown()} as {item.kind}, not as a name",
    )
