"""Explore mode: Mesa's SolaraViz around the reform model, with a scenario card beside it.

SolaraViz supplies the controls (step, play/pause, Reset, render interval), the "Model
Parameters" card with the lever sliders, and the grid of panels. Its Reset rebuilds the
model from the parameters it was mounted with, so a different scenario, strategy or seed
means a fresh SolaraViz (it is keyed on them); the sliders then start at the new scenario's
own values. Levers are applied by Reset, as in every Mesa app, so a run can be replayed
with one lever moved and the same seed.

Bad input (a missing file, an invalid scenario) shows the ScenarioError message in the card
and leaves the current run alone.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import Any

import solara
from mesa.visualization import SolaraViz, Slider
from mesa.visualization.utils import update_counter

from sim import ScenarioError

from .charts import ContextChart, IndicatorChart, PillarChart
from .navigation import ModeLinks
from .network_view import NetworkView
from .setup import (OWN_STRATEGY, SCENARIO_LEVERS, SHIPPED_SCENARIOS, SHIPPED_STRATEGIES, AppModel,
                    load_base_scenario)

DEFAULT_SCENARIO = "post_conflict"
DEFAULT_SEED = 7


@dataclass(frozen=True)
class Picks:
    """What the scenario card holds: a file path, when given, wins over the picker beside it."""

    scenario: str = DEFAULT_SCENARIO
    scenario_file: str = ""
    strategy: str = OWN_STRATEGY
    strategy_file: str = ""

    def scenario_source(self) -> str:
        return self.scenario_file.strip() or self.scenario

    def strategy_source(self) -> str:
        return self.strategy_file.strip() or self.strategy


def model_parameters(model: AppModel) -> dict[str, Any]:
    """SolaraViz's parameters: the scenario and seed fixed, a slider for each lever that applies."""
    params: dict[str, Any] = {"base_scenario": model.base_scenario, "rng": model.seed}
    for lever in SCENARIO_LEVERS:
        value = model.lever_settings[lever.key]
        if value is not None:
            params[lever.key] = Slider(lever.label, value=round(float(value), 2), min=lever.low, max=lever.high,
                                       step=lever.step, dtype=float)
    return params


def network_panel(model: AppModel) -> solara.Element:
    return NetworkView(model, model.month)


def indicator_panel(model: AppModel) -> solara.Element:
    return IndicatorChart(model, model.month)


def pillar_panel(model: AppModel) -> solara.Element:
    return PillarChart(model, model.month)


def context_panel(model: AppModel) -> solara.Element:
    return ContextChart(model, model.month)


PANELS = [(network_panel, 0), (indicator_panel, 0), (pillar_panel, 0), (context_panel, 0)]


@solara.component
def RunStatus(model: AppModel) -> solara.Element:
    """One line on where the run is; re-rendered by SolaraViz's update counter after each step."""
    update_counter.get()
    phase = model.strategy.phases[model.phase_index].name
    return solara.Text(f"Month {model.month} (year {model.month / 12:.1f}) · phase {phase} · reform index "
                       f"{model.indicators['reform_index']:.2f} · political will {model.indicators['political_will']:.2f}",
                       classes=["ssr-run-status"])


@solara.component
def ScenarioCard(picks: solara.Reactive[Picks], model: solara.Reactive[AppModel],
                 generation: solara.Reactive[int]) -> solara.Element:
    """Scenario and strategy pickers, file paths, the seed; each change starts a fresh run."""
    error = solara.use_reactive(None)

    def rebuild(new_picks: Picks, seed: int, keep_levers: bool) -> None:
        try:
            base = load_base_scenario(new_picks.scenario_source(), new_picks.strategy_source())
        except ScenarioError as problem:
            error.set(str(problem))
            return
        levers = dict(model.value.lever_settings) if keep_levers else {}
        model.set(AppModel(base, **levers, rng=seed))
        picks.set(new_picks)
        error.set(None)
        generation.set(generation.value + 1)

    def pick(**change: str) -> None:
        rebuild(replace(picks.value, **change), model.value.seed, keep_levers=False)

    with solara.Card("Scenario", classes=["ssr-scenario-card"]):
        solara.Select("Scenario", values=list(SHIPPED_SCENARIOS), value=picks.value.scenario,
                      on_value=lambda name: pick(scenario=name, scenario_file=""))
        solara.InputText("… or a scenario file (path)", value=picks.value.scenario_file, continuous_update=False,
                         on_value=lambda path: pick(scenario_file=path))
        solara.Select("Strategy", values=[OWN_STRATEGY, *SHIPPED_STRATEGIES], value=picks.value.strategy,
                      on_value=lambda name: pick(strategy=name, strategy_file=""))
        solara.InputText("… or a strategy file (path)", value=picks.value.strategy_file, continuous_update=False,
                         on_value=lambda path: pick(strategy_file=path))
        with solara.Row(style={"align-items": "center"}):
            solara.Text(f"Seed {model.value.seed}", classes=["ssr-seed"])
            solara.Button("New seed", color="primary", outlined=True,
                          on_click=lambda: rebuild(picks.value, random.randrange(1, 100_000), keep_levers=True))
        if error.value:
            solara.Error(error.value, classes=["ssr-error"])
        with solara.Column(gap="4px"):
            solara.Text(f"{model.value.reform_scenario.name} · strategy {model.value.strategy.name}",
                        classes=["ssr-run-name"])
            RunStatus(model.value)
        # Plain text, not solara.Markdown: Markdown fetches KaTeX, which solara-assets does not ship.
        solara.Text("Move a lever under Model Parameters, then press Reset: the run restarts with the same seed.",
                    style={"font-size": "0.85em"})


@solara.component
def ExplorePage() -> solara.Element:
    """The Explore page: the scenario card in the sidebar, SolaraViz for the rest."""
    initial = solara.use_memo(lambda: AppModel(load_base_scenario(DEFAULT_SCENARIO), rng=DEFAULT_SEED),
                              dependencies=[])
    picks = solara.use_reactive(Picks())
    model = solara.use_reactive(initial)
    generation = solara.use_reactive(0)
    with solara.Column() as page:
        with solara.Sidebar():
            ModeLinks()
            ScenarioCard(picks, model, generation)
        SolaraViz(model, components=PANELS, model_params=model_parameters(model.value), name="ssr-sim · explore",
                  play_interval=150).key(f"explore-{generation.value}")
    return page
