"""The inert-field screen: does every numeric field of a shipped scenario move some output?

A scenario field that changes nothing misleads whoever sets it, sweeps it or cites it (issue 9,
"No inert field"). The screen takes a shipped scenario, shortened to :data:`SCREEN_YEARS`
years, and moves each of its numeric fields one at a time (:func:`perturbations`), running the
same seeds (:data:`SCREEN_SEEDS`, common random numbers) with and without the change through
:func:`sim.run_seeds`. A field has an effect when any output differs, compared exactly:

- the run's model-level monthly series (:data:`sim.dynamics.MODEL_INDICATORS` and each
  pillar's de jure form, de facto function and effort), from month 1 on;
- the run summary's outcomes (years to threshold, years above it, success, reversals,
  relapse, coups, donor exits, ...), but not its ``final_*`` values (the last month of the
  series above, or per-type means) nor :data:`ECHOED_SUMMARY_KEYS`;
- the event log.

Numbers are compared exactly up to floating-point round-off (:data:`ROUND_OFF`): a value that
only reorders arithmetic can move results by 1e-16 without acting on anything (donors'
susceptibility does: a donor has no incoming ties, so its stance is its anchor whatever its
susceptibility), and that must not count as an effect.

Why not per-type means (``donor_visibility_preference``) or the month-0 record: they echo the
value being moved, so every actor field would look effective without acting on anything.

Which fields: everything numeric (bools included) in the scenario's resolved data, schema
defaults included, except the strategy (a separate file with its own schema, attached by name;
it is not a setting of the country) and except values no agent takes (a type-level value every
member overrides, which ``ssr-sim validate`` reports; a member field left unset, which is the
type's value and screened there). A field that can only act in some circumstance (relapse
needs a post-conflict state, coup consequences need a coup) is screened in a stated
:data:`CONTEXTS` entry where it can act; a field that stays without effect for a reason of
the model's structure is in :data:`ALLOWED_INERT` with that reason (tests/test_inert_fields.py
checks that list for stale entries).

    python -m tests.inert_screen                       # the table for every shipped scenario
    python -m tests.inert_screen post_conflict --inert # only the fields without effect
    python -m tests.inert_screen --as-shipped --inert  # what is inert without the contexts

The table gives, per field and scenario, the effect (yes/no) and the largest change in the final
reform index over the seeds and both directions of the perturbation.
"""

from __future__ import annotations

import argparse
import fnmatch
import math
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, get_args

import numpy as np
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from sim import SeedRuns, load_scenario, run_seeds
from sim.dynamics import MODEL_INDICATORS
from sim.scenario import (ACTOR_TYPES, INTERVENTION_TARGETS, MEMBER_MODELS, Scenario, member_value, overriding_members,
                          set_dotted, shipped_scenario_names)

SCREEN_SEEDS = range(4)
SCREEN_YEARS = 10
#: (seeds, months) at which the quick screen compares a field's runs before running all seeds to
#: the horizon. Each seed runs as it would alone and its first m months are those of its full
#: run, so an output that differs here differs in the full comparison too; most fields are
#: settled by one seed's first month (building the runs' networks is then most of the cost).
QUICK_STAGES = ((1, 1), (None, 12))
#: Largest difference taken for round-off (outputs are indices on [0, 1], years and counts).
ROUND_OFF = 1e-9
#: Summary entries that restate an input (the success rule's own settings, the run length).
ECHOED_SUMMARY_KEYS = frozenset({"success_threshold", "success_sustain_years", "months"})
#: Top-level scenario sections not screened (see the module docstring).
UNSCREENED = frozenset({"name", "description", "strategy"})
#: Steps: a value on [0, 1] moves by this much; any other number is multiplied by 1 +/- this.
UNIT_STEP, RELATIVE_STEP = 0.2, 0.5


@dataclass(frozen=True)
class Context:
    """Settings under which some fields can act, and why they are needed."""

    name: str
    fields: tuple[str, ...]                            # fnmatch patterns of the dotted paths screened here
    overrides: Callable[[Scenario], dict[str, Any]]    # dotted path -> value, for this scenario
    why: str
    seeds: int | None = None                           # more seeds than the screen's, for rare events


def _every_intervention(scenario: Scenario) -> dict[str, Any]:
    """Each kind of intervention once, half a year apart from year 1, each on a target where it
    can act: fund the pillar with the least effort and scale back the one with the most (effort
    is capped on [0, 1]), co-opt a spoiler that can be co-opted (not a total one), confront an
    outside one (only outside spoilers strike back with violence)."""
    spoilers, pillars = scenario.actors.spoiler, [p.name for p in scenario.pillars]
    effort = scenario.strategy.effort_vector(0, pillars)
    def first(test: Callable[[Any], bool]) -> str:
        return next(m.name for m in spoilers.members if test(m))
    targets = {
        "fund_pillar": lambda: pillars[int(np.argmin(effort))],
        "scale_back_pillar": lambda: pillars[int(np.argmax(effort))],
        "coopt_spoiler": lambda: first(lambda m: member_value(spoilers, m, "spoiler_type") != "total"),
        "confront_spoiler": lambda: first(lambda m: member_value(spoilers, m, "position") == "outside"),
    }
    return {"interventions": [{"kind": kind, "year": 1.0 + 0.5 * position, "target": targets[kind]() if needs else None}
                              for position, (kind, needs) in enumerate(INTERVENTION_TARGETS.items())]}


def _donors_leave(scenario: Scenario, years: float) -> dict[str, Any]:
    """Every donor's horizon set to ``years`` (members' own horizons too)."""
    members = scenario.actors.donor.members
    return {"actors.donor.horizon_years": years,
            **{f"actors.donor.members.{i}.horizon_years": years for i in range(len(members))}}


def _pillars(scenario: Scenario, working: float | None = None) -> dict[str, Any]:
    """The scenario's pillars plus a DDR pillar (led by the first pillar's lead) where it has
    none; with ``working``, every pillar's form and function start there."""
    pillars = [p.model_dump() for p in scenario.pillars]
    if not any(p["name"] == "ddr" for p in pillars):
        pillars.append({"name": "ddr", "lead": pillars[0]["lead"]})
    if working is not None:
        pillars = [{**p, "de_jure": working, "de_facto": working} for p in pillars]
    return {"pillars": pillars}


CONTEXTS: tuple[Context, ...] = (
    Context("relapse likely, institutions working",
            ("mechanisms.security.relapse_*", "mechanisms.security.peace_memory_years", "mechanisms.security.war_years",
             "mechanisms.political_will.relapse_shock"),
            lambda s: {"context.post_conflict": True, "mechanisms.security.relapse_hazard": 0.3,
                       **_pillars(s, working=0.8)},
            "relapse happens only in a post-conflict state, and its consequences only after one; a relapse "
            "is one draw a run, so a parameter shows only where it moves the hazard enough to change the "
            "month of some run's relapse: working DDR, policing and governance (every pillar at 0.8) make "
            "the protections bite, and a base hazard of 0.3 a month (0.0062 shipped), cut by them, spreads "
            "relapses over the years of peace in most of 16 runs",
            seeds=16),
    Context("coups likely",
            ("mechanisms.security.coup_*", "mechanisms.security.failed_coup_will_loss", "actors.security_force.loyalty"),
            lambda s: {"mechanisms.security.coup_hazard": 0.02},
            "coup parameters and the forces' loyalty act only through coup attempts (loyalty is read by the "
            "coup hazard alone); at the shipped hazard, 0.0006 a month, the screen's runs see almost none",
            seeds=16),
    Context("overloaded lead ministries, more runs", ("mechanisms.corruption.drive_overload_damping",),
            lambda s: {},
            "the damping acts only in a month where the integrity pillar's lead ministry is overloaded and its "
            "damped drive still exceeds the integrity function (detection takes the larger of the two); in the "
            "first 10 years that happens in some of 16 runs (baseline and post_conflict, checked) but can happen "
            "in none of the screen's four, as it did in post_conflict before the networks of issue 12 and in "
            "baseline after",
            seeds=16),
    Context("co-optation on",
            ("actors.spoiler.members.*.cooptability",),
            lambda s: {"mechanisms.spoilers.cooptation_effort": 0.3},
            "a spoiler's cooptability acts only when someone co-opts it: spoilers.cooptation_effort, 0 in every "
            "shipped scenario, or a coopt_spoiler intervention"),
    Context("every intervention", ("mechanisms.interventions.*",), _every_intervention,
            "the size of an intervention acts only when one is taken; no shipped scenario schedules any"),
    Context("progress stalls",
            ("actors.donor.patience_years",),
            lambda s: {"mechanisms.donors.stall_tolerance": 0.5},
            "patience is spent only in months of stalled progress; in the screen's runs of the shipped "
            "scenarios donors see progress and none runs out of patience"),
    Context("impatient donors", ("mechanisms.donors.stall_tolerance",),
            lambda s: {"actors.donor.patience_years": 1.0},
            "the tolerance decides which months count as stalled, and those matter only once patience runs "
            "out; in donor_surge, progress at the calibrated rates keeps donors patient through the screen's "
            "10 years (10 years of patience shipped); here donors have one year"),
    Context("donors' horizon within the run", ("actors.donor.horizon_years",),
            lambda s: {"actors.donor.horizon_years": 6.0},
            "a donor's horizon acts when it ends, and shipped horizons (donor_surge: 20 years) may lie "
            "beyond the screen's runs; here it is 6 years"),
    Context("success within reach", ("outcomes.success_sustain_years",),
            lambda s: {"outcomes.threshold": 0.0, **_donors_leave(s, 4.0)},
            "the sustain period matters only when success is within reach: the index above the threshold and "
            "every donor gone; here the threshold is 0 and donors leave after 4 years"),
    Context("donors listen", ("actors.donor.susceptibility",),
            lambda s: {"network.rules": [*(r.model_dump() for r in s.network.rules),
                                         {"source": "civil_society", "target": "donor", "type": "advocacy",
                                          "mean_degree": 10.5}]},
            "a donor's susceptibility weighs what its neighbours think, and no default tie rule or shipped tie "
            "points at a donor, so its stance stays at its own (moving susceptibility changes results by "
            "round-off only); here civil society advocates to donors"),
    Context("domestic reform on", ("mechanisms.capacity.domestic_effort", "mechanisms.capacity.domestic_will_threshold"),
            lambda s: {"mechanisms.capacity.domestic_effort": 0.3, "mechanisms.capacity.domestic_will_threshold": 0.3},
            "domestic reform acts only where a lead ministry's will exceeds the threshold (0.5), and the "
            "shipped ministries but reforming_state's start at 0.4 or below; the threshold acts only where "
            "governments reform by themselves (domestic_effort 0 until the calibration set it to 0.283, "
            "docs/calibration.md); here the effort is 0.3 and the threshold 0.3, so both act everywhere"),
    Context("with a DDR pillar", ("mechanisms.spoilers.ddr_disarmament",), _pillars,
            "disarmament acts through the DDR pillar's function; only post_conflict ships a DDR pillar"),
)

#: (scenario pattern, field pattern): why the field has no effect there. Each entry must match
#: an inert finding (tests/test_inert_fields.py), so none outlives its reason.
ALLOWED_INERT: dict[tuple[str, str], str] = {
    ("*", "mechanisms.civil_society.civic_space_without_oversight"):
        "read only where a scenario has no oversight pillar (sim/stages/civil_society.py); every shipped "
        "scenario has one, and removing it would mean re-pointing the forces it governs",
    ("post_conflict", "actors.spoiler.members.2.cooptability"):
        "hardline_militia is a total spoiler, which inducements never move (Stedman 1997; "
        "COOPTABLE_TYPES in sim/mechanisms/spoilers.py), so its cooptability is read but multiplied by 0",
    ("post_conflict", "actors.spoiler.members.1.rents.defence_governance"):
        "rebel_faction is an outside spoiler: its threat is its most threatened rent (a max over pillars), "
        "where its DDR rent (0.9) wins, and its patronage tie to defence, which leads both pillars, keeps "
        "the larger weight; a smaller second rent on a pillar of the same lead changes nothing",
}


@dataclass(frozen=True)
class ScreenField:
    """One numeric value of a scenario: its dotted path, value and allowed range."""

    path: str
    value: bool | int | float
    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False


@dataclass
class Finding:
    """What moving one field did in one scenario."""

    scenario: str
    path: str
    context: str
    effect: bool
    values: tuple[Any, ...]                 # the perturbed values tried
    max_change: float | None = None         # largest |change| in the final reform index (measured runs)


# --- which fields -----------------------------------------------------------------------------
def _constraints(info: FieldInfo) -> Iterator[Any]:
    """Constraint objects of a field, also inside ``Annotated[...] | None`` and ``dict[K, Annotated[...]]``."""
    yield from info.metadata
    pending = list(get_args(info.annotation))
    while pending:
        arg = pending.pop()
        pending.extend(get_args(arg))
        for item in getattr(arg, "__metadata__", ()):
            yield item
            yield from getattr(item, "metadata", ())


def _field(path: str, value: Any, info: FieldInfo) -> ScreenField:
    low, high, low_open = -math.inf, math.inf, False
    for item in _constraints(info):
        if getattr(item, "ge", None) is not None:
            low = item.ge
        if getattr(item, "gt", None) is not None:
            low, low_open = item.gt, True
        if getattr(item, "le", None) is not None:
            high = item.le
    return ScreenField(path, value, low, high, low_open)


def _walk(value: Any, info: FieldInfo, path: str) -> Iterator[ScreenField]:
    if isinstance(value, BaseModel):
        for name, child in type(value).model_fields.items():
            yield from _walk(getattr(value, name), child, f"{path}.{name}")
    elif isinstance(value, (list, tuple)):
        for position, item in enumerate(value):
            yield from _walk(item, info, f"{path}.{position}")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, info, f"{path}.{key}")
    elif isinstance(value, (bool, int, float)):
        yield _field(path, value, info)


def screened_fields(scenario: Scenario) -> list[ScreenField]:
    """Every numeric value of ``scenario`` that some agent or rule takes (see the module docstring)."""
    found: list[ScreenField] = []
    for name, info in Scenario.model_fields.items():
        if name in UNSCREENED:
            continue
        if name != "actors":
            found.extend(_walk(getattr(scenario, name), info, name))
            continue
        for type_name in ACTOR_TYPES:
            block, prefix = getattr(scenario.actors, type_name), f"actors.{type_name}"
            for field_name, field_info in type(block).model_fields.items():
                if field_name != "members" and len(overriding_members(block, field_name)) < len(block.members):
                    found.extend(_walk(getattr(block, field_name), field_info, f"{prefix}.{field_name}"))
            member_fields = MEMBER_MODELS[type_name].model_fields
            for position, member in enumerate(block.members):
                for field_name, field_info in member_fields.items():
                    value = getattr(member, field_name)
                    # A ministry is one actor: the schema fixes its count at 1.
                    if value is None or (type_name == "ministry" and field_name == "count"):
                        continue
                    found.extend(_walk(value, field_info, f"{prefix}.members.{position}.{field_name}"))
    return found


def perturbations(item: ScreenField) -> tuple[Any, ...]:
    """Values to try instead of ``item.value``, up first: a switch flips; a whole number moves by
    1; a value on [0, 1] by :data:`UNIT_STEP`; any other number by a factor 1 +/- :data:`RELATIVE_STEP`
    (a zero by :data:`UNIT_STEP`, for lack of a scale) — each kept within its allowed range."""
    value = item.value
    if isinstance(value, bool):
        return (not value,)
    if isinstance(value, int):
        candidates = [value + 1, value - 1]
    elif (item.low, item.high) == (0.0, 1.0) or value == 0:
        candidates = [value + UNIT_STEP, value - UNIT_STEP]
    else:
        candidates = [value * (1 + RELATIVE_STEP), value * (1 - RELATIVE_STEP)]
    clipped = [round(min(max(c, item.low), item.high), 12) for c in candidates]
    allowed = [c for c in clipped if c != value and not (item.low_open and c <= item.low)]
    return tuple(dict.fromkeys(allowed))


def context_of(path: str, contexts: Sequence[Context] = CONTEXTS) -> Context | None:
    """The context a field is screened in (None: the scenario as it is)."""
    return next((c for c in contexts if any(fnmatch.fnmatchcase(path, p) for p in c.fields)), None)


# --- running and comparing --------------------------------------------------------------------
def _with(data: dict[str, Any], changes: dict[str, Any], source: str) -> Scenario:
    for dotted, value in changes.items():
        data = set_dotted(data, dotted, value, source=source)
    return Scenario.model_validate(data)


def _outputs(scenario: Scenario, seeds: Sequence[int], months: int | None) -> tuple[SeedRuns, list[str]]:
    pillars = [p.name for p in scenario.pillars]
    record = [*MODEL_INDICATORS, *(f"{kind}_{p}" for kind in ("de_jure", "de_facto", "effort") for p in pillars)]
    return run_seeds(scenario, seeds, record=record, months=months), record


def _same_value(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=0.0, abs_tol=ROUND_OFF) or (math.isnan(a) and math.isnan(b))
    return a == b


def differs(a: tuple[SeedRuns, list[str]], b: tuple[SeedRuns, list[str]], summaries: bool) -> bool:
    """Whether any compared output of two runs of the same seeds differs (beyond round-off)."""
    (runs_a, record_a), (runs_b, record_b) = a, b
    if record_a != record_b or runs_a.events != runs_b.events:
        return True
    for name in record_a:
        series_a, series_b = runs_a.series[name][1:], runs_b.series[name][1:]
        if series_a.shape != series_b.shape or not np.allclose(series_a, series_b, rtol=0.0, atol=ROUND_OFF,
                                                               equal_nan=True):
            return True
    if summaries:
        for summary_a, summary_b in zip(runs_a.summaries, runs_b.summaries, strict=True):
            keys = {k for k in summary_a.keys() | summary_b.keys()
                    if not k.startswith("final_") and k not in ECHOED_SUMMARY_KEYS}
            if any(not _same_value(summary_a.get(k), summary_b.get(k)) for k in keys):
                return True
    return False


def _final_index_change(a: SeedRuns, b: SeedRuns) -> float:
    return max(abs(x["final_reform_index"] - y["final_reform_index"]) for x, y in zip(a.summaries, b.summaries))


@dataclass
class _Base:
    """A scenario (in one context) as data, and its runs at each horizon, computed once."""

    scenario: Scenario
    seeds: Sequence[int]
    runs: dict[tuple[int, int | None], tuple[SeedRuns, list[str]]] = field(default_factory=dict)

    def at(self, count: int, months: int | None) -> tuple[SeedRuns, list[str]]:
        """Runs of the first ``count`` seeds for ``months`` months (None: the horizon)."""
        if (count, months) not in self.runs:
            self.runs[count, months] = _outputs(self.scenario, self.seeds[:count], months)
        return self.runs[count, months]


def screen(name: str, seeds: Sequence[int] = SCREEN_SEEDS, years: int = SCREEN_YEARS,
           measure: bool = False, as_shipped: bool = False) -> list[Finding]:
    """Screen every field of shipped scenario ``name`` (see the module docstring).

    ``measure=False`` stops at the first output that differs (the test); ``measure=True`` runs
    every perturbation to the horizon and records the largest change in the final reform index
    (the table). ``as_shipped`` screens every field in the scenario as shipped, without
    :data:`CONTEXTS`."""
    contexts = () if as_shipped else CONTEXTS
    scenario = load_scenario(name).replace(name, horizon_years=years)
    findings = []
    for context in (None, *contexts):
        label = context.name if context else "as shipped"
        in_context = _with(scenario.model_dump(), context.overrides(scenario), name) if context else scenario
        base = _Base(in_context, range(context.seeds) if context and context.seeds else seeds)
        base_data = in_context.model_dump()
        for item in screened_fields(in_context):
            if context_of(item.path, contexts) is not context:
                continue
            values = perturbations(item)
            finding = Finding(name, item.path, label, False, values)
            for value in values:
                try:
                    changed = _with(base_data, {item.path: value}, name)
                except ValueError as error:  # ScenarioError or pydantic's ValidationError
                    raise ValueError(f"{name}: {item.path} = {value!r} is outside what the schema allows: "
                                     f"{error}") from None
                everything = (len(base.seeds), None)
                if measure:
                    runs = _outputs(changed, base.seeds, None)
                    finding.effect |= differs(base.at(*everything), runs, summaries=True)
                    change = _final_index_change(base.at(*everything)[0], runs[0])
                    finding.max_change = max(finding.max_change or 0.0, change)
                    continue
                stages = [(n or len(base.seeds), m) for n, m in QUICK_STAGES if m < changed.steps] + [everything]
                finding.effect = any(differs(base.at(n, m), _outputs(changed, base.seeds[:n], m), summaries=m is None)
                                     for n, m in stages)
                if finding.effect:
                    break
            findings.append(finding)
    return findings


def allowance(finding: Finding) -> str | None:
    """Why ``finding`` may be inert, or None if nothing in :data:`ALLOWED_INERT` says so."""
    return next((why for (scenarios, fields), why in ALLOWED_INERT.items()
                 if fnmatch.fnmatchcase(finding.scenario, scenarios) and fnmatch.fnmatchcase(finding.path, fields)),
                None)


def table(findings: Sequence[Finding]) -> str:
    """Markdown table: field, scenario, context, effect, largest change in the final reform index."""
    lines = ["| field | scenario | context | effect | max change in final reform index |", "|---|---|---|---|---|"]
    for f in findings:
        effect = "yes" if f.effect else ("no (allowed)" if allowance(f) else "**no**")
        change = "" if f.max_change is None else f"{f.max_change:.2g}"
        lines.append(f"| `{f.path}` | {f.scenario} | {f.context} | {effect} | {change} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print the inert-field screen's table (see tests/inert_screen.py).")
    parser.add_argument("scenarios", nargs="*", default=shipped_scenario_names(), help="default: every shipped one")
    parser.add_argument("--seeds", type=int, default=len(SCREEN_SEEDS))
    parser.add_argument("--years", type=int, default=SCREEN_YEARS)
    parser.add_argument("--inert", action="store_true", help="only the fields without effect")
    parser.add_argument("--as-shipped", action="store_true",
                        help="screen every field in the scenario as shipped (no contexts): what is inert as it stands")
    parser.add_argument("--workers", type=int, default=None, help="processes, one scenario each (default: all cores)")
    args = parser.parse_args(argv)
    with ProcessPoolExecutor(args.workers) as pool:
        jobs = [pool.submit(screen, name, range(args.seeds), args.years, True, args.as_shipped)
                for name in args.scenarios]
        findings = [f for job in jobs for f in job.result()]
    shown = [f for f in findings if not f.effect] if args.inert else findings
    print(f"{len(findings)} fields screened in {len(args.scenarios)} scenarios ({args.seeds} seeds x {args.years} "
          f"years); {sum(not f.effect for f in findings)} without effect, "
          f"{sum(not f.effect and not allowance(f) for f in findings)} of them not allowed")
    print(table(shown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
