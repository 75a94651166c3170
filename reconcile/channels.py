"""What a URL names: conda channels by short name, the subdir of a package
URL, local paths of ``file:`` URLs, conda-build's work folders.

Records carry the full channel URL (``https://conda.anaconda.org/conda-forge``,
sometimes ``.../t/<token>/...`` or ``https://user:password@host/...``); a
URL's credentials are :mod:`reconcile.urls`' business, and a channel's
short name never carries one.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from .urls import redact_url

__all__ = [
    "channel_name",
    "conda_build_url",
    "file_url_path",
    "url_subdir",
]

_SUBDIRS = (
    "noarch", "linux-64", "linux-aarch64", "linux-ppc64le", "linux-s390x", "linux-32",
    "linux-armv7l", "osx-64", "osx-arm64", "win-64", "win-32", "win-arm64",
    "emscripten-wasm32", "wasi-wasm32",
)  # fmt: skip
_DEFAULTS = ("/pkgs/main", "/pkgs/r", "/pkgs/msys2", "/pkgs/free", "/pkgs/pro")
_ANACONDA_HOSTS = ("conda.anaconda.org", "conda.anaconda.org:443")


def channel_name(channel: str | None) -> str | None:
    """A channel as a person (and ``conda install -c``) writes it.

    ``https://conda.anaconda.org/conda-forge/linux-64`` -> ``conda-forge``;
    ``https://repo.anaconda.com/pkgs/main/linux-64`` and ``pkgs/main`` ->
    ``defaults`` (the channels ``defaults`` stands for, as ``conda env
    export`` writes them); ``conda-forge/win-64`` -> ``conda-forge``.
    Other URLs keep their address, minus subdir and credentials.
    """
    if not channel:
        return None
    clean = redact_url(channel).rstrip("/")
    if "://" not in clean:
        # Already a name: "conda-forge", "conda-forge/win-64", "pkgs/main"
        # (conda's history writes the channels `defaults` stands for by name).
        head, _, last = clean.rpartition("/")
        if head and last in _SUBDIRS:
            clean = head
        return "defaults" if f"/{clean}" in _DEFAULTS else clean
    head, _, last = clean.rpartition("/")
    if last in _SUBDIRS:
        clean = head
    parts = urlsplit(clean)
    if parts.netloc == "repo.anaconda.com" and parts.path.rstrip("/") in _DEFAULTS:
        return "defaults"
    if parts.netloc in _ANACONDA_HOSTS:
        return parts.path.strip("/") or clean
    return clean


def url_subdir(url: str | None) -> str | None:
    """The subdir a package or channel URL names: ``.../conda-forge/osx-arm64/x.conda``
    and ``.../conda-forge/osx-arm64`` -> ``osx-arm64``; None when it names none."""
    if not url:
        return None
    try:
        path = urlsplit(url).path if "://" in url else url
    except ValueError:
        return None
    segments = [s for s in path.replace("\\", "/").split("/") if s]
    for segment in reversed(segments[-2:]):
        if segment in _SUBDIRS:
            return segment
    return None


def file_url_path(url: str) -> str:
    """The local path of a ``file:`` URL (``file:///C:/x`` -> ``C:/x``),
    percent-decoded, without fragment or query."""
    path = unquote(urlsplit(url).path)
    if len(path) > 2 and path[0] == "/" and path[2] == ":":
        path = path[1:]  # file:///C:/x
    return path


#: Work folders of conda-build and rattler-build on the machines that build
#: conda's packages (conda-forge's feedstock container, Anaconda's Linux,
#: macOS and Windows builders, a local ``conda build``).  A ``file:`` URL
#: into one of them names a folder that exists only there.
_CONDA_BUILD_DIR = re.compile(
    r"(?i)(?:/home/conda/feedstock_root/|/tmp/build/[0-9a-f]{8}/|/opt/concourse/"
    r"|/croot/|/conda-bld/|(?:^|/)[a-z]:/bld/|(?:^|/)[a-z]:/b/abs_|/abs_[0-9a-z_]+/)"
)


def conda_build_url(url: str) -> bool:
    """Is ``url`` (a PEP 610 ``url``) a ``file:`` URL into a conda-build or
    rattler-build work folder (``file:///home/conda/feedstock_root/...``,
    ``file:///D:/bld/...``, ``file:///tmp/build/80754af9/...``)?"""
    if not url.startswith("file:"):
        return False
    return bool(_CONDA_BUILD_DIR.search(file_url_path(url).replace("\\", "/")))
