"""Core metadata (``METADATA``, ``PKG-INFO``): the one reader.

Core metadata is a block of RFC 822 style headers, then a blank line, then
an optional body (the long description, Metadata-Version 2.1+).  Discovery
reads one such file per installed distribution on every audit, and the
resolver reads the ones of the wheels and sdists it considers; both use
:func:`read_core_metadata`.

Why not :func:`packaging.metadata.parse_email`: it runs the ``email``
package's feed parser over the whole file, body included.  On the bench's
stress prefix (2,000 dist-infos, a quiet machine) that is 47 ms against 8
ms here, plus 26 ms to import it, and ``reconcile audit --no-cache`` takes
0.98 s instead of 0.87-0.89 s (``bench/run.py --prefix stress``); on real
METADATA files with long descriptions this reader is faster still, as it
stops at the body.  It handles what ``parse_email`` handles for the fields
reconcile uses:

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
    h = _headers(text)
    # Discovery calls this once per installed distribution: plain lookups.
    return CoreMetadata(
        name=h["name"][0] if "name" in h else None,
        version=h["version"][0] if "version" in h else None,
        metadata_version=h["metadata-version"][0] if "metadata-version" in h else None,
        requires_dist=tuple(h["requires-dist"]) if "requires-dist" in h else (),
        requires_python=h["requires-python"][0] if "requires-python" in h else None,
        provides_extra=tuple(h["provides-extra"]) if "provides-extra" in h else (),
        dynamic=tuple(h["dynamic"]) if "dynamic" in h else (),
        latin1=latin1,
    )


#: The fields read; the others (a hundred classifiers, as often as not) are
#: passed over.
_FIELDS = frozenset(
    {
        "name",
        "version",
        "metadata-version",
        "requires-dist",
        "requires-python",
        "provides-extra",
        "dynamic",
    }
)


def _headers(text: str) -> dict[str, list[str]]:
    """The fields of :data:`_FIELDS` in the headers up to the first empty
    line; keys lower-cased, every value of a repeated key kept.  A line that
    starts with a space or a tab continues the header before it, even when
    it holds nothing else: setuptools < 57 wrote the description as a header
    and its blank lines as eight spaces, with ``Requires-Python`` and
    ``Provides-Extra`` after it.  A line that is neither a header nor a
    continuation is skipped."""
    # Whatever follows the first empty line is body (a large description, as
    # often as not): cut it before splitting.  The lines before the cut are
    # the lines splitlines() would give, so an empty line earlier still ends
    # the headers where it is.
    end = text.find("\n\n")
    if end != -1:
        text = text[:end]
    headers: dict[str, list[str]] = {}
    last: list[str] | None = None  # the values of the field a continuation continues
    for line in text.splitlines():
        if not line:
            break
        if line[0] in " \t":
            folded = line.strip()
            if folded and last is not None:
                last[-1] += " " + folded
            continue
        key, sep, value = line.partition(":")
        if not sep:
            continue
        key = key.strip().lower()
        if key in _FIELDS:
            last = headers.setdefault(key, [])
            last.append(value.strip())
        else:
            last = None
    return headers
