"""Serving the app: ``ssr-sim app`` runs Solara's server on this machine, fit for a room without internet.

Solara is told to stay offline: front-end assets come from the ``solara-assets`` package
through Solara's local proxy (``/_solara/cdn``), telemetry and the version check (both calls
to the internet) are off, and production mode drops the development-mode "check" iframe
that loads from solara.dev. Solara's "This website runs on Solara" banner is off (it sat
over the bottom of the page, on the outcome screen's decision list) and the browser tab is
titled after the app. The settings are environment variables, read when Solara's settings
module is first imported, so they are set before Solara is imported.

In front of Solara's Starlette app sits :class:`sim.app.host_guard.HostGuard`: a request whose
Host is not the address the server is bound to, or whose Origin is not the app's own page, gets
403 (DNS rebinding, cross-site websockets). ``uvicorn`` imports the app by name
(``solara.server.starlette:app``) in this process, so the guard added here is the one it serves.

The websocket is served without per-message compression (uvicorn's default is on, and Solara's
``run`` has no option for it, so :func:`serve` gives uvicorn's ``Config`` the setting): nearly
all it carries while a run plays is PNG frames, already compressed, and deflating them again
cost the server about a tenth of its time with four tabs playing, and each browser as much to
inflate them.
"""

from __future__ import annotations

import functools
import os
import socket
from collections.abc import Sequence

from .host_guard import HostGuard, HostRule, extra_hosts_from_environment

APP_MODULE = "sim.app.pages"
SOLARA_ENVIRONMENT = {
    "SOLARA_APP": APP_MODULE,   # read when solara.server.app is imported, which serve() does to add the guard
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    "SOLARA_ASSETS_PROXY": "True",
    "SOLARA_MODE": "production",
    "SOLARA_THEME_SHOW_BANNER": "False",
    "SOLARA_THEME_TITLE": "ssr-sim",
}


class ServeError(Exception):
    """The server cannot start (app extra missing, port taken); the message is for the user."""


def solara_arguments(host: str, port: int, open_browser: bool) -> list[str]:
    """The ``solara run`` command line for the app."""
    return ["run", APP_MODULE, "--host", host, "--port", str(port), "--production", "--no-check-version",
            "--open" if open_browser else "--no-open", "--log-level-uvicorn", "warning"]


def check_port_free(host: str, port: int) -> None:
    """Fail early, with a clear message, when the address cannot be bound."""
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as error:
        raise ServeError(f"cannot listen on {host}:{port} ({error.strerror or error}); "
                         "choose another with --port or --host") from None


def serve(host: str, port: int, open_browser: bool, allowed_hosts: Sequence[str] = ()) -> None:
    """Run the app's server until interrupted; ``allowed_hosts`` (and the environment's
    :data:`~sim.app.host_guard.ALLOW_HOSTS_VARIABLE`) are further names it answers to."""
    os.environ.update(SOLARA_ENVIRONMENT)
    try:
        import uvicorn
        from solara.__main__ import cli
        from solara.server.starlette import app
    except ImportError:
        raise ServeError("the app needs the 'app' extra: pip install -e '.[app]'") from None
    check_port_free(host, port)
    app.add_middleware(HostGuard, rule=HostRule(host, port, (*allowed_hosts, *extra_hosts_from_environment())))
    print(f"ssr-sim app on http://{host}:{port}/ (Ctrl-C to stop)", flush=True)
    config = uvicorn.Config
    uvicorn.Config = functools.partial(config, ws_per_message_deflate=False)   # Solara's run builds one
    try:
        cli.main(args=solara_arguments(host, port, open_browser), prog_name="ssr-sim app", standalone_mode=False)
    finally:
        uvicorn.Config = config
