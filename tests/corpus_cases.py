"""The cases of the corpus tests, committed: which files of the corpus they run on.

The corpus (``../shared/corpus`` beside the clone, or ``$RECONCILE_CORPUS``) is not
part of the repository.  The tests are parametrised from ``corpus_cases.json`` beside
this file, and the whole prefixes from the hand-checked expectations in
``corpus_expected/``, never from the corpus itself: a clone without the corpus then
collects every case and skips each one with the same reason (tests/conftest.py), and a
case is named the same on every machine.  Where the corpus is there,
``test_corpus.py`` checks that this listing is still the corpus's own.

After the corpus changes, write the listing again::

    python tests/corpus_cases.py [CORPUS]
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
LISTING = HERE / "corpus_cases.json"
EXPECTED_DIR = HERE / "corpus_expected"


def list_corpus(corpus: Path) -> dict[str, Any]:
    """What the corpus tests parametrise over, read from the corpus at ``corpus``.

    - ``prefixes``: every folder holding a ``conda-meta`` folder;
    - ``conda_meta_records``: every ``conda-meta/*.json``; ``histories`` every
      ``conda-meta/history``;
    - ``metadata_entries``: every ``*.dist-info`` and ``*.egg-info`` (folder or file);
    - ``yml_files``: ``[path, MANIFEST kind]`` of every ``.yml``/``.yaml`` MANIFEST.jsonl
      names; ``environment_files`` those of an ``environment-yml*`` kind.

    Paths are relative to the corpus, with ``/``, sorted.
    """
    prefixes: list[str] = []
    records: list[str] = []
    histories: list[str] = []
    metadata: list[str] = []
    for root, dirs, files in os.walk(corpus):
        rel_root = Path(root).relative_to(corpus).as_posix()
        for name in dirs + files:
            if name.endswith((".dist-info", ".egg-info")):
                metadata.append(f"{rel_root}/{name}" if rel_root != "." else name)
        if "conda-meta" in dirs:
            prefixes.append(rel_root)
        if Path(root).name == "conda-meta":
            records.extend(f"{rel_root}/{f}" for f in files if f.endswith(".json"))
            histories.extend(f"{rel_root}/{f}" for f in files if f == "history")
    yml: list[list[str]] = []
    with (corpus / "MANIFEST.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            entry = json.loads(line)
            rel = f"{entry['repo'].replace('/', '__')}/{entry['path']}"
            if rel.endswith((".yml", ".yaml")) and (corpus / rel).is_file():
                yml.append([rel, entry["kind"]])
    yml.sort()
    return {
        "prefixes": sorted(prefixes),
        "conda_meta_records": sorted(records),
        "histories": sorted(histories),
        "metadata_entries": sorted(metadata),
        "yml_files": yml,
        "environment_files": [rel for rel, kind in yml if kind.startswith("environment-yml")],
    }


def load() -> dict[str, Any]:
    """The committed listing."""
    listing: dict[str, Any] = json.loads(LISTING.read_text(encoding="utf-8"))
    return listing


def expected_prefixes() -> dict[str, dict[str, Any]]:
    """The hand-checked expectations of ``corpus_expected/``, by the prefix each names."""
    docs = {}
    for path in sorted(EXPECTED_DIR.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        docs[doc["prefix"]] = doc
    return docs


def write(corpus: Path) -> None:
    text = json.dumps(list_corpus(corpus), indent=1, ensure_ascii=False)
    LISTING.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    default = os.environ.get("RECONCILE_CORPUS") or HERE.parent.parent / "shared" / "corpus"
    write(Path(sys.argv[1] if len(sys.argv) > 1 else default))
    print(f"wrote {LISTING}")
