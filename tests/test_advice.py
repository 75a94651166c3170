"""What plan and export advise when pip's side cannot fit conda's, written
from the failure's data (reconcile/advice.py): the plan may offer its
prefer-pip strategy, export never does; nothing is read back out of text."""

from __future__ import annotations

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from reconcile.advice import resolution_advice
from reconcile.plan import resolver_advice
from reconcile.resolve import Candidate, Cause, Conflict, Fixed, ResolutionFailed


def _cand(name: str, version: str, *, conda: bool = False) -> Candidate:
    return Candidate(name=canonicalize_name(name), version=Version(version),
                     origin="conda (test)" if conda else "index case", requires=(),
                     requires_python=None, fixed=conda)  # fmt: skip


Z = Fixed(name=canonicalize_name("z"), version=Version("2.1"), origin="conda (z-2.1-h0_0)")
BY_X = Cause(requirement=Requirement("z<2"), parent=_cand("x", "1.2"), conda=Z)
BY_CONDA = Cause(
    requirement=Requirement("idna>=2.5"), parent=_cand("requests", "2.32.3", conda=True)
)
BY_USER = Cause(requirement=Requirement("idna<2.5"))


@pytest.mark.parametrize(
    ("failure", "plan", "export"),
    [
        pytest.param(
            ResolutionFailed(causes=[BY_X], conflicts=[Conflict(name=BY_X.name, kind="conda",
                                                                causes=(BY_X,))]),
            ("loosen x's requirement on z (x 1.2 asks for z<2)",
             "install x with conda instead (conda install x), so that conda chooses x and z "
             "together",
             "use --strategy prefer-pip to let pip move conda's z 2.1"),
            ("loosen x's requirement on z (x 1.2 asks for z<2)",
             "install x with conda instead (conda install x), so that conda chooses x and z "
             "together"),
            id="pip-package-against-condas-pin",
        ),
        pytest.param(
            ResolutionFailed(causes=[BY_USER, BY_CONDA],
                             conflicts=[Conflict(name=BY_USER.name, kind="disagree",
                                                 causes=(BY_USER, BY_CONDA))]),
            ("loosen the requirement idna<2.5",
             "use --strategy prefer-pip to let pip move conda's requests",
             "install idna with conda instead (conda install idna)"),
            ("loosen the requirement idna<2.5",
             "install idna with conda instead (conda install idna)"),
            id="the-request-against-condas-metadata",
        ),
        pytest.param(
            ResolutionFailed(rounds=7),
            ("pin the packages you care about (name==version) to narrow the search",),
            ("pin the packages you care about (name==version) to narrow the search",),
            id="gave-up",
        ),
        pytest.param(ResolutionFailed(), (), (), id="no-causes"),
    ],
)  # fmt: skip
def test_plan_and_export_advise_from_the_data(
    failure: ResolutionFailed, plan: tuple[str, ...], export: tuple[str, ...]
) -> None:
    assert resolver_advice(failure) == plan
    assert resolution_advice(failure) == export
    # a prefer-pip plan is not told to use prefer-pip
    assert resolver_advice(failure, "prefer-pip") == export


def test_a_parent_is_told_to_loosen_once_for_the_first_version_shown() -> None:
    older = Cause(requirement=Requirement("z<1"), parent=_cand("x", "1.0"), conda=Z)
    failure = ResolutionFailed(
        causes=[BY_X, older],
        conflicts=[Conflict(name=BY_X.name, kind="conda", causes=(c,)) for c in (BY_X, older)],
    )
    assert len(failure.explanations) == 2
    assert [a for a in resolution_advice(failure) if a.startswith("loosen")] == [
        "loosen x's requirement on z (x 1.2 asks for z<2)"
    ]


def test_explanations_are_the_conflicts_lines() -> None:
    failure = ResolutionFailed(causes=[BY_USER, BY_CONDA],
                               conflicts=[Conflict(name=BY_USER.name, kind="disagree",
                                                   causes=(BY_USER, BY_CONDA))])  # fmt: skip
    assert failure.explanations == (
        "Cannot make the request and requests agree: the request asks for idna<2.5; "
        "requests 2.32.3 depends on idna>=2.5",
    )
    assert str(ResolutionFailed(rounds=7)) == (
        "no consistent set of versions: gave up after 7 rounds of backtracking"
    )
