from __future__ import annotations

import pytest

from reconcile.channels import channel_name


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
