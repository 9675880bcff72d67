"""The app's server, launched once for the tests that talk to it over HTTP or drive it in a browser."""

from __future__ import annotations

import pytest

from .app_process import app_server_process


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    """`python -m sim app` in a subprocess on 127.0.0.1; yields its URL and log file, and stops it at the end
    (raises ServerDidNotStart, with the server's log, if it does not answer)."""
    log = tmp_path_factory.mktemp("app") / "server.log"
    with app_server_process(log) as url:
        yield url, log
