"""Project settings: ``[tool.reconcile]`` in ``pyproject.toml``, or ``reconcile.toml``.

Found from the working directory upward (``--config FILE`` names one).  In
each directory ``reconcile.toml`` wins over ``pyproject.toml``, and a
``pyproject.toml`` counts only when it has a ``[tool.reconcile]`` table, so a
project's settings can sit in either file.  ``reconcile.toml`` holds the same
keys at its top level::

    [tool.reconcile]
    fail-on = "warning"                 # error | warning | info | never

    [tool.reconcile.severity]           # per-code overrides
    altered-file = "info"

    [[tool.reconcile.ignore]]           # code + package + reason, all required
    code = "pip-overwrote-conda"
    package = "idna"                    # or "*" for every package
    reason = "pinned by the vendor's wheel until their 3.0 release"
    until = 2027-03-31                  # optional: after this date it stops working

    [tool.reconcile.name-map]           # conda name = PyPI name
    pytorch = "torch"

An unknown key is an error that names it: a misspelled ``fail_on`` silently
doing nothing would be worse than no setting at all.  Reading settings is the
CLI's job; nothing here reads the prefix.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import sys
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ReconcileError
from .models import Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

__all__ = ["FAIL_ON", "Config", "Ignore", "InvalidConfig", "find_config", "load_config"]

FAIL_ON = ("error", "warning", "info", "never")
CONFIG_FILE = "reconcile.toml"
_SEVERITIES = ("error", "warning", "info")
_TOP_KEYS = ("fail-on", "severity", "ignore", "name-map")
_IGNORE_KEYS = ("code", "package", "reason", "until")


class InvalidConfig(ReconcileError):
    """A settings file that cannot be read or has a bad key or value."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


@dataclass(frozen=True, kw_only=True, slots=True)
class Ignore:
    """One accepted finding: ``code`` for ``package`` (``*``: any), with why."""

    code: str
    package: str
    reason: str
    until: dt.date | None = None
    where: str = ""  # "reconcile.toml, ignore #2": for messages

    def matches(self, code: str, package: str) -> bool:
        from packaging.utils import canonicalize_name

        if code != self.code:
            return False
        return self.package == "*" or canonicalize_name(package) == canonicalize_name(self.package)

    def expired(self, today: dt.date) -> bool:
        return self.until is not None and today > self.until

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "package": self.package,
            "reason": self.reason,
            "until": self.until.isoformat() if self.until else None,
            "where": self.where,
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class Config:
    """Validated settings; the defaults when no file was found (``path`` None)."""

    path: Path | None = None
    fail_on: str | None = None
    severity: Mapping[str, Severity] | None = None
    ignores: tuple[Ignore, ...] = ()
    name_map: tuple[tuple[str, str], ...] = ()


def find_config(start: Path) -> Path | None:
    """The first ``reconcile.toml``, or ``pyproject.toml`` with ``[tool.reconcile]``,
    in ``start`` or a parent directory."""
    for directory in (start, *start.parents):
        candidate = directory / CONFIG_FILE
        if candidate.is_file():
            return candidate
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and _table(pyproject) is not None:
            return pyproject
    return None


def load_config(
    explicit: str | None,
    cwd: str | None = None,
    *,
    codes: Callable[[], Collection[str]] = tuple,
) -> Config:
    """Settings from ``explicit`` (``--config``), or found from ``cwd`` upward.

    ``codes()`` gives the finding codes a severity override or ignore may
    name; it is called only when there is a file to check.
    """
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise InvalidConfig(path, "no such settings file")
        table = _table(path)
        if table is None:  # a pyproject.toml named on purpose, without the table
            table = {}
    else:
        found = find_config(Path(cwd or os.getcwd()))
        if found is None:
            return Config()
        path = found
        table = _table(path) or {}
    return _validate(path, table, codes())


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise InvalidConfig(path, f"cannot read: {exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InvalidConfig(path, f"not valid TOML: {exc}") from exc


def _table(path: Path) -> dict[str, Any] | None:
    data = _read(path)
    if path.name != "pyproject.toml":
        return data
    tool = data.get("tool")
    table = tool.get("reconcile") if isinstance(tool, dict) else None
    if table is not None and not isinstance(table, dict):
        raise InvalidConfig(path, "[tool.reconcile] must be a table")
    return table


def _unknown(path: Path, section: str, key: str, known: Collection[str]) -> InvalidConfig:
    close = difflib.get_close_matches(key, list(known), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else f"; known: {', '.join(sorted(known))}"
    return InvalidConfig(path, f"unknown key {key!r} in {section}{hint}")


def _validate(path: Path, table: Mapping[str, Any], codes: Collection[str]) -> Config:
    section = "[tool.reconcile]" if path.name == "pyproject.toml" else "the top level"
    prefix = "tool.reconcile." if path.name == "pyproject.toml" else ""
    for key in table:
        if key not in _TOP_KEYS:
            raise _unknown(path, section, key, _TOP_KEYS)

    fail_on = table.get("fail-on")
    if fail_on is not None and fail_on not in FAIL_ON:
        raise InvalidConfig(path, f"fail-on = {fail_on!r}: expected one of {', '.join(FAIL_ON)}")

    severity: dict[str, Severity] | None = None
    if "severity" in table:
        raw = table["severity"]
        if not isinstance(raw, dict):
            raise InvalidConfig(path, f"[{prefix}severity] must be a table of code = level")
        severity = {}
        for code, level in raw.items():
            if code not in codes:
                raise _unknown(path, f"[{prefix}severity]", code, codes)
            if level not in _SEVERITIES:
                raise InvalidConfig(
                    path,
                    f"[{prefix}severity] {code} = {level!r}: expected one of "
                    + ", ".join(_SEVERITIES),
                )
            severity[code] = Severity.from_label(level)

    raw_ignores = table.get("ignore", [])
    if not isinstance(raw_ignores, list):
        raise InvalidConfig(path, f"{prefix}ignore must be an array of tables ([[{prefix}ignore]])")
    ignores = tuple(
        _ignore(path, f"[[{prefix}ignore]] #{n}", raw, codes)
        for n, raw in enumerate(raw_ignores, start=1)
    )

    name_map: list[tuple[str, str]] = []
    raw_names = table.get("name-map", {})
    if not isinstance(raw_names, dict) or not all(isinstance(v, str) for v in raw_names.values()):
        raise InvalidConfig(path, f"[{prefix}name-map] must be a table of conda-name = 'pypi-name'")
    name_map.extend(raw_names.items())
    return Config(
        path=path,
        fail_on=fail_on,
        severity=severity,
        ignores=ignores,
        name_map=tuple(name_map),
    )


def _ignore(path: Path, where: str, raw: Any, codes: Collection[str]) -> Ignore:
    if not isinstance(raw, dict):
        raise InvalidConfig(path, f"{where} must be a table")
    for key in raw:
        if key not in _IGNORE_KEYS:
            raise _unknown(path, where, key, _IGNORE_KEYS)
    for key in ("code", "package", "reason"):
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            raise InvalidConfig(path, f"{where} needs {key} = '...' (a non-empty string)")
    if raw["code"] not in codes:
        close = difflib.get_close_matches(raw["code"], list(codes), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise InvalidConfig(path, f"{where}: unknown finding code {raw['code']!r}{hint}")
    until = raw.get("until")
    if isinstance(until, str):
        try:
            until = dt.date.fromisoformat(until)
        except ValueError:
            until = "bad"
    if until is not None and (isinstance(until, dt.datetime) or not isinstance(until, dt.date)):
        raise InvalidConfig(path, f"{where}: until must be a date such as 2027-03-31")
    return Ignore(
        code=raw["code"],
        package=raw["package"].strip(),
        reason=raw["reason"].strip(),
        until=until,
        where=f"{path.name} {where}",
    )
