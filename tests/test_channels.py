from __future__ import annotations

import pytest

from reconcile.channels import channel_name, redact_url


@pytest.mark.parametrize(
    ("channel", "name"),
    [
        pytest.param("https://conda.anaconda.org/conda-forge/linux-64", "conda-forge", id="url"),
        pytest.param("conda-forge", "conda-forge", id="name"),
        pytest.param("https://conda.anaconda.org/t/tk-1234/private/noarch", "private", id="token"),
        pytest.param("https://repo.anaconda.com/pkgs/main/linux-64", "defaults", id="defaults"),
        pytest.param(
            "https://u:secret@host.example:8443/chan/osx-arm64",
            "https://host.example:8443/chan",
            id="userinfo",
        ),
        pytest.param("file:///srv/channel/", "file:///srv/channel", id="local"),
        pytest.param("conda-forge/win-64", "conda-forge", id="name-with-subdir"),
        pytest.param("pkgs/main", "defaults", id="history-defaults-name"),
        pytest.param(None, None, id="none"),
    ],
)  # fmt: skip
def test_channel_name(channel, name):
    assert channel_name(channel) == name


def test_redact_url_removes_every_credential():
    url = "https://user:hunter2@host/t/tok-42/chan/linux-64/pkg-1-0.conda"
    clean = redact_url(url)
    assert "hunter2" not in clean and "tok-42" not in clean and "user" not in clean
    assert clean == "https://host/chan/linux-64/pkg-1-0.conda"
