"""A URL's credentials: the one rule for what in a URL is a secret, and the
one way to keep it out of what reconcile prints or writes.

A URL carries a secret in three places:

- its userinfo: ``user:password@``, or a token given as the user name
  (``https://ghp_...@github.com``, ``https://<token>@host``).  A user name
  alone is also how pip is told which keyring entry to use
  (``https://alice@host/simple``); that is not reported as a secret
  (:func:`url_secrets`), but redaction drops it all the same, since a short
  token cannot be told from a name.  ``git@`` in ``git+ssh://git@github.com``
  is ssh's login name and stays everywhere.
- an Anaconda ``/t/<token>/`` path segment (anaconda.org channels, Anaconda
  Server, ``pypi.anaconda.org/t/<token>/...``).
- a query parameter whose key names a secret (:func:`is_secret_param`):
  signed URLs (AWS S3 and CloudFront, Google Cloud Storage, Azure SAS) and
  API keys (GitLab's ``private_token``, ``?key=``, ``?api_token=``).

``${VAR}`` placeholders are how conda and pip are given a secret (they expand
them at install time), so :func:`url_secrets` does not count them; redaction
still removes them, as it removes anything in those places.

Everything here is string work on the URL as written (no ``urlsplit``,
which rejects some URLs people write, and no normalising of the rest).
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

__all__ = [
    "MASK",
    "is_secret_param",
    "mask_url",
    "redact_text",
    "redact_url",
    "url_secrets",
    "urls_in",
    "without_userinfo",
]

#: What :func:`mask_url` puts where a secret was.
MASK = "***"

# Words that make a query parameter secret when the key is one of them or
# holds one as a separate word (``api_token``, ``X-Amz-Signature``,
# ``apiKey``), but not inside another word (``author``, ``keyword``,
# ``monkey``, ``signal``).  What real URLs use: AWS SigV4
# ``X-Amz-Signature``/``X-Amz-Credential``/``X-Amz-Security-Token`` and SigV2
# ``Signature``/``AWSAccessKeyId``, Google ``X-Goog-Signature`` and
# ``?key=``, Azure SAS ``sig``, GitLab ``private_token``, OAuth
# ``access_token``, Artifactory and Nexus ``api_key``/``apikey``.
_SECRET_WORDS = frozenset(
    {
        "token", "secret", "password", "passwd", "passphrase", "pass", "pwd",
        "signature", "sig", "credential", "credentials", "auth", "authorization",
        "key", "jwt",
        # the same, written as one lower-case word
        "apikey", "apitoken", "accesstoken", "accesskey", "authtoken", "privatetoken",
        "secretkey", "sessiontoken",
    }
)  # fmt: skip
# A key's words: split at anything not a letter or digit and at camelCase
# humps (``AWSAccessKeyId`` -> AWS, Access, Key, Id).
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_TOKEN_SEGMENT = re.compile(r"/t/([^/]+)")
_ENV_VAR = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$[A-Za-z_][A-Za-z0-9_]*")
# Known token prefixes (GitHub, GitLab) or a long opaque string.
_TOKEN_USER = re.compile(r"(gh[pousr]_|github_pat_|glpat-)\S+|[A-Za-z0-9_\-.]{24,}$")
_URL_IN_TEXT = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+")


def is_secret_param(key: str) -> bool:
    """Does a query parameter named ``key`` carry a secret?  True when the
    key, or one of its words, is a secret word: ``token``, ``api_token``,
    ``private_token``, ``X-Amz-Signature``, ``sig``, ``key``, ``apiKey``;
    false for ``author``, ``keyword``, ``monkey``, ``signal``."""
    words = _WORD.findall(unquote_plus(key))
    return any(w.lower() in _SECRET_WORDS for w in words)


class _Parts:
    """A URL cut where its secrets can be: ``scheme://userinfo@host/path?query#fragment``.
    Put back together it is the same string."""

    __slots__ = ("fragment", "host", "path", "query", "scheme", "userinfo")

    def __init__(self, url: str) -> None:
        self.scheme, _, rest = url.partition("://")
        rest, hashmark, fragment = rest.partition("#")
        self.fragment = hashmark + fragment
        rest, question, query = rest.partition("?")
        self.query: str | None = query if question else None
        cut = rest.find("/")
        netloc, self.path = (rest, "") if cut < 0 else (rest[:cut], rest[cut:])
        userinfo, at, self.host = netloc.rpartition("@")
        self.userinfo: str | None = userinfo if at else None

    def join(self) -> str:
        netloc = self.host if self.userinfo is None else f"{self.userinfo}@{self.host}"
        query = "" if self.query is None else f"?{self.query}"
        return f"{self.scheme}://{netloc}{self.path}{query}{self.fragment}"

    @property
    def ssh_login(self) -> bool:
        """A login name over ssh (``git+ssh://git@host``): not a secret."""
        return (
            self.scheme.lower().endswith("ssh")
            and self.userinfo is not None
            and ":" not in self.userinfo
        )

    @property
    def token_segments(self) -> list[str]:
        """``/t/<token>`` segments (never in a ``file:`` URL: no server to
        give a token to)."""
        if self.scheme.lower() == "file":
            return []
        return _TOKEN_SEGMENT.findall(self.path)


def _hide(url: str, mask: str | None) -> str:
    """``url`` with every secret removed (``mask`` None) or replaced by ``mask``."""
    if "://" not in url:
        return url  # a channel name, a path: nowhere to hold a secret
    parts = _Parts(url)
    if parts.userinfo is not None and not parts.ssh_login:
        parts.userinfo = mask
    if parts.token_segments:
        parts.path = _TOKEN_SEGMENT.sub("" if mask is None else f"/t/{mask}", parts.path)
    params = (parts.query or "").split("&")
    if any(is_secret_param(p.partition("=")[0]) for p in params):
        kept = []
        for param in filter(None, params):
            key = param.partition("=")[0]
            if not is_secret_param(key):
                kept.append(param)
            elif mask is not None:
                kept.append(f"{key}={mask}")
        parts.query = "&".join(kept) or None
    return parts.join()


def redact_url(url: str) -> str:
    """``url`` as reconcile prints or writes it: without ``user:password@``,
    a token or a user name before ``@`` (``git+ssh://git@`` keeps its login
    name), ``/t/<token>`` segments and secret query parameters
    (:func:`is_secret_param`).  Anything else, fragment included, is kept as
    written; a string without ``://`` is returned as it is."""
    return _hide(url, None)


def mask_url(url: str, mask: str = MASK) -> str:
    """``url`` with each secret :func:`redact_url` removes replaced by
    ``mask`` instead: ``user:password@`` -> ``***@``, ``/t/<token>`` ->
    ``/t/***``, ``?token=x`` -> ``?token=***``.  The reader sees that
    something was there, and ``mask_url(url) != url`` says that ``url``
    holds something that must not be printed."""
    return _hide(url, mask)


def redact_text(text: str, mask: str | None = None) -> str:
    """Every URL in free text (a message, an explanation, a command line)
    redacted, or masked with ``mask``."""
    return _URL_IN_TEXT.sub(lambda m: _hide(m.group(0), mask), text)


def urls_in(text: str) -> list[str]:
    """The URLs written in ``text`` (a pip line, a message)."""
    return _URL_IN_TEXT.findall(text)


def without_userinfo(url: str) -> str:
    """``url`` without ``user:password@`` and nothing else taken out: still a
    working address once the credentials are sent another way (an HTTP
    ``Authorization`` header)."""
    if "://" not in url:
        return url
    parts = _Parts(url)
    if parts.userinfo is None:
        return url
    parts.userinfo = None
    return parts.join()


def url_secrets(url: str, *, channel: bool = False) -> list[str]:
    """What kinds of credential ``url`` carries in clear, for a report:
    ``password``, ``token`` (a token as the user name, except over ssh; with
    ``channel``, a conda channel's ``/t/<token>``) and ``<key> parameter``
    for each secret query parameter with a value.  ``${VAR}`` placeholders
    are not secrets, nor is a user name alone (a keyring entry's name).
    Empty when there is nothing to report; :func:`redact_url` may still
    remove more (it cannot tell a short token from a user name)."""
    if "://" not in url:
        return []
    parts = _Parts(url)
    found: list[str] = []
    if parts.userinfo is not None:
        user, colon, password = parts.userinfo.partition(":")
        if colon and password and not _ENV_VAR.fullmatch(password):
            found.append("password")
        elif not colon and not parts.ssh_login and _TOKEN_USER.match(user):
            found.append("token")
    if channel:
        found += ["token" for t in parts.token_segments if not _ENV_VAR.fullmatch(t)]
    for param in (parts.query or "").split("&"):
        key, eq, value = param.partition("=")
        if eq and value and is_secret_param(key) and not _ENV_VAR.fullmatch(value):
            found.append(f"{key} parameter")
    return found
