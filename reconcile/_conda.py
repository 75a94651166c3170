"""conda versions and MatchSpecs, through py-rattler.

rattler implements conda's version ordering and MatchSpec grammar exactly;
reconcile does not hand-roll either.  It is a large extension module, so it
is imported on first use, not when reconcile starts.
"""

from __future__ import annotations

import functools
from typing import Any

__all__ = ["InvalidSpec", "spec_build", "spec_matches", "spec_name", "validate_spec"]


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


def spec_name(spec: str) -> str | None:
    """The package name a MatchSpec asks for (``channel::`` and URL forms too),
    normalised; None when it names none or cannot be read."""
    try:
        name = _spec(spec).name
    except InvalidSpec:
        return None
    return str(name.normalized) if name is not None else None


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
