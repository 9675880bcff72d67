"""Record (or compare) the numbers every shipped scenario x strategy gives over a range of seeds.

    python tests/regression/record.py            # write tests/regression/golden.json.gz
    python tests/regression/record.py --check    # compare this checkout with the recorded file

What is recorded, per scenario x strategy x seed: the run summary, the events, and every
indicator of the full monthly record (ReformModel with collect_all). Summary floats are kept as
their exact ``repr`` and each series as a sha256 of its bytes, so ``--check`` compares bit for bit. A deliberate change of numbers rewrites
this file in its own, explained commit.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import math
import sys
from pathlib import Path

import numpy as np

GOLDEN = Path(__file__).with_name("golden.json.gz")
SEEDS = range(4)
YEARS = 40


def _exact(value):
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (np.floating,)):
        return repr(float(value))
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, dict):
        return {k: _exact(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_exact(v) for v in value]
    return value


def record_one(scenario: str, strategy: str, seed: int) -> dict:
    from sim import ReformModel
    model = ReformModel(scenario, strategy=strategy, rng=seed).run()
    frame = model.datacollector.get_model_vars_dataframe()
    return {
        "summary": _exact(model.summary()),
        "events": _exact([list(e) for e in model.events]),
        # A digest of each monthly series' exact bytes: bit-for-bit comparable, and small.
        "series": {name: hashlib.sha256(np.ascontiguousarray(frame[name].to_numpy(dtype=float)).tobytes()).hexdigest()
                   for name in frame.columns},
    }


def record_all() -> dict:
    from sim.scenario import shipped_scenario_names
    from sim.strategy import shipped_strategies
    out = {}
    for scenario in shipped_scenario_names():
        for strategy in shipped_strategies():
            for seed in SEEDS:
                out[f"{scenario}/{strategy}/{seed}"] = record_one(scenario, strategy, seed)
    return out


def compare(recorded: dict, current: dict) -> list[str]:
    problems = []
    for key in sorted(set(recorded) | set(current)):
        if key not in current or key not in recorded:
            problems.append(f"{key}: only in {'recorded' if key in recorded else 'current'}")
            continue
        a, b = recorded[key], current[key]
        if a["summary"] != b["summary"]:
            diff = [k for k in set(a["summary"]) | set(b["summary"]) if a["summary"].get(k) != b["summary"].get(k)]
            problems.append(f"{key}: summary differs in {sorted(diff)}")
        if a["events"] != b["events"]:
            problems.append(f"{key}: events differ")
        for name in set(a["series"]) | set(b["series"]):
            if a["series"].get(name) != b["series"].get(name):
                problems.append(f"{key}: series {name} differs")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the recorded file instead of writing it")
    args = parser.parse_args()
    current = record_all()
    if args.check:
        recorded = json.loads(gzip.decompress(GOLDEN.read_bytes()))
        problems = compare(recorded, current)
        print("\n".join(problems[:60]) or f"identical: {len(current)} runs")
        return 1 if problems else 0
    GOLDEN.write_bytes(gzip.compress(json.dumps(current, sort_keys=True).encode(), mtime=0))
    print(f"recorded {len(current)} runs to {GOLDEN}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
