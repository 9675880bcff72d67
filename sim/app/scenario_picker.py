"""The scenario picker of both modes: each shipped scenario named with how hard it is.

The difficulty is measured (:mod:`sim.app.difficulty`): the share of runs in which the
shipped reform strategies succeed on the scenario.
"""

from __future__ import annotations

from collections.abc import Callable

import solara

from .difficulty import MEASURED_SEEDS, difficulty
from .setup import SHIPPED_SCENARIOS

PICKER_LABEL = "Scenario (difficulty)"
# The path boxes beside the pickers take shipped files only (sim.app.sources); a file of one's own is uploaded.
SCENARIO_PATH_LABEL = "… or a shipped scenario file (name or path in scenarios/)"
STRATEGY_PATH_LABEL = "… or a shipped strategy file (name or path in scenarios/strategies/)"
DIFFICULTY_NOTE = (f"Difficulty (%): how many of {len(MEASURED_SEEDS)} runs succeed under the shipped reform "
                   "strategies, from the least to the most successful strategy.")


def scenario_items() -> list[dict[str, str]]:
    """The picker's entries: the scenario's name, then its difficulty."""
    return [{"text": f"{name} · {difficulty(name)}" if difficulty(name) else name, "value": name}
            for name in SHIPPED_SCENARIOS]


@solara.component
def ScenarioPicker(value: str, on_value: Callable[[str], None]) -> solara.Element:
    with solara.Column(gap="0px", classes=["ssr-scenario-picker"]) as column:
        solara.v.Select(label=PICKER_LABEL, items=scenario_items(), v_model=value, on_v_model=on_value)
        solara.Text(DIFFICULTY_NOTE, style={"font-size": "0.8em", "color": "#555"})
    return column
