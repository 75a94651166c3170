"""conda versions and MatchSpecs: rattler for the grammar, one fast path for names.

rattler (py-rattler) implements conda's version ordering and MatchSpec
grammar exactly; reconcile does not hand-roll either.  It is a large
extension module (25 ms to import on a quiet machine, several times that
on a busy one), so it is imported on first use, not when reconcile starts.

Which to use when:

* :func:`spec_name` for the package name of a MatchSpec, everywhere (graph
  edges, checks, plan, export, safety, pins, environment.yml).  It is the
  one hand-written piece, because the audit asks it for every
  ``depends``/``constrains`` of every record: on the bench's stress prefix
  (6,460 specs, a quiet machine) rattler's parse takes 9.5 ms plus 25 ms to
  import, the fast path 1.5 ms (0.3 ms from its cache) and no import.  It
  reads only the name: what follows an optional ``channel::`` (or
  ``channel/subdir::``, or a channel URL with a port), up to the first
  space, operator or bracket, lower-cased as conda normalises it.  A package
  URL (``.../numpy-1.26.4-h0_0.conda``) is not read as rattler reads it: no
  record and no plan step holds one.  The tests check it against rattler's
  ``MatchSpec(spec, strict=False).name`` on every ``depends``/``constrains``
  string of the corpus's and the lab's records, so the two cannot drift.
* :func:`split_spec_name` where a caller also judges what follows the name
  (environment.yml's lint); it is the same parse.
* :func:`split_exact_spec` for the exact specs reconcile writes itself
  (``conda-forge::six==1.16.0=py_0``, ``CondaRecord.match_spec``): plan and
  fix read their own steps back with it.
* :func:`validate_spec` and :func:`spec_matches` for anything beyond the
  name: whether a spec is valid, whether a version or a record satisfies it.
  These are rattler's.
"""

from __future__ import annotations

import functools
import re
from typing import Any

__all__ = [
    "InvalidSpec",
    "spec_build",
    "spec_matches",
    "spec_name",
    "split_exact_spec",
    "split_spec_name",
    "validate_spec",
]


class InvalidSpec(ValueError):
    """A MatchSpec or version that rattler cannot parse."""


@functools.cache
def _rattler() -> Any:
    import rattler

    return rattler


@functools.lru_cache(maxsize=4096)
def _spec(text: str) -> Any:
    r = _rattler()
    try:
        return r.MatchSpec(text)
    except Exception as exc:  # rattler raises its own InvalidMatchSpecError
        raise InvalidSpec(f"invalid MatchSpec {text!r}: {exc}") from exc


def validate_spec(spec: str) -> None:
    """Raise :class:`InvalidSpec` when ``spec`` is not a MatchSpec conda can read."""
    _spec(spec)


# conda package names: letters, digits and ``_ . - +`` (conda-build's rule;
# ``_libgcc_mutex`` starts with ``_``).  With a channel, the channel is
# anything up to the first ``::`` that crosses no space and no bracket, so a
# channel URL with a port (``https://host:8443/chan::name``) is skipped whole.
_NAME = re.compile(r"\s*([A-Za-z0-9_][A-Za-z0-9_.+-]*)")
_CHANNEL_NAME = re.compile(r"\s*[^\s\[]*?::\s*([A-Za-z0-9_][A-Za-z0-9_.+-]*)")


def _match_name(spec: str) -> re.Match[str] | None:
    if "::" in spec:  # the lazy channel pattern is the slower one: only when needed
        m = _CHANNEL_NAME.match(spec)
        if m is not None:
            return m
    return _NAME.match(spec)


def split_spec_name(spec: str) -> tuple[str, str] | None:
    """``(name, rest)`` of a MatchSpec: its package name, lower-cased as
    conda normalises it, and the text that follows the name; None when the
    spec does not start with a name (``*``; ``foo*`` does, ``foo``)."""
    m = _match_name(spec)
    if m is None:
        return None
    return m.group(1).lower(), spec[m.end() :]


@functools.lru_cache(maxsize=8192)
def spec_name(spec: str) -> str:
    """The package name a MatchSpec asks for, lower-cased
    (``"conda-forge::NumPy >=1.20"`` -> ``"numpy"``), without parsing the
    rest; see the module docstring.  A spec that names no package (``*``, a
    path) is answered with its own text, stripped and lower-cased, so a
    message still shows what was asked for.  Cached: one env repeats the
    same few thousand specs across its records."""
    m = _match_name(spec)
    return m.group(1).lower() if m is not None else spec.strip().lower()


def split_exact_spec(spec: str) -> tuple[str | None, str, str | None, str | None]:
    """``[channel::]name==version=build`` -> ``(channel, name, version,
    build)``, each None where the spec has none: the exact form
    :meth:`CondaRecord.match_spec` writes into plan steps."""
    channel, _, rest = spec.rpartition("::")
    name, _, version_build = rest.partition("==")
    version, _, build = version_build.partition("=")
    return channel or None, name, version or None, build or None


def spec_build(spec: str) -> str | None:
    """The build string (or glob) a MatchSpec asks for (``numpy=1.26=py311h0_0``,
    ``numpy 1.26.* *_0``, ``numpy[build=...]``); None when it names none or
    cannot be read."""
    try:
        build = _spec(spec).build
    except InvalidSpec:
        return None
    return str(build) if build is not None else None


def spec_matches(
    spec: str, *, name: str, version: str, build: str | None, build_number: int = 0
) -> bool:
    """Does the installed ``name version build`` satisfy ``spec``?

    ``build`` is None when the installed files are not conda's (pip replaced
    them): then only the name and version part of the spec can be judged.
    """
    r = _rattler()
    parsed = _spec(spec)
    if build is None:
        version_spec = parsed.version
        if version_spec is None:
            return True
        try:
            return bool(r.VersionSpec(str(version_spec)).matches(r.Version(version)))
        except Exception as exc:
            raise InvalidSpec(f"cannot compare version {version!r} with {spec!r}: {exc}") from exc
    try:
        record = r.PackageRecord(
            name=name,
            version=version,
            build=r.BuildString(build),
            build_number=build_number,
            subdir="noarch",
        )
    except Exception as exc:
        raise InvalidSpec(f"invalid version {version!r} of {name}: {exc}") from exc
    return bool(parsed.matches(record))
