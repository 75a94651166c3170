"""Render export and compare results as strings.  Renderers never print.

``environment_yml`` and ``constraints_txt`` write an
:class:`~reconcile.export.EnvSpec`; ``compare_text`` and ``compare_json``
(schema ``reconcile.compare/1``) a :class:`~reconcile.compare.Comparison`;
``impossible_text`` the explanation when no working env can be exported.

Output is deterministic: no dates, sorted lists, block-style YAML.  Every
line that could carry text from a record goes through
:func:`~reconcile.urls.redact_text` once more on the way out.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .export import EnvSpec, ExportImpossible
from .urls import redact_text

if TYPE_CHECKING:
    from .compare import Comparison, Row

__all__ = [
    "COMPARE_SCHEMA",
    "compare_json",
    "compare_text",
    "constraints_txt",
    "environment_yml",
    "impossible_text",
]

COMPARE_SCHEMA = "reconcile.compare/1"


def _scalar(text: str) -> str:
    """``text`` as a YAML scalar: plain when YAML reads it back as the same
    string, else double-quoted (JSON strings are valid YAML)."""
    import yaml

    if text and "\n" not in text and text == text.strip():
        try:
            if yaml.safe_load(f"k: {text}") == {"k": text}:
                return text
        except yaml.YAMLError:
            pass
    return json.dumps(text)


def _comment(text: str) -> str:
    indent = text[: len(text) - len(text.lstrip(" "))]
    return "# " + indent + redact_text(" ".join(text.split())) if text else "#"


def _header(spec: EnvSpec, what: str) -> list[str]:
    return [
        _comment(f"{what} written by {spec.tool} (export, {spec.mode} mode)"),
        _comment(f"from the prefix {spec.prefix}"),
    ]


def environment_yml(spec: EnvSpec) -> str:
    """The ``environment.yml`` text of ``spec``."""
    lines = _header(spec, "environment.yml")
    lines.append(_comment(f"conda: {spec.conda_from}"))
    if spec.pip:
        which = "all" if spec.mode == "pinned" else "those requested or needed by no other"
        lines.append(
            _comment(f"pip: packages no conda package owns ({which}), as pip installs them")
        )
    if spec.constraints_ref:
        lines.append(
            _comment(
                f"{spec.constraints_ref}: conda's {len(spec.constraints)} Python package(s) at "
                "conda's versions, so pip cannot replace them"
                + ("" if spec.pip else " (no pip section: nothing for pip to install)")
            )
        )
    if spec.changes:
        lines.append(_comment("repaired (installed -> exported):"))
        for c in spec.changes:
            lines.append(
                _comment(f"  {c.name}: {c.installed or '(none)'} -> {c.exported}: {c.why}")
            )
    for warning in spec.warnings:
        lines.append(_comment(f"warning: {warning}"))
    for note in spec.notes:
        lines.append(_comment(f"note: {note}"))
    lines.append(f"name: {_scalar(spec.name)}")
    if spec.channels:
        lines.append("channels:")
        lines.extend(f"  - {_scalar(redact_text(c))}" for c in spec.channels)
    else:
        lines.append("channels: []")
    pip = spec.pip_section
    if not spec.conda and not pip:
        lines.append("dependencies: []")
    else:
        lines.append("dependencies:")
        lines.extend(f"  - {_scalar(redact_text(s))}" for s in spec.conda)
        if pip:
            lines.append("  - pip:")
            lines.extend(f"      - {_scalar(redact_text(p))}" for p in pip)
    text = "\n".join(lines) + "\n"
    _check_yaml(text, spec)
    return text


def _check_yaml(text: str, spec: EnvSpec) -> None:
    """The text must read back as exactly the data: a bug here would write a
    file conda reads differently."""
    import yaml

    data = yaml.safe_load(text)
    deps: list[Any] = [redact_text(s) for s in spec.conda]
    if spec.pip_section:
        deps.append({"pip": [redact_text(p) for p in spec.pip_section]})
    expected = {
        "name": spec.name,
        "channels": [redact_text(c) for c in spec.channels],
        "dependencies": deps,
    }
    if data != expected:  # pragma: no cover - a bug, not an input problem
        raise AssertionError(f"environment.yml does not read back as written: {data!r}")


def constraints_txt(spec: EnvSpec) -> str:
    """The pip constraints file: conda's Python packages at conda's versions."""
    lines = _header(spec, "pip constraints")
    lines.append(
        _comment(
            "conda's Python packages at conda's versions: with -c, pip keeps them as conda "
            "installed them"
        )
    )
    for c in spec.constraints:
        lines.append(f"{c.name}=={c.version}")
    return "\n".join(lines) + "\n"


def impossible_text(exc: ExportImpossible, prefix: str) -> str:
    """Why nothing was exported, for a person."""
    lines = [
        f"reconcile export of {prefix}: nothing written",
        "pip's packages cannot be brought to versions that fit conda's:",
    ]
    lines.extend(f"  {redact_text(e)}" for e in exc.explanations)
    if exc.suggestions:
        lines.append("what could help:")
        lines.extend(f"  {redact_text(s)}" for s in exc.suggestions)
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------
# compare

_LABELS = {
    "ok": "ok",
    "missing": "MISSING",
    "differs": "DIFFERS",
    "unchecked": "UNCHECKED",
    "skipped": "skipped",
    "extra": "EXTRA",
}


def _row_line(row: Row, width: int) -> str:
    label = _LABELS.get(row.status, row.status)
    has = row.has or "-"
    detail = f"  ({row.detail})" if row.detail else ""
    return redact_text(f"  {label:<9} {row.wants:<{width}}  {has}{detail}")


def compare_text(result: Comparison) -> str:
    lines = [f"reconcile compare of {result.prefix}", f"against {result.file}", ""]
    for side in ("conda", "pip"):
        rows = [r for r in result.rows if r.side == side]
        if not rows:
            lines.append(f"{side}: nothing asked for")
            lines.append("")
            continue
        asked, bad, more = result.tally(side)
        unnamed = f"; {more} not in the file were replaced or removed" if more else ""
        lines.append(f"{side}: {asked} asked for, {bad} not met{unnamed}")
        width = min(max(len(r.wants) for r in rows), 48)
        lines.extend(_row_line(r, width) for r in rows)
        lines.append("")
    if result.problems:
        lines.append("lines that could not be read:")
        lines.extend(redact_text(f"  {p}") for p in result.problems)
        lines.append("")
    if result.notes:
        lines.append("notes:")
        lines.extend(redact_text(f"  {n}") for n in result.notes)
        lines.append("")
    if result.extra:
        lines.append(f"installed but not in the file: {len(result.extra)}")
        if result.exact:
            width = min(max(len(r.wants) for r in result.extra), 48)
            lines.extend(_row_line(r, width) for r in result.extra)
        lines.append("")
    n = result.mismatches
    unread = len(result.problems)
    if n == 0 and unread == 0:
        lines.append("the environment matches the file")
    else:
        parts = []
        if n:
            parts.append(f"{n} mismatch" + ("" if n == 1 else "es"))
        if unread:
            parts.append(f"{unread} unreadable line" + ("" if unread == 1 else "s"))
        lines.append("the environment does not match the file: " + ", ".join(parts))
    return "\n".join(lines) + "\n"


def compare_json(result: Comparison) -> str:
    def row(r: Row) -> dict[str, Any]:
        return {
            "side": r.side,
            "package": r.package,
            "status": r.status,
            "wants": redact_text(r.wants),
            "has": redact_text(r.has) if r.has else None,
            "detail": redact_text(r.detail) if r.detail else None,
            "file": r.source,
            "line": r.line,
            "asked": r.asked,
        }

    doc = {
        "schema": COMPARE_SCHEMA,
        "prefix": result.prefix,
        "file": result.file,
        "matches": result.matches,
        "mismatches": result.mismatches,
        "rows": [row(r) for r in result.rows],
        "extra": [row(r) for r in result.extra],
        "unreadable": [
            {"file": p.source, "line": p.line, "text": redact_text(p.text), "reason": p.reason}
            for p in result.problems
        ],
        "notes": [redact_text(n) for n in result.notes],
    }
    return json.dumps(doc, indent=2) + "\n"
