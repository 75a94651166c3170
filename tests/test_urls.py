"""A URL's credentials (reconcile/urls.py): the one secret test, redaction,
masking and what lint reports."""

from __future__ import annotations

import pytest

from reconcile.urls import (
    is_secret_param,
    mask_url,
    redact_text,
    redact_url,
    url_secrets,
    urls_in,
    without_userinfo,
)

# ---------------------------------------------------------------------------
# the one secret test


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("token", id="token"),
        pytest.param("api_token", id="api_token"),
        pytest.param("private_token", id="gitlab-private_token"),
        pytest.param("access_token", id="oauth-access_token"),
        pytest.param("X-Amz-Signature", id="aws-sigv4-signature"),
        pytest.param("X-Amz-Credential", id="aws-sigv4-credential"),
        pytest.param("X-Amz-Security-Token", id="aws-security-token"),
        pytest.param("Signature", id="aws-sigv2-signature"),
        pytest.param("AWSAccessKeyId", id="aws-sigv2-access-key-id"),
        pytest.param("X-Goog-Signature", id="gcs-signature"),
        pytest.param("sig", id="azure-sas-sig"),
        pytest.param("key", id="google-api-key"),
        pytest.param("api_key", id="api_key"),
        pytest.param("api-key", id="api-key"),
        pytest.param("apikey", id="apikey"),
        pytest.param("apiKey", id="camel-apiKey"),
        pytest.param("APIKEY", id="upper-APIKEY"),
        pytest.param("password", id="password"),
        pytest.param("passwd", id="passwd"),
        pytest.param("pwd", id="pwd"),
        pytest.param("client_secret", id="client_secret"),
        pytest.param("auth", id="auth"),
        pytest.param("auth_token", id="auth_token"),
        pytest.param("credentials", id="credentials"),
        pytest.param("api%5Ftoken", id="percent-encoded"),
    ],
)
def test_a_secret_parameter(key):
    assert is_secret_param(key)


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("author", id="author"),
        pytest.param("keyword", id="keyword"),
        pytest.param("monkey", id="monkey"),
        pytest.param("signal", id="signal"),
        pytest.param("authuser", id="authuser"),
        pytest.param("tokenizer", id="tokenizer"),
        pytest.param("sv", id="azure-sas-version"),
        pytest.param("Expires", id="expires"),
        pytest.param("page", id="page"),
        pytest.param("", id="empty"),
    ],
)
def test_not_a_secret_parameter(key):
    assert not is_secret_param(key)


# ---------------------------------------------------------------------------
# redaction and masking


@pytest.mark.parametrize(
    ("url", "clean"),
    [
        pytest.param("https://u:p@h/x", "https://h/x", id="userinfo"),
        pytest.param("https://ghp_SECRET@github.com/o/r", "https://github.com/o/r",
                     id="token-user"),
        pytest.param("https://alice@host/simple", "https://host/simple", id="keyring-user"),
        pytest.param("https://${USER}:${PASSWORD}@host/simple", "https://host/simple",
                     id="placeholders-go-too"),
        pytest.param("git+ssh://git@github.com/o/r", "git+ssh://git@github.com/o/r",
                     id="ssh-login"),
        pytest.param("ssh://git:pw@h/r", "ssh://h/r", id="ssh-password"),
        pytest.param("https://h/t/tk-1/c/x", "https://h/c/x", id="conda-token"),
        pytest.param("https://user:hunter2@host/t/tok-42/chan/linux-64/pkg-1-0.conda",
                     "https://host/chan/linux-64/pkg-1-0.conda", id="token-and-password"),
        pytest.param("file:///home/t/chan/noarch", "file:///home/t/chan/noarch",
                     id="file-url-folder-named-t"),
        pytest.param("https://h/a.whl?X-Amz-Signature=s&v=1#sha256=0", "https://h/a.whl?v=1#sha256=0",
                     id="signed-query"),
        pytest.param("https://h/a.whl?X-Amz-Signature=abc&api_key=k", "https://h/a.whl",
                     id="every-parameter-secret"),
        pytest.param("https://h/simple?key=abc", "https://h/simple", id="key"),
        pytest.param("https://h/simple?api_token=x", "https://h/simple", id="api_token"),
        pytest.param("https://h/a.tar.gz?author=me", "https://h/a.tar.gz?author=me", id="author"),
        pytest.param("https://h/x?a=1&&b=2#f", "https://h/x?a=1&&b=2#f", id="nothing-to-hide"),
        pytest.param("conda-forge", "conda-forge", id="a-name"),
        pytest.param("https://[::1]:8080/simple/", "https://[::1]:8080/simple/", id="ipv6"),
    ],
)  # fmt: skip
def test_redact_url(url, clean):
    assert redact_url(url) == clean


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        pytest.param("https://u:p@host/simple/", "https://***@host/simple/", id="userinfo"),
        pytest.param("https://alice@host/simple/", "https://***@host/simple/", id="keyring-user"),
        pytest.param("https://host/t/tok-123/simple/", "https://host/t/***/simple/",
                     id="conda-token"),
        pytest.param("https://host/simple/?token=x&a=1", "https://host/simple/?token=***&a=1",
                     id="token-parameter"),
        pytest.param("https://u:p@host/simple?key=abc", "https://***@host/simple?key=***",
                     id="userinfo-and-key"),
        pytest.param("https://host/simple/?author=me", "https://host/simple/?author=me",
                     id="author"),
        pytest.param("git+ssh://git@github.com/o/r", "git+ssh://git@github.com/o/r",
                     id="ssh-login"),
        pytest.param("https://host/simple/", "https://host/simple/", id="nothing"),
    ],
)  # fmt: skip
def test_mask_url(url, masked):
    assert mask_url(url) == masked


@pytest.mark.parametrize(
    ("text", "mask", "clean"),
    [
        pytest.param("cannot fetch https://me:SECRET@pypi.example/simple/x (404)", None,
                     "cannot fetch https://pypi.example/simple/x (404)", id="prose"),
        pytest.param("reconcile fix /env --index-url 'https://u:p@h/simple?key=abc' --yes", "***",
                     "reconcile fix /env --index-url 'https://***@h/simple?key=***' --yes",
                     id="command-line-masked"),
        pytest.param("pkg @ https://h/pkg.tar.gz?author=me and https://h/t/tk/c::x", None,
                     "pkg @ https://h/pkg.tar.gz?author=me and https://h/c::x", id="two-urls"),
    ],
)  # fmt: skip
def test_redact_text(text, mask, clean):
    assert redact_text(text, mask) == clean


def test_urls_in_text():
    text = "- tool @ git+https://h/o/t.git@v1 --extra-index-url https://h/simple"
    assert urls_in(text) == ["git+https://h/o/t.git@v1", "https://h/simple"]


@pytest.mark.parametrize(
    ("url", "fetched"),
    [
        pytest.param("https://u:p@h/t/tk/simple/?key=k", "https://h/t/tk/simple/?key=k",
                     id="only-the-userinfo-goes"),
        pytest.param("https://h/simple/", "https://h/simple/", id="nothing"),
    ],
)  # fmt: skip
def test_without_userinfo(url, fetched):
    assert without_userinfo(url) == fetched


@pytest.mark.parametrize(
    ("url", "channel", "secrets"),
    [
        pytest.param("https://alice:pw@h/c", True, ["password"], id="password"),
        pytest.param("https://ghp_s3cretPwAbCdEfGhIjKlMnOpQr@github.com/o/t", False, ["token"],
                     id="token-user"),
        pytest.param("https://alice@h/simple", False, [], id="keyring-user"),
        pytest.param("git+ssh://git@github.com/o/t.git", False, [], id="ssh-login"),
        pytest.param("https://${U}:${P}@h/x", False, [], id="placeholders"),
        pytest.param("https://h/t/tk-1/c", True, ["token"], id="channel-token"),
        pytest.param("https://h/t/${TOKEN}/c", True, [], id="channel-token-placeholder"),
        pytest.param("https://h/t/tk-1/c", False, [], id="t-folder-outside-a-channel"),
        pytest.param("https://h/simple?api_token=x", False, ["api_token parameter"],
                     id="api_token"),
        pytest.param("https://h/simple?key=abc&author=me", False, ["key parameter"], id="key"),
        pytest.param("https://h/simple?author=me", False, [], id="author"),
        pytest.param("https://h/simple?token=", False, [], id="empty-value"),
        pytest.param("https://h/simple?token=${TOKEN}", False, [], id="placeholder-value"),
    ],
)  # fmt: skip
def test_url_secrets(url, channel, secrets):
    assert url_secrets(url, channel=channel) == secrets
