"""Explore mode: the reform model under Mesa's run controls, with a scenario card beside it.

Mesa's ModelController supplies Reset, play/pause and Step; Reset rebuilds the model from
the parameters the lever card holds, so a run can be replayed with one lever moved and the
same seed, as in every Mesa app. The rest is laid out here rather than by SolaraViz, whose
page also brings pieces a facilitator cannot interpret ("Page 0" tab, "Use Threads", an
"Information: Step" card) and sliders that do not show their values: here every slider's
label carries its value, and the controls are named in the app's words. A different
scenario, strategy or seed means fresh controls (they are keyed on them); the levers then
start at the new scenario's own values.

The path boxes take only the shipped scenario and strategy files; a file of the user's own is
dropped on the card instead (:mod:`sim.app.sources`). Bad input (a path outside the shipped
folders, an invalid or oversized upload) shows the ScenarioError message in the card and leaves
the current run alone.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import solara
from mesa.visualization.solara_viz import ModelController, make_initial_grid_layout
from mesa.visualization.utils import update_counter

from sim import ScenarioError

from .charts import live_chart
from .navigation import ModeLinks
from .network_view import network_figure
from .scenario_picker import SCENARIO_PATH_LABEL, STRATEGY_PATH_LABEL, ScenarioPicker
from .setup import OWN_STRATEGY, SCENARIO_LEVERS, SHIPPED_STRATEGIES, AppModel, load_base_scenario
from .sources import Upload
from .upload_drop import UploadDrop

DEFAULT_SCENARIO = "post_conflict"
DEFAULT_SEED = 7
PLAY_DELAY_MS = 30


@dataclass(frozen=True)
class Picks:
    """What the scenario card holds: an upload, else a path box's entry, wins over the picker beside it
    (each pick clears the ones above it)."""

    scenario: str = DEFAULT_SCENARIO
    scenario_file: str = ""
    scenario_upload: Upload | None = None
    strategy: str = OWN_STRATEGY
    strategy_file: str = ""
    strategy_upload: Upload | None = None

    def scenario_source(self) -> str | Upload:
        return self.scenario_upload or self.scenario_file.strip() or self.scenario

    def strategy_source(self) -> str | Upload:
        return self.strategy_upload or self.strategy_file.strip() or self.strategy


def model_parameters(model: AppModel) -> dict[str, Any]:
    """What Reset rebuilds the run from: the scenario and seed, and each lever that applies at its setting."""
    levers = {key: float(value) for key, value in model.lever_settings.items() if value is not None}
    return {"base_scenario": model.base_scenario, "rng": model.seed, **levers}


def follow_steps(element: solara.Element, trait: str, value: Callable[[], Any], dependencies: list[Any]) -> None:
    """After every step Mesa's controls make (Step, or a frame of Play), set ``trait`` of ``element``'s
    widget to ``value()``, in the thread that stepped.

    Why not re-render: a component that reads Mesa's update counter makes each frame a render pass,
    and Solara's pass walks and diffs the whole Explore page (sidebar, cards, sliders: about 140
    elements), which cost the server about 15 ms a frame, as much as drawing the four panels.
    Setting the widget's value sends the browser the same update without the pass.

    When ``dependencies`` change (Reset, a new run), the follower of the old run may still be
    setting its last frame: a lock the old and the new follower share, and a redraw by the new one
    once the old one has stopped, keep the old run's frame from staying on the screen."""
    lock = solara.use_memo(threading.Lock, dependencies=[])

    def subscribe() -> Callable[[], None]:
        widget = solara.get_widget(element)
        following = True

        def follow(_count: int) -> None:
            with lock:
                if following:
                    setattr(widget, trait, value())

        def stop() -> None:
            nonlocal following
            with lock:
                following = False
            unsubscribe()

        with lock:
            setattr(widget, trait, value())
        unsubscribe = update_counter.subscribe(follow)
        return stop

    solara.use_effect(subscribe, dependencies)


def network_png(model: AppModel) -> bytes:
    return network_figure(model).render(model.state.stance)


def indicators_png(model: AppModel) -> bytes:
    return live_chart(model, "indicators").render(model)


def pillars_png(model: AppModel) -> bytes:
    return live_chart(model, "pillars").render(model)


def context_png(model: AppModel) -> bytes:
    return live_chart(model, "context").render(model)


#: The panels, each drawn by a function of the model, and the CSS class its image carries.
PANELS: tuple[tuple[Callable[[AppModel], bytes], str], ...] = (
    (network_png, "ssr-network"), (indicators_png, "ssr-indicators"), (pillars_png, "ssr-pillars"),
    (context_png, "ssr-context"))


@solara.component
def LivePanel(model: AppModel, draw: Callable[[AppModel], bytes], css_class: str) -> solara.Element:
    """A panel's image of the run as it is, redrawn after every step (:func:`follow_steps`)."""
    image = solara.Image(draw(model), format="png", classes=[css_class])
    follow_steps(image, "value", lambda: draw(model), [model, draw])
    return image


@solara.component
def Panels(model: AppModel) -> solara.Element:
    """The network and the charts in a grid the room can rearrange; each redrawn after every step."""
    layout = solara.use_reactive(make_initial_grid_layout(len(PANELS)))
    return solara.GridDraggable(items=[LivePanel(model, draw, css_class) for draw, css_class in PANELS],
                                grid_layout=layout.value, resizable=True, draggable=True, on_grid_layout=layout.set)


@solara.component
def RunCard(model: solara.Reactive[AppModel], parameters: solara.Reactive[dict[str, Any]]) -> solara.Element:
    """Mesa's Reset / play / Step, and how fast play goes, each slider showing its value."""
    delay = solara.use_reactive(PLAY_DELAY_MS)
    months_per_frame = solara.use_reactive(1)
    same_thread = solara.use_reactive(False)   # ModelController reads ``.value`` of each of its settings
    with solara.Card("Run", classes=["ssr-run-card"]) as card:
        ModelController(model, model_parameters=parameters, play_interval=delay, render_interval=months_per_frame,
                        use_threads=same_thread)
        solara.SliderInt(f"Pause between frames when playing: {delay.value} ms", value=delay, min=10, max=500,
                         step=10)   # Mesa's "play interval"
        solara.SliderInt(f"Months per frame: {months_per_frame.value}", value=months_per_frame, min=1,
                         max=24)   # Mesa's "render interval"
    return card


@solara.component
def LeverCard(parameters: solara.Reactive[dict[str, Any]]) -> solara.Element:
    """A slider per lever that applies to this scenario, starting at the scenario's value."""
    def move(key: str, value: float) -> None:
        parameters.set({**parameters.value, key: value})

    with solara.Card("Levers", classes=["ssr-lever-card"]) as card:
        for lever in SCENARIO_LEVERS:
            if lever.key in parameters.value:
                value = parameters.value[lever.key]
                solara.SliderFloat(lever.labelled(value), value=value, min=lever.low, max=lever.high, step=lever.step,
                                   on_value=lambda moved, key=lever.key: move(key, moved))
        # Plain text, not solara.Markdown: Markdown fetches KaTeX, which solara-assets does not ship.
        solara.Text("Move a lever, then press Reset: the run restarts with the same seed.",
                    style={"font-size": "0.85em"})
    return card


@solara.component
def ExploreControls(model: solara.Reactive[AppModel]) -> solara.Element:
    """The run controls and the levers, sharing the parameters Reset rebuilds from."""
    parameters = solara.use_reactive(model_parameters(model.value))
    with solara.Column() as column:
        RunCard(model, parameters)
        LeverCard(parameters)
    return column


def run_status(model: AppModel) -> str:
    """One line on where the run is."""
    phase = model.strategy.phases[model.phase_index].name
    return (f"Month {model.month} (year {model.month / 12:.1f}) · phase {phase} · reform index "
            f"{model.indicators['reform_index']:.2f} · political will {model.indicators['political_will']:.2f}")


@solara.component
def RunStatus(model: AppModel) -> solara.Element:
    """The run status line, rewritten after every step (:func:`follow_steps`)."""
    text = solara.Text(run_status(model), classes=["ssr-run-status"])
    follow_steps(text, "children", lambda: [run_status(model)], [model])
    return text


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

    def pick(**change: object) -> None:
        rebuild(replace(picks.value, **change), model.value.seed, keep_levers=False)

    chosen = picks.value
    with solara.Card("Scenario", classes=["ssr-scenario-card"]):
        ScenarioPicker(chosen.scenario,
                       on_value=lambda name: pick(scenario=name, scenario_file="", scenario_upload=None))
        solara.InputText(SCENARIO_PATH_LABEL, value=chosen.scenario_file, continuous_update=False,
                         on_value=lambda path: pick(scenario_file=path, scenario_upload=None))
        UploadDrop("scenario", on_upload=lambda upload: pick(scenario_upload=upload, scenario_file=""),
                   on_error=error.set, css_class="ssr-scenario-upload"
                   ).key(f"scenario-upload-{chosen.scenario_upload is None}")   # cleared: the label again
        solara.Select("Strategy", values=[OWN_STRATEGY, *SHIPPED_STRATEGIES], value=chosen.strategy,
                      on_value=lambda name: pick(strategy=name, strategy_file="", strategy_upload=None))
        solara.InputText(STRATEGY_PATH_LABEL, value=chosen.strategy_file, continuous_update=False,
                         on_value=lambda path: pick(strategy_file=path, strategy_upload=None))
        UploadDrop("strategy", on_upload=lambda upload: pick(strategy_upload=upload, strategy_file=""),
                   on_error=error.set, css_class="ssr-strategy-upload"
                   ).key(f"strategy-upload-{chosen.strategy_upload is None}")
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


@solara.component
def ExplorePage() -> solara.Element:
    """The Explore page: the scenario card, run controls and levers in the sidebar, the panels beside them."""
    initial = solara.use_memo(lambda: AppModel(load_base_scenario(DEFAULT_SCENARIO), rng=DEFAULT_SEED),
                              dependencies=[])
    picks = solara.use_reactive(Picks())
    model = solara.use_reactive(initial)
    generation = solara.use_reactive(0)
    with solara.Column() as page:
        with solara.AppBar():
            solara.AppBarTitle("ssr-sim · explore")
        with solara.Sidebar():
            ModeLinks()
            ScenarioCard(picks, model, generation)
            ExploreControls(model).key(f"controls-{generation.value}")
        Panels(model.value)
    return page
