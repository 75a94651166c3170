"""What a person can do when pip's packages cannot be brought to fit conda's,
written from the data of a :class:`~reconcile.resolve.ResolutionFailed`.

The plan and export each show it, each with its own words for what only it
offers: the plan can move conda's packages (its prefer-pip strategy) and
says so through ``move_conda``; export cannot, and gives none.  What both
say (loosen a requirement, install a package with conda) is written here
once, cause by cause, never read back out of the resolver's sentences.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from packaging.utils import NormalizedName
    from packaging.version import Version

    from .resolve.errors import Cause, ResolutionFailed

__all__ = ["MoveConda", "resolution_advice"]

#: Words for "let pip move conda's <name> [<version>]", from who offers it.
MoveConda = Callable[["NormalizedName", "Version | None"], str]


def resolution_advice(
    failure: ResolutionFailed, *, move_conda: MoveConda | None = None
) -> tuple[str, ...]:
    """What could help, most direct first, each line once.

    Name by name, in the order the resolver reported them: loosen each
    requirement that clashes (once per asking package and required name,
    for the first of its versions shown; conda's own metadata is not the
    user's to loosen); install with conda the pip packages that asked, and
    the required package itself, so that conda's solver chooses them
    together; and, with ``move_conda``, let pip move the conda packages
    involved.  A search that gave up is told to pin what matters.
    """
    if failure.rounds is not None:
        return ("pin the packages you care about (name==version) to narrow the search",)
    groups: dict[NormalizedName, list[Cause]] = {}
    for cause in failure.causes:
        groups.setdefault(cause.name, []).append(cause)
    hints: list[str] = []
    for name, causes in groups.items():
        clashing = [c for k in failure.conflicts if k.name == name for c in k.causes]
        conda = causes[0].conda
        if conda is not None:
            for cause in clashing:
                _loosen(cause, hints)
                parent = cause.parent
                if parent is not None and not parent.fixed:
                    hints.append(
                        f"install {parent.name} with conda instead (conda install "
                        f"{parent.name}), so that conda chooses {parent.name} and {name} together"
                    )
            if move_conda is not None:
                for cause in clashing:
                    if cause.parent is not None and cause.parent.fixed:
                        hints.append(move_conda(cause.parent.name, None))
                hints.append(move_conda(name, conda.version))
            continue
        for cause in clashing:
            _loosen(cause, hints)
        for cause in causes:
            parent = cause.parent
            if parent is not None and parent.fixed:
                if move_conda is not None:
                    hints.append(move_conda(parent.name, None))
            elif parent is not None:
                hints.append(
                    f"install {parent.name} with conda instead (conda install {parent.name})"
                )
        hints.append(f"install {name} with conda instead (conda install {name})")
    return tuple(dict.fromkeys(hints))


def _loosen(cause: Cause, hints: list[str]) -> None:
    parent = cause.parent
    if parent is None:
        hints.append(f"loosen the requirement {cause.wanted}")
        return
    if parent.fixed:
        return  # conda's metadata: moving conda's package is the way
    head = f"loosen {parent.name}'s requirement on {cause.name} "
    if not any(h.startswith(head) for h in hints):  # once, for the first version tried
        hints.append(f"{head}({parent.label} asks for {cause.wanted})")
