"""The Host/Origin check: requests addressed to another name, or from another origin, get 403.

First :class:`HostGuard` in front of a small ASGI app, called directly with a page's and a
websocket's request (what uvicorn hands it), then the real ``ssr-sim app`` server over HTTP,
to show the guard is in front of Solara's pages and its kernel websocket.
"""

from __future__ import annotations

import asyncio
import http.client
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest

from sim.app.host_guard import ALLOW_HOSTS_VARIABLE, HostGuard, HostRule, extra_hosts_from_environment

# pytest-xdist (--dist loadgroup): one worker starts the app's server for this file and test_browser.py.
pytestmark = pytest.mark.xdist_group("app_server")

PORT = 8765


async def the_app(scope, receive, send):
    """Answers a page with 200 'the app' and accepts a websocket."""
    if scope["type"] == "websocket":
        await send({"type": "websocket.accept"})
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"the app"})


@dataclass
class Answer:
    status: int     # the HTTP status, or for a websocket 101 (accepted) or 403 (closed before accepting)
    text: str


@dataclass
class Client:
    rule: HostRule

    def request(self, kind: str, headers: dict[str, str]) -> Answer:
        headers = {"Host": f"127.0.0.1:{self.rule.port}", **headers}
        scope = {"type": kind, "path": "/", "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]}
        sent = []

        async def receive():
            return {"type": "websocket.connect"} if kind == "websocket" else {"type": "http.request", "body": b""}

        async def send(message):
            sent.append(message)

        asyncio.run(HostGuard(the_app, self.rule)(scope, receive, send))
        if kind == "websocket":
            return Answer(101 if sent[0]["type"] == "websocket.accept" else 403, "")
        return Answer(sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:]).decode())

    def get(self, headers: dict[str, str]) -> Answer:
        return self.request("http", headers)


@pytest.fixture
def client():
    return Client(HostRule("127.0.0.1", PORT))


@pytest.mark.parametrize("host", [f"127.0.0.1:{PORT}", f"localhost:{PORT}", f"[::1]:{PORT}"])
def test_a_page_at_a_loopback_name_is_served(client, host):
    response = client.get({"Host": host})
    assert response.status == 200 and response.text == "the app"


@pytest.mark.parametrize("host", [f"rebound.example:{PORT}", "127.0.0.1", f"127.0.0.1:{PORT + 1}", "",
                                  f"localhost.evil.example:{PORT}", f"127.0.0.1@evil.example:{PORT}"])
def test_a_page_at_a_foreign_host_is_refused_with_the_reason(client, host):
    response = client.get({"Host": host})
    assert response.status == 403
    assert "is not this server's address" in response.text and ALLOW_HOSTS_VARIABLE in response.text


@pytest.mark.parametrize("origin", ["http://rebound.example:8765", "null", "http://127.0.0.1:9999",
                                    "file://", "http://127.0.0.1:8765/evil"])
def test_a_page_requested_from_a_foreign_origin_is_refused(client, origin):
    response = client.get({"Host": f"127.0.0.1:{PORT}", "Origin": origin})
    assert response.status == 403 and "is not this app's page" in response.text


def test_a_same_origin_request_is_served(client):
    assert client.get({"Host": f"127.0.0.1:{PORT}", "Origin": f"http://127.0.0.1:{PORT}"}).status == 200


def test_the_websocket_is_refused_for_a_foreign_origin_or_host_and_opens_for_the_apps_own_page(client):
    assert client.request("websocket", {"Origin": "http://rebound.example:8765"}).status == 403
    assert client.request("websocket", {"Host": f"rebound.example:{PORT}"}).status == 403
    assert client.request("websocket", {"Origin": f"http://127.0.0.1:{PORT}"}).status == 101


def test_bound_to_all_interfaces_addresses_are_served_and_names_are_not():
    client = Client(HostRule("0.0.0.0", PORT))
    for host in (f"192.168.1.20:{PORT}", f"[fe80::1]:{PORT}", f"localhost:{PORT}", f"{socket.gethostname()}:{PORT}"):
        assert client.get({"Host": host}).status == 200, host
    assert client.get({"Host": f"rebound.example:{PORT}"}).status == 403
    assert client.get({"Host": "192.168.1.20:80"}).status == 403


def test_a_reverse_proxys_name_is_served_once_allowed(monkeypatch):
    monkeypatch.setenv(ALLOW_HOSTS_VARIABLE, " workshop.example.org , other.example:8443,")
    assert extra_hosts_from_environment() == ("workshop.example.org", "other.example:8443")
    client = Client(HostRule("127.0.0.1", PORT, extra_hosts_from_environment()))
    proxied = {"Host": "workshop.example.org", "Origin": "https://workshop.example.org"}
    assert client.get(proxied).status == 200
    # A proxy that passes its own Host on: the page's origin is still the proxy's name.
    assert client.get({"Host": f"127.0.0.1:{PORT}", "Origin": "https://workshop.example.org"}
                      ).status == 200
    assert client.get({"Host": "other.example:8443"}).status == 200
    assert client.get({"Host": "other.example:9000"}).status == 403
    assert Client(HostRule("127.0.0.1", PORT)).get(proxied).status == 403


# The real server: the guard must sit in front of Solara's pages and its kernel websocket.

def status(url: str, path: str, headers: dict[str, str]) -> int:
    address = urlsplit(url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    try:
        connection.request("GET", path, headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


WEBSOCKET_UPGRADE = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
                     "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
KERNEL_CHANNEL = "/jupyter/api/kernels/00000000-0000-0000-0000-000000000000/channels?session_id=test"


def test_the_app_server_refuses_a_foreign_host_and_origin_on_the_page_and_the_websocket(app_server):
    url = app_server[0]
    own = urlsplit(url).netloc
    assert status(url, "/", {}) == 200
    assert status(url, "/", {"Origin": f"http://{own}"}) == 200
    assert status(url, "/", {"Host": f"rebound.example:{urlsplit(url).port}"}) == 403
    assert status(url, "/", {"Origin": "http://rebound.example"}) == 403
    assert status(url, KERNEL_CHANNEL, {**WEBSOCKET_UPGRADE, "Origin": f"http://{own}"}) == 101
    assert status(url, KERNEL_CHANNEL, {**WEBSOCKET_UPGRADE, "Origin": "http://rebound.example"}) == 403
    assert status(url, KERNEL_CHANNEL, {**WEBSOCKET_UPGRADE, "Host": "rebound.example"}) == 403
