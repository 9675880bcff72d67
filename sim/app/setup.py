"""What a run in the app is built from: a scenario, a strategy and the levers on the sliders.

The sliders move values that scenarios set per actor type *and* per member (``finance``
may have its own capacity), so a lever shifts every member by the same amount rather than
overwriting them: the slider starts at the scenario's own (count-weighted) mean, and moving
it from 0.40 to 0.60 adds 0.20 to each member, keeping the differences the scenario file
chose. Peacekeeping adds up across donors in the model, so its slider shows the total and
moves the main contributor. Levers left at the scenario's value change nothing, so the
scenario's identity (its sha256) is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sim import ReformModel, Scenario, ScenarioError, load_scenario_data, scenario_from_dict, shipped_strategies
from sim.scenario import SCENARIO_DIR, member_value, shipped_scenario_names

from .sources import (Upload, scenario_data_from_upload, shipped_scenario_file, shipped_strategy_file,
                      strategy_from_upload)

SHIPPED_SCENARIOS: tuple[str, ...] = tuple(shipped_scenario_names())
SHIPPED_STRATEGIES: tuple[str, ...] = tuple(shipped_strategies())
OWN_STRATEGY = "the scenario's own"


@dataclass(frozen=True)
class ScenarioLever:
    """A slider over one or more scenario fields; the first field's value is what it shows."""

    key: str                                # keyword argument of :class:`AppModel`
    label: str
    targets: tuple[tuple[str, str], ...]    # (actor type, field) pairs moved together
    low: float = 0.0
    high: float = 1.0
    step: float = 0.05
    total: bool = False                     # shows the sum over agents and moves the largest member

    def labelled(self, value: float) -> str:
        """The slider's label with its value, as the slider shows it (whole numbers for whole steps)."""
        return f"{self.label}: {value:.0f}" if float(self.step).is_integer() else f"{self.label}: {value:.2f}"


SCENARIO_LEVERS: tuple[ScenarioLever, ...] = (
    ScenarioLever("political_will", "Political will (ministries)", (("ministry", "political_will"),)),
    ScenarioLever("initial_corruption", "Initial corruption (officials)",
                  (("ministry", "corruption"), ("security_force", "corruption"), ("parliament", "corruption"))),
    ScenarioLever("spoiler_strength", "Spoiler strength", (("spoiler", "strength"),)),
    ScenarioLever("donor_conditionality", "Donor conditionality", (("donor", "conditionality"),)),
    ScenarioLever("donor_patience", "Donor patience (years)", (("donor", "patience_years"),),
                  low=1.0, high=20.0, step=1.0),
    ScenarioLever("civil_society", "Civil-society strength",
                  (("civil_society", "monitoring"), ("civil_society", "mobilisation"))),
    ScenarioLever("peacekeeping", "Peacekeeping (total)", (("donor", "peacekeeping"),), total=True),
)


def load_base_scenario(scenario: str | Upload, strategy: str | Upload = "") -> Scenario:
    """A shipped scenario (name or path into ``scenarios/``) or an uploaded one, with an optional
    strategy: a shipped one (name or path into ``scenarios/strategies/``) or an uploaded one.

    Raises ScenarioError (its message is shown in the app) for anything else, and for an invalid
    file; see :mod:`sim.app.sources` for what the app reads.
    """
    if isinstance(scenario, Upload):
        data, source = scenario_data_from_upload(scenario), scenario.label
    elif not scenario.strip():
        raise ScenarioError("choose a scenario, or upload a scenario file")
    else:
        path = shipped_scenario_file(scenario)
        data, source = load_scenario_data(path), str(path)
    if isinstance(strategy, Upload):
        data["strategy"] = strategy_from_upload(strategy)
    elif strategy.strip() and strategy.strip() != OWN_STRATEGY:
        data["strategy"] = str(shipped_strategy_file(strategy))
    return scenario_from_dict(data, source, SCENARIO_DIR)


def _member_values(scenario: Scenario, actor_type: str, field: str) -> tuple[np.ndarray, np.ndarray]:
    """Each member's effective value (its override, else the type's) and its agent count."""
    block = getattr(scenario.actors, actor_type)
    values = [member_value(block, member, field) for member in block.members]
    return np.array(values, dtype=float), np.array([m.count for m in block.members], dtype=float)


def lever_value(scenario: Scenario, lever: ScenarioLever) -> float | None:
    """The slider's starting point for this scenario; None when the scenario has no such actors."""
    values, counts = _member_values(scenario, *lever.targets[0])
    if not len(values):
        return None
    return float(values @ counts if lever.total else values @ counts / counts.sum())


def apply_levers(scenario: Scenario, settings: dict[str, float | None]) -> Scenario:
    """The scenario with each lever moved to its setting (None or the scenario's value: untouched)."""
    data: dict[str, Any] = scenario.model_dump()
    changed = False
    for lever in SCENARIO_LEVERS:
        wanted, current = settings.get(lever.key), lever_value(scenario, lever)
        if wanted is None or current is None or abs(float(wanted) - current) < 1e-9:
            continue
        delta = float(wanted) - current
        for actor_type, field in lever.targets:
            values, _ = _member_values(scenario, actor_type, field)
            rows = [int(np.argmax(values))] if lever.total else range(len(values))
            for row in rows:
                data["actors"][actor_type]["members"][row][field] = float(np.clip(values[row] + delta, lever.low,
                                                                                 lever.high))
        changed = True
    return scenario_from_dict(data, f"{scenario.name} (app levers)") if changed else scenario


class AppModel(ReformModel):
    """A ReformModel that Mesa's Reset can rebuild from keyword arguments alone.

    Reset calls ``type(model)(**parameters)``, so the levers are keyword arguments here, each
    None for the scenario's own value. No parameter is called ``scenario`` and there is no
    ``**kwargs``: Mesa 3.5's Reset passes its own Scenario object to either.
    """

    def __init__(self, base_scenario: Scenario, *, political_will: float | None = None,
                 initial_corruption: float | None = None, spoiler_strength: float | None = None,
                 donor_conditionality: float | None = None, donor_patience: float | None = None,
                 civil_society: float | None = None, peacekeeping: float | None = None,
                 rng: int | None = None) -> None:
        settings = {"political_will": political_will, "initial_corruption": initial_corruption,
                    "spoiler_strength": spoiler_strength, "donor_conditionality": donor_conditionality,
                    "donor_patience": donor_patience, "civil_society": civil_society, "peacekeeping": peacekeeping}
        super().__init__(apply_levers(base_scenario, settings), rng=rng)
        self.base_scenario = base_scenario
        self.lever_settings = {lever.key: settings[lever.key] if settings[lever.key] is not None
                               else lever_value(base_scenario, lever) for lever in SCENARIO_LEVERS}
