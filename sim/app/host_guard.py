"""Only requests addressed to the app, from the app's own pages: a Host and Origin check in front of Solara.

A web page elsewhere cannot drive the app: a page on another origin whose name an attacker
points at 127.0.0.1 (DNS rebinding) sends that name as its Host, and a page that opens a
websocket to the app sends its own Origin. Both get 403 Forbidden, for pages and for the
websocket upgrade alike (ASGI middleware, so it sees both).

The rule (:class:`HostRule`):

- **Host** must name the address the server is bound to, on its port: bound to a loopback
  address, any of ``127.0.0.1``, ``localhost``, ``[::1]``; bound to all interfaces
  (``0.0.0.0``, ``::``), an IP address (what participants type: no DNS name can be rebound to
  it), ``localhost`` or this machine's name; bound to a name or address, that name or address.
- **Origin**, when the request carries one, must be the same origin: ``http(s)://`` and the
  request's Host.
- Hosts given in :data:`ALLOW_HOSTS_VARIABLE` (comma-separated, ``name`` for any port or
  ``name:port``; e.g. a reverse proxy's public name) are accepted as Host and as Origin.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

ALLOW_HOSTS_VARIABLE = "SSR_SIM_ALLOW_HOSTS"
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
ALL_INTERFACES = frozenset({"0.0.0.0", "::", ""})
REFUSAL = ("403 Forbidden: this app answers only at its own address and to its own pages ({problem}). "
           f"To reach it through another name (a reverse proxy), list that name in {ALLOW_HOSTS_VARIABLE}.\n")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def split_host(value: str) -> tuple[str, int | None] | None:
    """``name[:port]`` or ``[v6]:port`` as (lower-case name without brackets or final dot, port); None if malformed."""
    value = value.strip()
    if value.startswith("["):
        name, bracket, rest = value[1:].partition("]")
        if not bracket or not _is_ip(name) or rest and not rest.startswith(":"):
            return None
        has_port, port_text = bool(rest), rest[1:]
    elif value.count(":") > 1:
        return None   # an IPv6 address without brackets is not a Host
    else:
        name, colon, port_text = value.partition(":")
        has_port = bool(colon)
    if has_port and not (port_text.isdigit() and 0 < int(port_text) < 65536):
        return None
    name = name.lower().rstrip(".")
    if not name or any(c in name for c in "/@\\ "):
        return None
    return name, int(port_text) if has_port else None


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _is_loopback(name: str) -> bool:
    return name == "localhost" or _is_ip(name) and ipaddress.ip_address(name).is_loopback


@dataclass(frozen=True)
class HostRule:
    """Which Host and Origin headers the app answers, given the address and port it is bound to."""

    bound_host: str
    port: int
    extra_hosts: tuple[str, ...] = ()

    def _extra(self, name: str, port: int | None) -> bool:
        for entry in self.extra_hosts:
            allowed = split_host(entry)
            if allowed is not None and allowed[0] == name and allowed[1] in (None, port):
                return True
        return False

    def host_allowed(self, header: str) -> bool:
        parsed = split_host(header)
        if parsed is None:
            return False
        name, port = parsed
        if self._extra(name, port):
            return True
        if (port or 80) != self.port:
            return False
        bound = self.bound_host.lower().strip("[]")
        if bound in ALL_INTERFACES:
            machine = socket.gethostname().lower()
            return _is_ip(name) or name in {"localhost", machine, f"{machine}.local"}
        if _is_loopback(bound):
            return _is_loopback(name)
        return name == bound.rstrip(".")

    def origin_allowed(self, origin: str, host: str) -> bool:
        """Same origin as the request's Host, or an extra host."""
        try:
            parts = urlsplit(origin.strip())
        except ValueError:
            return False
        if parts.scheme not in ("http", "https") or parts.path not in ("", "/") or parts.username or parts.query:
            return False
        if parts.netloc.lower() == host.strip().lower():
            return True
        parsed = split_host(parts.netloc)
        return parsed is not None and self._extra(*parsed)

    def refusal(self, headers: Iterable[tuple[bytes, bytes]]) -> str | None:
        """Why a request with these headers is refused, or None when it is allowed."""
        hosts = [v.decode("latin-1") for k, v in headers if k.lower() == b"host"]
        origins = [v.decode("latin-1") for k, v in headers if k.lower() == b"origin"]
        if len(hosts) != 1:
            return "a request must carry exactly one Host header"
        if not self.host_allowed(hosts[0]):
            return f"Host {hosts[0][:100]!r} is not this server's address"
        if len(origins) > 1 or origins and not self.origin_allowed(origins[0], hosts[0]):
            return f"Origin {origins[0][:100]!r} is not this app's page"
        return None


def extra_hosts_from_environment() -> tuple[str, ...]:
    """The hosts listed in :data:`ALLOW_HOSTS_VARIABLE` (comma-separated; blanks ignored)."""
    return tuple(entry.strip() for entry in os.environ.get(ALLOW_HOSTS_VARIABLE, "").split(",") if entry.strip())


class HostGuard:
    """ASGI middleware: requests and websockets that :class:`HostRule` refuses get 403; others pass through."""

    def __init__(self, app: ASGIApp, rule: HostRule) -> None:
        self.app = app
        self.rule = rule

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        problem = self.rule.refusal(scope.get("headers", [])) if scope["type"] in ("http", "websocket") else None
        if problem is None:
            await self.app(scope, receive, send)
            return
        body = REFUSAL.format(problem=problem).encode("utf-8")
        if scope["type"] == "websocket":   # closing before accepting: the server answers the upgrade with 403
            await send({"type": "websocket.close", "code": 1008, "reason": ""})
            return
        await send({"type": "http.response.start", "status": 403,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
