"""Core metadata (``METADATA``, ``PKG-INFO``): the one reader.

Core metadata is a block of RFC 822 style headers, then a blank line, then
an optional body (the long description, Metadata-Version 2.1+).  Discovery
reads one such file per installed distribution on every audit, and the
resolver reads the ones of the wheels and sdists it considers; both use
:func:`read_core_metadata`.

Why not :func:`packaging.metadata.parse_email`: it runs the ``email``
package's feed parser over the whole file, body included, which on the
bench's stress prefix (2,000 dist-infos) costs about 120 ms against 15-30 ms
here, plus 35 ms to import; the audit must not get slower.  This reader
handles what ``parse_email`` handles for the fields reconcile uses:

* header names are case-insensitive; a field may repeat (``Requires-Dist``,
  ``Provides-Extra``, ``Dynamic``), and a single-use field that repeats
  counts by its first value;
* folded lines (a line starting with a space or a tab continues the
  previous header) are joined with one space;
* the body after the first blank line is never read;
* bytes that are not UTF-8 (core metadata must be, PEP 566; old tools wrote
  latin-1) are read as latin-1 and :attr:`CoreMetadata.latin1` says so, so
  the caller can report it, where ``parse_email`` moves those fields to its
  "unparsed" leftovers.

Values are the raw strings, stripped: turning them into packaging's types is
the caller's policy (discovery reports a legacy field and uses the rest; the
resolver rejects the file).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CoreMetadata", "read_core_metadata"]


@dataclass(frozen=True, kw_only=True, slots=True)
class CoreMetadata:
    """The core metadata fields reconcile reads, as written (``None`` or
    ``()`` where the file has none)."""

    name: str | None = None
    version: str | None = None
    metadata_version: str | None = None
    requires_dist: tuple[str, ...] = ()
    requires_python: str | None = None
    provides_extra: tuple[str, ...] = ()
    dynamic: tuple[str, ...] = ()
    latin1: bool = False
    """The bytes were not valid UTF-8 and were read as latin-1."""


def read_core_metadata(data: bytes) -> CoreMetadata:
    """Read the header block of a ``METADATA`` or ``PKG-INFO`` file.

    Never raises: a file with no header at all reads as empty fields (what
    is missing is for the caller to judge, as it is for a missing
    ``Version``)."""
    try:
        text = data.decode("utf-8")
        latin1 = False
    except UnicodeDecodeError:
        text = data.decode("latin-1")
        latin1 = True
    headers = _headers(text)
    return CoreMetadata(
        name=_first(headers, "name"),
        version=_first(headers, "version"),
        metadata_version=_first(headers, "metadata-version"),
        requires_dist=tuple(headers.get("requires-dist", ())),
        requires_python=_first(headers, "requires-python"),
        provides_extra=tuple(headers.get("provides-extra", ())),
        dynamic=tuple(headers.get("dynamic", ())),
        latin1=latin1,
    )


def _headers(text: str) -> dict[str, list[str]]:
    """Headers up to the first empty line; keys lower-cased, every value of
    a repeated key kept.  A line that starts with a space or a tab continues
    the header before it, even when it holds nothing else: setuptools < 57
    wrote the description as a header and its blank lines as eight spaces,
    with ``Requires-Python`` and ``Provides-Extra`` after it.  A line that is
    neither a header nor a continuation is skipped."""
    # Whatever follows the first empty line is body (a large description, as
    # often as not): cut it before splitting.  The lines before the cut are
    # the lines splitlines() would give, so an empty line earlier still ends
    # the headers where it is.
    end = text.find("\n\n")
    if end != -1:
        text = text[:end]
    headers: dict[str, list[str]] = {}
    last: str | None = None
    for line in text.splitlines():
        if not line:
            break
        if line[0] in " \t":
            folded = line.strip()
            if folded and last is not None:
                headers[last][-1] += " " + folded
            continue
        key, sep, value = line.partition(":")
        if not sep:
            continue
        last = key.strip().lower()
        headers.setdefault(last, []).append(value.strip())
    return headers


def _first(headers: dict[str, list[str]], key: str) -> str | None:
    values = headers.get(key)
    return values[0] if values else None
