"""Prior ranges of the calibratable mechanism coefficients, read from the scenario schema.

Each float field of a mechanism block (``InfluenceParams`` ... ``SecurityParams`` in
``sim/scenario.py``) carries, in its ``json_schema_extra``, either ``prior: [low, high]`` with
``prior_reason``, or ``not_calibrated`` with the reason it is left out. The ranges live in the
schema, next to each field's default and type, so a new coefficient cannot be added without
deciding whether and how it is calibrated (``tests/calibration/test_priors.py`` fails until it
is). The ``interventions`` block is left out as a whole: it sizes workshop decisions, which no
published target describes.

A prior is uniform on [low, high] (the Morris screen samples levels across it; the later
ABC fit takes it as its prior).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from pydantic.fields import FieldInfo

from ..scenario import Mechanisms, Scenario, set_dotted_in_place

#: Mechanism blocks that are not calibrated, and why.
EXCLUDED_BLOCKS: dict[str, str] = {
    "interventions": "sizes of workshop decisions (mechanisms.interventions), which no published target describes",
}


class Prior(NamedTuple):
    """One calibratable coefficient: its dotted path, prior range, default and reason."""

    path: str
    low: float
    high: float
    default: float
    reason: str


def mechanism_fields() -> Iterator[tuple[str, FieldInfo]]:
    """(dotted path, field info) of every float field of the calibratable mechanism blocks."""
    for block, block_info in Mechanisms.model_fields.items():
        if block in EXCLUDED_BLOCKS:
            continue
        for name, info in block_info.annotation.model_fields.items():
            if info.annotation is float:
                yield f"mechanisms.{block}.{name}", info


def _extra(info: FieldInfo) -> dict[str, Any]:
    return info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}


def parameter_priors() -> list[Prior]:
    """Every coefficient with a prior, in schema order."""
    return [Prior(path, float(_extra(info)["prior"][0]), float(_extra(info)["prior"][1]), float(info.default),
                  str(_extra(info)["prior_reason"]))
            for path, info in mechanism_fields() if "prior" in _extra(info)]


def uncalibrated_parameters() -> dict[str, str]:
    """Float mechanism fields deliberately left at their documented values: path -> reason."""
    return {path: str(_extra(info)["not_calibrated"]) for path, info in mechanism_fields()
            if "not_calibrated" in _extra(info)}


def calibrated_defaults() -> dict[str, str]:
    """Float mechanism fields whose default the shipped calibration set: path -> where the value
    comes from (their ``calibrated`` mark: the posterior's median, or held by the calibration)."""
    return {path: str(_extra(info)["calibrated"]) for path, info in mechanism_fields()
            if "calibrated" in _extra(info)}


def with_parameters(scenario: Scenario, values: Mapping[str, float]) -> Scenario:
    """``scenario`` with mechanism coefficients set (dotted paths ``mechanisms.<block>.<field>``),
    validated again."""
    data = {"mechanisms": scenario.mechanisms.model_dump()}
    for path, value in values.items():
        set_dotted_in_place(data, path, float(value))
    return scenario.replace(source=f"{scenario.name} with calibration parameters", mechanisms=data["mechanisms"])
