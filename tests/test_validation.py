"""The validation report: every target pattern and every shipped scenario, with the numbers of single
runs; the success map over initial corruption x political will."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim import ReformModel, load_scenario, shipped_strategies
from sim.experiments.stats import wilson_ci
from sim.model import resolve_scenario
from sim.scenario import member_value, shipped_scenario_names
from sim.calibration.abc import PREDICTIVE_STREAM, ParticleSimulator, load_calibration
from sim.validation import (CORRUPTION_PATHS, MAP_CORRUPTION, MAP_STRATEGIES, MAP_WILL, WILL_PATH, Task, _hysteresis,
                            _dealt, _map_table, _runs, _undealt, calibration_targets, main, map_tasks, success_map)

from .calibration.conftest import TINY_PARAMETERS, tiny_calibration, tiny_files  # noqa: F401 (a fixture)


def _table_rows(section: str) -> list[list[str]]:
    """The cells of a Markdown table's body rows (header and rule skipped)."""
    rows = [line for line in section.splitlines() if line.startswith("|")][2:]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]


def test_validation_report_is_written(tmp_path, tiny_files):
    calibration_file = tiny_calibration(tmp_path, tiny_files)
    posterior = tmp_path / "posterior.csv"
    draws = pd.DataFrame({"draw": [0, 1], TINY_PARAMETERS[0]: [0.012, 0.02], TINY_PARAMETERS[1]: [0.006, 0.012]})
    draws.to_csv(posterior, index=False)
    out = tmp_path / "validation.md"
    assert main(["--seeds", "1", "--map-seeds", "2", "--relapse-seeds", "40", "--workers", "2", "--out", str(out),
                 "--calibration", str(calibration_file), "--posterior", str(posterior)]) == 0
    text = out.read_text()
    for heading in ("Outcome measures", "Calibration targets on synthetic populations: fitted, held out, constraints",
                    "T2. The Big Stuck",
                    "T3. Conflict relapse", "(b) Corruption bistability", "(c) Premature load bearing",
                    "(d) Successful reform", "(e) Success per indicator", "Where success is possible"):
        assert heading in text
    assert "--seeds 1 --map-seeds 2 --relapse-seeds 40` (" in text
    # The calibrated targets: fitted apart from held out, each model median that of the draws
    # simulated here independently (draw k on stream PREDICTIVE_STREAM + 1 + k).
    calibration = load_calibration(calibration_file)
    section = text[text.index("## Calibration targets on synthetic populations"):text.index("## T2. The Big Stuck")]
    fitted = _table_rows(section[section.index("### Fitted"):section.index("### Held out of the fit")])
    held_out = _table_rows(section[section.index("### Held out of the fit"):section.index("### Constraints")])
    assert [row[0] for row in fitted] == [t.name for t in calibration.fitted]
    assert [row[0] for row in held_out] == [t.name for t in calibration.held_out]
    statistics = [ParticleSimulator(calibration, PREDICTIVE_STREAM + 1 + k)(dict(zip(TINY_PARAMETERS, values)))
                  for k, values in enumerate(draws[TINY_PARAMETERS].to_numpy().tolist())]
    for row in fitted:
        expected = np.nanmedian([s[row[0]] for s in statistics])
        assert row[2] == f"{expected:.3g}", row
    relapse = text[text.index("Reform against the status quo, paired on 40 seeds"):text.index("Relapse in years 3-10")]
    assert [row[0] for row in _table_rows(relapse)] == [k for k in shipped_strategies() if k != "status_quo"]
    per_indicator = text[text.index("### (e) Success per indicator"):text.index("## Where success is possible")]
    rows = _table_rows(per_indicator)
    assert [(row[0], row[1]) for row in rows] == [(s, k) for s in shipped_scenario_names()
                                                  for k in sorted({row[1] for row in rows})]
    assert all(len(row) == 11 for row in rows)
    success_map_text = text[text.index("## Where success is possible"):text.index("## Final headline indicators")]
    for strategy in MAP_STRATEGIES:
        section = success_map_text[success_map_text.index(f"### {strategy}"):]
        rows = _table_rows(section.split("\n\n")[1])
        assert [row[0] for row in rows] == [f"{c:g}" for c in MAP_CORRUPTION]
        assert all(len(row) == 1 + len(MAP_WILL) for row in rows)
        assert "Highest initial corruption where success is more likely than not" in section
    headline = text[text.index("## Final headline indicators by scenario"):]
    assert [row[0] for row in _table_rows(headline)] == shipped_scenario_names()


def test_without_a_posterior_the_targets_are_read_at_the_documented_values(tmp_path, tiny_files):
    calibration_file = tiny_calibration(tmp_path, tiny_files)
    lines = calibration_targets(calibration_file, None, 3, workers=1)
    text = "\n".join(lines)
    assert "Every coefficient at its documented value" in text and "each of 3 populations" in text
    calibration = load_calibration(calibration_file)
    documented = {prior.path: prior.default for prior in calibration.priors}
    statistics = [ParticleSimulator(calibration, PREDICTIVE_STREAM + 1 + k)(documented) for k in range(3)]
    fitted = _table_rows(text[text.index("### Fitted"):text.index("### Held out of the fit")])
    for row in fitted:
        assert row[2] == f"{np.nanmedian([s[row[0]] for s in statistics]):.3g}", row


def test_tasks_run_together_give_the_numbers_of_single_runs():
    """A chunk's tasks (scenarios x strategies, some sharing a layout) run their seeds together;
    every row is that seed's run alone, under its own task's labels."""
    tasks = [Task("reforming_state", "adaptive", range(3, 5)), Task("post_conflict", "status_quo", range(1)),
             Task("reforming_state", "big_bang", range(2, 3))]
    per_task = _runs(tasks)
    assert [len(rows) for rows in per_task] == [2, 1, 1]
    for task, rows in zip(tasks, per_task):
        assert [(row["scenario"], row["strategy"], row["seed"]) for row in rows] == \
            [(task.scenario, task.strategy, seed) for seed in task.seeds]
        for row in rows:
            model = ReformModel(resolve_scenario(task.scenario, task.strategy), rng=row["seed"])
            model.run()
            alone = model.summary()
            np.testing.assert_equal({key: row[key] for key in alone}, alone)  # bit for bit, NaN == NaN
            assert row["initial_reform_index"] == model.datacollector.get_model_vars_dataframe()["reform_index"].iloc[0]


@pytest.mark.parametrize("tasks, workers", [(7, 2), (7, 3), (2, 4), (1, 1)])
def test_tasks_dealt_to_workers_come_back_in_their_order(tasks, workers):
    listed = [Task("baseline", f"strategy_{k}", range(k, k + 2)) for k in range(tasks)]
    chunks = _dealt(listed, workers)
    assert len(chunks) == min(tasks, workers) and sorted(t.strategy for c in chunks for t in c) == \
        sorted(t.strategy for t in listed)
    results = [[[{"task": task.strategy, "seed": seed} for seed in task.seeds] for task in chunk] for chunk in chunks]
    assert _undealt(iter(results), tasks) == [{"task": t.strategy, "seed": s} for t in listed for s in t.seeds]


def test_map_cells_set_corruption_everywhere_and_will():
    """A cell's overrides reach every member of the three corruptible actor types (no member masks
    the type-level value) and the ministries' will; each row is the overridden scenario's run alone."""
    tasks = map_tasks(2)
    assert len(tasks) == len(MAP_STRATEGIES) * len(MAP_CORRUPTION) * len(MAP_WILL)
    task = next(t for t in tasks if dict(t.overrides) == {**dict.fromkeys(CORRUPTION_PATHS, 0.65), WILL_PATH: 0.8})
    scenario = load_scenario("baseline", dict(task.overrides))
    for path in (*CORRUPTION_PATHS, WILL_PATH):
        _, kind, field = path.split(".")
        block = getattr(scenario.actors, kind)
        assert {member_value(block, member, field) for member in block.members} == {dict(task.overrides)[path]}
    [rows] = _runs([task])
    assert [row["seed"] for row in rows] == [0, 1]
    for row in rows:
        assert row[CORRUPTION_PATHS[0]] == 0.65 and row[WILL_PATH] == 0.8
        alone = ReformModel(scenario, strategy=task.strategy, rng=row["seed"]).run().summary()
        np.testing.assert_equal({key: row[key] for key in alone}, alone)


def _grid(successes: dict[tuple[float, float], int], runs: int = 10) -> pd.DataFrame:
    """Map rows for one strategy: in cell (corruption, will), the first ``successes`` runs succeed."""
    rows = []
    for corruption in MAP_CORRUPTION:
        for will in MAP_WILL:
            k = successes.get((corruption, will), 0)
            rows += [{"strategy": "adaptive", CORRUPTION_PATHS[0]: corruption, WILL_PATH: will,
                      "reform_success": i < k, "reform_index_auc": 0.5 if i < k else 0.3} for i in range(runs)]
    return pd.DataFrame(rows)


def test_success_map_counts_each_cell_with_its_interval():
    cells = success_map(_grid({(0.35, 0.8): 10, (0.5, 0.8): 6, (0.65, 0.2): 1}))
    assert len(cells) == len(MAP_CORRUPTION) * len(MAP_WILL) and (cells["runs"] == 10).all()
    cell = cells.set_index(["corruption", "will"]).loc[(0.5, 0.8)]
    assert cell["successes"] == 6 and cell["success"] == 0.6
    assert (cell["ci_low"], cell["ci_high"]) == wilson_ci(6, 10)
    assert cell["reform_index_auc"] == pytest.approx(0.6 * 0.5 + 0.4 * 0.3)


def test_map_table_marks_where_success_is_likely_and_states_the_boundary():
    """Bold only where the Wilson interval lies above one half (10/10 but not 6/10); the boundary
    sentence names, per will, the highest corruption with likely success and with any success."""
    lines = _map_table(success_map(_grid({(0.35, 0.8): 10, (0.5, 0.8): 6, (0.65, 0.2): 1})))
    rows = _table_rows("\n".join(lines))
    assert rows[0] == ["0.35", "0% · 0.30", "0% · 0.30", "0% · 0.30", "**100% · 0.50**"]
    assert rows[2][-1] == "60% · 0.42" and rows[4][1] == "10% · 0.32"
    boundary = next(line for line in lines if line.startswith("Highest"))
    assert boundary.endswith("more likely than not: none at will 0.2, none at will 0.4, none at will 0.6, 0.35 at "
                             "will 0.8; where any run succeeded: 0.65 at will 0.2, none at will 0.4, none at will "
                             "0.6, 0.5 at will 0.8.")


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
