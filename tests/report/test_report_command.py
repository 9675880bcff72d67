"""`ssr-sim report`: the page and figures of a real sweep, and folders it must refuse or report
with care (failures, an interrupted sweep, not a results folder, runs of another model)."""

from __future__ import annotations

import json
import re
import shutil

import pandas as pd
import pytest

from sim.cli import main
from sim.sweep import NOT_REACHED


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err, err
    return err


def test_report_is_self_contained_with_every_figure(grid_folder, capsys):
    assert main(["report", str(grid_folder)]) == 0
    page = (grid_folder / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing fetched from elsewhere
    figures = sorted(p.stem for p in (grid_folder / "figures").glob("*.png"))
    assert {p.stem for p in (grid_folder / "figures").glob("*.svg")} == set(figures)
    for family in ("fan_baseline", "forest", "time_to_threshold_baseline", "grid_corruption_political_will",
                   "network_baseline"):
        assert family in figures
    assert page.count("data:image/png;base64,") == len(figures)
    text = (grid_folder / "report.md").read_text(encoding="utf-8")
    assert all(f"figures/{name}.png" in text for name in figures)
    for phrase in ("What was run", "How to reproduce", "ssr-sim sweep", "**Rank**", "censored", "status_quo"):
        assert phrase in text


def test_sampled_design_gets_sensitivity_and_discovery(sobol_folder):
    assert main(["report", str(sobol_folder)]) == 0
    figures = {p.stem for p in (sobol_folder / "figures").glob("*.png")}
    assert {"sobol_baseline_adaptive", "discovery_baseline_adaptive"} <= figures
    assert not any(name.startswith(("grid_", "fan_", "morris_")) for name in figures)
    assert "chance" in (sobol_folder / "report.md").read_text(encoding="utf-8")


def test_summary_csv_says_not_reached_instead_of_inf(grid_folder):
    written = pd.read_csv(grid_folder / "summary.csv")
    medians = written["median_years_to_threshold_reform_index"].astype(str)
    assert "inf" not in set(medians)
    assert (medians == NOT_REACHED).any()  # the status quo never reaches 0.6 in 12 years
    assert {"relapse_within_10_years", "relapse_within_horizon"} <= set(written.columns)


def test_failures_and_an_interrupted_sweep_still_get_a_report(grid_folder, tmp_path, capsys):
    folder = tmp_path / "stopped"
    shutil.copytree(grid_folder, folder)
    (folder / "shards" / "runs").mkdir(parents=True)
    runs = pd.read_parquet(folder / "runs.parquet")
    runs.iloc[:20].to_parquet(folder / "runs.parquet")
    runs.iloc[20:40].to_parquet(folder / "shards" / "runs" / "part-00000001.parquet")
    lost = runs.iloc[40]
    record = {"run_key": lost["run_key"], "design_index": int(lost["design_index"]),
              "replication": int(lost["replication"]), "seed": int(lost["seed"]), "params": {},
              "error": "ValueError: boom", "traceback": "Traceback ...\nValueError: boom"}
    (folder / "failures.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["sessions"][-1]["status"] = "interrupted"
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert main(["report", str(folder)]) == 0
    text = (folder / "report.md").read_text(encoding="utf-8")
    assert "40 runs, **not finished**" in text and "--resume" in text
    assert "## Failures" in text and "ValueError: boom" in text


@pytest.mark.parametrize("case", ["empty", "missing", "bad_manifest", "bad_runs", "other_model", "bad_reference"])
def test_folders_that_are_not_reportable_are_one_line(case, grid_folder, tmp_path, capsys):
    folder = tmp_path / "folder"
    folder.mkdir()
    arguments = []
    if case == "missing":
        folder = tmp_path / "nowhere"
    elif case in ("bad_manifest", "bad_runs", "other_model"):
        shutil.copy(grid_folder / "manifest.json", folder / "manifest.json")
        if case == "bad_manifest":
            (folder / "manifest.json").write_text("{not json", encoding="utf-8")
        elif case == "bad_runs":
            (folder / "runs.parquet").write_bytes(b"PAR1 not really")
        else:
            pd.DataFrame({"design_index": [0], "replication": [0], "run_key": ["k"], "x": [1.0]}).to_parquet(
                folder / "runs.parquet")
    elif case == "bad_reference":
        folder, arguments = grid_folder, ["--reference", "nonsense"]
    assert main(["report", str(folder), *arguments]) == 2
    line = one_error_line(capsys)
    assert str(folder) in line or "nonsense" in line
