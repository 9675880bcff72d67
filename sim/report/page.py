"""The report of a sweep: ``report.html`` (self-contained: every figure embedded as a base64
PNG, styles inline, no remote asset, so it opens offline) and ``report.md`` (for pasting into a
paper; figures linked from ``figures/``), built from one list of sections.

Contents: what was run (the manifest: experiment, seeds, plan, versions, commit) and the command
that reproduces it, the summary tables with their definitions and the precision verdict
(:func:`sim.sweep.summary_sections`, as in summary.md), failures, and every figure with a
one-line reading; each figure also lands in ``figures/`` as PNG and SVG.
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..fields import ScenarioError
from ..sweep import (Section, describe_replications, markdown, precision_verdict, recorded_target,
                     summary_sections, summary_tables)
from .comparison import choose_reference, forest_charts
from .discovery import discovery_charts
from .fan import fan_charts
from .folder import ReportError, SweepResults, load_results
from .grid import grid_charts
from .network import MAX_DRAWN_ACTORS, network_chart
from .sensitivity import morris_charts, sobol_charts
from .style import Chart, save
from .survival import km_charts

FIGURES = "figures"
#: Failed runs listed in the report (all are in failures.jsonl).
SHOWN_FAILURES = 10
_IMAGE = re.compile(r"^!\[(?P<alt>[^\]]*)\]\((?P<path>[^)]+)\)$")


@dataclass(frozen=True)
class Report:
    """What :func:`build_report` wrote."""

    html: Path
    markdown: Path
    figures: tuple[Path, ...]  # PNG and SVG of each figure


def build_report(folder: str | Path, reference: str | None = None, seed: int = 0) -> Report:
    """Read a sweep's results folder and write ``report.html``, ``report.md`` and ``figures/`` into it.

    ``reference``: the strategy differences are taken from (default: the status quo if the sweep
    ran it, else its first strategy). Raises :class:`ReportError` (one line) for a folder that is
    not a sweep's or a reference it did not run."""
    results = load_results(folder)
    runs = results.runs
    strategies = list(pd.unique(runs["param.strategy"]))
    if reference is not None and reference not in strategies:
        raise ReportError(f"--reference {reference}: not a strategy of this sweep ({', '.join(strategies)})")
    reference = choose_reference(strategies, reference)
    table, paired = summary_tables(runs, seed)
    target = recorded_target(results.manifest)
    verdict = precision_verdict(runs, target) if target is not None else None
    charts, notes = _charts(results, table, paired, reference)
    figure_folder = results.folder / FIGURES
    written: list[Path] = []
    figure_sections = []
    for chart in charts:
        png, svg = save(chart, figure_folder)
        written += [png, svg]
        figure_sections.append(Section(chart.title, (chart.reading, f"![{chart.title}]({FIGURES}/{png.name})"),
                                       chart.table))
    sections = [_title(results), _what_was_run(results), _reproduce(results),
                *summary_sections(table, paired, runs, len(results.failures), verdict)]
    if results.failures:
        sections.append(_failures(results))
    sections.append(Section("Figures", (f"Differences are from **{reference}**. Each figure is also in "
                                        f"`{FIGURES}/` as PNG and SVG.", *notes)))
    sections += figure_sections
    for stale in {*figure_folder.glob("*.png"), *figure_folder.glob("*.svg")} - set(written):
        stale.unlink()  # a figure of an earlier report that no longer applies
    md_path, html_path = results.folder / "report.md", results.folder / "report.html"
    md_path.write_text(markdown(sections), encoding="utf-8")
    html_path.write_text(to_html(sections, results.folder, f"{results.experiment}: sweep report"), encoding="utf-8")
    return Report(html_path, md_path, tuple(written))


def _charts(results: SweepResults, table: pd.DataFrame, paired: pd.DataFrame,
            reference: str) -> tuple[list[Chart], list[str]]:
    """Every figure family that applies to this sweep, and a note for each one that does not."""
    threshold = float(results.runs["success_threshold"].mode().iloc[0])
    charts, notes = fan_charts(results, threshold), []
    if not charts:
        notes.append("No fan charts: the sweep kept no time series (set outputs.timeseries_stride_months in the "
                     "experiment file).")
    for family in (forest_charts(results, table, paired, reference), discovery_charts(results)):
        found, note = family
        charts += found
        notes += [note] if note else []
    charts += km_charts(results) + grid_charts(results) + sobol_charts(results) + morris_charts(results)
    for label, scenario, problem in _scenarios(results):
        if scenario is None:
            notes.append(f"No network figure for scenario '{label}': {problem}")
        elif scenario.actor_count() > MAX_DRAWN_ACTORS:
            notes.append(f"No network figure for scenario '{label}': {scenario.actor_count():,} actors, more than "
                         f"the {MAX_DRAWN_ACTORS:,} a drawing of every actor and tie can show (its layout also costs "
                         "the square of the actors)")
        else:
            charts.append(network_chart(scenario, label, results.experiment))
    return charts, notes


def _scenarios(results: SweepResults):
    """(label, scenario or None, problem) for each base scenario the manifest names: a file
    beside the experiment file, else a shipped scenario of that name."""
    from ..scenario import load_scenario

    experiment_file = Path(str(results.metadata.get("experiment_file", "")))
    for label in results.metadata.get("scenarios") or list(pd.unique(results.runs["param.scenario"])):
        beside = experiment_file.parent / label
        try:
            yield label, load_scenario(beside if beside.is_file() else label), None
        except (ScenarioError, OSError) as error:
            yield label, None, str(error)


def _title(results: SweepResults) -> Section:
    state = ("finished" if results.finished else
             "**not finished**: the sweep stopped before its plan was done; this report covers the runs it "
             f"committed (finish it with `ssr-sim sweep {results.metadata.get('experiment_file', 'FILE')} "
             f"--resume {results.folder}`)")
    return Section(f"{results.experiment}: sweep report",
                   (f"Results folder `{results.folder}`, {len(results.runs):,} runs, {state}.",))


def _what_was_run(results: SweepResults) -> Section:
    """The manifest as a two-column table."""
    meta, manifest = results.metadata, results.manifest
    replications = meta.get("replications")
    plan = replications if isinstance(replications, int) else recorded_target(manifest)
    rows = [("experiment", meta.get("experiment", "")),
            ("experiment file", f"{meta.get('experiment_file', '')} (sha256 {str(meta.get('experiment_sha256'))[:12]})"),
            ("scenarios and strategies", f"{', '.join(meta.get('scenarios') or [])}; "
                                         f"{', '.join(pd.unique(results.runs['param.strategy']))}"),
            ("design points", meta.get("points", "")),
            ("replications", describe_replications(plan) if plan is not None else "not recorded"),
            ("master seed", meta.get("master_seed", "")),
            ("runs", f"{len(results.runs):,} finished, {len({f['run_key'] for f in results.failures}):,} with a "
                     "failure record"),
            ("git commit", f"{manifest.get('git_commit', 'unknown')}"
                           + (" (with uncommitted changes)" if manifest.get("git_dirty") else "")),
            ("versions", ", ".join(f"{k} {v}" for k, v in sorted((manifest.get("environment") or {}).items())))]
    if "posterior" in meta:
        rows.append(("posterior", f"{meta['posterior'].get('file')}, {meta['posterior'].get('draws')} draws"))
    for number, session in enumerate(manifest.get("sessions") or [], start=1):
        rows.append((f"session {number}", f"{session.get('started_at', '?')} to {session.get('finished_at', '?')}, "
                                          f"{session.get('executed', '?')} runs, {session.get('status', '?')}"))
    return Section("What was run", table=pd.DataFrame(rows, columns=["", "value"]))


def _reproduce(results: SweepResults) -> Section:
    meta = results.metadata
    replications = meta.get("replications")
    flag = f" --replications {replications}" if isinstance(replications, int) else ""
    commands = (f"ssr-sim sweep {meta.get('experiment_file', 'FILE')}{flag} --out {results.folder}\n"
                f"ssr-sim report {results.folder}")
    return Section("How to reproduce", (
        f"At git commit `{results.manifest.get('git_commit', 'unknown')}`, with the same experiment and scenario "
        f"files (their digests are in manifest.json):", f"```\n{commands}\n```"))


def _failures(results: SweepResults) -> Section:
    failed = pd.DataFrame(results.failures)
    succeeded = set(results.runs["run_key"])
    still = failed[~failed["run_key"].isin(succeeded)].drop_duplicates("run_key", keep="last")
    shown = still.head(SHOWN_FAILURES)[["design_index", "replication", "seed", "error"]].copy()
    shown["error"] = [str(e).splitlines()[0][:160] if str(e) else "" for e in shown["error"]]
    return Section("Failures", (
        f"{len(still):,} runs failed and have no result (every attempt is in failures.jsonl with its traceback; "
        f"`ssr-sim sweep FILE --resume DIR --retry-failed` runs them again); the first {len(shown)}:",), shown)


def _inline(text: str) -> str:
    """Markdown's inline marks (**bold**, `code`, *emphasis*) as HTML, the rest escaped."""
    escaped = html.escape(text, quote=False)
    escaped = re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)
    escaped = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", escaped)
    return re.sub(r"\*([^*]+)\*", r"<em>\1</em>", escaped)


def _paragraph(text: str, folder: Path) -> str:
    """A paragraph as HTML: an image (embedded as base64), a code block, a list, or text."""
    image = _IMAGE.match(text)
    if image:
        data = base64.b64encode((folder / image["path"]).read_bytes()).decode("ascii")
        return (f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(image["alt"])}">'
                f"</figure>")
    if text.startswith("```"):
        return f"<pre>{html.escape(text.strip('`').strip())}</pre>"
    if text.startswith("- "):
        return "<ul>" + "".join(f"<li>{_inline(line[2:])}</li>" for line in text.splitlines()) + "</ul>"
    return f"<p>{_inline(text)}</p>"


def to_html(sections: list[Section], folder: Path, title: str) -> str:
    """The sections as one self-contained HTML page (images read from ``folder`` and embedded)."""
    body = []
    for number, section in enumerate(sections):
        tag = "h1" if number == 0 else "h2"
        body.append(f"<{tag}>{_inline(section.heading)}</{tag}>")
        body += [_paragraph(text, folder) for text in section.paragraphs]
        if section.table is not None:
            body.append(section.table.to_html(index=False, border=0, na_rep="n/a", escape=True,
                                              float_format=lambda value: format(value, section.floatfmt)))
        body += [_paragraph(text, folder) for text in section.notes]
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 1200px; margin: 2em auto; padding: 0 1em; color: #222;
       line-height: 1.45; }}
table {{ border-collapse: collapse; font-size: 0.8em; margin: 0.5em 0 1.5em; display: block; overflow-x: auto; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 0.2em 0.6em; text-align: right; white-space: nowrap; }}
th {{ background: #f3f3f3; }}
img {{ max-width: 100%; }}
pre {{ background: #f6f6f6; padding: 0.8em; overflow-x: auto; }}
code {{ background: #f6f6f6; padding: 0 0.2em; }}
</style></head>
<body>
{chr(10).join(body)}
</body></html>
"""
