"""Scenario files: the pydantic schema, safe YAML loading, ``extends`` and user-facing errors.

A scenario is a readable YAML file that sets the country context (actors, pillars, the
influence network, mechanism coefficients) and names a reform strategy. Every actor type
has a block of type-level defaults plus a list of ``members`` that may override any of
them, so a sweep can move one lever for a whole type (``actors.ministry.political_will``)
while a scenario can still give each ministry its own values.

User mistakes never surface as tracebacks: :func:`load_scenario` raises
:class:`ScenarioError`, whose message names the file, the dotted field path, the bad
value and what is allowed (with a "did you mean" for misspelt keys).
"""

from __future__ import annotations

import collections
import copy
import functools
import difflib
import hashlib
import json
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_type_hints

from pydantic import Field, Strict, ValidationError, create_model, model_validator

from .fields import (
    PILLARS,
    Name,
    NonNegative,
    PillarName,
    Positive,
    Probability,
    Rate,
    ScenarioError,
    Schema,
    Unit,
    Years,
)
from .loading import format_validation_error, read_yaml
from .strategy import Strategy, load_strategy_source

#: The most agents a scenario may have. Random ties are drawn by expected degree (:class:`TieRule`),
#: so a run's memory and time grow linearly with its agents and ties (docs/performance.md,
#: "Network scale": a 40-year run of 10^5 agents takes about 4 s and 270 MB, of 10^6 about a
#: minute and 1.3 GB); a million agents is a large country's security units and civil society,
#: unit by unit.
#: ``ssr-sim validate`` states the memory a scenario will take (:mod:`sim.footprint`).
MAX_ACTORS = 1_000_000
#: The most ties a run may expect (:meth:`Scenario.expected_tie_count`): 100 an agent at
#: :data:`MAX_ACTORS`, about 11 GB at the peak (sim/footprint.py), so that a large mean_degree on a
#: large type is refused when the file is read rather than by running out of memory.
MAX_EXPECTED_TIES = 100_000_000
#: Agents one member may expand into (its ``count``): any number up to :data:`MAX_ACTORS`.
MemberCount = Annotated[int, Strict(), Field(ge=1, le=MAX_ACTORS)]
#: A rule's expected ties per target agent: up to 1,000, far above any social network's
#: typical degree (a person knows some 150 others well: Dunbar 1993), so a typo of 10^6 that
#: would ask for 10^12 ties is refused rather than run out of memory.
MeanDegree = Annotated[float, Strict(), Field(ge=0.0, le=1_000.0, allow_inf_nan=False)]
SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"

ActorType = Literal["ministry", "security_force", "parliament", "civil_society", "donor", "spoiler"]
ACTOR_TYPES: tuple[str, ...] = get_args(ActorType)
TieType = Literal["command", "oversight", "funding", "patronage", "advocacy", "threat"]
TIE_TYPES: tuple[str, ...] = get_args(TieType)


# --- actors -------------------------------------------------------------------------------
class ActorBlock(Schema):
    """Fields shared by every actor type: how much weight, how open to influence, how varied."""

    influence: Positive = 1.0
    susceptibility: Unit = Field(0.5, description="Friedkin-Johnsen weight on neighbours vs own interests")
    heterogeneity: Unit = Field(0.05, description="s.d. of agent-level jitter around member values")


class StanceBlock(ActorBlock):
    """An actor type whose initial support for reform is a field of its own.

    Every type but the ministry: a ministry's stance *is* its leadership's political will
    (docs/ODD.md §2.2), so :class:`MinistryBlock` has ``political_will`` and no ``stance``.
    Why removed rather than kept and rejected: a ministry ``stance`` that the model never read
    let ``--set actors.ministry.stance=0.9`` and sweeps over it run without effect and without
    a word (issue 9); without the field, its default no longer sits in every scenario's
    resolved data (and hash), and :meth:`Scenario._no_ministry_stance` tells a file that still
    sets it where the value belongs.
    """

    stance: Unit = Field(0.5, description="initial support for reform")


class MinistryBlock(ActorBlock):
    capacity: Unit = 0.3
    political_will: Unit = Field(0.4, description="the leadership's will to reform: the ministry's initial stance")
    corruption: Unit = 0.5
    absorptive_capacity: Unit = 0.4


class SecurityForceBlock(StanceBlock):
    kind: Name = "army"
    pillar: PillarName = "defence_governance"
    coup_capable: bool = False
    professionalism: Unit = 0.3
    political_autonomy: Unit = 0.5
    corruption: Unit = 0.5
    abuse: Unit = 0.4
    loyalty: Unit = 0.5
    effectiveness: Unit = 0.3


class ParliamentBlock(StanceBlock):
    oversight_capacity: Unit = 0.2
    independence: Unit = 0.3
    corruption: Unit = 0.4
    legal_mandates: Unit = 0.2


class CivilSocietyBlock(StanceBlock):
    monitoring: Unit = 0.2
    mobilisation: Unit = 0.2
    trust: Unit = 0.3


class DonorBlock(StanceBlock):
    budget: NonNegative = Field(1.0, description="monthly funds, in units of the domestic reform budget")
    conditionality: Unit = Field(0.3, description="share of funds tied to observed progress")
    enforcement: Unit = Field(0.2, description="probability a breach is actually sanctioned")
    patience_years: Years = 8.0
    horizon_years: Years = 15.0
    coordination: Unit = 0.4
    flexibility: Unit = 0.4
    visibility_preference: Unit = Field(0.6, description="weight on de jure (visible) results")
    security_assistance: Unit = 0.2
    peacekeeping: Unit = 0.0


class SpoilerBlock(StanceBlock):
    spoiler_type: Literal["limited", "greedy", "total"] = "greedy"
    position: Literal["inside", "outside"] = "inside"
    strength: Unit = 0.4
    cooptability: Unit = 0.3
    rents: dict[PillarName, Unit] = Field(default_factory=dict, description="rents at stake per pillar")


def member_value(block: ActorBlock, member: Any, name: str) -> Any:
    """A member's value of a field: its own override, else its type block's value."""
    override = getattr(member, name)
    return getattr(block, name) if override is None else override


def overriding_members(block: ActorBlock, name: str) -> list[str]:
    """Names of the members that override field ``name`` of their type block (in file order).

    When this is every member, the type-level value reaches no agent: ``--set`` on it or a
    sweep over it changes nothing (see :func:`masked_fields`)."""
    return [member.name for member in block.members if getattr(member, name) is not None]


def _member_model(block: type[ActorBlock]) -> type[Schema]:
    """A member entry: a name, a count, and optional overrides of every field of its block."""
    hints = get_type_hints(block, include_extras=True)
    overrides: dict[str, Any] = {
        field: (hints[field] | None, None) for field in block.model_fields
    }
    return create_model(  # type: ignore[call-overload]
        block.__name__.replace("Block", "Member"),
        __base__=Schema,
        name=(Name, ...),
        count=(MemberCount, 1),
        **overrides,
    )


# Module-level names, so scenarios pickle (process pools, Dask) like any other object.
MinistryMember = _member_model(MinistryBlock)
SecurityForceMember = _member_model(SecurityForceBlock)
ParliamentMember = _member_model(ParliamentBlock)
CivilSocietyMember = _member_model(CivilSocietyBlock)
DonorMember = _member_model(DonorBlock)
SpoilerMember = _member_model(SpoilerBlock)
MEMBER_MODELS = {
    "ministry": MinistryMember, "security_force": SecurityForceMember, "parliament": ParliamentMember,
    "civil_society": CivilSocietyMember, "donor": DonorMember, "spoiler": SpoilerMember,
}


def _type_model(block: type[ActorBlock], actor_type: str, min_members: int) -> type[ActorBlock]:
    member = MEMBER_MODELS[actor_type]
    return create_model(  # type: ignore[call-overload]
        block.__name__.replace("Block", "Type"),
        __base__=block,
        members=(list[member], Field(..., min_length=min_members, max_length=500)),
    )


MinistryType = _type_model(MinistryBlock, "ministry", 1)
SecurityForceType = _type_model(SecurityForceBlock, "security_force", 1)
ParliamentType = _type_model(ParliamentBlock, "parliament", 1)
CivilSocietyType = _type_model(CivilSocietyBlock, "civil_society", 1)
DonorType = _type_model(DonorBlock, "donor", 0)
SpoilerType = _type_model(SpoilerBlock, "spoiler", 0)


class Actors(Schema):
    ministry: MinistryType  # type: ignore[valid-type]
    security_force: SecurityForceType  # type: ignore[valid-type]
    parliament: ParliamentType  # type: ignore[valid-type]
    civil_society: CivilSocietyType  # type: ignore[valid-type]
    donor: DonorType  # type: ignore[valid-type]
    spoiler: SpoilerType  # type: ignore[valid-type]


class Pillar(Schema):
    name: PillarName
    lead: Name = Field(..., description="name of the lead ministry member")
    de_jure: Unit = 0.1
    de_facto: Unit = 0.05
    pace: Annotated[float, Strict(), Field(gt=0.0, le=50.0, allow_inf_nan=False)] = Field(1.0, description="how fast function can follow form on this pillar, relative to the "
                                        "mechanism's de_facto_rate (a time-bound programme such as DDR runs faster)")


# --- network ------------------------------------------------------------------------------
class TieRule(Schema):
    """Role-based random ties of one type, from agents of one actor type to agents of another
    (or the same) type, drawn per run: each target agent receives on average ``mean_degree``
    such ties, whatever the number of agents (docs/ODD.md §5; :func:`sim.network.rule_ties`).

    Each eligible (source, target) pair is tied independently with probability
    ``mean_degree / m``, m being the sources a target can have (a type tied to itself has no
    self ties); a target with fewer than ``mean_degree`` possible sources is tied to all of
    them. Why a degree rather than a probability per pair: with a fixed probability, ties per
    agent grow with the number of agents (34,218 ties at 1,018 agents, 2,981,263 at 9,918) and
    memory with its square; with a fixed degree, each agent hears about as many others in a
    district as in a nation.
    """

    source: ActorType
    target: ActorType
    type: TieType
    mean_degree: MeanDegree = Field(..., description="expected number of ties of this rule each target agent "
                                                     "receives (its in-degree); at most the number of source "
                                                     "agents it can be tied to")
    weight: Unit = 0.5


class ExplicitTie(Schema):
    source: Name
    target: Name
    type: TieType
    weight: Unit = 0.5


#: The default rules. Each ``mean_degree`` is the probability per pair of the rules before issue
#: 12 times the number of sources a target had in the shipped ``baseline`` (4 ministries, 22 forces,
#: 2 parliamentary bodies, 35 civil-society agents, 3 donors, 2 spoilers; a type tied to itself
#: counts the others only): e.g. parliament -> ministry 0.6 x 2 = 1.2, civil society -> civil
#: society 0.05 x 34 = 1.7. Why: ``baseline``, ``donor_surge`` and ``reforming_state`` have
#: baseline's agents, so each of their pairs is still tied with the old probability and their
#: networks keep the distribution they had (only the draws differ). ``captured_state`` (three
#: spoilers) and ``post_conflict`` (three spoilers, four donors) now give each target two-thirds
#: of the spoiler ties and three-quarters of the donor ties it had: a target's ties no longer
#: depend on how many sources a scenario has, which is the point of the change.
DEFAULT_TIE_RULES: tuple[dict[str, Any], ...] = (
    {"source": "ministry", "target": "ministry", "type": "command", "mean_degree": 1.5, "weight": 0.4},
    {"source": "ministry", "target": "security_force", "type": "command", "mean_degree": 1.2, "weight": 0.5},
    {"source": "parliament", "target": "ministry", "type": "oversight", "mean_degree": 1.2, "weight": 0.3},
    {"source": "parliament", "target": "security_force", "type": "oversight", "mean_degree": 0.6, "weight": 0.3},
    {"source": "donor", "target": "ministry", "type": "funding", "mean_degree": 2.1, "weight": 0.4},
    {"source": "donor", "target": "civil_society", "type": "funding", "mean_degree": 0.9, "weight": 0.3},
    {"source": "civil_society", "target": "parliament", "type": "advocacy", "mean_degree": 10.5, "weight": 0.3},
    {"source": "civil_society", "target": "civil_society", "type": "advocacy", "mean_degree": 1.7, "weight": 0.3},
    {"source": "civil_society", "target": "ministry", "type": "advocacy", "mean_degree": 1.75, "weight": 0.2},
    {"source": "spoiler", "target": "ministry", "type": "patronage", "mean_degree": 1.0, "weight": 0.5},
    {"source": "spoiler", "target": "security_force", "type": "patronage", "mean_degree": 0.8, "weight": 0.5},
    {"source": "spoiler", "target": "parliament", "type": "patronage", "mean_degree": 0.6, "weight": 0.4},
    {"source": "spoiler", "target": "civil_society", "type": "threat", "mean_degree": 0.2, "weight": 0.4},
    {"source": "security_force", "target": "security_force", "type": "patronage", "mean_degree": 1.05, "weight": 0.3},
    {"source": "security_force", "target": "civil_society", "type": "threat", "mean_degree": 0.44, "weight": 0.3},
)


class Network(Schema):
    rules: list[TieRule] = Field(default_factory=lambda: [TieRule(**r) for r in DEFAULT_TIE_RULES])
    ties: list[ExplicitTie] = Field(default_factory=list)
    self_weight: Unit = Field(0.5, description="weight an actor gives its own current stance")


# --- mechanisms ---------------------------------------------------------------------------
#: A default's ``calibrated`` mark (in ``json_schema_extra``): where its value comes from, when that
#: is the shipped calibration (issue 10; tests/calibration/test_shipped_posterior.py checks that the
#: marked fields are exactly the calibration file's fitted and held coefficients, at these values).
CALIBRATED = ("the median of the shipped posterior's draws, three significant digits "
              "(experiments/calibration/posterior.csv; docs/calibration.md)")
HELD = ("held at this value by the shipped calibration, which does not fit it (experiments/calibration.yaml, "
        "fixed_reason; docs/calibration.md)")


class Switchable(Schema):
    enabled: bool = True


class InfluenceParams(Switchable):
    """Friedkin-Johnsen influence, and the interests that anchor each non-ministry actor.

    Every field's ``prior`` (in ``json_schema_extra``) is the range a calibration may search
    and ``prior_reason`` why (``sim.calibration.priors``); it is not read by the model. Where
    a coefficient is judgement with no published size (docs/ODD.md §8), the prior is half to
    twice the default, cut to the field's type bounds: a factor of two either way is the
    uncertainty of a hand-set coefficient whose order of magnitude, not value, is known. A
    default the calibration set (``calibrated``) keeps the prior stated around its hand-set value."""

    force_anchor_base: Unit = Field(0.2, description="a force's support for reform with no professional integrity",
                                    json_schema_extra={"prior": [0.1, 0.4], "prior_reason":
                                                       "judgement (rule after DCAF; OECD DAC 2007): half to twice"})
    force_anchor_integrity: Unit = Field(0.6, description="support added by professionalism x (1 - corruption)",
                                         json_schema_extra={"prior": [0.3, 0.8], "prior_reason":
                                                            "judgement: half the default up to 0.8, so that the "
                                                            "anchor at the prior's top (0.4 + 0.8) saturates little"})
    parliament_anchor_base: Unit = Field(0.3, description="parliament's support with no independence",
                                         json_schema_extra={"prior": [0.15, 0.6], "prior_reason":
                                                            "judgement: half to twice"})
    parliament_anchor_independence: Unit = Field(0.6, description="support added by independence x (1 - corruption)",
                                                 json_schema_extra={"prior": [0.3, 0.8], "prior_reason":
                                                                    "judgement: half the default up to 0.8 (as "
                                                                    "force_anchor_integrity)"})
    spoiler_anchor: Unit = Field(0.5, description="a spoiler's support when no rents are threatened and it is weak",
                                 json_schema_extra={"prior": [0.25, 0.75], "prior_reason":
                                                    "judgement (rule after Stedman 1997): half to one and a half; "
                                                    "above 0.75 an unthreatened spoiler would be a reformer"})


class WillParams(Switchable):
    donor_pressure: Rate = Field(0.25, json_schema_extra={"prior": [0.125, 0.5], "prior_reason":
                                                          "judgement (Svensson 2003; Kilby 2009 for weak "
                                                          "conditionality): half to twice"})
    civil_society_pressure: Rate = Field(0.2, json_schema_extra={"prior": [0.1, 0.4], "prior_reason":
                                                                 "judgement (Detzner 2017 for the direction): "
                                                                 "half to twice"})
    parliament_pressure: Rate = Field(0.15, json_schema_extra={"prior": [0.075, 0.3], "prior_reason":
                                                               "judgement (OECD DAC 2007): half to twice"})
    spoiler_threat: Rate = Field(0.35, json_schema_extra={"prior": [0.175, 0.7], "prior_reason":
                                                          "judgement (Stedman 1997 for the direction): half to twice"})
    rents_lost: Rate = Field(0.15, json_schema_extra={"prior": [0.075, 0.3], "prior_reason":
                                                      "judgement (OECD DAC 2007: reform creates losers): half to twice"})
    election_interval_years: Annotated[float, Strict(), Field(ge=1, le=200, allow_inf_nan=False)] = Field(
        5.0, json_schema_extra={"not_calibrated": "a country's constitutional term (typically 4-5 years), a fact "
                                                  "of the scenario rather than a behavioural coefficient"})
    election_shock_sd: Unit = Field(0.08, json_schema_extra={"prior": [0.04, 0.16], "prior_reason":
                                                             "judgement: half to twice"})
    relapse_shock: Unit = Field(0.25, description="fall in leadership will when war resumes",
                                json_schema_extra={"prior": [0.125, 0.5], "prior_reason": "judgement: half to twice"})


class CorruptionParams(Switchable):
    baseline_rent: Annotated[float, Strict(), Field(ge=-10, le=10, allow_inf_nan=False)] = Field(
        -0.9, json_schema_extra={"prior": [-1.8, -0.45], "prior_reason":
                                 "judgement, set with peer_effect and detection_penalty so that two basins exist "
                                 "at baseline detection (docs/ODD.md §7.6, §8 question 5): half to twice, which "
                                 "spans settings with and without the corrupt basin"})
    peer_effect: Rate = Field(2.48, json_schema_extra={"prior": [1.3, 5.2], "prior_reason":
                                                       "judgement (Persson, Rothstein & Teorell 2013: the payoff "
                                                       "rises with prevalence; Hammond 2000): half to twice the "
                                                       "hand-set 2.6", "calibrated": CALIBRATED})
    detection_penalty: Rate = Field(1.5, json_schema_extra={"prior": [0.75, 3.0], "prior_reason":
                                                            "judgement (Klitgaard 1988): half to twice"})
    capture_strength: Rate = Field(0.5, json_schema_extra={"prior": [0.25, 1.0], "prior_reason":
                                                           "judgement (Geller & Moss 2008): half to twice"})
    steepness: Rate = Field(5.0, json_schema_extra={"prior": [2.5, 10.0], "prior_reason":
                                                    "judgement (logit best response, Hammond 2000): half to twice"})
    adjustment_rate: Unit = Field(0.0077, json_schema_extra={"prior": [0.003, 0.012], "prior_reason":
                                                             "the hand-set 0.006 was chosen so the fastest runs take "
                                                             "about as long as the fastest published reformers in "
                                                             "corruption control (WDR 2011 Box 3.6; docs/ODD.md §8 "
                                                             "question 5): half to twice it, a half-life of the gap "
                                                             "of 5 to 20 years", "calibrated": CALIBRATED})
    base_detection: Unit = Field(0.05, json_schema_extra={"prior": [0.025, 0.1], "prior_reason":
                                                          "judgement: half to twice"})
    diversion_rate: Unit = Field(0.6, json_schema_extra={"prior": [0.3, 1.0], "prior_reason":
                                                         "judgement: half the default up to all of a corrupt "
                                                         "lead's share (the type bound)"})
    drive_overload_damping: Unit = Field(0.5, description="share of an integrity drive lost when its lead ministry "
                                                          "is fully overloaded",
                                         json_schema_extra={"prior": [0.25, 1.0], "prior_reason":
                                                            "judgement: half to twice"})


class CapacityParams(Switchable):
    growth_rate: Rate = Field(0.0765, json_schema_extra={"prior": [0.0075, 0.12], "prior_reason":
                                                         "judgement; with decay_rate it sets the status-quo drift "
                                                         "(T2; docs/ODD.md §8 question 2): half the hand-set 0.015 "
                                                         "to twice it, divided by what authority_weight and "
                                                         "trap_weight at 1 leave of growth (a will of about 0.45 "
                                                         "times a capability of about 0.35, so up to eight times)",
                                                         "calibrated": CALIBRATED})
    decay_rate: Unit = Field(0.0043, json_schema_extra={"prior": [0.001, 0.006], "prior_reason":
                                                        "judgement (T2, as growth_rate): half to three times the "
                                                        "hand-set 0.002, a half-life without investment of 10 to "
                                                        "58 years; twice until calibration round 14, whose "
                                                        "predecessors' posteriors leaned on that bound "
                                                        "(docs/calibration.md)", "calibrated": HELD})
    load_tolerance: Rate = Field(5.0, json_schema_extra={"prior": [2.5, 7.5], "prior_reason":
                                                         "judgement (Andrews, Pritchett & Woolcock 2017 ch. 3 for "
                                                         "the mechanism): half to one and a half, the range "
                                                         "experiments/absorptive_capacity.yaml explores"})
    shared_load: Rate = Field(0.2, json_schema_extra={"prior": [0.1, 0.3], "prior_reason":
                                                      "judgement: half to one and a half, as load_tolerance"})
    absorptive_rate: Unit = Field(0.015, json_schema_extra={"prior": [0.0075, 0.0225], "prior_reason":
                                                            "judgement: half to one and a half, as load_tolerance"})
    overload_erosion: Rate = Field(0.005, json_schema_extra={"prior": [0.0025, 0.0075], "prior_reason":
                                                             "judgement (Pritchett & de Weijer 2010 for the "
                                                             "direction): half to one and a half, as load_tolerance"})
    de_jure_rate: Rate = Field(0.02, json_schema_extra={"prior": [0.01, 0.04], "prior_reason":
                                                        "judgement; with de_facto_rate it sets the pace (T1; "
                                                        "docs/ODD.md §8 question 1): half to twice"})
    de_facto_rate: Rate = Field(0.0243, json_schema_extra={"prior": [0.01, 0.04], "prior_reason":
                                                           "judgement (T1, as de_jure_rate): half to twice the "
                                                           "hand-set 0.02", "calibrated": CALIBRATED})
    de_facto_decay: Unit = Field(0.004, json_schema_extra={"prior": [0.002, 0.008], "prior_reason":
                                                           "judgement (T2, as growth_rate): half to twice"})
    domestic_budget: NonNegative = Field(1.0, json_schema_extra={"not_calibrated":
                                                                 "the unit of money: donors' budgets are stated in "
                                                                 "it (actors.donor.budget), so it is 1 by "
                                                                 "definition; the population prior varies aid "
                                                                 "through donors' budgets instead"})
    routine_budget_share: Unit = Field(0.1, description="share of the domestic reform budget every ministry gets "
                                                        "as routine funding",
                                       json_schema_extra={"prior": [0.05, 0.2], "prior_reason":
                                                          "judgement (T2: the status-quo drift; docs/ODD.md §8 "
                                                          "question 2): half to twice"})
    rule_of_law_pace: Rate = Field(
        0.473, description="pace of function on the rule of law's pillars (justice, policing), relative to every "
                           "other pillar's (docs/ODD.md §7.7); multiplies their pillars[].pace",
        json_schema_extra={"calibrated": CALIBRATED, "prior": [0.2, 1.0], "prior_reason":
                           "from as fast as any other pillar (1, the value before calibration) to five times slower: "
                           "the rule of law is the slowest of the five indicators to reach the threshold "
                           "(WDR 2011 Box 3.6: 41 years for the fastest 20, against 17-27 for military, "
                           "bureaucratic quality and corruption control; Carothers 2006, Promoting the Rule of "
                           "Law Abroad, on why courts and policing change slowly) (T1)"})
    domestic_effort: Unit = Field(
        0.283, description="reform effort a wholly committed lead ministry puts on each pillar it leads by "
                           "itself, without a programme (docs/ODD.md §7.7); 0: no reform without a programme",
        json_schema_extra={"calibrated": CALIBRATED, "prior": [0.0, 0.4], "prior_reason":
                           "judgement, from none (the value before calibration) to a donor programme's "
                           "own push per pillar (a shipped strategy "
                           "spends 2.4 over six pillars); the fastest reformers of WDR 2011 Box 3.6 reformed "
                           "largely without SSR programmes (T1)"})
    domestic_will_threshold: Unit = Field(
        0.5, description="a lead ministry's will below which it reforms nothing by itself",
        json_schema_extra={"prior": [0.3, 0.7], "prior_reason":
                           "judgement: the will scale's midpoint, plus or minus 0.2; with domestic_effort it "
                           "sets which share of the population reforms on its own (T1, T2)"})
    authority_weight: Unit = Field(
        0.4, description="share of capability growth that needs the ministry's political will (docs/ODD.md §7.7); "
                         "0: growth ignores will",
        json_schema_extra={"calibrated": HELD, "prior": [0.0, 1.0], "prior_reason":
                           "the whole unit range, from growth blind to will (the value before calibration) "
                           "to none without it: Andrews, Pritchett & Woolcock "
                           "2017 ch. 9 name authority as a condition of capability building but give no size "
                           "(T1 bureaucratic quality, T2)"})
    trap_weight: Unit = Field(
        0.85, description="share of capability growth that needs capability already in place (docs/ODD.md §7.7); "
                          "0: growth is fastest where capability is lowest",
        json_schema_extra={"calibrated": HELD, "prior": [0.0, 1.0], "prior_reason":
                           "the whole unit range, from growth that ignores how capable a ministry already is "
                           "(the value before calibration) to logistic growth: "
                           "capability traps (Pritchett, Woolcock & Andrews 2013) give the direction, not the "
                           "size (T2: the weakest states stagnate)"})


class SpoilerParams(Switchable):
    obstruction: Rate = Field(1.5, json_schema_extra={"prior": [0.75, 3.0], "prior_reason":
                                                      "judgement (Stedman 1997 for the direction): half to twice"})
    violence: Rate = Field(0.6, json_schema_extra={"prior": [0.3, 1.2], "prior_reason":
                                                   "judgement (Stedman 1997 for the direction): half to twice"})
    ddr_disarmament: Unit = Field(0.6, description="share of outside spoilers' violence a fully working DDR "
                                                   "pillar removes (UN IDDRS 2006; size judgement)",
                                  json_schema_extra={"prior": [0.3, 0.9], "prior_reason":
                                                     "United Nations 2006 for the purpose; size judgement: half to "
                                                     "one and a half (never all: fighters outside the programme "
                                                     "remain)"})
    cooptation_effort: Unit = Field(0.0, json_schema_extra={"not_calibrated":
                                                            "a policy lever (how hard the government co-opts "
                                                            "spoilers), 0 unless a scenario chooses it; a choice, "
                                                            "not a property of the world"})
    coercion: Rate = Field(0.02, json_schema_extra={"prior": [0.01, 0.04], "prior_reason":
                                                    "judgement (Stedman 1997: coercion by custodians): half to twice"})
    growth: Rate = Field(0.01, json_schema_extra={"prior": [0.005, 0.02], "prior_reason":
                                                  "judgement (Geller & Moss 2008: networks feed on rents): half to "
                                                  "twice"})


class DonorParams(Switchable):
    fragmentation_cost: Unit = Field(0.4, json_schema_extra={"prior": [0.2, 0.8], "prior_reason":
                                                             "judgement (Detzner 2017: poor donor coordination): "
                                                             "half to twice"})
    expected_progress_per_year: Unit = Field(0.02, json_schema_extra={"prior": [0.01, 0.04], "prior_reason":
                                                                      "a plausible reading of Svensson 2003 and Kilby "
                                                                      "2009, not an estimate (docs/ODD.md §8 "
                                                                      "question 6): half to twice"})
    stall_tolerance: Unit = Field(0.005, json_schema_extra={"prior": [0.0025, 0.01], "prior_reason":
                                                            "judgement: half to twice"})


class CivilSocietyParams(Switchable):
    growth_rate: Rate = Field(0.01, json_schema_extra={"prior": [0.005, 0.02], "prior_reason":
                                                       "judgement (Detzner 2017 for the direction): half to twice"})
    repression: Rate = Field(0.02, json_schema_extra={"prior": [0.01, 0.04], "prior_reason":
                                                      "judgement: half to twice"})
    trust_rate: Unit = Field(0.03, json_schema_extra={"prior": [0.015, 0.06], "prior_reason":
                                                      "judgement: half to twice"})
    mobilisation_rate: Unit = Field(0.03, json_schema_extra={"prior": [0.015, 0.06], "prior_reason":
                                                             "judgement: half to twice"})
    parliament_rate: Unit = Field(0.03, json_schema_extra={"prior": [0.015, 0.06], "prior_reason":
                                                           "judgement: half to twice"})
    donor_support: Rate = Field(0.3, json_schema_extra={"prior": [0.15, 0.6], "prior_reason":
                                                        "judgement: half to twice"})
    civic_space_without_oversight: Unit = Field(0.1, description="civic space where the scenario has no oversight "
                                                                 "pillar",
                                                json_schema_extra={"not_calibrated":
                                                                   "read only where a scenario has no oversight "
                                                                   "pillar; every base scenario of the calibration "
                                                                   "population has one, so no target can inform it"})


class SecurityParams(Switchable):
    force_adjustment_rate: Unit = Field(0.03, json_schema_extra={"prior": [0.015, 0.06], "prior_reason":
                                                                 "judgement: half to twice"})
    violence_rate: Unit = Field(0.08, json_schema_extra={"prior": [0.04, 0.16], "prior_reason":
                                                         "judgement (Epstein 2002 for the rule): half to twice"})
    base_violence: Unit = Field(0.1, json_schema_extra={"prior": [0.05, 0.2], "prior_reason":
                                                        "judgement: half to twice"})
    relapse_hazard: Probability = Field(0.0125, json_schema_extra={"prior": [0.0041, 0.0164], "prior_reason":
                                                                   "the hand-set 0.0082 gave about 40 % ten-year "
                                                                   "relapse in post_conflict under the status quo "
                                                                   "(T3; docs/ODD.md §8 question 3); half to twice "
                                                                   "it spans the published band 23-57 % and more",
                                                                   "calibrated": CALIBRATED})
    relapse_ddr_protection: Unit = Field(0.8, description="share of relapse risk working DDR removes (Toft 2010)",
                                         json_schema_extra={"prior": [0.4, 1.0], "prior_reason":
                                                            "Toft 2010, Walter 2015 for the direction; size "
                                                            "judgement (docs/ODD.md §8 question 10): half the "
                                                            "default up to the type bound"})
    relapse_policing_protection: Unit = Field(0.5, description="share of relapse risk working policing removes "
                                                               "(Toft 2010; size judgement)",
                                              json_schema_extra={"prior": [0.25, 1.0], "prior_reason":
                                                                 "Toft 2010 for the direction; size judgement: "
                                                                 "half to twice"})
    relapse_governance_protection: Unit = Field(0.6, description="share of relapse risk good governance removes "
                                                                 "(Walter 2015; Hegre & Nygard 2015)",
                                                json_schema_extra={"prior": [0.3, 1.0], "prior_reason":
                                                                   "Walter 2015; Hegre & Nygard 2015 for the "
                                                                   "direction; size judgement: half the default up "
                                                                   "to the type bound"})
    peace_memory_years: Annotated[float, Strict(), Field(gt=0, le=200, allow_inf_nan=False)] = Field(
        15.0, json_schema_extra={"prior": [7.5, 30.0], "prior_reason":
                                 "judgement (Collier, Hoeffler & Soderbom 2008: risk falls with years of peace): "
                                 "half to twice"})
    relapse_violence: Unit = Field(0.8, json_schema_extra={"prior": [0.6, 1.0], "prior_reason":
                                                           "judgement: what war means on the violence scale; "
                                                           "from 0.6 (the success threshold's level) to the bound"})
    war_years: Years = Field(5.0, json_schema_extra={"prior": [2.5, 10.0], "prior_reason":
                                                     "judgement: half to twice"})
    violence_noise: Unit = Field(0.02, description="width of the uniform monthly shock to violence",
                                 json_schema_extra={"prior": [0.01, 0.04], "prior_reason":
                                                    "judgement (noise lets violence tip; Epstein 2002): half to "
                                                    "twice"})
    relapse_function_loss: Unit = Field(0.3, description="share of de facto function lost when war resumes",
                                        json_schema_extra={"prior": [0.15, 0.6], "prior_reason":
                                                           "judgement (rule after Collier, Hoeffler & Soderbom "
                                                           "2008): half to twice"})
    coup_hazard: Probability = Field(0.0006, json_schema_extra={"prior": [0.0003, 0.0012], "prior_reason":
                                                                "not calibrated to a published coup rate "
                                                                "(docs/ODD.md §8 question 4): half to twice"})
    coup_trap: Rate = Field(1.0, json_schema_extra={"prior": [0.5, 2.0], "prior_reason":
                                                    "Londregan & Poole 1990 for the direction; size judgement: half "
                                                    "to twice"})
    assistance_autonomy: Unit = Field(0.1, json_schema_extra={"prior": [0.05, 0.2], "prior_reason":
                                                              "Savage & Caverley 2017 for the direction; size "
                                                              "judgement: half to twice"})
    autonomy_ceiling: Unit = Field(0.519, description="political autonomy forces head to with no oversight and no "
                                                      "professionalism (A* = a0 (1 - k_o F_ov)(1 - k_p P*) + ...)",
                                   json_schema_extra={"prior": [0.3, 0.9], "prior_reason":
                                                      "Svolik 2012 (the guardianship dilemma: unchecked forces "
                                                      "take a political role) for the direction; size judgement: "
                                                      "half to one and a half times the hand-set 0.6",
                                                      "calibrated": CALIBRATED})
    oversight_restraint: Unit = Field(0.7, description="share of that autonomy working civilian oversight removes "
                                                       "(k_o)",
                                      json_schema_extra={"prior": [0.35, 1.0], "prior_reason":
                                                         "Feaver 2003 (civilian monitoring restrains the agent) for "
                                                         "the direction; size judgement: half the default up to the "
                                                         "type bound"})
    professional_restraint: Unit = Field(0.6, description="share of that autonomy professionalism removes (k_p)",
                                         json_schema_extra={"prior": [0.3, 1.0], "prior_reason":
                                                            "Huntington 1957 (objective control: professional "
                                                            "forces keep out of politics) for the direction; size "
                                                            "judgement: half the default up to the type bound"})
    coup_will_cap: Unit = Field(0.2, description="leadership will after a successful coup, at most",
                                json_schema_extra={"prior": [0.1, 0.4], "prior_reason":
                                                   "judgement (rule after Svolik 2012): half to twice"})
    coup_independence_loss: Unit = Field(0.5, description="share of parliament's independence a successful coup "
                                                          "removes",
                                         json_schema_extra={"prior": [0.25, 1.0], "prior_reason":
                                                            "judgement: half to twice"})
    coup_autonomy_gain: Unit = Field(0.2, description="political autonomy the coup-makers gain",
                                     json_schema_extra={"prior": [0.1, 0.4], "prior_reason":
                                                        "judgement: half to twice"})
    coup_oversight_loss: Unit = Field(0.5, description="share of the oversight pillar's de jure form a coup removes",
                                      json_schema_extra={"prior": [0.25, 1.0], "prior_reason":
                                                         "judgement: half to twice"})
    coup_donor_patience_cut_years: Years = Field(2.0, description="donor patience a successful coup costs",
                                                 json_schema_extra={"prior": [1.0, 4.0], "prior_reason":
                                                                    "judgement: half to twice"})
    failed_coup_will_loss: Unit = Field(0.05, description="fall in leadership will after a failed coup",
                                        json_schema_extra={"prior": [0.025, 0.1], "prior_reason":
                                                           "judgement: half to twice"})


class InterventionParams(Schema):
    """How far one intervention moves what it moves (a workshop decision, or a scheduled one)."""

    effort_step: Unit = Field(0.5, description="effort added to (or removed from) a pillar")
    conditionality_step: Unit = Field(0.2, description="added to active donors' conditionality and enforcement")
    assistance_step: Unit = Field(0.2, description="added to active donors' security assistance")
    peacekeeping_step: Unit = Field(0.3, description="peacekeeping added by the leading active donor")
    civil_society_support_step: Rate = Field(0.3, description="added to donor support to civil society")
    cooptation_strength_cut: Unit = Field(0.5, description="share of strength a fully co-optable spoiler loses")
    cooptation_stance_pull: Unit = Field(0.5, description="share of the way toward support a co-opted spoiler moves")
    cooptation_client_corruption: Unit = Field(0.02, description="corruption its patronage clients gain (the price)")
    confrontation_base: Unit = Field(0.2, description="share of strength a confronted spoiler loses anyway")
    confrontation_capacity: Unit = Field(0.4, description="further share lost per unit of the forces' effectiveness")
    confrontation_backlash: Unit = Field(0.1, description="violence an outside spoiler adds per unit of strength x "
                                                          "resolve")


class Mechanisms(Schema):
    influence: InfluenceParams = InfluenceParams()
    political_will: WillParams = WillParams()
    corruption: CorruptionParams = CorruptionParams()
    capacity: CapacityParams = CapacityParams()
    spoilers: SpoilerParams = SpoilerParams()
    donors: DonorParams = DonorParams()
    civil_society: CivilSocietyParams = CivilSocietyParams()
    security: SecurityParams = SecurityParams()
    interventions: InterventionParams = InterventionParams()


class Context(Schema):
    post_conflict: bool = False
    initial_violence: Unit = 0.2
    monitoring_noise: Unit = Field(0.05, description="s.d. of M&E noise on observed indicators")
    indicator_manipulation: Unit = Field(0.1, description="how far reported function is inflated toward form")
    pillar_return_spread: Unit = Field(0.4, description="s.d. of the log of each pillar's tractability, drawn per "
                                                        "run: how much pillars differ in what effort buys")
    blocked_pillar_share: Unit = Field(0.2, description="chance that a pillar is blocked in a run (effort there builds "
                                                        "form, little function); drawn per run, unknown to strategies")
    blocked_pillar_return: Unit = Field(0.1, description="tractability of a blocked pillar")


class Event(Schema):
    """A scheduled push or shock, e.g. a temporary anti-corruption drive."""

    kind: Literal["anticorruption_push", "violence_shock", "election"]
    start_year: Years
    duration_years: Years = 1.0
    strength: Unit = 0.5


InterventionKind = Literal[
    "fund_pillar", "scale_back_pillar", "tighten_conditionality", "relax_conditionality", "coopt_spoiler",
    "confront_spoiler", "back_civil_society", "train_army", "deploy_peacekeepers", "hold_elections",
]
#: What each intervention is aimed at ("pillar", "spoiler") or None.
INTERVENTION_TARGETS: dict[str, str | None] = {
    "fund_pillar": "pillar", "scale_back_pillar": "pillar", "coopt_spoiler": "spoiler", "confront_spoiler": "spoiler",
    "tighten_conditionality": None, "relax_conditionality": None, "back_civil_society": None, "train_army": None,
    "deploy_peacekeepers": None, "hold_elections": None,
}


class Intervention(Schema):
    """A decision taken mid-run: the same ones a workshop team makes, at a time set in advance.

    It acts at the start of the first month after ``year`` (an intervention at year 3 acts in
    month 37, as one pressed in the app after 36 months does); its size is set by
    ``mechanisms.interventions``. ``target`` names a pillar (fund_pillar, scale_back_pillar) or
    a spoiler member (coopt_spoiler, confront_spoiler)."""

    kind: InterventionKind
    year: Years
    target: Name | None = None

    @model_validator(mode="after")
    def _target_for_kind(self) -> "Intervention":
        needs = INTERVENTION_TARGETS[self.kind]
        if needs and self.target is None:
            raise ValueError(f"target: '{self.kind}' needs a {needs} as its target")
        if not needs and self.target is not None:
            raise ValueError(f"target: '{self.kind}' takes no target")
        return self


class Outcomes(Schema):
    threshold: Unit = 0.6
    success_sustain_years: Years = 5.0


class Scenario(Schema):
    name: Name
    description: str = ""
    horizon_years: Annotated[int, Strict(), Field(ge=1, le=200)] = 40
    context: Context = Context()
    actors: Actors
    pillars: list[Pillar] = Field(..., min_length=1, max_length=len(PILLARS))
    network: Network = Network()
    mechanisms: Mechanisms = Mechanisms()
    strategy: Strategy
    events: list[Event] = Field(default_factory=list)
    interventions: list[Intervention] = Field(default_factory=list, max_length=10_000)
    outcomes: Outcomes = Outcomes()

    @model_validator(mode="before")
    @classmethod
    def _no_ministry_stance(cls, data: Any) -> Any:
        """Point a ministry ``stance`` to ``political_will``, which is a ministry's stance.

        Without this, the unknown-field message would list the allowed fields without saying
        that the value the file meant to set is ``political_will`` (see :class:`StanceBlock`)."""
        actors = data.get("actors") if isinstance(data, dict) else None
        ministry = actors.get("ministry") if isinstance(actors, dict) else None
        if not isinstance(ministry, dict):
            return data
        members = ministry.get("members")
        paths = ["actors.ministry.stance"] if "stance" in ministry else []
        paths += [f"actors.ministry.members.{position}.stance"
                  for position, member in enumerate(members if isinstance(members, list) else [])
                  if isinstance(member, dict) and "stance" in member]
        if paths:
            raise ValueError(f"{', '.join(paths)}: a ministry has no separate stance; its initial stance is its "
                             "political will, so set 'political_will' instead")
        return data

    @model_validator(mode="before")
    @classmethod
    def _no_tie_probability(cls, data: Any) -> Any:
        """Tell a file whose tie rule still gives ``probability`` what replaced it.

        A probability per pair cannot be converted without the agent counts of the run it is
        used in (and made ties per agent grow with them: :class:`TieRule`), so it is refused
        with the conversion the file's author can make, rather than reported as an unknown field."""
        network = data.get("network") if isinstance(data, dict) else None
        rules = network.get("rules") if isinstance(network, dict) else None
        paths = [f"network.rules.{position}.probability" for position, rule in
                 enumerate(rules if isinstance(rules, list) else []) if isinstance(rule, dict) and "probability" in rule]
        if paths:
            raise ValueError(f"{', '.join(paths)}: a tie rule gives 'mean_degree', the expected number of its ties "
                             "each target agent receives (a number from 0 to 1000), no longer a probability per "
                             "pair; the same network at this size has mean_degree = probability x the number of "
                             "source agents")
        return data

    @model_validator(mode="after")
    def _cross_references(self) -> "Scenario":
        ministries = {m.name for m in self.actors.ministry.members}
        names = [p.name for p in self.pillars]
        for position, pillar in enumerate(self.pillars):
            if pillar.lead not in ministries:
                raise ValueError(
                    f"pillars.{position}.lead: '{pillar.lead}' is not a ministry; "
                    f"allowed: {sorted(ministries)}"
                )
        if len(set(names)) != len(names):
            raise ValueError(f"pillars: each pillar may appear once, got {names}")
        for position, member in enumerate(self.actors.ministry.members):
            if member.count != 1:
                raise ValueError(f"actors.ministry.members.{position}.count: a ministry is one actor (count 1); "
                                 "list several ministries as separate members")
        forces = self.actors.security_force
        for position, member in enumerate(forces.members):
            pillar = member.pillar or forces.pillar
            if pillar not in names:
                raise ValueError(f"actors.security_force.members.{position}.pillar: '{pillar}' is not "
                                 f"a pillar of this scenario; pillars: {names}")
        total = self.actor_count()
        if total > MAX_ACTORS:
            raise ValueError(f"actors: {total} agents in all; allowed at most {MAX_ACTORS}")
        members = [m.name for block in ACTOR_TYPES for m in getattr(self.actors, block).members]
        duplicates = sorted(name for name, times in collections.Counter(members).items() if times > 1)
        if duplicates:
            raise ValueError(f"actors: member names must be unique, repeated: {duplicates}")
        for problem in self.strategy.carrying_problems(names):
            raise ValueError(f"strategy: {problem}; name more pillars in that phase or lower total_effort")
        spoilers = [m.name for m in self.actors.spoiler.members]
        for position, intervention in enumerate(self.interventions):
            allowed = {"pillar": names, "spoiler": spoilers}.get(INTERVENTION_TARGETS[intervention.kind])
            if allowed is not None and intervention.target not in allowed:
                raise ValueError(f"interventions.{position}.target: '{intervention.target}' is not a "
                                 f"{INTERVENTION_TARGETS[intervention.kind]} of this scenario; allowed: {allowed}")
        counts = {m.name: m.count for block in ACTOR_TYPES for m in getattr(self.actors, block).members}
        pairs = 0
        for position, tie in enumerate(self.network.ties):
            for end in ("source", "target"):
                if getattr(tie, end) not in members:
                    raise ValueError(f"network.ties.{position}.{end}: unknown actor "
                                     f"'{getattr(tie, end)}'; actors are {members}")
            pairs += counts[tie.source] * counts[tie.target]
            if pairs > MAX_ACTORS:
                raise ValueError(f"network.ties.{position}: ties every agent of '{tie.source}' to every agent of "
                                 f"'{tie.target}', {pairs} agent pairs with the ties before it; allowed at most "
                                 f"{MAX_ACTORS} (a tie rule, network.rules, ties large groups sparsely)")
        ties = self.expected_tie_count()
        if ties > MAX_EXPECTED_TIES:
            raise ValueError(f"network.rules: about {ties:,.0f} ties expected in a run; allowed at most "
                             f"{MAX_EXPECTED_TIES:,} (each takes about 115 bytes at the peak): lower the rules' "
                             "mean_degree")
        return self

    @property
    def steps(self) -> int:
        return 12 * self.horizon_years

    def replace(self, source: str | Path = "<scenario>", **changes: Any) -> "Scenario":
        """This scenario with top-level fields replaced (values or their YAML mappings),
        validated again, cross-references included; ScenarioError names ``source``."""
        try:
            return Scenario.model_validate({**dict(self), **changes})
        except ValidationError as error:
            raise ScenarioError(format_validation_error(error, source, Scenario)) from None

    def actor_count(self) -> int:
        """Agents in all, members' counts included."""
        return sum(m.count for block in ACTOR_TYPES for m in getattr(self.actors, block).members)

    def expected_tie_count(self) -> float:
        """Ties a replication is expected to have, before duplicates merge (so at least the mean):
        one command tie per security force, a patronage tie per spoiler agent and pillar of the
        scenario where it has rents, each rule's targets x min(mean_degree, sources it can have),
        and every explicit tie's agent pairs. From the schema alone, for memory estimates
        (:mod:`sim.footprint`) and :data:`MAX_EXPECTED_TIES`."""
        counts = {t: sum(m.count for m in getattr(self.actors, t).members) for t in ACTOR_TYPES}
        pillars = {p.name for p in self.pillars}
        spoilers = self.actors.spoiler
        structural = counts["security_force"] + sum(
            member.count * sum(1 for pillar, rent in member_value(spoilers, member, "rents").items()
                               if rent > 0 and pillar in pillars)
            for member in spoilers.members)
        random = sum(counts[r.target] * min(r.mean_degree, max(counts[r.source] - (r.source == r.target), 0))
                     for r in self.network.rules)
        agents = {m.name: m.count for t in ACTOR_TYPES for m in getattr(self.actors, t).members}
        return float(structural + random + sum(agents[t.source] * agents[t.target] for t in self.network.ties))

    def content_hash(self) -> str:
        """sha256 of the fully resolved scenario: the identity of a run's inputs."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def masked_fields(scenario: Scenario, source: str | Path = "<scenario>") -> list[str]:
    """Warnings, one per type-level actor value the file sets that no agent takes.

    A value set explicitly at type level (pydantic's ``model_fields_set``: in the file or a
    file it extends, defaults excluded) is masked when every member of the type overrides it,
    or when the type has no members. Why warn: such a value reads as a setting of the scenario,
    but editing it, ``--set`` on it or a sweep over it changes nothing. A warning rather than an
    error, because the file is still a valid scenario; ``ssr-sim validate`` prints these.
    """
    warnings = []
    for type_name in ACTOR_TYPES:
        block = getattr(scenario.actors, type_name)
        for name in [field for field in type(block).model_fields if field in block.model_fields_set - {"members"}]:
            where = f"{source}: actors.{type_name}.{name} = {getattr(block, name)!r} is set but"
            overriding = overriding_members(block, name)
            if not block.members:
                warnings.append(f"{where} actors.{type_name} has no members, so it has no effect")
            elif len(overriding) == len(block.members):
                warnings.append(f"{where} every member overrides it ({', '.join(overriding)}), so it has no effect")
    return warnings


# --- loading ------------------------------------------------------------------------------
def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key; any other value (lists included) replaces the base value."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _resolve_extends(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    # Messages name the path as the user (or the parent's 'extends') wrote it; the cycle check
    # compares resolved paths.
    resolved = path.resolve()
    if resolved in seen:
        chain = " -> ".join(str(p.name) for p in (*seen, resolved))
        raise ScenarioError(f"{seen[0]}: 'extends' forms a cycle: {chain}")
    data = read_yaml(path)
    if data is None:
        raise ScenarioError(f"{path}: file is empty; a scenario needs at least 'name', 'actors', "
                            "'pillars' and 'strategy'")
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: a scenario must be a mapping of fields, got {type(data).__name__}")
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str) or not parent or "\0" in parent or len(parent) > 1000:
        raise ScenarioError(f"{path}: 'extends' must be a file name such as 'baseline.yaml'")
    return deep_merge(_resolve_extends(path.parent / parent, (*seen, resolved)), data)


def scenario_from_dict(data: Any, source: str | Path = "<scenario>", base_dir: Path | None = None) -> Scenario:
    """Validate an already-parsed scenario mapping (e.g. a sweep's modified copy)."""
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: a scenario must be a mapping of fields, got {type(data).__name__}")
    data = dict(data)
    if "strategy" in data:
        data["strategy"] = load_strategy_source(data["strategy"], base_dir or SCENARIO_DIR, source)
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        raise ScenarioError(format_validation_error(error, source, Scenario)) from None
    except RecursionError:
        raise ScenarioError(f"{source}: scenario nested too deeply") from None


#: A shipped scenario with more agents than this is *large* (``national``, 10^5 agents): it is
#: listed by ``ssr-sim scenarios`` and runs by name, but is left out of what runs every shipped
#: scenario many times (the validation report, the regression record, the tests' loops over
#: shipped scenarios, the app's menu), because one of its runs costs what a hundred of the
#: others' do (docs/performance.md, "Network scale").
LARGE_SCENARIO_ACTORS = 10_000


def shipped_scenario_names(*, large: bool = False) -> list[str]:
    """The shipped scenarios' names (file stems in ``scenarios/``), sorted; the large ones
    (:data:`LARGE_SCENARIO_ACTORS`) only if ``large``."""
    names = sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))
    return names if large else [name for name in names if not _is_large(name)]


@functools.cache
def _is_large(name: str) -> bool:
    """Whether shipped scenario ``name`` has more than :data:`LARGE_SCENARIO_ACTORS` agents
    (counted from its members, without validating it)."""
    actors = load_scenario_data(SCENARIO_DIR / f"{name}.yaml").get("actors", {})
    return sum(member.get("count", 1) for block in actors.values() if isinstance(block, dict)
               for member in block.get("members", []) if isinstance(member, dict)) > LARGE_SCENARIO_ACTORS


def resolve_scenario_path(path: str | Path) -> Path:
    """Accept a path, or the bare name of a shipped scenario ('baseline'). A bare name that is
    neither raises ScenarioError with the closest shipped names ("did you mean")."""
    candidate = Path(path)
    if candidate.exists() or candidate.suffix:
        return candidate
    shipped = SCENARIO_DIR / f"{candidate}.yaml"
    if shipped.exists():
        return shipped
    names = shipped_scenario_names(large=True)
    close = difflib.get_close_matches(str(candidate), names, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    raise ScenarioError(f"{path}: no such file, nor a shipped scenario of that name; {hint}"
                        f"shipped scenarios: {', '.join(names)}")


def load_scenario_data(path: str | Path) -> dict[str, Any]:
    """The scenario's raw mapping with ``extends`` resolved (for sweeps that edit fields)."""
    return _resolve_extends(resolve_scenario_path(path))


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load, resolve ``extends``, apply dotted-path overrides and validate a scenario file."""
    resolved = resolve_scenario_path(path)
    data = _resolve_extends(resolved)
    for dotted, value in (overrides or {}).items():
        data = set_dotted(data, dotted, value, source=resolved)
    return scenario_from_dict(data, resolved, resolved.resolve().parent)


def set_dotted(data: dict[str, Any], dotted: str, value: Any, source: str | Path = "<scenario>") -> dict[str, Any]:
    """Return a copy of ``data`` with ``a.b.c`` set; list items are addressed by index."""
    result = copy.deepcopy(data)
    set_dotted_in_place(result, dotted, value, source)
    return result


def set_dotted_in_place(data: dict[str, Any], dotted: str, value: Any, source: str | Path = "<scenario>") -> None:
    """Set ``a.b.c`` in ``data`` itself (for callers that copied it once and set many paths)."""
    keys = dotted.split(".")
    node: Any = data
    for depth, key in enumerate(keys[:-1]):
        if isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
            continue
        if not isinstance(node, dict):
            raise ScenarioError(f"{source}: cannot set '{dotted}': '{'.'.join(keys[:depth])}' is not a mapping")
        node = node.setdefault(key, {})
    last = keys[-1]
    if isinstance(node, list) and last.isdigit() and int(last) < len(node):
        node[int(last)] = value
    elif isinstance(node, dict):
        node[last] = value
    else:
        raise ScenarioError(f"{source}: cannot set '{dotted}': its parent is not a mapping")
