"""A drop zone for a scenario or strategy file of the user's own (Solara's FileDrop, received lazily).

FileDrop with ``lazy=True`` hands over the browser's declared name and size and a stream that
fetches bytes from the browser on demand, so a file over the size limit is refused before any
of it is sent, and at most one byte over the limit is ever read (:func:`sim.app.sources.receive_upload`).
"""

from __future__ import annotations

from collections.abc import Callable

import solara
from solara.components.file_drop import FileInfo

from sim import ScenarioError
from sim.loading import MAX_FILE_BYTES

from .sources import Upload, receive_upload


@solara.component
def UploadDrop(what: str, on_upload: Callable[[Upload], None], on_error: Callable[[str], None],
               css_class: str) -> solara.Element:
    """Drop a ``what`` file here; ``on_upload`` gets its content, ``on_error`` the reason it was refused."""
    def received(file: FileInfo) -> None:
        try:
            upload = receive_upload(file["name"], file["size"], file["file_obj"])
        except ScenarioError as problem:
            on_error(str(problem))
            return
        except Exception as problem:   # noqa: BLE001 -- the stream raises bare Exception ("Timeout", "File changed")
            on_error(f"upload {file['name']!r}: the file did not arrive ({problem}); drop it again")
            return
        on_upload(upload)

    with solara.Column(gap="0px", classes=[css_class]) as column:
        limit = f"{MAX_FILE_BYTES / 1_000_000:g} MB"
        solara.FileDrop(label=f"… or drop a {what} file of your own here (YAML, at most {limit})", on_file=received,
                        lazy=True)
    return column
