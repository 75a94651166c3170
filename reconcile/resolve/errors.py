"""What goes wrong: a source that cannot be read, and no consistent set."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import ReconcileError

__all__ = ["ResolutionFailed", "SourceUnavailable"]


class SourceUnavailable(ReconcileError):
    """A candidate source could not be read (a missing folder, an index that
    does not answer, a file whose hash does not match)."""

    def __init__(self, where: str, reason: str) -> None:
        self.where = where
        self.reason = reason
        super().__init__(f"cannot read {where}: {reason}")


class ResolutionFailed(ReconcileError):
    """No set of versions satisfies every requirement.

    ``explanations`` are pip-style lines ("Cannot make X and Y agree: ..."),
    ``suggestions`` what the user can do.  ``str()`` is one line;
    :meth:`report` is the full text for a person.
    """

    def __init__(self, explanations: Sequence[str], suggestions: Sequence[str]) -> None:
        self.explanations = tuple(explanations) or ("the resolver found no consistent set",)
        self.suggestions = tuple(suggestions)
        more = len(self.explanations) - 1
        tail = f" (and {more} more)" if more else ""
        super().__init__(f"no consistent set of versions: {self.explanations[0]}{tail}")

    def report(self) -> str:
        lines = ["No consistent set of versions exists:"]
        lines += [f"  {e}" for e in self.explanations]
        if self.suggestions:
            lines.append("What you can do:")
            lines += [f"  - {s}" for s in self.suggestions]
        return "\n".join(lines) + "\n"
