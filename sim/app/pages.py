"""The Solara app that ``ssr-sim app`` serves: one route per mode (``solara run sim.app.pages``)."""

from __future__ import annotations

import solara

from .explore import ExplorePage
from .workshop_page import WorkshopPage


@solara.component
def Layout(children: list[solara.Element] = []) -> solara.Element:  # noqa: B006 (Solara's signature)
    """Solara's app layout without its path-named tabs: each page shows sim.app.navigation.ModeLinks."""
    return solara.AppLayout(children=children, navigation=False)


# The root route's layout wraps every page (Solara ignores a module-level Layout when routes are given).
routes = [
    solara.Route(path="/", component=ExplorePage, label="Explore", layout=Layout),
    solara.Route(path="workshop", component=WorkshopPage, label="Workshop"),
]
