"""Buttons for switching mode, named after the modes, at the top of each page's sidebar.

Solara's own route tabs would say "Home" and "workshop", and content a page adds to the app
bar does not show beside SolaraViz's, so the layout (:func:`sim.app.pages.Layout`) turns
Solara's tabs off and each page puts these buttons in its sidebar.
"""

from __future__ import annotations

import solara

MODES = {"Explore": "/", "Workshop": "/workshop"}   # label -> path, as in sim.app.pages.routes


@solara.component
def ModeLinks() -> solara.Element:
    """One button per mode; the current mode's is filled."""
    router = solara.use_router()
    current = "/" + router.path.strip("/")
    with solara.Row(classes=["ssr-modes"]) as row:
        for label, path in MODES.items():
            solara.Button(label, color="primary", outlined=path != current, classes=[f"ssr-mode-{label.lower()}"],
                          on_click=lambda path=path: router.push(path))
    return row
