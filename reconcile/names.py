"""conda package name ↔ PyPI distribution name.

Most conda packages that carry a Python distribution have the same name on
both sides once the PyPI name is normalised (PEP 503).  The exceptions matter
when a package ships no ``*.dist-info`` we could read the name from:
``pytorch`` provides ``torch``, ``pyqt`` provides ``pyqt5`` (or ``pyqt4``),
``msgpack-python`` provides ``msgpack``.

:class:`NameMap` answers both directions.  It stores only the exceptions; a
name it does not know maps to itself (the *fallback*).  The bundled table is
``reconcile/data/names.tsv``, generated from the conda-forge mapping in the
conda-pypi wheel by ``reconcile/data/regenerate_names.py``.

Name-map file format (the bundled table and user overrides alike)
------------------------------------------------------------------
UTF-8 text, one pair per line::

    # comment lines and blank lines are ignored
    pytorch<TAB>torch
    pyqt<TAB>PyQt5
    pyqt<TAB>PyQt4

* exactly two fields separated by one tab: the conda name, then the PyPI name;
* conda names are written as conda spells them (lower case; ``-``, ``_`` and
  ``.`` are distinct in conda, so they are kept verbatim);
* PyPI names may be in any spelling and are stored PEP 503-normalised;
* a conda name may appear on several lines, one per distribution it provides.

In an override (:meth:`NameMap.merged`), each conda name the override lists
replaces *all* bundled lines for that conda name.  A same-name line such as
``dask-core<TAB>dask-core`` therefore cancels a bundled mapping.

Limitation of the fallback: pairs that differ only in ``-``/``_``/``.``
(conda ``typing_extensions``, ``ruamel.yaml``) are not stored, so
:meth:`NameMap.conda_names` answers them in PEP 503 form; compare conda names
from it with :func:`packaging.utils.canonicalize_name` applied to both sides.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from reconcile.errors import InvalidNameMap

if TYPE_CHECKING:
    # packaging.utils pulls in packaging.tags (sysconfig, platform probing);
    # it is imported on first use so that ``import reconcile.names`` stays cheap.
    from packaging.utils import NormalizedName

__all__ = ["NameMap"]

_BUNDLED = "names.tsv"  # in reconcile/data/

# conda-build accepts lower-case letters, digits and ``_ . - +`` in package
# names; conda-forge also has names starting with ``_`` (``_libgcc_mutex``).
_CONDA_NAME = re.compile(r"[a-z0-9_][a-z0-9_.+-]*")


def _canonicalize(name: str, *, validate: bool = False) -> NormalizedName:
    from packaging.utils import canonicalize_name

    return canonicalize_name(name, validate=validate)


@dataclass(frozen=True, kw_only=True, slots=True)
class NameMap:
    """An immutable conda ↔ PyPI name table with a same-name fallback.

    Equality and hashing use :attr:`pairs` only; :attr:`source` records where
    the table came from, for messages.
    """

    pairs: tuple[tuple[str, NormalizedName], ...] = ()
    """Sorted, de-duplicated ``(conda_name, pypi_name)`` pairs."""

    source: str = field(default="", compare=False)

    _forward: Mapping[str, tuple[NormalizedName, ...]] = field(
        init=False, repr=False, compare=False
    )
    _reverse: Mapping[NormalizedName, tuple[str, ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        pairs = tuple(sorted(set(self.pairs)))
        forward: dict[str, list[NormalizedName]] = {}
        reverse: dict[NormalizedName, list[str]] = {}
        for conda_name, pypi_name in pairs:
            forward.setdefault(conda_name, []).append(pypi_name)
            # A same-name line (an override cancelling a bundled mapping) is
            # what the fallback answers anyway; indexing it in reverse would
            # only repeat it.
            if _canonicalize(conda_name) != pypi_name:
                reverse.setdefault(pypi_name, []).append(conda_name)
        object.__setattr__(self, "pairs", pairs)
        object.__setattr__(
            self, "_forward", MappingProxyType({k: tuple(v) for k, v in forward.items()})
        )
        object.__setattr__(
            self, "_reverse", MappingProxyType({k: tuple(v) for k, v in reverse.items()})
        )

    @classmethod
    def bundled(cls) -> NameMap:
        """The table shipped with reconcile, read on first call and cached."""
        return _load_bundled()

    @classmethod
    def from_file(cls, path: str | Path) -> NameMap:
        """Read a name-map file (format in the module docstring).

        Raises :class:`reconcile.errors.InvalidNameMap` if the file cannot be
        read or any line is malformed.
        """
        path = Path(path)
        try:
            text = path.read_bytes().decode("utf-8")
        except OSError as exc:
            raise InvalidNameMap(path, f"cannot read: {exc.strerror or exc}") from exc
        except UnicodeDecodeError as exc:
            raise InvalidNameMap(path, f"not UTF-8 text: {exc}") from exc
        return cls(pairs=_parse(text, path), source=str(path))

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]], source: str) -> NameMap:
        """A map from ``(conda_name, pypi_name)`` pairs, validated as a file's lines are.

        Raises :class:`reconcile.errors.InvalidNameMap` naming ``source``.
        """
        path = Path(source)
        return cls(pairs=tuple(_pair(c, p, path, f"{c} = {p!r}") for c, p in pairs), source=source)

    def merged(self, other: NameMap) -> NameMap:
        """A new map in which *other* wins for every conda name it lists."""
        forward = {**self._forward, **other._forward}
        pairs = tuple((conda, pypi) for conda, pypis in forward.items() for pypi in pypis)
        source = f"{other.source} over {self.source}" if other.source else self.source
        return NameMap(pairs=pairs, source=source)

    def pypi_names(self, conda_name: str) -> tuple[NormalizedName, ...]:
        """PyPI distributions the conda package provides, PEP 503-normalised.

        Falls back to the conda name itself, normalised.
        """
        found = self._forward.get(conda_name)
        if found is not None:
            return found
        return (_canonicalize(conda_name),)

    def conda_names(self, pypi_name: str) -> tuple[str, ...]:
        """conda packages that provide the PyPI distribution *pypi_name*.

        Falls back to the PEP 503-normalised PyPI name (see the module
        docstring for why a caller should compare it in that form).
        """
        key = _canonicalize(pypi_name)
        found = self._reverse.get(key)
        if found is not None:
            return found
        return (key,)


def _parse(text: str, path: Path) -> tuple[tuple[str, NormalizedName], ...]:
    pairs: list[tuple[str, NormalizedName]] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 2:
            raise InvalidNameMap(
                path,
                f"line {lineno}: expected 'conda_name<TAB>pypi_name', got {line!r}",
            )
        conda_name, pypi_name = (f.strip() for f in fields)
        pairs.append(_pair(conda_name, pypi_name, path, f"line {lineno}"))
    return tuple(pairs)


def _pair(conda_name: str, pypi_name: str, path: Path, where: str) -> tuple[str, NormalizedName]:
    if not _CONDA_NAME.fullmatch(conda_name):
        raise InvalidNameMap(
            path,
            f"{where}: {conda_name!r} is not a conda package name "
            "(lower-case letters, digits, '_', '.', '-', '+')",
        )
    try:
        return conda_name, _canonicalize(pypi_name, validate=True)
    except ValueError as exc:  # packaging.utils.InvalidName
        raise InvalidNameMap(
            path, f"{where}: {pypi_name!r} is not a valid PyPI project name"
        ) from exc


@functools.cache
def _load_bundled() -> NameMap:
    from importlib.resources import files

    resource = files("reconcile") / "data" / _BUNDLED
    path = Path(str(resource))
    try:
        text = resource.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidNameMap(path, f"bundled table unreadable: {exc}") from exc
    return NameMap(pairs=_parse(text, path), source=f"bundled {path.name}")
