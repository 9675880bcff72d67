"""Value types shared by the scenario and strategy schemas, and the user-facing error type."""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, Strict

Unit = Annotated[float, Strict(), Field(ge=0.0, le=1.0, allow_inf_nan=False)]
Rate = Annotated[float, Strict(), Field(ge=0.0, le=10.0, allow_inf_nan=False)]
Positive = Annotated[float, Strict(), Field(gt=0.0, le=1e6, allow_inf_nan=False)]
NonNegative = Annotated[float, Strict(), Field(ge=0.0, le=1e6, allow_inf_nan=False)]
Probability = Annotated[float, Strict(), Field(ge=0.0, le=0.5, allow_inf_nan=False)]
Years = Annotated[float, Strict(), Field(ge=0.0, le=200.0, allow_inf_nan=False)]
Month = Annotated[int, Strict(), Field(ge=0, le=2400)]
Count = Annotated[int, Strict(), Field(ge=1, le=5000)]
Name = Annotated[str, Strict(), Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_\-]+$")]

PillarName = Literal["defence_governance", "policing", "justice", "oversight", "integrity", "ddr"]
PILLARS: tuple[str, ...] = get_args(PillarName)
#: The pillars of the rule of law: its indicator (sim/outcomes.py) and its pace (docs/ODD.md §7.7).
LAW_PILLARS: tuple[str, ...] = ("justice", "policing")

HEADLINE_INDICATORS: tuple[str, ...] = (
    "military_out_of_politics",
    "corruption_control",
    "bureaucratic_quality",
    "government_effectiveness",
    "rule_of_law",
)
IndicatorName = Literal[
    "military_out_of_politics", "corruption_control", "bureaucratic_quality",
    "government_effectiveness", "rule_of_law", "political_will", "public_trust", "violence",
    "reform_index",
]


class ScenarioError(ValueError):
    """A scenario, strategy or experiment file is unreadable or invalid; the message is for the user."""


class Schema(BaseModel):
    """Strict base: unknown keys are errors (typos must not pass silently); values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)
