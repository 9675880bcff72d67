"""What the app reads: the shipped scenario and strategy files, and files uploaded through the browser.

The app is a server: whoever can open its page can type into its path boxes, so those boxes
accept only the files shipped in ``scenarios/`` and ``scenarios/strategies/`` — by name
(``baseline``), file name (``baseline.yaml``) or a path that resolves into that folder (``..``
and symlinks are resolved first, so neither leads out). Anything else gets one message that
names what is allowed and says nothing about the file: not whether it exists, nor what it holds.

A file of the user's own is uploaded instead (:class:`Upload`): its bytes are received into
memory (at most :data:`~sim.loading.MAX_FILE_BYTES`, refused from its declared size before any
byte is received) and parsed with the same safe loader as files on disk
(:func:`sim.loading.parse_yaml`: no code, no duplicate keys, no alias bombs). Its messages may
name its fields and values, since it is the user's own file. An uploaded scenario may
``extends`` a shipped scenario and name a shipped strategy; it cannot reach any other file.
"""

from __future__ import annotations

import reprlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import ValidationError

from sim import ScenarioError, Strategy
from sim.loading import MAX_FILE_BYTES, format_validation_error, parse_yaml
from sim.scenario import SCENARIO_DIR, deep_merge, load_scenario_data, shipped_scenario_names
from sim.strategy import STRATEGY_DIR, shipped_strategies

#: The longest entry a path box takes (longer ones are refused like any other path outside the folders).
MAX_ENTRY_CHARS = 1000
YAML_SUFFIXES = (".yaml", ".yml")


_SHORT = reprlib.Repr()   # keyword arguments need Python 3.12
_SHORT.maxstring = 60


def _shown(text: str) -> str:
    """A user's entry as a message repeats it: quoted, and cut short when long."""
    return _SHORT.repr(text)


def not_allowed(entry: str, kind: str, names: Sequence[str]) -> ScenarioError:
    """The one message for a path box entry that is not a shipped file (it reveals nothing about the entry)."""
    return ScenarioError(f"{_shown(entry)} is not an allowed {kind}: choose a shipped one "
                         f"({', '.join(names)}) or upload a file")


def shipped_file(entry: str, folder: Path, kind: str, names: Sequence[str]) -> Path:
    """The shipped YAML file in ``folder`` that ``entry`` names (a name, a file name, or a path relative
    to the folder or to the working directory, or absolute), resolved; else :func:`not_allowed`.

    Whether a path outside the folder exists is never looked at: only its resolved form is."""
    text = entry.strip()
    if not text or len(text) > MAX_ENTRY_CHARS or "\0" in text:
        raise not_allowed(entry, kind, names)
    root = folder.resolve()
    bases = [Path(text).anchor] if Path(text).is_absolute() else [root, Path.cwd()]
    for base in bases:
        for name in (text, text + ".yaml"):
            try:
                resolved = (Path(base) / name).resolve()
            except (OSError, RuntimeError, ValueError):   # RuntimeError: a symlink loop (Python 3.11)
                continue
            if resolved.parent == root and resolved.suffix in YAML_SUFFIXES and resolved.is_file():
                return resolved
    raise not_allowed(entry, kind, names)


def shipped_scenario_file(entry: str) -> Path:
    return shipped_file(entry, SCENARIO_DIR, "scenario", shipped_scenario_names())


def shipped_strategy_file(entry: str) -> Path:
    return shipped_file(entry, STRATEGY_DIR, "strategy", shipped_strategies())


@dataclass(frozen=True)
class Upload:
    """A file uploaded through the browser: its name (as the browser gave it) and its content."""

    name: str
    content: bytes

    @property
    def label(self) -> str:
        """How messages name it: 'upload' and its file name, without any folder."""
        return f"upload {_shown(Path(self.name.replace(chr(92), '/')).name or self.name)}"


def _too_large(name: str, size: int) -> ScenarioError:
    return ScenarioError(f"upload {_shown(name)}: {size:,} bytes; a file may hold at most {MAX_FILE_BYTES:,} bytes")


def receive_upload(name: str, declared_size: int, stream: BinaryIO) -> Upload:
    """Read an uploaded file into memory: refused from its declared size before any byte is received,
    and never more than :data:`MAX_FILE_BYTES` + 1 bytes read (the declared size is the browser's word)."""
    if declared_size > MAX_FILE_BYTES:
        raise _too_large(name, declared_size)
    content = stream.read(MAX_FILE_BYTES + 1)
    if len(content) > MAX_FILE_BYTES:
        raise _too_large(name, len(content))
    return Upload(name, content)


def _mapping(upload: Upload, needs: str) -> dict[str, Any]:
    """The upload parsed with the safe loader; it must be a mapping (``needs`` says of what)."""
    if len(upload.content) > MAX_FILE_BYTES:
        raise _too_large(upload.name, len(upload.content))
    try:
        text = upload.content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ScenarioError(f"{upload.label}: not UTF-8 text ({error.reason} at byte {error.start}); "
                            "upload a YAML file") from None
    data = parse_yaml(text, upload.label)
    if not isinstance(data, dict):
        found = "empty" if data is None else f"a {type(data).__name__}"
        raise ScenarioError(f"{upload.label}: the file is {found}; it must be a mapping with {needs}")
    return data


def _shipped_by_name(value: Any, names: Sequence[str], folder: Path) -> Path | None:
    """The shipped file a scenario field names ('baseline' or 'baseline.yaml'), or None."""
    if not isinstance(value, str):
        return None
    stem = value[: -len(".yaml")] if value.endswith(".yaml") else value
    return folder / f"{stem}.yaml" if stem in names else None


def scenario_data_from_upload(upload: Upload) -> dict[str, Any]:
    """An uploaded scenario's mapping, with ``extends`` (a shipped scenario only) merged in and a
    ``strategy`` given by name pointed at the shipped strategy file; validated later."""
    data = _mapping(upload, "'name', 'actors', 'pillars' and 'strategy' (or 'extends' a shipped scenario)")
    if "extends" in data:
        parent = data.pop("extends")
        path = _shipped_by_name(parent, shipped_scenario_names(), SCENARIO_DIR)
        if path is None:
            raise ScenarioError(f"{upload.label}: extends = {_shown(str(parent))}; an uploaded scenario may extend "
                                f"a shipped scenario only: {', '.join(f'{n}.yaml' for n in shipped_scenario_names())}")
        data = deep_merge(load_scenario_data(path), data)
    if isinstance(data.get("strategy"), str):
        path = _shipped_by_name(data["strategy"], shipped_strategies(), STRATEGY_DIR)
        if path is None:
            raise ScenarioError(f"{upload.label}: strategy = {_shown(data['strategy'])} is not a shipped strategy; "
                                f"name one of {', '.join(shipped_strategies())}, or write the strategy out in the "
                                "file (a mapping with 'name' and 'phases')")
        data["strategy"] = str(path)
    return data


def strategy_from_upload(upload: Upload) -> Strategy:
    """An uploaded strategy file, validated (messages name its fields)."""
    data = _mapping(upload, "'name' and 'phases'")
    try:
        return Strategy.model_validate(data)
    except ValidationError as error:
        raise ScenarioError(format_validation_error(error, upload.label, Strategy)) from None
