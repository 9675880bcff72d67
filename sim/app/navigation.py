"""What every page shows: buttons for switching mode, named after the modes, at the top of
its sidebar, and the style that puts each slider's label (which carries its value) on a line
of its own above the track (beside it, long labels squeezed the track to nothing).

Solara's own route tabs would say "Home" and "workshop", so the layout (:func:`sim.app.pages.Layout`) turns
Solara's tabs off and each page puts these buttons in its sidebar.
"""

from __future__ import annotations

import solara

MODES = {"Explore": "/", "Workshop": "/workshop"}   # label -> path, as in sim.app.pages.routes
SLIDER_STYLE = """
.v-input__slider .v-input__slot { flex-wrap: wrap; }
.v-input__slider .v-input__slot > .v-label { flex: 1 0 100%; margin-bottom: -4px; }
"""


@solara.component
def ModeLinks() -> solara.Element:
    """One button per mode; the current mode's is filled. Also sets the pages' slider style."""
    router = solara.use_router()
    current = "/" + router.path.strip("/")
    with solara.Row(classes=["ssr-modes"]) as row:
        solara.Style(SLIDER_STYLE)
        for label, path in MODES.items():
            solara.Button(label, color="primary", outlined=path != current, classes=[f"ssr-mode-{label.lower()}"],
                          on_click=lambda path=path: router.push(path))
    return row
