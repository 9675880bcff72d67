"""The ``ssr-sim`` command line: run, validate, list, app.

User errors (bad files, bad flags) print one clear message and exit with code 2; nothing
already written is touched. Only public functions of the package are called here.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import re
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .fields import HEADLINE_INDICATORS, ScenarioError
from .scenario import load_scenario
from .strategy import shipped_strategies
from .footprint import memory_statement
from .launch import interrupted
from .loading import parse_yaml, read_yaml
from .provenance import stamped_folder
from .scenario import SCENARIO_DIR, Scenario, masked_fields, resolve_scenario_path
from .strategy import STRATEGY_DIR

USAGE_ERROR = 2
#: Exit status when the reader of our output goes away (as if killed by SIGPIPE: 128 + 13).
BROKEN_PIPE = 141
RESULTS_DIR = Path("results")


class UsageError(Exception):
    """A mistake in the command line; the message is for the user."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own errors: one line too, exit 2
        raise SystemExit(_fail(f"{self.prog}: {message} (see {self.prog} --help)"))


#: Characters that end a line (str.splitlines); a key or value quoted from a file may hold them.
_LINE_BREAKS = str.maketrans({c: c.encode("unicode_escape").decode() for c in "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"})


def _one_line(message: str) -> str:
    """The message on one line: line breaks inside it (from the user's input) shown escaped."""
    return message.strip().translate(_LINE_BREAKS)


def _fail(message: str) -> int:
    print(f"error: {_one_line(message)}", file=sys.stderr)
    return USAGE_ERROR


def _parse_assignment(text: str) -> tuple[str, Any]:
    if "=" not in text:
        raise UsageError(f"--set expects KEY=VALUE (e.g. actors.ministry.political_will=0.7), got '{text}'")
    key, raw = text.split("=", 1)
    if not re.fullmatch(r"[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*", key):
        raise UsageError(f"--set: '{key}' is not a dotted field path such as actors.ministry.political_will")
    try:
        value = parse_yaml(raw, f"--set {key}")
    except ScenarioError:
        raise UsageError(f"--set {key}: cannot read value '{raw}'") from None
    return key, value


def _load_with_overrides(reference: str, overrides: dict[str, Any]) -> Scenario:
    """The scenario with the command line's overrides. A mistake in the file is the file's; one
    that only the overrides bring is the command line's, and the message says ``--set`` (or
    ``--years``) instead of blaming the file."""
    scenario = load_scenario(reference)
    if not overrides:
        return scenario
    try:
        return load_scenario(reference, overrides)
    except ScenarioError as error:
        failure, culprit = error, next(reversed(overrides))
    applied: dict[str, Any] = {}
    for key, value in overrides.items():  # add them one at a time to name the first at fault
        applied[key] = value
        try:
            load_scenario(reference, applied)
        except ScenarioError as error:
            failure, culprit = error, key
            break
    value = overrides[culprit]
    flag = "--years" if culprit == "horizon_years" else f"--set {culprit}={value}"
    path = str(resolve_scenario_path(reference))
    message = str(failure).replace(f" in {path}", "").replace(f"{path}: ", "")
    raise UsageError(f"{flag}: {message}") from None


def _non_negative_int(text: str) -> int:
    """A whole number >= 0 (a seed may be 0)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got '{text}'") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {value}")
    return value


def _positive_int(text: str) -> int:
    """A whole number >= 1 (years, workers, replications: zero of them is a mistake, not a request)."""
    value = _non_negative_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _os_reason(error: OSError) -> str:
    return error.strerror or error.__class__.__name__


def _fresh_folder(requested: Path | None, default: Callable[[], Path], hint: str) -> Path:
    """The folder new results go to: ``--out`` or ``default()``; refused if it exists and is not
    empty. Its parent is created and tried now, so a place that cannot be written (a read-only
    or missing file system) is one line before any work, not a traceback after it; the folder
    itself is left for the writer, so work stopped early leaves nothing behind."""
    out = requested if requested is not None else default()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(f"--out {out}: exists and is not empty; refusing to overwrite it ({hint})")
    blocking = next((folder for folder in out.parents if folder.exists() and not folder.is_dir()), None)
    if blocking is not None:
        raise UsageError(f"--out {out}: {blocking} is a file, not a folder")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        os.rmdir(tempfile.mkdtemp(prefix=".probe-", dir=out.parent))
    except OSError as error:
        raise UsageError(f"--out {out}: cannot write there ({_os_reason(error)})") from None
    return out


def _format_value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return "never" if math.isnan(value) else f"{value:.3f}"
    return str(value)


def _year_and_month(years: float) -> str:
    """When in a run a monthly event happened, from its month / 12: month m of a run is month
    (m - 1) % 12 + 1 of year (m - 1) // 12, years counted from 0 as scenario files count them
    (month 145, 12.083, is "year 12, month 1"); "never" for NaN."""
    if math.isnan(years):
        return "never"
    year, month = divmod(round(years * 12) - 1, 12)
    return f"year {year}, month {month + 1}"


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def command_run(args: argparse.Namespace) -> int:
    overrides = dict(_parse_assignment(item) for item in args.set)
    if args.years is not None:
        overrides["horizon_years"] = args.years
    scenario = _load_with_overrides(args.scenario, overrides)
    # Imported here, not at the top: Mesa (and with it pandas and SciPy's spatial module) is half a
    # second that ``validate``, ``--help`` and every refused input need not wait for.
    from .model import ReformModel

    model = ReformModel(scenario, strategy=args.strategy, rng=args.seed)
    # Overrides are part of what was run: in the folder name (a short digest), summary.json and the header.
    marker = ("_set-" + hashlib.sha256(json.dumps(overrides, sort_keys=True).encode()).hexdigest()[:8]
              if overrides else "")
    label = f"{scenario.name}_{model.strategy.name}_seed{args.seed}{marker}"
    out = _fresh_folder(args.out, lambda: stamped_folder(RESULTS_DIR / "runs", label),
                        "choose another folder or delete it")
    started = time.perf_counter()
    model.run()
    elapsed = time.perf_counter() - started
    summary = model.summary()
    frame = model.datacollector.get_model_vars_dataframe()
    frame.index.name = "month"

    staging = out.parent / f".staging-{uuid.uuid4().hex}"
    staging.mkdir()  # with the user's umask (tempfile.mkdtemp would make the results folder private)
    try:
        frame.to_parquet(staging / "timeseries.parquet")
        frame.to_csv(staging / "timeseries.csv")
        with open(staging / "events.csv", "w", encoding="utf-8") as handle:
            handle.write("month,year,event,detail\n")
            handle.writelines(f"{m},{m / 12:.2f},{kind},{detail}\n" for m, kind, detail in model.events)
        record = model.provenance()
        record["overrides"] = overrides
        record["summary"] = {k: _json_safe(v) for k, v in summary.items()}
        record["seconds"] = round(elapsed, 4)
        (staging / "summary.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
        if not args.no_plot:
            from .plots import plot_run

            plot_run(frame, model.events, model.state.pillar_names, scenario.outcomes.threshold,
                     f"{scenario.name} · {model.strategy.name} · seed {args.seed}", staging / "plot.png")
        if out.exists():
            out.rmdir()
        os.replace(staging, out)
    except OSError as error:  # a full disk, or the folder taken meanwhile: nothing half-written is kept
        raise UsageError(f"--out {out}: cannot write the results ({_os_reason(error)}); nothing was kept") from None
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)

    if not args.quiet:
        changed = "".join(f" · {key}={value}" for key, value in overrides.items())
        print(f"{scenario.name} · strategy {model.strategy.name} · seed {args.seed}{changed} · "
              f"{model.month} months in {elapsed:.2f} s")
        rows = [("reform succeeded", summary["reform_success"]),
                ("final reform index", summary["final_reform_index"])]
        rows += [(f"final {n.replace('_', ' ')}", summary[f"final_{n}"]) for n in HEADLINE_INDICATORS]
        rows += [(f"years to {scenario.outcomes.threshold} · {n.replace('_', ' ')}",
                  summary[f"years_to_threshold_{n}"]) for n in HEADLINE_INDICATORS]
        rows += [("conflict relapse", summary["conflict_relapse"]),
                 ("relapse began", _year_and_month(summary["relapse_year"])),
                 ("coup attempts / successes", f"{summary['coup_attempts']} / {summary['coup_successes']}"),
                 ("last donor left", _year_and_month(summary["donor_exit_year"]))]
        width = max(len(label) for label, _ in rows)
        for label, value in rows:
            print(f"  {label:<{width}}  {_format_value(value)}")
        print(f"wrote {out}/ (timeseries.parquet, timeseries.csv, events.csv, summary.json"
              f"{'' if args.no_plot else ', plot.png'})")
    return 0


def command_validate(args: argparse.Namespace) -> int:
    """Check each file; a valid file with masked type-level values gets warning lines but
    still passes (exit 0), because it runs as written; only invalid files fail (exit 2)."""
    failures = 0
    for path in args.files:
        try:
            scenario = load_scenario(path)
        except ScenarioError as error:
            failures += 1
            print(f"invalid: {_one_line(str(error))}", file=sys.stderr)
            continue
        print(f"ok: {path} — '{scenario.name}', {scenario.actor_count()} actors, {len(scenario.pillars)} pillars, "
              f"strategy '{scenario.strategy.name}', sha256 {scenario.content_hash()[:12]}")
        print(f"  {memory_statement(scenario)}")
        for warning in masked_fields(scenario, path):
            print(f"warning: {warning}", file=sys.stderr)
    return USAGE_ERROR if failures else 0


def _description(path: Path) -> str:
    """A file's ``description:``, else its first comment line, else a note that it has neither."""
    try:
        data = read_yaml(path)
    except ScenarioError as error:
        return f"(unreadable: {error})"
    described = data.get("description") if isinstance(data, dict) else None
    if described is not None and str(described).strip():
        return " ".join(str(described).split())
    for line in path.read_text(encoding="utf-8").splitlines():
        comment = line.strip()
        if comment.startswith("#") and comment.lstrip("#").strip():
            return comment.lstrip("#").strip()
    return "(no description: add a description: line or a comment at the top)"


def command_list(args: argparse.Namespace) -> int:
    print("Scenarios (scenarios/):")
    for path in sorted(SCENARIO_DIR.glob("*.yaml")):
        print(f"  {path.stem:<18} {_description(path)}")
    print("Strategies (scenarios/strategies/):")
    for name in shipped_strategies():
        print(f"  {name:<18} {_description(STRATEGY_DIR / f'{name}.yaml')}")
    return 0


def _sweep_plan(args: argparse.Namespace, folder_flag: str | None, folder: Path | None):
    """The plan to run: the one recorded in the folder (``--resume``), a larger one over the same
    design (``--extend``), or the experiment file's (``--replications`` overriding its count)."""
    from .sweep import SweepFolderError, describe_replications, extended_plan, plan, resumed_plan

    if folder is None:
        return plan(args.file, args.replications)
    if not (folder / "manifest.json").is_file():
        raise UsageError(f"{folder_flag} {folder}: not a sweep results folder (no manifest.json)")
    try:
        if folder_flag == "--extend":
            return extended_plan(args.file, folder, args.replications)
        sweep = resumed_plan(args.file, folder)
    except SweepFolderError as error:
        raise UsageError(f"{folder_flag} {folder}: {error}") from None
    planned = sweep.experiment.replications
    if args.replications is not None and args.replications != planned:
        raise UsageError(f"--replications {args.replications}: the sweep in {folder} was planned with "
                         f"{describe_replications(planned)} and --resume finishes that plan; to add "
                         f"replications, use --extend {folder} --replications N")
    return sweep


def command_sweep(args: argparse.Namespace) -> int:
    from .experiments.executors import WorkerLost
    from .experiments.store import FolderLocked
    from .sweep import estimate, run_experiment, summarize, sweep_memory

    folders = [(flag, value) for flag, value in (("--out", args.out), ("--resume", args.resume),
                                                 ("--extend", args.extend)) if value is not None]
    if len(folders) > 1:
        raise UsageError(f"give one of --out DIR, --resume DIR and --extend DIR, not {folders[0][0]} and "
                         f"{folders[1][0]}")
    if args.retry_failed and args.resume is None and args.extend is None:
        raise UsageError("--retry-failed needs --resume DIR or --extend DIR (the sweep whose failures to re-run)")
    existing = args.resume if args.resume is not None else args.extend
    folder_flag = "--resume" if args.resume is not None else "--extend"
    sweep = _sweep_plan(args, folder_flag if existing is not None else None, existing)
    if args.dry_run:
        print(f"{sweep.experiment.name}: {len(sweep.points)} design points")
        print(estimate(sweep, args.workers))
        print(sweep_memory(sweep))
        return 0
    if existing is not None:
        out = existing
    else:
        out = _fresh_folder(args.out, lambda: stamped_folder(RESULTS_DIR / sweep.experiment.name),
                            "use --resume to finish that sweep, or choose another folder")
    progress = "quiet" if args.quiet else "auto"
    try:
        result = run_experiment(sweep, out, executor=args.executor, workers=args.workers, address=args.address,
                                resume=existing is not None, retry_failed=args.retry_failed, progress=progress)
    except FolderLocked as error:
        raise UsageError(f"{error}; wait for it to finish, or stop it first") from None
    except (WorkerLost, OSError) as error:
        reason = _os_reason(error) if isinstance(error, OSError) else str(error)
        raise UsageError(f"sweep stopped: {reason}; finished runs are kept in {out}: continue with "
                         f"ssr-sim sweep {args.file} --resume {out}") from None
    table, paired, text = summarize(out)
    if not args.quiet:
        print(text)
        if args.resume is not None and result.n_executed == 0:
            print(f"nothing to resume: {out} already held every run of its plan (to add replications: "
                  f"--extend {out} --replications N)")
        print(f"{result.n_succeeded} runs succeeded, {result.n_failed} failed, {result.n_executed} executed "
              f"now in {result.elapsed_seconds:.1f} s; wrote {out}/")
    return 0


def command_calibrate(args: argparse.Namespace) -> int:
    """ABC-SMC calibration (sim/calibration/): a new folder, or --resume one; --dry-run states the cost."""
    from .calibration.run import CalibrationFolderError, calibrate, check_resumable, forecast, load_calibration

    if args.out is not None and args.resume is not None:
        raise UsageError("give one of --out DIR and --resume DIR, not both (--resume continues DIR itself)")
    if args.workers is not None and args.address is not None:
        raise UsageError("give one of --workers N (processes here) and --address A (a Dask cluster), not both")
    calibration = load_calibration(args.file)
    workers = args.workers or 1
    if args.resume is not None:
        try:
            check_resumable(args.resume, calibration)
        except CalibrationFolderError as error:
            raise UsageError(f"--resume {args.resume}: {error}") from None
    if args.dry_run:
        print(forecast(calibration, workers).text(calibration))
        return 0
    if args.resume is not None:
        out = args.resume
    else:
        out = _fresh_folder(args.out, lambda: stamped_folder(RESULTS_DIR / "calibration"),
                            "use --resume to continue that calibration, or choose another folder")
    record = calibrate(calibration, out, resume=args.resume is not None, workers=workers, address=args.address,
                       progress=not args.quiet, log=(lambda _: None) if args.quiet else print)
    if not args.quiet:
        print((out / "posterior_predictive.md").read_text(encoding="utf-8"))
        print(f"{record['generations']} generations, {record['evaluations']} evaluations; stopped: "
              f"{record['stop_reason']}; wrote {out}/ (calibration.md, posterior.parquet, diagnostics.csv, "
              "posterior_predictive.csv/.md, posterior_marginals/pairs .png/.svg, summary.json, history.db)")
    return 0


def command_summarize(args: argparse.Namespace) -> int:
    from .sweep import summarize

    if not (args.folder / "runs.parquet").is_file():
        raise UsageError(f"{args.folder}: no runs.parquet here; give a sweep results folder "
                         "(results/<experiment>/<time>/)")
    _, _, text = summarize(args.folder)
    print(text)
    print(f"wrote {args.folder}/summary.csv, comparisons.csv, summary.md")
    return 0


def command_report(args: argparse.Namespace) -> int:
    try:
        from .report.page import ReportError, build_report
    except ModuleNotFoundError as error:
        raise UsageError(f"ssr-sim report needs the report extra (pip install -e '.[report]'): no module "
                         f"{error.name!r}") from None
    try:
        report = build_report(args.folder, reference=args.reference)
    except ReportError as error:
        raise UsageError(str(error)) from None
    print(f"wrote {report.html} (self-contained), {report.markdown} and {len(report.figures) // 2} figures in "
          f"{args.folder / 'figures'}/ (PNG and SVG)")
    return 0


def _port(text: str) -> int:
    value = _non_negative_int(text)
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number between 1 and 65535, got {value}")
    return value


def command_app(args: argparse.Namespace) -> int:
    from .app.server import ServeError, serve

    try:
        serve(args.host, args.port, open_browser=not args.no_browser, allowed_hosts=args.allow_host)
    except ServeError as error:
        raise UsageError(str(error)) from None
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="ssr-sim", description="Agent-based simulation of security-sector reform.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = commands.add_parser("run", help="one run: time series, summary and a plot")
    run.add_argument("scenario", help="scenario file, or the name of a shipped scenario (e.g. baseline)")
    run.add_argument("--seed", type=_non_negative_int, default=1, help="random seed (default 1)")
    run.add_argument("--strategy", help="strategy name or YAML file, replacing the scenario's")
    run.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                     help="override a scenario field, e.g. --set actors.ministry.political_will=0.7")
    run.add_argument("--years", type=_positive_int, help="horizon in years (default: the scenario's)")
    run.add_argument("--out", type=Path, help="output folder (default results/runs/<scenario>_<strategy>_seed<N>_<time>)")
    run.add_argument("--no-plot", action="store_true", help="skip plot.png")
    run.add_argument("--quiet", action="store_true", help="print nothing on success")
    run.set_defaults(handler=command_run)

    validate = commands.add_parser("validate", help="check scenario files and explain any problem")
    validate.add_argument("files", nargs="+", help="scenario files")
    validate.set_defaults(handler=command_validate)

    sweep = commands.add_parser("sweep", help="run an experiment file: many runs on all cores, resumable")
    sweep.add_argument("file", type=Path, help="experiment file, e.g. experiments/sequencing.yaml")
    sweep.add_argument("--resume", type=Path, metavar="DIR",
                       help="finish the sweep in DIR exactly as it was planned: its replications are read from "
                            "DIR/manifest.json, not from the file (which must describe the same design); "
                            "a finished sweep is left as it is")
    sweep.add_argument("--extend", type=Path, metavar="DIR",
                       help="add replications to the sweep in DIR (finished or not): up to --replications N, "
                            "or to the experiment file's replications; same design, nothing already run is re-run")
    sweep.add_argument("--retry-failed", action="store_true",
                       help="with --resume or --extend: re-run the runs that failed")
    sweep.add_argument("--out", type=Path, help="results folder (default results/<experiment>/<time>/)")
    sweep.add_argument("--replications", type=_positive_int,
                       help="replications per design point (overrides the file); with --extend, the new total")
    sweep.add_argument("--executor", choices=("serial", "processes", "dask"), default="processes")
    sweep.add_argument("--workers", type=_positive_int, help="worker processes (default: all cores)")
    sweep.add_argument("--address", help="Dask scheduler address, e.g. tcp://host:8786 (default: a local cluster)")
    sweep.add_argument("--dry-run", action="store_true", help="print the design size and a time estimate, run nothing")
    sweep.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    sweep.set_defaults(handler=command_sweep)

    calibrate = commands.add_parser("calibrate", help="ABC-SMC calibration on the targets T1-T5 (resumable)")
    calibrate.add_argument("file", type=Path, help="calibration file, e.g. experiments/calibration.yaml")
    calibrate.add_argument("--out", type=Path, help="results folder (default results/calibration/<time>/)")
    calibrate.add_argument("--resume", type=Path, metavar="DIR",
                           help="continue the calibration in DIR (same files): finished generations are kept")
    calibrate.add_argument("--workers", type=_positive_int, help="worker processes here (default 1: reproducible)")
    calibrate.add_argument("--address", help="Dask scheduler address, e.g. tcp://host:8786")
    calibrate.add_argument("--dry-run", action="store_true", help="time a few evaluations, print the cost, run nothing")
    calibrate.add_argument("--quiet", action="store_true", help="no progress bar and no tables")
    calibrate.set_defaults(handler=command_calibrate)

    summary = commands.add_parser("summarize", help="summary tables of a sweep's results folder")
    summary.add_argument("folder", type=Path, help="results/<experiment>/<time>/")
    summary.set_defaults(handler=command_summarize)

    report = commands.add_parser("report", help="figures and a self-contained report.html of a sweep's results folder")
    report.add_argument("folder", type=Path, help="results/<experiment>/<time>/")
    report.add_argument("--reference", metavar="STRATEGY",
                        help="strategy the paired differences are taken from (default: status_quo if the sweep ran "
                             "it, else its first strategy)")
    report.set_defaults(handler=command_report)

    listing = commands.add_parser("list", help="shipped scenarios and strategies, one line each")
    listing.set_defaults(handler=command_list)

    app = commands.add_parser("app", help="the workshop app in the browser (Explore and Workshop modes)")
    app.add_argument("--host", default="127.0.0.1",
                     help="address to listen on (default 127.0.0.1; 0.0.0.0 shares it on the room's network)")
    app.add_argument("--port", type=_port, default=8765, help="port (default 8765)")
    app.add_argument("--no-browser", action="store_true", help="do not open a browser")
    app.add_argument("--allow-host", action="append", default=[], metavar="HOST",
                     help="also answer requests addressed to HOST (e.g. a reverse proxy's name, or name:port); "
                          "repeatable; other hosts and origins get 403")
    app.set_defaults(handler=command_app)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        status = args.handler(args)
        sys.stdout.flush()  # inside the try: a reader that went away is met here, not at exit
        return status
    except BrokenPipeError:
        # The reader stopped reading (`ssr-sim list | head -1`): stop quietly, as Unix tools do,
        # with the status a process killed by SIGPIPE has (128 + 13), and keep Python's own
        # flush at exit from writing to the closed pipe.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return BROKEN_PIPE
    except SystemExit as exit_:
        return int(exit_.code or 0)
    except (ScenarioError, UsageError) as error:
        return _fail(str(error))
    except OSError as error:  # the file system refused something no handler above expected
        where = f"{error.filename}: " if error.filename else ""
        return _fail(f"{where}{_os_reason(error)}")
    except KeyboardInterrupt:
        return interrupted()


if __name__ == "__main__":
    sys.exit(main())
