"""The validation report: every target pattern and every shipped scenario, with the numbers of single runs."""

from __future__ import annotations

import numpy as np

from sim import ReformModel, load_scenario
from sim.model import resolve_scenario
from sim.scenario import shipped_scenario_names
from sim.validation import _hysteresis, _runs, main


def test_validation_report_is_written(tmp_path):
    out = tmp_path / "validation.md"
    assert main(["--seeds", "1", "--workers", "2", "--out", str(out)]) == 0
    text = out.read_text()
    for heading in ("T1. Pace of the fastest reformers", "T2. The Big Stuck", "T3. Conflict relapse",
                    "(b) Corruption bistability", "(c) Premature load bearing", "(d) Successful reform"):
        assert heading in text
    assert "| military out of politics | 17 |" in text
    headline = text[text.index("## Final headline indicators by scenario"):]
    assert [line.split("|")[1].strip() for line in headline.splitlines() if line.startswith("| ")][1:] == \
        shipped_scenario_names()


def test_a_task_gives_the_numbers_of_single_runs():
    """Each scenario x strategy task runs its seeds together; every row is that seed's run alone."""
    rows = _runs(("reforming_state", "adaptive", range(3, 5)))
    for row in rows:
        model = ReformModel(resolve_scenario("reforming_state", "adaptive"), rng=row["seed"])
        model.run()
        alone = model.summary()
        np.testing.assert_equal({key: row[key] for key in alone}, alone)  # bit for bit, NaN == NaN
        assert row["initial_reform_index"] == model.datacollector.get_model_vars_dataframe()["reform_index"].iloc[0]


def test_hysteresis_reads_the_end_of_the_push_and_ten_years_later():
    """A push from year 5 to 10 on a 20-year run: month 120, then month 240 = ten years after."""
    table = _hysteresis(2)
    strong = table[table["push strength (5 years)"] == 0.6].iloc[0]
    events = [{"kind": "anticorruption_push", "start_year": 5.0, "duration_years": 5.0, "strength": 0.6}]
    scenario = resolve_scenario(load_scenario("baseline", {"events": events, "horizon_years": 20}), "status_quo")
    series = []
    for seed in range(2):
        model = ReformModel(scenario, rng=seed)
        model.run()
        series.append(model.datacollector.get_model_vars_dataframe()["corruption_control"].to_numpy())
    series = np.array(series)
    assert series.shape[1] == 241
    assert strong["corruption control when the push ends"] == series[:, 120].mean()
    assert strong["10 years after"] == series[:, 240].mean()
