"""Canonical JSON and run keys.

A run is identified by *what* was run, not by *where* it sits in a design:
the key is a SHA-256 over the canonical JSON of its parameters, its seed and a
caller-supplied salt (e.g. a content hash of the scenario file).  Because the
key does not depend on position, a design can be extended or reordered and a
resumed sweep still recognises every run it has already done.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import numpy as np


def _to_json_native(value: Any) -> Any:
    """Turn numpy scalars/arrays into plain Python so designs built with numpy hash like literals."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable: {value!r}")


def canonical_json(obj: Any) -> str:
    """Serialise ``obj`` to one byte-stable JSON string.

    Keys are sorted, separators are fixed and NaN/inf are rejected (they have
    no JSON spelling and would make two "equal" designs hash differently).
    Python's float repr is the shortest round-tripping form, so a float
    always serialises the same way on every platform.
    """
    return json.dumps(
        obj,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_to_json_native,
    )


def normalize_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``params`` exactly as a run will see it: plain JSON types (tuples become lists).

    Normalising once, before hashing, guarantees that the model receives the
    very values the run key describes.
    """
    normalized = json.loads(canonical_json(params))
    if not isinstance(normalized, dict):
        raise TypeError(f"params must be a mapping, got {type(params).__name__}")
    return normalized


def run_key(params: Mapping[str, Any], seed: int, salt: str = "") -> str:
    """Stable identity of one run: sha256 hex of canonical JSON of (params, seed, salt)."""
    payload = canonical_json({"params": params, "seed": int(seed), "salt": salt})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
