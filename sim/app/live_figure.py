"""A matplotlib figure drawn once and then redrawn only where it moves: blitting, for Play.

Rendering a whole chart to PNG costs tens of milliseconds, nearly all of it in what never
changes between months (axes, ticks, grid, titles, legend, ties of the network). A
:class:`LiveFigure` renders the figure once without its *moving* artists (a chart's series
lines, the network's nodes) and keeps that image; each frame then restores it, draws only the
moving artists over it, and encodes the canvas as PNG. Artists that stay in front of the
moving ones (a chart's legend) are passed as ``in_front``: the pixels of their boxes, as first
rendered, are pasted back over each frame (drawing a legend again would cost more than all the
rest). The frame is encoded by :func:`png_of_pixels`, not Pillow (see there).
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Sequence

import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def png(figure: Figure) -> bytes:
    """The figure as PNG, lightly compressed: a frame is shown once, speed matters more than bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_of_pixels(rgba: np.ndarray) -> bytes:
    """PNG (8-bit RGB) of an RGBA pixel array (rows x columns x 4), its alpha dropped: every row
    unfiltered, deflated at level 1.

    Why not Pillow: at any compression level it tries the five PNG row filters on every row, which
    for the app's frames took longer than the deflate itself. Unfiltered, the network's frame is
    encoded in about half the time (3.4 against 5.8 ms) and is smaller (104 against 124 KB; its
    antialiased ties do not predict well from their neighbours), a chart's in 1.2 against 1.9 ms
    for 1 KB more. The pixels are the same."""
    rows, columns, _ = rgba.shape
    scanlines = np.zeros((rows, 1 + 3 * columns), dtype=np.uint8)   # each row: filter type 0, then RGB
    scanlines[:, 1:] = rgba[:, :, :3].reshape(rows, 3 * columns)
    header = struct.pack(">IIBBBBB", columns, rows, 8, 2, 0, 0, 0)   # 8 bits, RGB, deflate, no interlace
    return (PNG_SIGNATURE + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", zlib.compress(scanlines.tobytes(), 1))
            + _png_chunk(b"IEND", b""))


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
        return png_of_pixels(np.asarray(self.canvas.buffer_rgba()))
