"""The command line: outputs, exit codes and messages for bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from sim import ReformModel, load_scenario, resolve_scenario
from sim.cli import main
from sim.scenario import SCENARIO_DIR


def test_run_writes_results_and_prints_summary(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "baseline", "--seed", "7", "--years", "5", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "baseline · strategy security_first · seed 7" in printed and "final corruption control" in printed
    assert {p.name for p in out.iterdir()} == {"timeseries.parquet", "timeseries.csv", "events.csv", "summary.json",
                                               "plot.png"}
    record = json.loads((out / "summary.json").read_text())
    assert record["seed"] == 7 and len(record["scenario_sha256"]) == 64 and "mesa" in record["versions"]
    assert len(pd.read_parquet(out / "timeseries.parquet")) == 61
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".staging")]


def test_run_same_seed_same_numbers(tmp_path):
    for name in ("a", "b"):
        assert main(["run", "baseline", "--seed", "3", "--years", "3", "--no-plot", "--quiet",
                     "--out", str(tmp_path / name)]) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "a" / "timeseries.parquet"),
                                  pd.read_parquet(tmp_path / "b" / "timeseries.parquet"))


def test_run_with_overrides_and_strategy(tmp_path):
    out = tmp_path / "o"
    assert main(["run", "baseline", "--strategy", "adaptive", "--set", "actors.ministry.political_will=0.9",
                 "--years", "2", "--no-plot", "--quiet", "--out", str(out)]) == 0
    record = json.loads((out / "summary.json").read_text())
    assert record["strategy"] == "adaptive"
    assert record["overrides"] == {"actors.ministry.political_will": 0.9, "horizon_years": 2}
    expected = resolve_scenario(load_scenario("baseline", {"actors.ministry.political_will": 0.9,
                                                           "horizon_years": 2}), "adaptive")
    assert record["scenario_sha256"] == expected.content_hash()
    frame = pd.read_parquet(out / "timeseries.parquet")
    model = ReformModel(expected, rng=record["seed"]).run()
    assert frame["political_will"].tolist() == model.datacollector.get_model_vars_dataframe()["political_will"].tolist()
    assert frame["political_will"].iloc[0] > 0.8  # the override reached the run (the file says 0.4)


def test_seed_zero_is_a_seed(tmp_path):
    """0 is a valid seed (only years, workers and replications must be at least 1)."""
    out = tmp_path / "zero"
    assert main(["run", "baseline", "--seed", "0", "--years", "1", "--no-plot", "--quiet", "--out", str(out)]) == 0
    assert json.loads((out / "summary.json").read_text())["seed"] == 0


def test_default_folders_are_stamped_and_never_reused(tmp_path, monkeypatch):
    """Without --out, runs go to results/runs/<scenario>_<strategy>_seed<N>[_set-<digest of the
    overrides>]_<time>/ and sweeps to results/<experiment>/<time>/; a second one in the same second
    gets its own folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sim.provenance.time", SimpleNamespace(strftime=lambda _: "20260102-030405"))
    for _ in range(2):
        assert main(["run", "baseline", "--years", "1", "--no-plot", "--quiet"]) == 0
    assert sorted(p.name for p in (tmp_path / "results" / "runs").iterdir()) == [
        "baseline_security_first_seed1_set-e69a8a12_20260102-030405",  # --years 1 is an override
        "baseline_security_first_seed1_set-e69a8a12_20260102-030405_1"]
    experiment = tmp_path / "tiny.yaml"
    experiment.write_text("name: tiny\nscenarios: [baseline]\ndesign: {kind: list, points: [{horizon_years: 1}]}\n"
                          "replications: 1\nmaster_seed: 1\n")
    for _ in range(2):
        assert main(["sweep", str(experiment), "--executor", "serial", "--quiet"]) == 0
    assert sorted(p.name for p in (tmp_path / "results" / "tiny").iterdir()) == ["20260102-030405",
                                                                                  "20260102-030405_1"]
    assert (tmp_path / "results" / "tiny" / "20260102-030405_1" / "runs.parquet").is_file()


def test_refuses_to_overwrite_existing_results(tmp_path, capsys):
    out = tmp_path / "taken"
    out.mkdir()
    (out / "precious.csv").write_text("keep me")
    assert main(["run", "baseline", "--years", "1", "--out", str(out)]) == 2
    assert "refusing to overwrite" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["precious.csv"] and (out / "precious.csv").read_text() == "keep me"


@pytest.mark.parametrize("argv, message", [
    (["run", "baseline", "--seed", "-3"], "must not be negative"),
    (["run", "baseline", "--seed", "x"], "expected a whole number"),
    (["run", "baseline", "--years", "0"], "argument --years: must be at least 1, got 0"),
    (["run", "baseline", "--set", "novalue"], "--set expects KEY=VALUE"),
    (["run", "baseline", "--set", "actors.ministry.politcal_will=0.5"], "did you mean 'political_will'"),
    (["run", "baseline", "--set", "actors.ministry.political_will=2"], "is out of range"),
    (["run", "nowhere.yaml"], "file not found"),
    (["run", "baseline", "--strategy", "nope"], "strategy 'nope' not found"),
    (["frobnicate"], "invalid choice"),
    (["run"], "the following arguments are required"),
])
def test_usage_errors_exit_2_with_a_message(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_validate_reports_each_file(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nactors: {}\n")
    assert main(["validate", "scenarios/baseline.yaml"]) == 0
    # 4 ministries, army + 20 police + intelligence, 2 in parliament, 30 NGOs + 5 media, 3 donors, 2 spoilers
    assert "ok: scenarios/baseline.yaml — 'baseline', 68 actors, 5 pillars" in capsys.readouterr().out
    assert main(["validate", "scenarios/baseline.yaml", str(bad)]) == 2
    captured = capsys.readouterr()
    assert "ok: scenarios/baseline.yaml" in captured.out and f"invalid: {bad}" in captured.err


def test_validate_warns_about_masked_values_and_still_passes(tmp_path, capsys):
    masked = tmp_path / "masked.yaml"
    masked.write_text(f"extends: {SCENARIO_DIR / 'baseline.yaml'}\nname: m\nactors:\n  donor:\n"
                      "    budget: 2.0\n")
    assert main(["validate", str(masked)]) == 0
    captured = capsys.readouterr()
    assert f"ok: {masked}" in captured.out
    assert captured.err == (f"warning: {masked}: actors.donor.budget = 2.0 is set but every member overrides it "
                            "(bilateral_a, bilateral_b, multilateral), so it has no effect\n")


def test_validate_gives_no_warning_for_shipped_scenarios(capsys):
    files = sorted(str(p) for p in SCENARIO_DIR.glob("*.yaml"))
    assert main(["validate", *files]) == 0
    captured = capsys.readouterr()
    assert captured.out.count("ok: ") == len(files) == 6 and captured.err == ""  # national included
    assert captured.out.count("\n  memory: about ") == len(files)  # each states the memory it will take


def test_ministry_stance_is_a_usage_error(capsys):
    assert main(["run", "baseline", "--set", "actors.ministry.stance=0.9"]) == 2
    assert "actors.ministry.stance: a ministry has no separate stance" in capsys.readouterr().err


def test_list_names_scenarios_and_strategies(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in ("baseline", "post_conflict", "captured_state", "donor_surge", "reforming_state",
                 "security_first", "governance_first", "big_bang", "adaptive"):
        assert name in out


def test_python_dash_m_is_the_same_command():
    done = subprocess.run([sys.executable, "-m", "sim", "validate", "scenarios/nonexistent.yaml"],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "file not found" in done.stderr and "Traceback" not in done.stderr


def _into_a_closed_pipe(argv: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Run ``ssr-sim argv`` with its stdout a pipe whose reader has already gone away."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run([sys.executable, "-m", "sim", *argv], stdout=write, stderr=subprocess.PIPE,
                              text=True, cwd=cwd, timeout=300)
    finally:
        os.close(write)


def test_no_subcommand_prints_a_traceback_into_a_closed_pipe(tmp_path):
    """`ssr-sim list | head -1` and the like: every subcommand that writes to stdout stops
    quietly (status 141, as after SIGPIPE) when its reader has gone, instead of a traceback."""
    root = Path.cwd()
    sweep = tmp_path / "sweep"
    commands = {
        "list": ["list"],
        "validate": ["validate", str(root / "scenarios" / "baseline.yaml")],
        "run": ["run", "baseline", "--years", "1", "--seed", "1", "--no-plot", "--out", str(tmp_path / "run")],
        "sweep": ["sweep", str(experiment_file_for_pipe(tmp_path)), "--out", str(sweep), "--workers", "1"],
        "summarize": ["summarize", str(sweep)],
        "help": ["--help"],
    }
    for name, argv in commands.items():
        done = _into_a_closed_pipe(argv, root)
        assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr, (name, done.stderr)
        assert done.returncode in (0, 141), (name, done.returncode, done.stderr)


def experiment_file_for_pipe(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.yaml"
    path.write_text("name: pipe\nscenarios: [baseline]\nstrategies: [adaptive]\n"
                    "design: {kind: list, points: [{horizon_years: 1}]}\nreplications: 2\nmaster_seed: 1\n",
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("argv, message", [
    (["--set", "actors.ministry.politcal_will=0.7"],
     "--set actors.ministry.politcal_will=0.7: unknown field 'politcal_will' at actors.ministry — did you mean "
     "'political_will'?"),
    (["--set", "actors.ministry.political_will=1.7"], "--set actors.ministry.political_will=1.7: "),
])
def test_a_mistake_on_the_command_line_is_blamed_on_the_flag_not_the_file(tmp_path, capsys, argv, message):
    assert main(["run", "baseline", *argv, "--years", "1", "--no-plot", "--quiet",
                 "--out", str(tmp_path / "o")]) == 2
    error = capsys.readouterr().err
    assert message in error and "baseline.yaml" not in error
    assert not (tmp_path / "o").exists()


def test_a_misspelt_scenario_name_gets_a_suggestion(capsys, tmp_path):
    assert main(["run", "baselin", "--no-plot", "--quiet"]) == 2
    assert "did you mean 'baseline'?" in capsys.readouterr().err
    experiment = tmp_path / "typo.yaml"
    experiment.write_text("name: typo\nscenarios: [post_conflcit]\nmaster_seed: 1\n", encoding="utf-8")
    assert main(["sweep", str(experiment), "--dry-run"]) == 2
    error = capsys.readouterr().err
    assert f"{experiment}: scenarios: post_conflcit:" in error and "did you mean 'post_conflict'?" in error


def test_overrides_are_in_the_header_and_the_default_folder_name(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["run", "baseline", "--seed", "2", "--years", "1", "--set", "actors.ministry.political_will=0.8",
                 "--no-plot"]) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert "actors.ministry.political_will=0.8" in header and "horizon_years=1" in header
    plain = main(["run", "baseline", "--seed", "2", "--years", "1", "--no-plot", "--quiet"])
    folders = sorted(p.name for p in (tmp_path / "results" / "runs").iterdir())
    assert plain == 0 and len(folders) == 2
    digests = {name.split("_set-")[1][:8] for name in folders}
    assert len(digests) == 2  # different overrides, different names


def test_run_folders_are_made_with_the_users_umask(tmp_path):
    """Not private to the user (tempfile.mkdtemp's 0700) unless the umask says so."""
    previous = os.umask(0o022)
    try:
        assert main(["run", "baseline", "--years", "1", "--no-plot", "--quiet", "--out", str(tmp_path / "open")]) == 0
        os.umask(0o077)
        assert main(["run", "baseline", "--years", "1", "--no-plot", "--quiet", "--out", str(tmp_path / "shut")]) == 0
    finally:
        os.umask(previous)
    assert (tmp_path / "open").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "shut").stat().st_mode & 0o777 == 0o700


def test_event_times_are_printed_as_year_and_month(tmp_path, capsys):
    """Month m of a run is month (m - 1) % 12 + 1 of year (m - 1) // 12 (years from 0, as in
    scenario files): a last donor exit in month 145 prints "year 12, month 1", not 12.083."""
    out = tmp_path / "run"
    assert main(["run", "post_conflict", "--strategy", "status_quo", "--seed", "3", "--no-plot", "--out", str(out)]) == 0
    printed = {line.split("  ")[1].strip(): line.rsplit("  ", 1)[1] for line in capsys.readouterr().out.splitlines()
               if line.startswith("  ")}
    events = pd.read_csv(out / "events.csv")

    def when(month: int) -> str:
        return f"year {(month - 1) // 12}, month {(month - 1) % 12 + 1}"

    assert printed["last donor left"] == when(events.loc[events.event == "donor_exit", "month"].max())
    assert printed["relapse began"] == when(events.loc[events.event == "relapse", "month"].min())
    assert printed["last donor left"] == "year 12, month 1"  # month 145, the case the issue reports


def test_list_describes_a_user_scenario_by_its_description_or_first_comment(tmp_path, monkeypatch, capsys):
    (tmp_path / "described.yaml").write_text("# a comment\nname: described\ndescription: >-\n  Mine,\n  described.\n")
    (tmp_path / "commented.yaml").write_text("\n# My country: high will, weak capacity.\n# More detail.\n"
                                             "extends: baseline.yaml\nname: commented  # not this\n")
    (tmp_path / "bare.yaml").write_text("extends: baseline.yaml\nname: bare\n")
    monkeypatch.setattr("sim.cli.SCENARIO_DIR", tmp_path)
    assert main(["list"]) == 0
    lines = {line.split()[0]: line.split(None, 1)[1] for line in capsys.readouterr().out.splitlines()
             if line.startswith("  ")}
    assert lines["described"] == "Mine, described."
    assert lines["commented"] == "My country: high will, weak capacity."
    assert lines["bare"] == "(no description: add a description: line or a comment at the top)"


@pytest.mark.parametrize("value, message", [
    ("2O", "replications = '2O': give a whole number of replications a point (1 to 1000000) or a precision "
           "target, a mapping of target_half_width, compare, initial, step, max"),
    ("[20]", "replications = [20]: give a whole number"),
    ("{target_half_widht: 0.03}", "unknown field 'target_half_widht' in {path} at replications — did you mean "
                                  "'target_half_width'?"),
    ("{initial: 0}", "replications.initial = 0 is out of range; allowed: [1, 1000000]"),
    ("0", "replications = 0 is out of range; allowed: [1, 1000000]"),
])
def test_a_mistake_in_an_experiments_replications_gets_one_line(tmp_path, capsys, value, message):
    path = tmp_path / "typo.yaml"
    path.write_text(f"name: typo\nscenarios: [baseline]\nreplications: {value}\nmaster_seed: 1\n")
    assert main(["sweep", str(path), "--dry-run"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith("error: ") and str(path) in error
    assert message.format(path=path) in error


def test_app_allow_host_reaches_the_host_guard(monkeypatch) -> None:
    """--allow-host (repeatable) is passed to the server, whose HostGuard then answers those names."""
    import sim.app.server

    calls = []
    monkeypatch.setattr(sim.app.server, "serve", lambda *args, **kwargs: calls.append((args, kwargs)))
    assert main(["app", "--no-browser", "--allow-host", "proxy.example", "--allow-host", "lb.example:443"]) == 0
    assert calls == [(("127.0.0.1", 8765), {"open_browser": False, "allowed_hosts": ["proxy.example", "lb.example:443"]})]
