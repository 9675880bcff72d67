"""Print the tables of docs/sequencing.md from the shipped sequencing experiments' results.

    ssr-sim sweep experiments/sequencing.yaml --out results/sequencing/now
    ssr-sim sweep experiments/order_intensity.yaml --out results/order_intensity/now
    ssr-sim sweep experiments/absorptive_capacity.yaml --out results/absorptive_capacity/now
    ssr-sim sweep experiments/adaptation_value.yaml --out results/adaptation_value/now
    ssr-sim sweep experiments/held_values.yaml --out results/held_values/now
    grep -v '^parameters:' experiments/sequencing.yaml > results/sequencing_central.yaml
    ssr-sim sweep results/sequencing_central.yaml --out results/sequencing/central
    python benchmarks/sequencing_figures.py \
        results/{sequencing,order_intensity,absorptive_capacity,adaptation_value,held_values}/now \
        --central results/sequencing/central

Reads each folder's runs.parquet (the sweep engine's table) and prints Markdown: success per
scenario x strategy with Wilson CIs, selected paired differences (Newcombe), best and worst
pillar order per intensity, intensity steps, success and mean reform index against each
absorptive-capacity parameter at x0.5 and x1.5, adaptive minus its twin over monitoring
noise x manipulation, the same against each held calibration coefficient moved, and (with
``--central``: the sequencing experiment without its posterior, the calibrated defaults alone)
which paired differences survive parameter uncertainty. Asserts nothing.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiments.stats import compare_paired, wilson_ci

PAIRS = [("governance_first", "security_first"), ("big_bang", "governance_first"), ("adaptive", "big_bang"),
         ("adaptive", "governance_first"), ("ddr_first", "security_first"), ("ddr_first", "governance_first")]
STRATEGIES = ["status_quo", "big_bang", "governance_first", "security_first", "adaptive", "ddr_first"]


def paired_rate(a: pd.DataFrame, b: pd.DataFrame, column: str = "reform_success") -> str:
    """a − b in a success rate, paired on seeds, with its Newcombe 95 % CI."""
    a, b = a.sort_values("seed"), b.sort_values("seed")
    comparison = compare_paired(a[column].to_numpy(), b[column].to_numpy())
    low, high = comparison.paired_ci
    return f"{comparison.difference:+.1%} [{low:+.1%}, {high:+.1%}]"


def paired_mean(a: pd.Series, b: pd.Series) -> str:
    """Mean of paired differences with a normal 95 % CI."""
    difference = a.to_numpy(float) - b.to_numpy(float)
    half = 1.96 * difference.std(ddof=1) / np.sqrt(len(difference))
    return f"{difference.mean():+.4f} [{difference.mean() - half:+.4f}, {difference.mean() + half:+.4f}]"


def sequencing(runs: pd.DataFrame) -> str:
    rows = []
    for (scenario, strategy), group in runs.groupby(["param.scenario", "param.strategy"]):
        k, n = int(group.reform_success.sum()), len(group)
        low, high = wilson_ci(k, n)
        rows.append({"scenario": scenario, "strategy": strategy, "runs": n,
                     "success (95 % CI)": f"{k / n:.1%} ({low:.1%}-{high:.1%})",
                     "final reform index": f"{group.final_reform_index.mean():.3f}",
                     "relapse within 40 years": f"{group.conflict_relapse.mean():.0%}"})
    pairs = []
    for scenario, group in runs.groupby("param.scenario"):
        for a, b in PAIRS:
            pairs.append({"scenario": scenario, "a − b": f"{a} − {b}",
                          "difference in success (paired 95 % CI)": paired_rate(
                              group[group["param.strategy"] == a], group[group["param.strategy"] == b])})
    return pd.DataFrame(rows).to_markdown(index=False) + "\n\n" + pd.DataFrame(pairs).to_markdown(index=False)


def order_intensity(runs: pd.DataFrame) -> str:
    runs = runs.assign(order=runs["param.strategy"].str.removeprefix("order_").str.replace("_then_", " > "))
    rows = []
    for (scenario, total), group in runs.groupby(["param.scenario", "param.total_effort"]):
        rates = group.groupby("order")["reform_success"].mean().sort_values()
        best, worst = rates.index[-1], rates.index[0]
        rows.append({"scenario": scenario, "total effort": total, "best order": best, "its success": f"{rates[best]:.1%}",
                     "worst order": worst, "its success ": f"{rates[worst]:.1%}",
                     "difference (paired 95 % CI)": paired_rate(group[group.order == best], group[group.order == worst])})
    steps = []
    for scenario, group in runs.groupby("param.scenario"):
        totals = sorted(group["param.total_effort"].unique())
        for low, high in zip(totals, totals[1:]):
            a = group[group["param.total_effort"] == high].sort_values(["order", "seed"])
            b = group[group["param.total_effort"] == low].sort_values(["order", "seed"])
            comparison = compare_paired(a.reform_success.to_numpy(), b.reform_success.to_numpy())
            lo, hi = comparison.paired_ci
            steps.append({"scenario": scenario, "intensity": f"{high:g} vs {low:g}",
                          "success": f"{comparison.p_a:.1%} vs {comparison.p_b:.1%}",
                          "difference (paired 95 % CI)": f"{comparison.difference:+.1%} [{lo:+.1%}, {hi:+.1%}]"})
    return pd.DataFrame(rows).to_markdown(index=False) + "\n\n" + pd.DataFrame(steps).to_markdown(index=False)


def one_at_a_time(runs: pd.DataFrame) -> str:
    """Success and mean reform index per strategy at each point of a list design that moves one
    coefficient at a time (absorptive capacity, held values), labelled by the coefficient moved."""
    overrides = [c for c in runs.columns if c.startswith("param.overrides.")]

    def label(row: pd.Series) -> str:
        for column in overrides:
            if pd.notna(row[column]):
                return f"{column.rsplit('.', 1)[-1]} = {row[column]:g}"
        return "defaults"
    runs = runs.assign(point=runs.apply(label, axis=1))
    tables = []
    for value, title, scale in (("reform_success", "Success (%)", 100), ("reform_index_auc", "Mean reform index (AUC)", 1)):
        table = runs.pivot_table(index=["param.scenario", "point"], columns="param.strategy", values=value,
                                 aggfunc="mean")[[s for s in STRATEGIES if s in set(runs["param.strategy"])]]
        shown = (scale * table).round(0).astype(int) if scale == 100 else table.round(3)
        tables.append(f"{title}:\n\n" + shown.to_markdown())
    return "\n\n".join(tables)


def adaptation(runs: pd.DataFrame) -> str:
    manipulation, noise = "param.overrides.context.indicator_manipulation", "param.overrides.context.monitoring_noise"
    rows = []
    for (scenario, m, n), group in runs.groupby(["param.scenario", manipulation, noise]):
        a = group[group["param.strategy"] == "adaptive"].sort_values("seed")
        b = group[group["param.strategy"] == "big_bang"].sort_values("seed")
        rows.append({"scenario": scenario, "manipulation": m, "noise": n,
                     "final reform index": paired_mean(a.final_reform_index, b.final_reform_index),
                     "reform index AUC": paired_mean(a.reform_index_auc, b.reform_index_auc),
                     "success": paired_rate(a, b)})
    return pd.DataFrame(rows).to_markdown(index=False)


def _oriented(row: pd.Series, suffix: str, sign: int) -> str:
    """A comparisons.csv difference and its paired CI (columns ending in ``suffix``), as a − b
    (sign 1) or b − a (sign −1)."""
    low, high = sorted((sign * row[f"paired_low{suffix}"], sign * row[f"paired_high{suffix}"]))
    return f"{sign * row[f'difference{suffix}']:+.1%} [{low:+.1%}, {high:+.1%}]"


def uncertainty(central: Path, posterior: Path) -> str:
    """Every paired comparison of the sequencing sweep at the calibrated defaults beside the same
    comparison under the posterior (comparisons.csv of each): a difference whose interval excludes
    0 at the defaults *survives* when it survives parameter uncertainty
    (:func:`sim.sweep.survives_parameter_uncertainty`), else it *does not survive*: a finding of
    one parameter set, not of the posterior; the six PAIRS are listed, every pair counted."""
    keys = ["param.scenario", "a", "b"]
    one = pd.read_csv(central / "comparisons.csv").set_index(keys)
    drawn = pd.read_csv(posterior / "comparisons.csv").set_index(keys)
    joined = one.merge(drawn, left_index=True, right_index=True, suffixes=("_central", "_posterior"))

    def verdict(row: pd.Series) -> str:
        at_defaults = row.paired_low_central > 0 or row.paired_high_central < 0
        if row.survives_parameter_uncertainty:
            return "survives" if at_defaults else "appears only under the posterior"
        return "does not survive" if at_defaults else "no difference either way"
    verdicts = joined.apply(verdict, axis=1)
    rows = []
    for (scenario, a, b), row in joined.iterrows():
        if (a, b) not in PAIRS and (b, a) not in PAIRS:
            continue
        flip = (b, a) in PAIRS  # print as the PAIRS name it, a - b
        sign = -1 if flip else 1
        share = row.draws_favouring_corrected
        rows.append({"scenario": scenario, "a − b": f"{b} − {a}" if flip else f"{a} − {b}",
                     "calibrated defaults (paired 95 % CI)": _oriented(row, "_central", sign),
                     "posterior (paired 95 % CI)": _oriented(row, "_posterior", sign),
                     "draws favouring (corrected)": "n/a" if pd.isna(share) else f"{share:.0%}",
                     "parameter share of variance": f"{row.parameter_share:.0%}",
                     "verdict": verdicts[(scenario, a, b)]})
    counts = verdicts.value_counts()
    tally = "; ".join(f"{name}: {counts.get(name, 0)}" for name in
                      ("survives", "does not survive", "appears only under the posterior",
                       "no difference either way"))
    return (pd.DataFrame(rows).to_markdown(index=False)
            + f"\n\nAll {len(verdicts)} pairs of strategies in the {joined.index.get_level_values(0).nunique()} "
              f"scenarios: {tally}.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs=5, type=Path,
                        help="results of sequencing, order_intensity, absorptive_capacity, adaptation_value, "
                             "held_values")
    parser.add_argument("--central", type=Path, default=None,
                        help="results of sequencing.yaml without its parameters: line (the calibrated defaults "
                             "alone), for the table of what parameter uncertainty changes")
    args = parser.parse_args()
    sections = {"sequencing": sequencing, "order x intensity": order_intensity, "absorptive capacity": one_at_a_time,
                "adaptation": adaptation, "held values": one_at_a_time}
    for (title, table), folder in zip(sections.items(), args.folders):
        print(f"## {title} ({folder})\n\n{table(pd.read_parquet(folder / 'runs.parquet'))}\n")
    if args.central is not None:
        print(f"## one parameter set against the posterior ({args.central} against {args.folders[0]})\n\n"
              f"{uncertainty(args.central, args.folders[0])}\n")


if __name__ == "__main__":
    main()
