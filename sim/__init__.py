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

The names load on first use (SPEC 1, ``lazy_loader``): importing ``sim`` loads neither numpy
nor Mesa, so the ``ssr-sim`` entry point (:mod:`sim.launch`) can catch Ctrl-C while they load.
"""

import lazy_loader

__version__ = "0.1.0"

__getattr__, __dir__, __all__ = lazy_loader.attach(__name__, submod_attrs={
    "agents": ["CivilSociety", "Donor", "Ministry", "Parliament", "SecurityForce", "Spoiler"],
    "fields": ["HEADLINE_INDICATORS", "PILLARS", "ScenarioError"],
    "dynamics": ["ReformBatch", "SeedRuns", "run_seeds"],
    "model": ["ReformModel", "resolve_scenario"],
    "scenario": ["Scenario", "load_scenario", "load_scenario_data", "scenario_from_dict"],
    "strategy": ["Strategy", "load_strategy_file", "shipped_strategies"],
})
