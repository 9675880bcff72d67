"""ssr-sim: agent-based simulation of security-sector reform in fragile states.

Public API::

    from sim import ReformBatch, ReformModel, load_scenario, resolve_scenario
    model = ReformModel(load_scenario("scenarios/baseline.yaml"), rng=7)
    model.run()
    df = model.datacollector.get_model_vars_dataframe()
    summary = model.summary()

    # many seeds at once on the batch engine, each run's numbers those of ReformModel(..., rng=seed):
    runs = run_seeds(resolve_scenario("baseline", "adaptive"), range(200), record=["violence"])
    runs.summaries[0], runs.series["violence"]      # summaries, and (months + 1, runs) series
"""

from .agents import CivilSociety, Donor, Ministry, Parliament, SecurityForce, Spoiler
from .fields import HEADLINE_INDICATORS, PILLARS, ScenarioError
from .dynamics import ReformBatch, SeedRuns, run_seeds
from .model import ReformModel, resolve_scenario
from .scenario import Scenario, load_scenario, load_scenario_data, scenario_from_dict
from .strategy import Strategy, load_strategy_file, shipped_strategies

__version__ = "0.1.0"

__all__ = [
    "HEADLINE_INDICATORS", "PILLARS", "CivilSociety", "Donor", "Ministry", "Parliament", "ReformBatch", "ReformModel",
    "Scenario", "ScenarioError", "SecurityForce", "Spoiler", "Strategy", "load_scenario",
    "load_scenario_data", "load_strategy_file", "resolve_scenario", "run_seeds", "scenario_from_dict", "SeedRuns", "shipped_strategies",
]
