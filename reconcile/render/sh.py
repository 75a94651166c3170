"""``--format sh``: the repair plan as a bash script to review, then run."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from .. import __version__
from ._common import answers

if TYPE_CHECKING:
    from ..plan import Plan

__all__ = ["plan"]


def _comment(text: str) -> str:
    # Names come from files in the prefix: keep them on one comment line.
    return "".join(c if c.isprintable() else "?" for c in text)


def _word(arg: str) -> str:
    """A path (anything with a slash: files, folders, file:// channels) is
    always single-quoted, so a reader sees at once that nothing in it expands;
    other words only when the shell needs it."""
    if "/" in arg or "\\" in arg:
        return "'" + arg.replace("'", "'\"'\"'") + "'"
    return shlex.quote(arg)


def plan(plan: Plan) -> str:
    from ..plan import CONSTRAINTS, INDEX_URL, Tool

    lines = [
        "#!/usr/bin/env bash",
        _comment(f"# reconcile {__version__} repair plan for {plan.prefix}"),
        f"# strategy: {plan.strategy}; review it before you run it.",
        "# Paths are single-quoted on purpose: a '$' in them is literal.",
        "# shellcheck disable=SC2016",
        "set -euo pipefail",
    ]
    if plan.explanations:
        lines += ["# No set of pip packages fits conda's versions:"]
        lines += [_comment(f"#   {e}") for e in plan.explanations]
        lines += ["echo 'reconcile: no consistent repair exists; see the comments' >&2", "exit 1"]
        return "\n".join(lines) + "\n"
    uses_constraints = any(CONSTRAINTS in s.args for s in plan.steps)
    if uses_constraints:
        lines += [
            'CONSTRAINTS="$(mktemp)"',
            "trap 'rm -f \"$CONSTRAINTS\"' EXIT",
            "cat > \"$CONSTRAINTS\" <<'RECONCILE_CONSTRAINTS'",
            *plan.constraints,
            "RECONCILE_CONSTRAINTS",
        ]
    if plan.files:
        # The rebuild's files go into a fresh folder, quoted heredocs: no
        # expansion inside them.
        lines += ['WORK="$(mktemp -d)"', 'cd "$WORK"']
        for name, content in plan.files:
            end = "RECONCILE_EOF"
            while end in content.splitlines():
                end += "_"
            lines += [f"cat > {shlex.quote(name)} <<'{end}'", *content.splitlines(), end]
    if any(INDEX_URL in s.args for s in plan.steps):
        # The --index-url holds credentials: they are never written here.
        lines += [
            _comment(f"# credentials in --index-url are not shown ({plan.index_url}):"),
            "# export RECONCILE_INDEX_URL='<the --index-url, with its credentials>' first.",
            ': "${RECONCILE_INDEX_URL:?set RECONCILE_INDEX_URL to the --index-url}"',
        ]
    swap = {CONSTRAINTS: '"$CONSTRAINTS"', INDEX_URL: '"$RECONCILE_INDEX_URL"'}
    for i, step in enumerate(plan.steps, 1):
        lines += ["", _comment(f"# {i}. answers: {answers(step)}"), _comment(f"#    {step.why}")]
        args = [swap.get(a) or _word(a) for a in step.args]
        lines.append(("rm -rf -- " if step.tool is Tool.REMOVE else "") + " ".join(args))
    for u in plan.unresolved:
        lines.append(_comment(f"# not repaired: {u.finding.code} {u.finding.package}: {u.reason}"))
    return "\n".join(lines) + "\n"
