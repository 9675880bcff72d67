"""ssr-sim: agent-based simulation of security-sector reform in fragile states.

Public API::

    from sim import ReformModel, load_scenario
    model = ReformModel(load_scenario("scenarios/baseline.yaml"), rng=7)
    model.run()
    df = model.datacollector.get_model_vars_dataframe()
    summary = model.summary()
"""

from .agents import CivilSociety, Donor, Ministry, Parliament, SecurityForce, Spoiler
from .fields import HEADLINE_INDICATORS, PILLARS, ScenarioError
from .model import ReformModel
from .scenario import Scenario, load_scenario, load_scenario_data, scenario_from_dict
from .strategy import Strategy, load_strategy_file, shipped_strategies

__version__ = "0.1.0"

__all__ = [
    "HEADLINE_INDICATORS", "PILLARS", "CivilSociety", "Donor", "Ministry", "Parliament", "ReformModel",
    "Scenario", "ScenarioError", "SecurityForce", "Spoiler", "Strategy", "load_scenario",
    "load_scenario_data", "load_strategy_file", "scenario_from_dict", "shipped_strategies",
]
