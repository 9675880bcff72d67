"""How ``ssr-sim app`` serves its websocket: without per-message compression (see sim.app.server)."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

KERNEL_CHANNEL = "/jupyter/api/kernels/00000000-0000-0000-0000-000000000000/channels?session_id=test"


def handshake(url: str, extensions: str) -> http.client.HTTPResponse:
    """The server's answer to a websocket upgrade from the app's own page that offers ``extensions``."""
    address = urlsplit(url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    connection.request("GET", KERNEL_CHANNEL, headers={
        "Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Origin": f"http://{address.netloc}",
        "Sec-WebSocket-Extensions": extensions})
    try:
        return connection.getresponse()
    finally:
        connection.close()


def test_the_websocket_opens_without_per_message_compression_though_the_browser_offers_it(app_server):
    # What Chromium offers.
    answer = handshake(app_server[0], "permessage-deflate; client_max_window_bits")
    assert answer.status == 101
    assert answer.getheader("Sec-WebSocket-Extensions") is None
