"""Buttons in the app bar for switching mode, named after the modes.

Solara's own route tabs would say "Home" and "workshop", and a Tabs element handed to the app
bar from a page renders empty, so the modes are plain buttons and the layout
(:func:`sim.app.pages.Layout`) turns Solara's tabs off.
"""

from __future__ import annotations

import solara


@solara.component
def ModeLinks() -> solara.Element:
    """One button per mode in the app bar; the current mode's is filled."""
    router = solara.use_router()
    current, all_routes = solara.use_route(level=0)
    with solara.AppBar() as bar:
        for route in all_routes:
            solara.Button(route.label, text=route is not current, outlined=route is current, color="white",
                          classes=[f"ssr-mode-{route.label.lower()}", "mx-1"],
                          on_click=lambda route=route: router.push("/" + route.path.lstrip("/")))
    return bar
