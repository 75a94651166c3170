"""``--format junit``: findings as JUnit XML, for GitLab, Jenkins and the like.

A testsuite per code, a testcase per code and package (``audit --all``: a
testsuite per env).  ``--fail-on`` only decides what counts as a failure; no
severity is recomputed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

from .. import __version__
from ..models import Finding, Severity, at_or_above
from ._evidence import evidence_files, is_known, shown_path

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

    from ..fleet import FleetReport
    from ..reports import FindingsReport

__all__ = ["findings", "fleet"]

# XML 1.0 allows neither C0 controls other than tab/newline/CR nor lone
# surrogates (a path decoded with surrogateescape).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return _XML_ILLEGAL.sub("\ufffd", text)


def _groups(
    findings: Iterable[Finding], codes: Mapping[str, tuple[Severity, str]]
) -> Iterator[tuple[str, dict[str, list[Finding]]]]:
    by_code: dict[str, dict[str, list[Finding]]] = {code: {} for code in codes}
    for f in findings:
        by_code.setdefault(f.code, {}).setdefault(f.package, []).append(f)
    yield from by_code.items()


def _set_counts(element: ET.Element, tests: int, failures: int) -> None:
    for key, value in (("tests", tests), ("failures", failures), ("errors", 0), ("skipped", 0)):
        element.set(key, str(value))
    element.set("time", "0")


def _properties(suite: ET.Element, prefix: str | None, fail_on: str) -> None:
    import xml.etree.ElementTree as ET

    props = ET.SubElement(suite, "properties")
    if prefix is not None:
        ET.SubElement(props, "property", name="prefix", value=_xml_text(prefix))
    ET.SubElement(props, "property", name="fail-on", value=fail_on)
    ET.SubElement(props, "property", name="reconcile", value=__version__)


def _cases(
    suite: ET.Element, report: FindingsReport, code: str, packages: dict[str, list[Finding]]
) -> tuple[int, int]:
    """The testcases of one code in ``suite``: one per package, or one passing
    ``all packages``; returns (tests, failures)."""
    import xml.etree.ElementTree as ET

    fail_on, known, prefix = report.fail_on, report.known, report.prefix
    classname = f"reconcile.{code}"
    failures = 0
    if not packages:
        ET.SubElement(suite, "testcase", classname=classname, name="all packages", time="0")
    for package, group in sorted(packages.items()):
        case = ET.SubElement(
            suite, "testcase", classname=classname, name=_xml_text(package), time="0"
        )
        files = evidence_files(group[0], report.dist_at)
        if files:
            case.set("file", _xml_text(shown_path(files[0], prefix)))
        lines = []
        for f in group:
            where = [shown_path(loc, prefix) for loc in evidence_files(f, report.dist_at)]
            mark = " [in baseline]" if is_known(f, known) else ""
            lines.append(f"{f.severity.label}: {f.message}{mark}")
            lines.extend(f"  evidence: {w}" for w in where)
        body = _xml_text("\n".join(lines) + "\n")
        new = [f for f in group if not is_known(f, known)]
        worst = max(new or group, key=lambda f: f.severity)
        if at_or_above(new, fail_on):
            failures += 1
            failure = ET.SubElement(
                case,
                "failure",
                type=code,
                message=_xml_text(f"{worst.severity.label}: {worst.message}"),
            )
            failure.text = body
        else:
            ET.SubElement(case, "system-out").text = body
    return max(len(packages), 1), failures


def _document(root: ET.Element) -> str:
    import xml.etree.ElementTree as ET

    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def findings(report: FindingsReport) -> str:
    """JUnit XML: a testsuite per code, a testcase per code and package.

    A testcase fails when one of its findings is at or above ``fail_on`` and
    not in the baseline.  Findings below it leave the testcase passing, with
    the messages in its ``system-out`` (not ``skipped``: the check did run).
    A code without any finding has one passing testcase, ``all packages``, so
    the report shows what was checked.
    """
    import xml.etree.ElementTree as ET  # only when asked for: not on the audit's path

    root = ET.Element("testsuites", name=f"reconcile {report.command}")
    totals = [0, 0]
    for code, packages in _groups(report.findings, report.codes):
        suite = ET.SubElement(root, "testsuite", name=code)
        _properties(suite, report.prefix, report.fail_on)
        tests, failures = _cases(suite, report, code, packages)
        _set_counts(suite, tests, failures)
        totals[0] += tests
        totals[1] += failures
    _set_counts(root, *totals)
    return _document(root)


def fleet(report: FleetReport) -> str:
    """``audit --all``: a testsuite per env, named by its prefix, holding the
    testcases its own audit's suites hold (a testcase per code and package,
    classname ``reconcile.CODE``).  An env that could not be audited is a
    suite with one testcase in error, with the one-line reason."""
    import xml.etree.ElementTree as ET

    fail_on = report.options.fail_on
    root = ET.Element("testsuites", name="reconcile audit --all")
    totals = [0, 0, 0]
    for env in report.envs:
        suite = ET.SubElement(root, "testsuite", name=_xml_text(env.prefix))
        _properties(suite, env.prefix, fail_on)
        if env.error is not None:
            case = ET.SubElement(
                suite, "testcase", classname="reconcile.audit", name="audit", time="0"
            )
            ET.SubElement(case, "error", type="not-audited", message=_xml_text(env.error))
            _set_counts(suite, 1, 0)
            suite.set("errors", "1")
            totals[0] += 1
            totals[2] += 1
            continue
        one = env.findings_report(fail_on)
        tests = failures = 0
        for code, packages in _groups(one.findings, one.codes):
            t, f = _cases(suite, one, code, packages)
            tests, failures = tests + t, failures + f
        _set_counts(suite, tests, failures)
        totals[0] += tests
        totals[1] += failures
    _set_counts(root, totals[0], totals[1])
    root.set("errors", str(totals[2]))
    return _document(root)
