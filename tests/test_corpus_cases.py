"""The corpus tests without the corpus: every case is still collected, from the
committed lists (tests/corpus_cases.py), and each one skips by itself, all with
one reason, instead of one skip line standing for hundreds of tests."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import corpus_cases

REPO = Path(__file__).resolve().parent.parent


def test_without_the_corpus_each_case_skips_by_itself(tmp_path: Path) -> None:
    hidden = tmp_path / "no-corpus"  # RECONCILE_CORPUS pointed where nothing is
    junit = tmp_path / "junit.xml"
    env = {**os.environ, "RECONCILE_CORPUS": str(hidden)}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-m", "corpus", "-p", "no:cacheprovider", "-q",
         f"--junitxml={junit}", "tests"],
        cwd=REPO, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr

    cases = ET.parse(junit).getroot().iter("testcase")
    outcomes = {}
    for case in cases:
        test = f"{case.get('classname')}.{case.get('name')}"
        outcomes[test] = [(child.tag, child.get("message")) for child in case]
    reason = f"the corpus is absent: RECONCILE_CORPUS={str(hidden)!r} has no MANIFEST.jsonl"
    assert {str(o) for o in outcomes.values()} == {str([("skipped", reason)])}

    per_test = Counter(name.split("[", 1)[0] for name in outcomes)
    listing = corpus_cases.load()
    prefixes = len(corpus_cases.expected_prefixes())
    assert per_test["tests.test_corpus.test_conda_meta_record"] == len(
        listing["conda_meta_records"]
    )
    assert per_test["tests.test_corpus.test_history_parses"] == len(listing["histories"])
    assert per_test["tests.test_corpus.test_audit_contract"] == 3 * prefixes
    assert per_test["tests.test_corpus.test_audit_findings_checked_by_hand"] == prefixes
    assert per_test["tests.test_export.test_every_corpus_prefix_exports_and_compares"] == prefixes
    assert per_test["tests.test_envfile.test_every_corpus_environment_file_is_read"] == len(
        listing["environment_files"]
    )
    assert per_test["tests.test_lint.test_every_corpus_yml_is_linted_without_a_traceback"] == len(
        listing["yml_files"]
    )
    assert per_test["tests.test_corpus.test_the_committed_listing_is_the_corpus"] == 1
