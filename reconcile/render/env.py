"""``environment.yml`` and pip constraints: what ``reconcile export`` writes
(and ``plan --strategy rebuild`` carries), from an :class:`~reconcile.export.EnvSpec`;
and, when no working env can be exported, why.

Output is deterministic: no dates, sorted lists, block-style YAML.  Every
line that could carry text from a record goes through
:func:`~reconcile.urls.redact_text` once more on the way out.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..urls import redact_text

if TYPE_CHECKING:
    from ..export import EnvSpec
    from ..reports import ExportReport

__all__ = ["constraints_txt", "environment_yml", "impossible"]


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


def impossible(report: ExportReport) -> str:
    """Why nothing was exported, for a person."""
    lines = [
        f"reconcile export of {report.prefix}: nothing written",
        "pip's packages cannot be brought to versions that fit conda's:",
    ]
    lines.extend(f"  {redact_text(e)}" for e in report.explanations)
    if report.suggestions:
        lines.append("what could help:")
        lines.extend(f"  {redact_text(s)}" for s in report.suggestions)
    return "\n".join(lines) + "\n"
