"""A PEP 503 (HTML) / PEP 691 (JSON) simple index as a candidate source,
and the HTTP client with its on-disk cache that reads it.

One job, which is why the file is long: asking the index for a project's
page (revalidated on every run, the cached copy used when the index does not
answer), reading that page's files with their Requires-Python and yanked
state (PEP 592), and reading a file's metadata from its PEP 658 / PEP 714
``.metadata`` file (else from the downloaded wheel or static sdist), checked
against the index's hashes, only for the versions the resolver tries.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name

from ..cachedir import cache_dir as reconcile_cache_dir
from ..filenames import InvalidFilename, is_wheel_filename, parse_dist_filename
from ..urls import redact_url, without_userinfo
from .artifacts import _R_META, _metadata_candidate, _sdist_metadata, _wheel_metadata
from .errors import SourceUnavailable
from .values import Artifact, Candidate, LazyCandidates, Loader

__all__ = ["PYPI_SIMPLE", "IndexSource"]

PYPI_SIMPLE = "https://pypi.org/simple/"

_PAGE_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, "
    "application/vnd.pypi.simple.v1+html; q=0.2, text/html; q=0.01"
)
_JSON_TYPE = "application/vnd.pypi.simple.v1+json"


@dataclass(frozen=True, slots=True)
class _Page:
    body: bytes
    content_type: str
    url: str


@dataclass(frozen=True, kw_only=True, slots=True)
class _IndexFile:
    filename: str
    url: str
    hashes: Mapping[str, str]
    requires_python: SpecifierSet | None
    yanked: str | None
    metadata: Mapping[str, str] | None  # PEP 658/714: None = not offered


class _Http:
    """GETs with an on-disk cache.

    Project pages are revalidated (ETag / Last-Modified) on every run and the
    cached copy is used when the index does not answer; ``.metadata`` files
    and archives are immutable per URL and read from the cache as they are,
    after checking their hash.  Basic auth is sent only to the index's own
    host and never on a redirect.
    """

    def __init__(self, cache_dir: Path | None, *, timeout: float, auth: Mapping[str, str]) -> None:
        self.cache_dir = cache_dir
        self.timeout = timeout
        self.auth = auth  # netloc -> Authorization header value

    def _path(self, url: str, suffix: str) -> Path | None:
        if self.cache_dir is None:
            return None
        key = hashlib.sha256(url.encode()).hexdigest()
        return self.cache_dir / key[:2] / f"{key}{suffix}"

    def _request(self, url: str, headers: Mapping[str, str]) -> Any:
        import urllib.request
        from urllib.parse import urlsplit

        req = urllib.request.Request(url, headers=dict(headers))
        auth = self.auth.get(urlsplit(url).netloc.lower())
        if auth is not None:
            req.add_unredirected_header("Authorization", auth)
        return urllib.request.urlopen(req, timeout=self.timeout)

    def _store(self, path: Path | None, data: bytes, meta: Mapping[str, str] | None) -> None:
        import json

        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)
            if meta is not None:
                tmp.write_text(json.dumps(dict(meta)), encoding="utf-8")
                os.replace(tmp, path.with_name(path.name + ".json"))
        except OSError:
            pass  # a read-only cache only costs time

    def page(self, url: str) -> _Page | None:
        """A project page; None when the index has no such project."""
        import json
        import urllib.error

        path = self._path(f"page {url}", ".body")
        cached: _Page | None = None
        meta: dict[str, str] = {}
        if path is not None:
            try:
                meta = json.loads(path.with_name(path.name + ".json").read_text("utf-8"))
                cached = _Page(path.read_bytes(), meta["content_type"], meta["url"])
            except (OSError, ValueError, KeyError, TypeError):
                cached, meta = None, {}
        headers = {"Accept": _PAGE_ACCEPT}
        if cached is not None and meta.get("etag"):
            headers["If-None-Match"] = meta["etag"]
        if cached is not None and meta.get("last_modified"):
            headers["If-Modified-Since"] = meta["last_modified"]
        try:
            with self._request(url, headers) as resp:
                body = resp.read()
                final = without_userinfo(resp.geturl())
                got = _Page(body, resp.headers.get("Content-Type", ""), final)
                new_meta = {
                    "content_type": got.content_type,
                    "url": got.url,
                    "etag": resp.headers.get("ETag") or "",
                    "last_modified": resp.headers.get("Last-Modified") or "",
                }
        except urllib.error.HTTPError as exc:
            with exc:
                if exc.code == 304 and cached is not None:
                    return cached
                if exc.code in (404, 410):
                    return None
                if exc.code >= 500 and cached is not None:
                    return cached  # the index is down: the last page we saw
                raise SourceUnavailable(redact_url(url), f"HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            if cached is not None:
                return cached  # offline: the last page we saw
            reason = getattr(exc, "reason", None) or exc
            raise SourceUnavailable(redact_url(url), str(reason)) from None
        self._store(path, got.body, new_meta)
        return got

    def immutable(
        self, url: str, hashes: Mapping[str, str], *, to_file: bool
    ) -> Path | bytes | None:
        """A file that never changes at its URL (a ``.metadata`` file, an
        archive), checked against ``hashes``; None when it is not there.

        Archives (``to_file``) are streamed into the cache and returned as a
        path; without a usable cache they are read into memory.
        """
        import urllib.error

        path = self._path(f"file {url}", ".bin")
        if path is not None and path.is_file():
            try:
                if _digest_ok(path, hashes):
                    return path if to_file else path.read_bytes()
                path.unlink()
            except OSError:
                pass
        try:
            with self._request(url, {}) as resp:
                got = self._receive(resp, path if to_file else None)
        except urllib.error.HTTPError as exc:
            with exc:
                if exc.code in (404, 410):
                    return None
                raise SourceUnavailable(redact_url(url), f"HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise SourceUnavailable(redact_url(url), str(reason)) from None
        try:
            ok = _digest_ok(got, hashes)
        except OSError as exc:
            raise SourceUnavailable(redact_url(url), str(exc)) from None
        if not ok:
            if isinstance(got, Path):
                got.unlink(missing_ok=True)
            raise SourceUnavailable(redact_url(url), "hash does not match the index")
        if isinstance(got, bytes):
            self._store(path, got, None)
        return got

    @staticmethod
    def _receive(resp: Any, path: Path | None) -> Path | bytes:
        """The response body, streamed to ``path`` when one is given and
        writable, else read into memory."""
        if path is not None:
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                with open(tmp, "wb") as out:
                    for block in iter(partial(resp.read, 1 << 20), b""):
                        out.write(block)
                os.replace(tmp, path)
                return path
            except OSError:
                tmp.unlink(missing_ok=True)
                raise
        data: bytes = resp.read()
        return data


def _digest_ok(data: bytes | Path, hashes: Mapping[str, str]) -> bool:
    """Whether ``data`` has the strongest hash of ``hashes`` we can compute
    (true when there is none to check)."""
    algos = [a for a in ("sha512", "sha384", "sha256") if a in hashes]
    algos += sorted(a for a in hashes if a in hashlib.algorithms_guaranteed and a not in algos)
    if not algos:
        return True
    h = hashlib.new(algos[0])
    if isinstance(data, Path):
        with open(data, "rb") as f:
            for block in iter(partial(f.read, 1 << 20), b""):
                h.update(block)
    else:
        h.update(data)
    return h.hexdigest() == hashes[algos[0]].lower()


def _hash_fragment(url: str) -> tuple[str, dict[str, str]]:
    """PEP 503: a URL's ``#<hashname>=<hexdigest>`` fragment, split off."""
    base, _, fragment = url.partition("#")
    algo, _, digest = fragment.partition("=")
    return base, ({algo: digest} if algo in hashlib.algorithms_guaranteed and digest else {})


def _metadata_hashes(value: object) -> Mapping[str, str] | None:
    """PEP 658 (HTML ``"true"`` / ``"sha256=..."``) and PEP 691 (bool / dict)."""
    if value is None or value is False or value in ("false", ""):
        return None
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items()}
    if isinstance(value, str) and "=" in value:
        algo, _, digest = value.partition("=")
        return {algo: digest}
    return {}


def _specifier(text: object) -> SpecifierSet | None:
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        return None  # pip ignores an invalid data-requires-python


def _yanked(value: object) -> str | None:
    if value is None or value is False:
        return None
    return value if isinstance(value, str) else ""


def _parse_json_page(page: _Page) -> list[_IndexFile]:
    """PEP 691's JSON project page."""
    import json
    from urllib.parse import urljoin

    try:
        data = json.loads(page.body)
        api = str(data.get("meta", {}).get("api-version", "1.0"))
        files = data["files"]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise SourceUnavailable(page.url, "not a PEP 691 project page") from None
    if api.split(".")[0] != "1":
        raise SourceUnavailable(page.url, f"unsupported simple API version {api}")
    out = []
    for f in files:
        if not isinstance(f, Mapping) or "filename" not in f or "url" not in f:
            continue
        url, fragment = _hash_fragment(urljoin(page.url, str(f["url"])))
        hashes = f.get("hashes") if isinstance(f.get("hashes"), Mapping) else fragment
        meta = f.get("core-metadata", f.get("dist-info-metadata"))  # PEP 714 name first
        out.append(
            _IndexFile(
                filename=str(f["filename"]),
                url=url,
                hashes={str(k): str(v) for k, v in (hashes or {}).items()},
                requires_python=_specifier(f.get("requires-python")),
                yanked=_yanked(f.get("yanked")),
                metadata=_metadata_hashes(meta),
            )
        )
    return out


def _parse_html_page(page: _Page) -> list[_IndexFile]:
    """PEP 503's HTML project page, with PEP 592/658/714 data attributes."""
    from html.parser import HTMLParser
    from urllib.parse import unquote, urljoin, urlsplit

    class Links(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.base: str | None = None
            self.anchors: list[dict[str, str | None]] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "base" and self.base is None:
                self.base = dict(attrs).get("href")
            elif tag == "a":
                self.anchors.append(dict(attrs))

    parser = Links()
    parser.feed(page.body.decode("utf-8", "replace"))
    parser.close()
    base = urljoin(page.url, parser.base) if parser.base else page.url
    out = []
    for a in parser.anchors:
        href = a.get("href")
        if not href:
            continue
        url, hashes = _hash_fragment(urljoin(base, href))
        # PEP 714's name first; PEP 592: a bare data-yanked is yanked too.
        meta = a.get("data-core-metadata", a.get("data-dist-info-metadata"))
        yanked = (a.get("data-yanked") or "") if "data-yanked" in a else None
        out.append(
            _IndexFile(
                filename=unquote(urlsplit(url).path.rsplit("/", 1)[-1]),
                url=url,
                hashes=hashes,
                requires_python=_specifier(a.get("data-requires-python")),
                yanked=yanked,
                metadata=_metadata_hashes(meta),
            )
        )
    return out


class IndexSource:
    """A PEP 503 (HTML) or PEP 691 (JSON) simple repository.

    Asks for JSON and falls back to HTML by content type.  Each file's
    Requires-Python (``data-requires-python`` / ``requires-python``) and
    yanked state (PEP 592) are known from the page; its dependencies come
    from the PEP 658 ``<file>.metadata`` file when the index offers one
    (``data-core-metadata`` / ``core-metadata``, PEP 714), else from the
    downloaded wheel (or static sdist), read lazily, only for the versions the
    resolver tries.  Responses are cached in ``cache_dir``; by default in
    ``http/`` of reconcile's cache folder (:func:`reconcile.cachedir.cache_dir`:
    ``$RECONCILE_CACHE_DIR``, else the user's), and not at all when there is
    none.  Credentials in ``url`` are sent as basic
    auth to that host only and stripped from every origin, URL and message.
    """

    def __init__(
        self,
        url: str,
        cache_dir: str | os.PathLike[str] | None = None,
        *,
        timeout: float = 30.0,
    ) -> None:
        from urllib.parse import unquote, urlsplit

        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise SourceUnavailable(f"index {redact_url(url)}", "not an http(s) URL")
        auth: dict[str, str] = {}
        if parts.username is not None:
            token = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
            host = parts.netloc.rsplit("@", 1)[1].lower()
            auth[host] = "Basic " + base64.b64encode(token.encode()).decode("ascii")
        self.url = redact_url(url).rstrip("/") + "/"  # shown
        self._base = without_userinfo(url).rstrip("/") + "/"  # fetched (auth is a header)
        if cache_dir is None:
            folder = reconcile_cache_dir()
            self.cache_dir = folder / "http" if folder is not None else None
        else:
            self.cache_dir = Path(cache_dir)
        self._http = _Http(self.cache_dir, timeout=timeout, auth=auth)
        self._pages: dict[NormalizedName, LazyCandidates] = {}

    @property
    def where(self) -> str:
        return f"index {self.url}"

    def _files(self, name: NormalizedName) -> list[_IndexFile]:
        page = self._http.page(f"{self._base}{name}/")
        if page is None:
            return []
        if page.content_type.split(";")[0].strip().lower() == _JSON_TYPE:
            return _parse_json_page(page)
        return _parse_html_page(page)

    def candidates(self, name: NormalizedName) -> Sequence[Candidate]:
        name = canonicalize_name(name)
        if name not in self._pages:
            entries: list[tuple[Artifact, Loader]] = []
            for f in self._files(name):
                try:
                    parsed = parse_dist_filename(f.filename)
                except InvalidFilename:
                    continue
                if parsed.name != name:
                    continue
                art = Artifact(
                    name=name,
                    version=parsed.version,
                    origin=self.where,
                    filename=f.filename,
                    url=redact_url(f.url),
                    requires_python=f.requires_python,
                    yanked=f.yanked,
                    hashes=f.hashes,
                )
                entries.append((art, partial(self._load, f, art)))
            self._pages[name] = LazyCandidates(entries)
        return self._pages[name]

    def _load(self, f: _IndexFile, art: Artifact) -> Candidate | str:
        import io

        sdist = not is_wheel_filename(f.filename)
        if f.metadata is not None:
            data = self._http.immutable(f.url + ".metadata", f.metadata, to_file=False)
            if isinstance(data, bytes):
                return _metadata_candidate(art, data, sdist=sdist)
        # No PEP 658 file: the archive itself (pip does the same).
        blob = self._http.immutable(f.url, f.hashes, to_file=True)
        if blob is None:
            return _R_META
        archive = io.BytesIO(blob) if isinstance(blob, bytes) else blob
        meta = _sdist_metadata(archive, f.filename) if sdist else _wheel_metadata(archive)
        return meta if isinstance(meta, str) else _metadata_candidate(art, meta, sdist=sdist)
