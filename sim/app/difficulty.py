"""How hard each shipped scenario is, and which one a workshop starts on.

Measured, not guessed: every shipped strategy run on every shipped scenario over seeds
0-99 with ``sim.run_seeds(sim.resolve_scenario(scenario, strategy), range(100))``, counting
the runs that meet the success rule (``model.summary()["reform_success"]``). The rates are
stored here because measuring them takes about half a minute, too long for the app to wait
on; ``python -m sim.app.difficulty`` measures them again and prints the table to paste in
after a change to the model (``tests/app/test_difficulty.py`` fails while they are stale).

A scenario's difficulty is named after its *best* reform strategy's success rate (the
status quo, no donor programme, is left out: it is the counterfactual, and succeeds only where
a willing government reforms by itself, as in ``reforming_state``). The
workshop starts on the scenario where the choice of strategy matters most: where the reform
strategies' success rates differ most, so a room's decisions can change its result.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from sim import resolve_scenario, run_seeds

from .setup import SHIPPED_SCENARIOS, SHIPPED_STRATEGIES

MEASURED_SEEDS = range(100)
NO_REFORM_STRATEGY = "status_quo"

#: Share of runs that succeed, per scenario and strategy, over MEASURED_SEEDS
#: (printed by ``python -m sim.app.difficulty``).
SUCCESS_RATES: dict[str, dict[str, float]] = {
    "baseline": {"adaptive": 0.64, "big_bang": 0.6, "ddr_first": 0.48, "governance_first": 0.7,
                 "security_first": 0.41, "status_quo": 0.0},
    "captured_state": {"adaptive": 0.0, "big_bang": 0.0, "ddr_first": 0.0, "governance_first": 0.0,
                       "security_first": 0.0, "status_quo": 0.0},
    "donor_surge": {"adaptive": 0.85, "big_bang": 0.81, "ddr_first": 0.78, "governance_first": 0.91,
                    "security_first": 0.73, "status_quo": 0.0},
    "post_conflict": {"adaptive": 0.11, "big_bang": 0.11, "ddr_first": 0.04, "governance_first": 0.2,
                      "security_first": 0.02, "status_quo": 0.0},
    "reforming_state": {"adaptive": 1.0, "big_bang": 1.0, "ddr_first": 1.0, "governance_first": 1.0,
                        "security_first": 0.98, "status_quo": 0.9},
}

#: (upper bound on the best reform strategy's success rate, word), easiest last.
DIFFICULTY_WORDS: tuple[tuple[float, str], ...] = ((0.10, "very hard"), (0.50, "hard"), (0.90, "moderate"),
                                                  (float("inf"), "easy"))


def measure_success_rates(scenarios: Iterable[str] = SHIPPED_SCENARIOS,
                          seeds: Iterable[int] = MEASURED_SEEDS) -> dict[str, dict[str, float]]:
    """Share of successful runs of each shipped strategy on each of these scenarios."""
    seeds = list(seeds)
    return {scenario: {strategy: float(np.mean([summary["reform_success"] for summary in
                                                run_seeds(resolve_scenario(scenario, strategy), seeds).summaries]))
                       for strategy in SHIPPED_STRATEGIES}
            for scenario in scenarios}


def reform_rates(rates: Mapping[str, float]) -> list[float]:
    """The success rates of the strategies that reform (all but the status quo)."""
    return [rate for strategy, rate in rates.items() if strategy != NO_REFORM_STRATEGY]


def difficulty(scenario: str, table: Mapping[str, Mapping[str, float]] = SUCCESS_RATES) -> str | None:
    """A short label, e.g. "hard (15–25 %)": the word for the best reform strategy's success
    rate and the range of the reform strategies' rates. None for an unmeasured scenario."""
    if scenario not in table:
        return None
    rates = reform_rates(table[scenario])
    best = max(rates)
    word = next(word for bound, word in DIFFICULTY_WORDS if best < bound)
    low, high = round(100 * min(rates)), round(100 * best)
    share = f"{high} %" if low == high else f"{low}–{high} %"
    return f"{word} ({share})"


def where_choices_matter_most(table: Mapping[str, Mapping[str, float]] = SUCCESS_RATES) -> str:
    """The scenario whose reform strategies' success rates differ most (best minus worst)."""
    return max(table, key=lambda scenario: max(reform_rates(table[scenario])) - min(reform_rates(table[scenario])))


DEFAULT_WORKSHOP_SCENARIO = where_choices_matter_most()


def _print_table() -> None:
    print(f"# success rate over seeds {MEASURED_SEEDS.start}-{MEASURED_SEEDS.stop - 1}")
    print("SUCCESS_RATES = {")
    for scenario, rates in measure_success_rates().items():
        print(f"    {scenario!r}: {rates!r},")
    print("}")


if __name__ == "__main__":
    _print_table()
