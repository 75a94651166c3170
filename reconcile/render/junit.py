"""``--format junit``: findings as JUnit XML, for GitLab, Jenkins and the like.

A testsuite per code, a testcase per code and package.  ``--fail-on`` only
decides what counts as a failure; no severity is recomputed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

from .. import __version__
from ..models import Finding, Severity, at_or_above
from ._evidence import evidence_files, is_known, prefix_of, shown_path

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

    from ..reports import FindingsReport

__all__ = ["findings"]

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


def findings(report: FindingsReport) -> str:
    """JUnit XML: a testsuite per code, a testcase per code and package.

    A testcase fails when one of its findings is at or above ``fail_on`` and
    not in the baseline.  Findings below it leave the testcase passing, with
    the messages in its ``system-out`` (not ``skipped``: the check did run).
    A code without any finding has one passing testcase, ``all packages``, so
    the report shows what was checked.
    """
    import xml.etree.ElementTree as ET  # only when asked for: not on the audit's path

    graph, fail_on, known = report.graph, report.fail_on, report.known
    prefix = prefix_of(graph)
    root = ET.Element("testsuites", name="reconcile audit")
    totals = [0, 0]
    for code, packages in _groups(report.findings, report.codes):
        suite = ET.SubElement(root, "testsuite", name=code)
        props = ET.SubElement(suite, "properties")
        if prefix is not None:
            ET.SubElement(props, "property", name="prefix", value=_xml_text(prefix))
        ET.SubElement(props, "property", name="fail-on", value=fail_on)
        ET.SubElement(props, "property", name="reconcile", value=__version__)
        classname = f"reconcile.{code}"
        failures = 0
        if not packages:
            ET.SubElement(suite, "testcase", classname=classname, name="all packages", time="0")
        for package, group in sorted(packages.items()):
            case = ET.SubElement(
                suite, "testcase", classname=classname, name=_xml_text(package), time="0"
            )
            files = evidence_files(group[0], graph)
            if files:
                case.set("file", _xml_text(shown_path(files[0], prefix)))
            lines = []
            for f in group:
                where = [shown_path(loc, prefix) for loc in evidence_files(f, graph)]
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
        tests = max(len(packages), 1)
        _set_counts(suite, tests, failures)
        totals[0] += tests
        totals[1] += failures
    _set_counts(root, *totals)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"
