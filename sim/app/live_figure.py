"""A matplotlib figure drawn once and then redrawn only where it moves: blitting, for Play.

Rendering a whole chart to PNG costs tens of milliseconds, nearly all of it in what never
changes between months (axes, ticks, grid, titles, legend, ties of the network). A
:class:`LiveFigure` renders the figure once without its *moving* artists (a chart's series
lines, the network's nodes) and keeps that image; each frame then restores it, draws only the
moving artists over it, and encodes the canvas as PNG. Artists that stay in front of the
moving ones (a chart's legend) are passed as ``in_front``: the pixels of their boxes, as first
rendered, are pasted back over each frame (drawing a legend again would cost more than all the
rest).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image


def png(figure: Figure) -> bytes:
    """The figure as PNG, lightly compressed: a frame is shown once, speed matters more than bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


class LiveFigure:
    """``figure`` with its static part rendered once; :meth:`render` draws ``moving`` over it, pastes
    ``in_front`` back above them and returns the PNG.

    Call :meth:`redraw_background` after changing a static artist (a new event line)."""

    def __init__(self, figure: Figure, moving: Sequence[Artist], in_front: Sequence[Artist] = ()) -> None:
        self.figure = figure
        self.canvas = FigureCanvasAgg(figure)
        self.moving = tuple(moving)
        self.in_front = tuple(in_front)
        for artist in self.moving:
            artist.set_animated(True)   # left out of the full draw; drawn by render
        self.redraw_background()

    def redraw_background(self) -> None:
        """Render every static artist and keep the image, and the boxes of the artists in front."""
        self.canvas.draw()
        self.background = self.canvas.copy_from_bbox(self.figure.bbox)
        renderer = self.canvas.get_renderer()
        self.front_regions = [self.canvas.copy_from_bbox(artist.get_window_extent(renderer))
                              for artist in self.in_front]

    def render(self) -> bytes:
        """PNG of the background with the moving artists as they are now."""
        self.canvas.restore_region(self.background)
        for artist in self.moving:
            self.figure.draw_artist(artist)
        for region in self.front_regions:
            self.canvas.restore_region(region)
        buffer = io.BytesIO()
        Image.frombuffer("RGBA", self.canvas.get_width_height(), self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1
                         ).convert("RGB").save(buffer, format="png", compress_level=1)
        return buffer.getvalue()
