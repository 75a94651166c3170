"""A URL's credentials (reconcile/urls.py): the one secret test, redaction,
masking, what lint reports; then the stages that print or write URLs, through
the CLI: lint, export, audit/graph JSON, plan (text, json, sh) and fix (its
output, journal and conda-meta/history)."""

from __future__ import annotations

import http.server
import json
import textwrap
from pathlib import Path

import pytest
from fix_support import copy_scenario, isolate
from prefix_kit import dist, record

from reconcile.cli import main
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


# ---------------------------------------------------------------------------
# bug: lint did not flag ?api_token=x (its own, anchored, secret pattern)


@pytest.mark.parametrize(
    ("line", "reported"),
    [
        pytest.param("--extra-index-url https://pypi.example.com/simple?api_token=s3cret-Tk",
                     True, id="api_token"),
        pytest.param("--extra-index-url https://pypi.example.com/simple?private_token=s3cret-Tk",
                     True, id="private_token"),
        pytest.param("pkg @ https://files.example/pkg-1.0.tar.gz?X-Amz-Signature=s3cret-Sg",
                     True, id="signed-url"),
        pytest.param("pkg @ https://files.example/pkg-1.0.tar.gz?author=me", False, id="author"),
    ],
)  # fmt: skip
def test_lint_reports_a_secret_query_parameter(tmp_path, capsys, line, reported):
    path = tmp_path / "environment.yml"
    path.write_text(
        textwrap.dedent(f"""\
            dependencies:
              - python=3.11
              - pip
              - pip:
                - {line}
            """)
    )
    main(["lint", str(path), "--format", "json", "--fail-on", "never"])
    out = capsys.readouterr().out
    found = [f for f in json.loads(out)["findings"] if f["code"] == "credentials-in-url"]
    assert [f["evidence"]["line"] for f in found] == ([5] if reported else [])
    assert "s3cret" not in out


# ---------------------------------------------------------------------------
# bug: ?author=me was removed from what export writes (``auth`` inside ``author``)

SITE = "lib/python3.12/site-packages"


def _prefix_with(root: Path, direct_url: str) -> Path:
    """conda's python and a pip install from ``direct_url`` (PEP 610 archive)."""
    record(root, {"name": "python", "version": "3.12.4", "build": "0", "build_number": 0,
                  "channel": "https://conda.anaconda.org/conda-forge/linux-64",
                  "subdir": "linux-64", "depends": [], "files": []})  # fmt: skip
    folder = dist(root / SITE, "archdist", "1.0", "")
    (folder / "REQUESTED").write_text("")
    info = {"url": direct_url, "archive_info": {"hashes": {"sha256": "ab" * 32}}}
    (folder / "direct_url.json").write_text(json.dumps(info))
    return root


def test_export_keeps_a_parameter_that_is_no_secret(tmp_path, capsys):
    prefix = _prefix_with(
        tmp_path / "env", "https://files.example/archdist-1.0.tar.gz?author=me&api_token=s3cret"
    )
    assert main(["export", str(prefix)]) == 0
    out = capsys.readouterr().out
    assert "archdist @ https://files.example/archdist-1.0.tar.gz?author=me#sha256=" in out
    assert "s3cret" not in out


# ---------------------------------------------------------------------------
# audit and graph JSON print records' channels and PEP 610 URLs

PLANTED = ("tk-PLANTED", "hunter2-PLANTED", "ghp_PLANTED", "sig-PLANTED")


def test_audit_and_graph_json_print_no_credential(tmp_path, capsys):
    prefix = _prefix_with(
        tmp_path / "env",
        "https://me:hunter2-PLANTED@files.example/archdist-1.0.tar.gz?sig=sig-PLANTED&author=me",
    )
    record(prefix, {"name": "six", "version": "1.16.0", "build": "py_0", "build_number": 0,
                    "channel": "https://conda.anaconda.org/t/tk-PLANTED/private/noarch",
                    "subdir": "noarch", "depends": [], "files": []})  # fmt: skip
    vcs = dist(prefix / SITE, "vcsdist", "1.0", "")
    (vcs / "direct_url.json").write_text(json.dumps({
        "url": "https://ghp_PLANTED@github.com/o/vcsdist.git",
        "vcs_info": {"vcs": "git", "commit_id": "c0ffee"},
    }))  # fmt: skip
    for command in ("audit", "graph"):
        main([command, str(prefix), "--format", "json", "--no-cache"])
        out = capsys.readouterr().out
        assert not [s for s in PLANTED if s in out], out
        nodes = json.loads(out)["packages" if command == "audit" else "nodes"]
        urls = {d["name"]: d["direct_url"] for n in nodes for d in n["pip"]}
        assert urls["archdist"] == "https://files.example/archdist-1.0.tar.gz?author=me"
        assert urls["vcsdist"] == "https://github.com/o/vcsdist.git"
        channels = {n["name"]: n["conda"]["channel"] for n in nodes if n["conda"]}
        assert channels["six"] == "https://conda.anaconda.org/private/noarch"


# ---------------------------------------------------------------------------
# plan and fix with credentials in --index-url


def _leaks(text: str) -> list[str]:
    return [s for s in ("u:p@", ":p@", "key=abc", "=abc") if s in text]


def test_plan_prints_no_credential_of_the_index_url(lab, index, tmp_path, monkeypatch, capsys):
    prefix = copy_scenario(lab, "pip-upgrades-conda-package", isolate(lab, tmp_path, monkeypatch),
                           monkeypatch)  # fmt: skip
    url = index.replace("http://", "http://u:p@") + "?key=abc"
    outputs = {}
    for fmt in ("text", "json", "sh"):
        code = main(["plan", str(prefix), "--strategy", "prefer-pip", "--index-url", url,
                     "--no-cache", "--format", fmt])  # fmt: skip
        out, err = capsys.readouterr()
        assert code == 0, err
        assert _leaks(out + err) == [], fmt
        outputs[fmt] = out
    masked = index.replace("http://", "http://***@") + "?key=***"
    assert f"credentials in --index-url are not shown ({masked})" in outputs["text"]
    assert json.loads(outputs["json"])["index_url"] == masked
    assert '--index-url "$RECONCILE_INDEX_URL"' in outputs["sh"]


def test_plan_shows_an_index_url_whose_parameters_are_no_secret(
    lab, index, tmp_path, monkeypatch, capsys
):
    prefix = copy_scenario(lab, "pip-upgrades-conda-package", isolate(lab, tmp_path, monkeypatch),
                           monkeypatch)  # fmt: skip
    url = index + "?author=me"
    code = main(["plan", str(prefix), "--strategy", "prefer-pip", "--index-url", url,
                 "--no-cache"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert f"--index-url '{url}'" in out and "not shown" not in out


def test_resolve_shows_an_index_url_parameter_that_is_no_secret(lab, tmp_path, monkeypatch, capsys):
    """The index does not answer: the error names it as given, minus its secrets."""
    prefix = copy_scenario(lab, "pip-upgrades-conda-package", isolate(lab, tmp_path, monkeypatch),
                           monkeypatch)  # fmt: skip
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    server.server_close()  # a port nothing listens on
    url = f"http://127.0.0.1:{server.server_address[1]}/simple/?author=me&api_token=s3cret"
    code = main(["plan", str(prefix), "--strategy", "prefer-pip", "--index-url", url,
                 "--no-cache"])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 2 and "s3cret" not in out + err
    assert f"cannot read http://127.0.0.1:{server.server_address[1]}/simple/?author=me" in err


def test_fix_writes_and_prints_no_credential_of_the_index_url(
    lab, index, tmp_path, monkeypatch, capsys
):
    """The command line is kept in the journal and conda-meta/history and
    shown by ``fix --undo``: the --index-url in it is masked."""
    prefix = copy_scenario(lab, "pip-upgrades-conda-package", isolate(lab, tmp_path, monkeypatch),
                           monkeypatch)  # fmt: skip
    url = index.replace("http://", "http://u:p@") + "?key=abc"
    argv = ["fix", str(prefix), "--strategy", "prefer-pip", "--index-url", url, "--yes",
            "--no-cache"]  # fmt: skip
    monkeypatch.setattr("sys.argv", ["reconcile", *argv])
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert _leaks(out + err) == []
    written = [(prefix / "conda-meta" / "history").read_text()]
    written += [p.read_text(errors="replace") for p in (tmp_path / "state").rglob("*.json")]
    assert not [text for text in written if _leaks(text)]
    masked = index.replace("http://", "http://***@") + "?key=***"
    command = f"reconcile fix {prefix} --strategy prefer-pip --index-url '{masked}' --yes"
    assert f"# cmd: {command}" in written[0]
    assert main(["fix", "--undo", str(prefix), "--yes"]) == 0
    out, err = capsys.readouterr()
    assert _leaks(out + err) == [] and f"({command} --no-cache)" in out


def test_fix_names_no_credential_of_a_channel_it_could_not_reach(
    lab, tmp_path, monkeypatch, capsys
):
    """The record's own channel (with a token and a password) is where the
    plan counts on finding the package; fix cannot download it and says
    where it tried."""
    prefix = copy_scenario(lab, "pip-upgrades-conda-package", isolate(lab, tmp_path, monkeypatch),
                           monkeypatch)  # fmt: skip
    monkeypatch.setenv("CONDA_PKGS_DIRS", str(tmp_path / "no-cache"))
    path = prefix / "conda-meta" / "six-1.16.0-py_0.json"
    raw = json.loads(path.read_text())
    channel = "http://u:p@127.0.0.1:9/t/tk-abc/private/"
    raw.update(channel=channel, url=f"{channel}noarch/{raw['fn']}")
    del raw["extracted_package_dir"], raw["link"]  # the lab's package cache
    path.write_text(json.dumps(raw))
    code = main(["fix", str(prefix), "--yes", "--no-cache"])
    out, err = capsys.readouterr()
    assert code == 1 and "fix refused: no source for six-1.16.0-py_0" in err, err
    assert "tk-abc" not in out + err and _leaks(out + err) == []
    assert "http://127.0.0.1:9/private/noarch/six-1.16.0-py_0.conda" in err
