"""Workshop mode's page: set up, play turn by turn, then the outcome screen.

The facilitator sets the team's name, the scenario, seed and number of turns; each turn the
room picks one or two interventions and advances to the next decision point, with the goal
(what success means) above the charts; after the last turn the page shows the team's outcome
against the shipped strategies on the same scenario and seeds, the decision log as a CSV
download and a way to start again (both at the top, in view without scrolling), and the
decisions beside the indicators. The game logic is in :mod:`sim.app.workshop`; this module
only lays it out.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import solara
from matplotlib.figure import Figure

from sim import ScenarioError

from .charts import ContextChart, IndicatorChart, PillarChart
from .difficulty import DEFAULT_WORKSHOP_SCENARIO
from .live_figure import png
from .navigation import ModeLinks
from .network_view import NetworkView
from .scenario_picker import SCENARIO_PATH_LABEL, ScenarioPicker
from .setup import load_base_scenario
from .sources import Upload
from .upload_drop import UploadDrop
from .workshop import INTERVENTIONS, OUTCOME_MEASURES, Choice, Outcome, Workshop, comparison_runs, goal_text, outcome

NO_CHOICE = "(none)"
LABEL_TO_KEY = {item.label: key for key, item in INTERVENTIONS.items()}


@dataclass(frozen=True)
class WorkshopSettings:
    """The facilitator's set-up; an uploaded scenario, else a path box's entry, wins over the picker."""

    team: str = "Team 1"
    scenario: str = DEFAULT_WORKSHOP_SCENARIO
    scenario_file: str = ""
    scenario_upload: Upload | None = None
    seed: int = 7
    turns: int = 10
    years_per_turn: int = 1
    comparison_seeds: int = 5


def start_workshop(settings: WorkshopSettings) -> Workshop:
    """A new game; the comparison runs start in the background so they are ready by the end.

    Raises ScenarioError for a scenario the app may not read or an invalid one, ValueError for a team
    without a name."""
    scenario = load_base_scenario(settings.scenario_upload or settings.scenario_file.strip() or settings.scenario)
    game = Workshop(scenario, settings.seed, settings.turns, 12 * settings.years_per_turn, settings.comparison_seeds,
                    team=settings.team)
    threading.Thread(target=comparison_runs, args=(scenario, game.seeds), daemon=True,
                     name="workshop-comparison").start()
    return game


def decision_marks(game: Workshop) -> tuple[tuple[int, str], ...]:
    """Where the chart marks each turn's decisions: (month, "T<turn>")."""
    return tuple(sorted({(d.month, f"T{d.turn}") for d in game.decisions}))


@solara.component
def SetupCard(on_start: Callable[[Workshop], None]) -> solara.Element:
    settings = solara.use_reactive(WorkshopSettings())
    error = solara.use_reactive(None)

    def update(**change: object) -> None:
        settings.set(replace(settings.value, **change))

    def uploaded(upload: Upload) -> None:
        """Check the upload at once (the facilitator sees a bad file before starting), then keep it."""
        try:
            load_base_scenario(upload)
        except ScenarioError as problem:
            error.set(str(problem))
            return
        update(scenario_upload=upload, scenario_file="")
        error.set(None)

    def start() -> None:
        try:
            on_start(start_workshop(settings.value))
        except ValueError as problem:   # ScenarioError is one
            error.set(str(problem))

    chosen = settings.value
    with solara.Card("Set up a workshop", classes=["ssr-setup-card"]) as card:
        solara.InputText("Team name (names the decision log)", value=chosen.team, continuous_update=True,
                         on_value=lambda team: update(team=team))
        ScenarioPicker(chosen.scenario, on_value=lambda name: update(scenario=name, scenario_file="",
                                                                     scenario_upload=None))
        solara.InputText(SCENARIO_PATH_LABEL, value=chosen.scenario_file, continuous_update=False,
                         on_value=lambda path: update(scenario_file=path, scenario_upload=None))
        UploadDrop("scenario", on_upload=uploaded, on_error=error.set, css_class="ssr-scenario-upload"
                   ).key(f"scenario-upload-{chosen.scenario_upload is None}")   # cleared: the label again
        solara.InputInt("Seed", value=chosen.seed, on_value=lambda seed: update(seed=seed))
        solara.SliderInt(f"Turns: {chosen.turns}", value=chosen.turns, min=2, max=20,
                         on_value=lambda n: update(turns=n))
        solara.SliderInt(f"Years per turn: {chosen.years_per_turn}", value=chosen.years_per_turn, min=1, max=5,
                         on_value=lambda n: update(years_per_turn=n))
        solara.SliderInt(f"Seeds to compare on: {chosen.comparison_seeds}", value=chosen.comparison_seeds, min=1,
                         max=10, on_value=lambda n: update(comparison_seeds=n))
        solara.Button("Start workshop", color="primary", on_click=start, classes=["ssr-start"])
        if error.value:
            solara.Error(error.value, classes=["ssr-error"])
    return card


def first_option(game: Workshop, label: str) -> str | None:
    """The pillar or spoiler an intervention starts aimed at (None when it needs no target)."""
    options = game.options(LABEL_TO_KEY[label]) if label in LABEL_TO_KEY else []
    return options[0] if options else None


@solara.component
def ChoiceRow(game: Workshop, number: int, intervention: solara.Reactive[str],
              target: solara.Reactive[str | None]) -> solara.Element:
    """One pick: an intervention, and its pillar or spoiler when it needs one."""
    labels = [item.label for item in INTERVENTIONS.values()]

    def choose(label: str) -> None:
        intervention.set(label)
        target.set(first_option(game, label))

    with solara.Column(gap="0px") as column:
        solara.Select(f"Intervention {number}", values=labels if number == 1 else [NO_CHOICE, *labels],
                      value=intervention.value, on_value=choose, classes=[f"ssr-choice-{number}"])
        key = LABEL_TO_KEY.get(intervention.value)
        if key is not None:
            options = game.options(key)
            if INTERVENTIONS[key].target:
                solara.Select(INTERVENTIONS[key].target, values=options, value=target.value, on_value=target.set,
                              classes=[f"ssr-target-{number}"])
            solara.Text(INTERVENTIONS[key].explanation, style={"font-size": "0.8em", "color": "#555"})
    return column


@solara.component
def TurnCard(game: Workshop, turn: int, on_played: Callable[[], None]) -> solara.Element:
    """This turn's decision: one or two interventions, then advance to the next decision point."""
    first = solara.use_reactive(next(iter(LABEL_TO_KEY)))
    first_target = solara.use_reactive(first_option(game, first.value))
    second, second_target = solara.use_reactive(NO_CHOICE), solara.use_reactive(None)
    error = solara.use_reactive(None)

    def decide() -> None:
        picks = [(first.value, first_target.value), (second.value, second_target.value)]
        choices = [Choice(LABEL_TO_KEY[label], chosen) for label, chosen in picks if label in LABEL_TO_KEY]
        try:
            game.play_turn(choices)
        except ValueError as problem:
            error.set(str(problem))
            return
        error.set(None)
        second.set(NO_CHOICE)
        on_played()

    years = game.months_per_turn / 12
    with solara.Card(f"Turn {turn} of {game.turns}", classes=["ssr-turn-card"]) as card:
        solara.Text(f"Year {game.model.month / 12:.0f} · reform index {game.model.indicators['reform_index']:.2f}",
                    classes=["ssr-turn-status"])
        ChoiceRow(game, 1, first, first_target)
        ChoiceRow(game, 2, second, second_target)
        last = turn == game.turns
        solara.Button("Decide: " + ("finish and run to the horizon" if last else
                                    f"advance {years:g} year{'s' if years != 1 else ''}"),
                      color="primary", on_click=decide, classes=["ssr-decide"])
        if error.value:
            solara.Error(error.value, classes=["ssr-error"])
        DecisionList(game)
    return card


@solara.component
def DecisionList(game: Workshop) -> solara.Element:
    with solara.Column(gap="2px", classes=["ssr-decisions"]) as column:
        for d in game.decisions:
            solara.Text(f"T{d.turn} · year {d.month / 12:.0f} · {d.choice.describe()} — {d.effect}",
                        style={"font-size": "0.8em"})
    return column


@solara.component
def GameCharts(game: Workshop, revision: int) -> solara.Element:
    """The goal, then the team's run so far, with each turn's decisions marked on the time axis."""
    model, marks = game.model, decision_marks(game)
    with solara.Column() as column:
        solara.Info(f"Goal. {goal_text(game.scenario)}", classes=["ssr-goal"])
        with solara.Columns([1, 1]):
            IndicatorChart(model, model.month, marks)
            ContextChart(model, model.month, marks)
        with solara.Columns([1, 1]):
            PillarChart(model, model.month)
            NetworkView(model, model.month)
    return column


def outcome_figure(result: Outcome) -> Figure:
    """Each shipped strategy's runs (dots) and the team's result (line) on de facto progress."""
    figure = Figure(figsize=(6.4, 3.0), dpi=80)
    figure.subplots_adjust(left=0.2, right=0.97, bottom=0.17, top=0.9)
    axes = figure.add_subplot()
    strategies = list(dict.fromkeys(result.comparison["strategy"]))
    for row, name in enumerate(strategies):
        values = result.comparison.loc[result.comparison["strategy"] == name, "final_mean_de_facto"]
        axes.scatter(values, np.full(len(values), row), color="#1f4e9a", alpha=0.7)
    axes.axvline(result.values["final_mean_de_facto"], color="#7a3db8", linewidth=2.5, label="your path")
    axes.set_yticks(range(len(strategies)), [s.replace("_", " ") for s in strategies], fontsize=8)
    axes.set_xlabel("final de facto progress (mean over pillars)", fontsize=8)
    axes.set_title("Your path against the shipped strategies, same scenario and seeds", fontsize=10, loc="left")
    axes.legend(fontsize=8, loc="best")
    axes.grid(alpha=0.25)
    return figure


TABLE_COLUMNS = ("strategy", "median de facto progress", "median reform index", "success rate")


def strategy_table(comparison: pd.DataFrame) -> str:
    """HTML table: each strategy's median outcomes and success rate over the seeds; one header
    row, each header aligned as its column's values (names left, numbers right)."""
    table = comparison.groupby("strategy", sort=False).agg(
        de_facto=("final_mean_de_facto", "median"), reform_index=("final_reform_index", "median"),
        success=("reform_success", "mean"))

    def cell(tag: str, text: str, number: bool) -> str:
        return (f'<{tag} style="text-align: {"right" if number else "left"}; padding: 2px 10px; '
                f'vertical-align: bottom{"" if number else "; white-space: nowrap"}">{html.escape(text)}</{tag}>')

    header = "".join(cell("th", name, position > 0) for position, name in enumerate(TABLE_COLUMNS))
    rows = "".join("<tr>" + cell("td", name.replace("_", " "), False)
                   + "".join(cell("td", f"{value:.2f}", True) for value in values) + "</tr>"
                   for name, values in zip(table.index, table.to_numpy()))
    return (f'<table class="ssr-strategy-table" style="border-collapse: collapse"><thead><tr>{header}</tr></thead>'
            f"<tbody>{rows}</tbody></table>")


@solara.component
def OutcomeView(game: Workshop, on_new: Callable[[], None]) -> solara.Element:
    """The end screen; the comparison runs may still be finishing in the background."""
    task = solara.lab.use_task(lambda: outcome(game, comparison_runs(game.scenario, game.seeds)),
                               dependencies=[game])
    with solara.Column(classes=["ssr-outcome"]) as column:
        if not task.finished:
            solara.Info("Comparing your path with the shipped strategies…")
            solara.ProgressLinear(True)
            return column
        result: Outcome = task.value
        (solara.Success if result.success else solara.Warning)(f"{game.team} — {result.headline()}",
                                                               classes=["ssr-outcome-headline"])
        with solara.Row(classes=["ssr-outcome-actions"]):
            solara.FileDownload(game.decision_log_csv(), filename=game.decision_log_filename(), mime_type="text/csv",
                                label="Download the decision log (CSV)")
            solara.Button("New workshop", color="primary", outlined=True, on_click=on_new, classes=["ssr-new"])
        seeds = f"seeds {game.seeds[0]}–{game.seeds[-1]}" if len(game.seeds) > 1 else f"seed {game.seeds[0]}"
        details = "; ".join(f"{label} {result.values[m]:.2f} ({result.percentiles[m]:.0f}th percentile)"
                            for m, label in OUTCOME_MEASURES.items())
        solara.Text(f"At year {game.model.month / 12:.0f}: {details}. Compared with "
                    f"{len(result.comparison)} runs of the shipped strategies on {seeds}. {goal_text(game.scenario)}")
        with solara.Columns([1, 1]):
            solara.Image(png(outcome_figure(result)), format="png")
            solara.HTML(tag="div", unsafe_innerHTML=strategy_table(result.comparison))
        with solara.Columns([1, 1]):
            IndicatorChart(game.model, game.model.month, decision_marks(game))
            with solara.Column():
                solara.Text("Your decisions", style={"font-weight": "bold"})
                DecisionList(game)
    return column


@solara.component
def WorkshopPage() -> solara.Element:
    """Set-up, then turns, then the outcome; ``revision`` re-renders after each turn (the game is mutable)."""
    game = solara.use_reactive(None)
    revision = solara.use_reactive(0)
    with solara.Column() as page:
        with solara.Sidebar():
            ModeLinks()
            if game.value is None:
                SetupCard(on_start=game.set)
            elif not game.value.finished:
                # The turn is passed (and keys the card): the sidebar's portal only refreshes
                # for changed arguments, and a mutated game is the same argument. A fresh card
                # also clears last turn's picks.
                TurnCard(game.value, game.value.turn, on_played=lambda: revision.set(revision.value + 1)).key(
                    f"turn-{game.value.turn}")
        if game.value is None:
            solara.Info("A turn-based game for a room: each turn, pick one or two interventions; the model then "
                        "advances to the next decision point. At the end your path is set against the shipped "
                        "strategies on the same scenario and seeds.")
        elif game.value.finished:
            OutcomeView(game.value, on_new=lambda: game.set(None))
        else:
            GameCharts(game.value, revision.value)
    return page
