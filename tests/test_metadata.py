"""reconcile/metadata.py: the one core-metadata reader (METADATA, PKG-INFO)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import CORPUS, REPO

from reconcile.metadata import CoreMetadata, read_core_metadata


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\n",
            CoreMetadata(metadata_version="2.1", name="six", version="1.16.0"),
            id="plain",
        ),
        pytest.param(
            "Name: requests\nVersion: 2.32.3\nRequires-Dist: charset-normalizer<4,>=2\n"
            "Requires-Dist: idna<4,>=2.5\nProvides-Extra: socks\n"
            'Requires-Dist: PySocks!=1.5.7,>=1.5.6; extra == "socks"\n'
            "Provides-Extra: use-chardet\n",
            CoreMetadata(
                name="requests",
                version="2.32.3",
                requires_dist=(
                    "charset-normalizer<4,>=2",
                    "idna<4,>=2.5",
                    'PySocks!=1.5.7,>=1.5.6; extra == "socks"',
                ),
                provides_extra=("socks", "use-chardet"),
            ),
            id="repeated-fields-in-order",
        ),
        pytest.param(
            "Name: foo\nVersion: 1.0\nRequires-Dist: bar\n  >=1.0\nLicense: MIT\n\tor Apache\n",
            CoreMetadata(name="foo", version="1.0", requires_dist=("bar >=1.0",)),
            id="folded-lines-joined",
        ),
        # setuptools < 57 wrote the description as a header, its blank lines
        # as eight spaces, and Requires-Python and Provides-Extra after it.
        pytest.param(
            "Metadata-Version: 2.1\nName: keyring\nVersion: 13.2.1\n"
            "Description: .. image:: https://img.shields.io/pypi/v/keyring.svg\n"
            "        \n        Store and access your passwords safely.\n        \n"
            "Platform: UNKNOWN\nRequires-Python: >=2.7\nProvides-Extra: docs\n",
            CoreMetadata(
                metadata_version="2.1",
                name="keyring",
                version="13.2.1",
                requires_python=">=2.7",
                provides_extra=("docs",),
            ),
            id="setuptools-40-blank-description-lines",
        ),
        pytest.param(
            "Name: foo\nVersion: 1.0\n\nRequires-Dist: not-a-header\n",
            CoreMetadata(name="foo", version="1.0"),
            id="body-after-the-blank-line-not-read",
        ),
        pytest.param(
            "Name: foo\r\nVersion: 1.0\r\n\r\nRequires-Dist: body\r\n",
            CoreMetadata(name="foo", version="1.0"),
            id="crlf",
        ),
        pytest.param(
            "name: Foo\nVERSION: 2.0\nrequires-python: >=3.8\ndynamic: Requires-Dist\n",
            CoreMetadata(
                name="Foo", version="2.0", requires_python=">=3.8", dynamic=("Requires-Dist",)
            ),
            id="header-names-any-case",
        ),
        pytest.param(
            "Name: first\nName: second\nVersion: 1.0\n",
            CoreMetadata(name="first", version="1.0"),
            id="repeated-single-field-first-counts",
        ),
        pytest.param(
            "Metadata-Version: 2.1\nName: foo\nSummary: no version here\n",
            CoreMetadata(metadata_version="2.1", name="foo"),
            id="missing-version",
        ),
        pytest.param(
            "Name: foo\nnot a header line\nVersion: 1.0\n",
            CoreMetadata(name="foo", version="1.0"),
            id="stray-line-skipped",
        ),
        pytest.param("", CoreMetadata(), id="empty"),
    ],
)
def test_read(text: str, expected: CoreMetadata) -> None:
    assert read_core_metadata(text.encode()) == expected


def test_not_utf8_is_read_as_latin1_and_said() -> None:
    # Core metadata must be UTF-8 (PEP 566); old tools wrote latin-1.
    data = "Name: foo\nVersion: 1.0\nAuthor: Fran\xe7ois\nRequires-Dist: bar\n".encode("latin-1")
    got = read_core_metadata(data)
    assert got == CoreMetadata(name="foo", version="1.0", requires_dist=("bar",), latin1=True)
    assert read_core_metadata(data.decode("latin-1").encode()).latin1 is False


def _metadata_files() -> list[Path]:
    roots = [REPO / "tests" / "real_writers", REPO / "fixtures"]
    if CORPUS is not None:
        roots.append(CORPUS)
    found = []
    for root in roots:
        for folder, _dirs, files in os.walk(root):
            for name in files:
                path = Path(folder) / name
                if name in ("METADATA", "PKG-INFO") or name.endswith(".egg-info"):
                    found.append(path)
    return sorted(found)


def _squeeze(value: object) -> object:
    if isinstance(value, (list, tuple)):
        return tuple(" ".join(v.split()) for v in value)
    return " ".join(value.split()) if isinstance(value, str) else value


@pytest.mark.corpus
def test_reads_what_packaging_reads_on_every_real_file() -> None:
    # packaging's parse_email (the email package's parser, what pip and
    # importlib.metadata use) is the reference; this reader is the fast one.
    # Folded values compare with their whitespace squeezed (email keeps the
    # line break).  A field parse_email could not parse is not compared.
    from packaging.metadata import parse_email

    fields = (
        "name",
        "version",
        "metadata_version",
        "requires_dist",
        "requires_python",
        "provides_extra",
        "dynamic",
    )
    checked = 0
    for path in _metadata_files():
        data = path.read_bytes()
        raw, unparsed = parse_email(data)
        got = read_core_metadata(data)
        for field in fields:
            if field.replace("_", "-") in unparsed:
                continue
            want = raw.get(
                field, () if field in ("requires_dist", "provides_extra", "dynamic") else None
            )
            assert _squeeze(getattr(got, field)) == _squeeze(want), (path, field)
        checked += 1
    assert checked > 300
