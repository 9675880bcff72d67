"""Calibration by ABC-SMC (issue 10, items 3-4): the calibration file, the particle simulator,
the distance, and the run (new or resumed) on pyabc's samplers.

    ssr-sim calibrate experiments/calibration.yaml [--out DIR] [--resume DIR] [--workers N]
        [--address A] [--dry-run] [--quiet]

**The simulator.** A particle θ (values of the calibrated mechanism coefficients; every other
coefficient keeps its documented default, ``sim/scenario.py``) is evaluated on its own
synthetic population: ``countries_per_particle`` countries drawn from the population prior
(:func:`sim.calibration.population.draw_countries`), each with θ written in
(:func:`sim.calibration.priors.with_parameters`), run in ONE call of :func:`sim.run_seeds`
(countries that share a layout are stepped in one batch), then every target statistic of
:mod:`sim.calibration.targets` is computed on the country table. Model statistics are the
expected statistics of populations of the published size (102), averaged over the simulated
countries, so more countries a particle means less simulation noise, not a different target.

**Per-particle randomness (the seeding rule).** The particle's countries and run seeds come from
``numpy.random.default_rng([seed, stream, h(θ)])`` where ``h(θ)`` is the first 8 bytes of the
SHA-256 of θ's values written as exact floats in name order (:func:`particle_rng`). So a
simulation is a deterministic function of the master seed and θ, whichever process or machine
runs it, and two particles never share countries by accident. ``stream`` separates uses:
0 for the ABC's particles, :data:`PREDICTIVE_STREAM` + k for the k-th posterior-predictive draw
(a posterior particle resampled twice gets two populations), :data:`TRUTH_STREAM` for a
recovery test's synthetic data, :data:`DRY_RUN_STREAM` for the dry run's timing.

**Common random numbers** (``abc.common_random_numbers: true``). Then every particle of
generation t is evaluated on the same countries and run seeds, ``default_rng([seed,
COMMON_STREAM, t])`` (:func:`generation_rng`), and the next generation on a new population.
Why: a population of 204 countries gives each target statistic a simulation noise of about half
to two thirds of its tolerance (the same coefficients on six populations: bureaucratic quality's
fastest 20 from 22 to 31 years, the declining share from 0.41 to 0.50), so with a population per
particle a generation ranks its particles partly by the luck of their countries, and once
epsilon nears that noise the sampler accepts lucky particles rather than better ones. With one
population a generation, particles differ only by θ: the common-random-numbers practice of
simulation-based estimation (McFadden 1989, Econometrica 57:995, simulated moments with the
draws held fixed across parameter values; Meeds & Welling 2015, NeurIPS, "Optimization Monte
Carlo", ABC with the simulator's random numbers fixed). A new population each generation keeps
the posterior from fitting one population's noise, and the posterior predictive is always
simulated on fresh populations (:mod:`sim.calibration.report`), so what it reports is the
expected statistic, not the fitted population's.

**pyabc's own randomness** (proposals, the sampler) uses numpy's global state: before each
generation t it is seeded with ``SeedSequence([seed, t])`` (:func:`seed_pyabc`). With one worker
(``SingleCoreSampler``) a calibration is therefore reproducible, and a run interrupted after
generation t and resumed is the same as one run straight through (tests/calibration). With
more workers, pyabc's ``MulticoreEvalParallelSampler`` and its Dask sampler reseed every worker
from the operating system (``np.random.seed()`` in ``pyabc.sampler``), so which particles are
proposed differs from run to run; each particle's simulation still follows the rule above.

**The distance** (:class:`TargetDistance`). Each fitted target i gives a miss in units of its
tolerance τ_i (the literature band of ``targets.yaml``): for a two-sided target
r_i = (m_i - o_i) / τ_i, for an ``at_most`` target r_i = max(0, m_i - o_i) / τ_i, for an
``at_least`` one r_i = max(0, o_i - m_i) / τ_i, with m the model value and o the observed
(published) one, so |r_i| <= 1 exactly when the target is met. They are combined as the root
mean square, d = sqrt(mean_i r_i²): d reads as "the typical miss, in tolerances", d <= 1 means
the targets are met on average, and every target counts equally whatever its units and however
many targets a source contributes to. The root mean square rather than the maximum because the
SMC needs a distance that ranks particles by all targets: with the maximum, one target the
model cannot reach would decide every comparison. A constraint (role ``constraint``, a T5
pattern) is not part of the fit: a particle that breaks one is placed beyond every particle
that keeps them, d + :data:`CONSTRAINT_PENALTY`, so the schedule discards it as soon as epsilon
falls below the penalty while the first generations can still rank it. A statistic that cannot
be computed (NaN: e.g. no post-conflict country) gives d = inf.

**The schedule.** Generation 0 is a sample of the prior (epsilon = inf: every particle
accepted, no separate calibration sample); generation t >= 1 accepts within the
``epsilon_quantile`` (default the median) of the previous generation's weighted distances,
computed from the history (:func:`generation_epsilon`). The run stops at ``max_generations``, when epsilon reaches
``minimum_epsilon``, or when the next generation would need more than the evaluations left of
``max_evaluations``: every generation is started while at least ``population_size`` evaluations
are left, and abandoned once it needs more than are left (pyabc's ``min_acceptance_rate``), so a
calibration never costs more than its budget. (Until round 12 a generation was not started when
the last acceptance rate times ``epsilon_quantile`` forecast more than were left; that forecast
overestimated by 1.2-2 times and left a quarter of round 12's budget unspent.)

**Resume.** pyabc writes every finished generation to ``history.db`` (SQLite) in the output
folder. ``--resume DIR`` loads it (``ABCSMC.load``) and runs the generations still missing; a
generation interrupted mid-way (``kill -9``) is sampled again, a finished one never is.

References: Toni et al. (2009), J. R. Soc. Interface 6:187 (ABC-SMC); Beaumont et al. (2009),
Biometrika 96:983 (importance weights); Schälte et al. (2022), Bioinformatics 38:2975 (pyabc).
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import logging
import math
import multiprocessing
import random
import struct
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from ..fields import Name, ScenarioError, Schema
from ..loading import load_validated
from .population import PopulationPrior, draw_population, load_population_prior
from .priors import Prior, parameter_priors
from .sampler import batched_sampler_class, coalesced
from .targets import Target, TargetSet, load_targets, populations_statistics

#: Seed streams (see the module docstring): ABC particles, predictive draws (+ k), synthetic truth, dry run.
ABC_STREAM = 0
PREDICTIVE_STREAM = 1_000
TRUTH_STREAM = 2
DRY_RUN_STREAM = 3
COMMON_STREAM = 4
#: Added to the distance of a particle that breaks a constraint (in tolerances; see the docstring).
CONSTRAINT_PENALTY = 10.0
#: The history's file name inside the output folder (pyabc's SQLite database).
HISTORY_FILE = "history.db"
#: Written when a run stops (budget, minimum epsilon, generations): the reason, and the stopping
#: rules it stopped under (a resume under the same rules runs nothing; under changed ones it goes on).
STOPPED_FILE = "stopped.json"
#: The ``abc`` settings that only decide when a run stops: a resume may change them.
STOPPING_RULES = ("max_generations", "max_evaluations", "minimum_epsilon")
#: The ``abc`` settings that only decide how fast a run goes: a resume may change them too.
EXECUTION_SETTINGS = ("particles_per_batch",)


# --- the calibration file -------------------------------------------------------------------------
class AbcSettings(Schema):
    """ABC-SMC settings (pyabc's ABCSMC and its run)."""

    population_size: int = Field(..., ge=2, le=100_000, description="accepted particles a generation")
    max_generations: int = Field(..., ge=1, le=1_000, description="generations, the prior sample (0) included")
    minimum_epsilon: float = Field(0.0, ge=0.0, description="stop once a generation's epsilon is at or below this")
    max_evaluations: int = Field(..., ge=2, le=10_000_000, description="particle evaluations in all (the budget)")
    epsilon_quantile: float = Field(0.5, gt=0.0, lt=1.0,
                                    description="epsilon of generation t: this weighted quantile of t-1's distances")
    kernel_scale: float = Field(2.0, gt=0.0, le=100.0,
                                description="perturbation covariance: this multiple of the last generation's "
                                            "covariance, weighted as kernel_centres says (2: Beaumont et al. 2009)")
    kernel_centres: Literal["weighted", "equal", "single"] = Field(
        "weighted", description="the perturbation kernel's mixture: centred on the last generation's particles "
                                "by importance weight (pyabc; Beaumont et al. 2009), or equally, with their "
                                "unweighted covariance, or one normal at their weighted mean "
                                "(perturbation_kernel)")
    particles_per_batch: int = Field(1, ge=1, le=64,
                                     description="particles a worker evaluates in one simulator call (larger "
                                                 "batches cost less a particle; the same particles are "
                                                 "accepted: sim/calibration/sampler.py)")
    common_random_numbers: bool = Field(False, description="evaluate every particle of a generation on the same "
                                                           "countries and seeds, a new population each "
                                                           "generation (sim/calibration/abc.py); false: a "
                                                           "population per particle")
    reason: str = Field(..., min_length=1)


class CalibrationFile(Schema):
    """``experiments/calibration.yaml``: what is fitted, to what, and how."""

    description: str = ""
    population: str = Field(..., min_length=1, description="population prior file, relative to this file")
    targets: str = Field(..., min_length=1, description="targets file, relative to this file")
    parameters: list[str] = Field(..., min_length=1, max_length=50,
                                  description="dotted paths of the calibrated coefficients (prior: sim/scenario.py)")
    parameters_reason: str = Field(..., min_length=1)
    fixed: dict[str, float] = Field(default_factory=dict,
                                    description="coefficients held at these values in every particle instead of "
                                                "their documented defaults (dotted path: value inside its prior)")
    fixed_reason: str = ""
    countries_per_particle: int = Field(..., ge=1, le=100_000)
    countries_reason: str = Field(..., min_length=1)
    abc: AbcSettings
    predictive_draws: int = Field(..., ge=2, le=100_000, description="posterior draws simulated for the predictive table")
    seed: int = Field(..., ge=0, le=2**63 - 1)
    held_out: list[Name] = Field(default_factory=list,
                                 description="fitted targets of the targets file held out of this fit (checks)")
    held_out_reason: str = Field(..., min_length=1)


@dataclass(frozen=True)
class Calibration:
    """A checked calibration file with everything it names loaded, and their digests."""

    path: Path
    settings: CalibrationFile
    prior: PopulationPrior
    targets: TargetSet
    priors: tuple[Prior, ...]
    hashes: dict[str, str] = field(default_factory=dict)

    @property
    def fitted(self) -> list[Target]:
        """Targets in the distance: role ``fit`` and not held out."""
        return [t for t in self.targets.targets if t.role == "fit" and t.name not in self.settings.held_out]

    @property
    def held_out(self) -> list[Target]:
        """Targets reported as checks: role ``check``, and fitted ones this file holds out."""
        return [t for t in self.targets.targets if t.role == "check" or t.name in self.settings.held_out]

    @property
    def constraints(self) -> list[Target]:
        return [t for t in self.targets.targets if t.role == "constraint"]

    @property
    def names(self) -> list[str]:
        return [p.path for p in self.priors]

    def plan_digest(self) -> str:
        """SHA-256 of what --resume requires to be unchanged: the population and targets files'
        contents, the calibrated coefficients' prior ranges (sim/scenario.py) and the calibration
        file's settings, except its stopping rules (:data:`STOPPING_RULES`), how fast it runs
        (:data:`EXECUTION_SETTINGS`) and its prose (description and reasons). Raising a stopped
        calibration's budget and resuming it continues the same calibration: its generations so
        far are what a run with the larger budget would have made (the rules only decide when to
        stop), so "give it another hour" needs no new run."""
        settings = self.settings.model_dump(mode="json", exclude={"description", "parameters_reason",
                                                                   "countries_reason", "held_out_reason",
                                                                   "fixed_reason"})
        settings["abc"] = {key: value for key, value in settings["abc"].items()
                           if key not in (*STOPPING_RULES, *EXECUTION_SETTINGS, "reason")}
        plan = {"settings": settings, **{key: self.hashes[key] for key in ("population", "targets", "priors")}}
        return hashlib.sha256(json.dumps(plan, sort_keys=True).encode()).hexdigest()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_calibration(path: str | Path) -> Calibration:
    """Read and check a calibration file and the population and targets files it names; bad input
    raises ScenarioError naming the file and the field (and what is allowed)."""
    path = Path(path)
    settings = load_validated(path, CalibrationFile, "'population', 'targets', 'parameters', 'abc', 'seed', ...")
    files = {}
    for key in ("population", "targets"):
        named = (path.parent / getattr(settings, key)).resolve()
        if not named.is_file():
            raise ScenarioError(f"{path}: {key} = '{getattr(settings, key)}': no such file ({named})")
        files[key] = named
    prior = load_population_prior(files["population"])
    targets = load_targets(files["targets"])
    known = {p.path: p for p in parameter_priors()}
    chosen = []
    for position, name in enumerate(settings.parameters):
        if name not in known:
            close = [p for p in known if fnmatch.fnmatchcase(p, f"*{name.rsplit('.', 1)[-1]}*")][:3]
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise ScenarioError(f"{path}: parameters.{position} = '{name}' is not a calibratable coefficient "
                                f"(allowed: a mechanisms.<block>.<field> with a prior in sim/scenario.py){hint}")
        if name in settings.parameters[:position]:
            raise ScenarioError(f"{path}: parameters.{position} = '{name}' is listed twice")
        chosen.append(known[name])
    for name, value in settings.fixed.items():
        if name not in known:
            raise ScenarioError(f"{path}: fixed.{name} is not a calibratable coefficient "
                                "(allowed: a mechanisms.<block>.<field> with a prior in sim/scenario.py)")
        if name in settings.parameters:
            raise ScenarioError(f"{path}: fixed.{name} is also in parameters; a coefficient is fitted or fixed")
        if not known[name].low <= value <= known[name].high:
            raise ScenarioError(f"{path}: fixed.{name} = {value:g} is outside its prior "
                                f"({known[name].low:g} to {known[name].high:g}); allowed: a value inside it")
    if settings.fixed and not settings.fixed_reason.strip():
        raise ScenarioError(f"{path}: fixed_reason is missing: say why these coefficients are held at these values")
    by_name = {t.name: t for t in targets.targets}
    for position, name in enumerate(settings.held_out):
        if name not in by_name:
            raise ScenarioError(f"{path}: held_out.{position} = '{name}' is not a target of {files['targets']}; "
                                f"allowed: {', '.join(t.name for t in targets.targets if t.role == 'fit')}")
        if by_name[name].role != "fit":
            raise ScenarioError(f"{path}: held_out.{position} = '{name}' has role '{by_name[name].role}' in "
                                f"{files['targets']}; only a fitted target can be held out (a check already is)")
    priors = json.dumps([[p.path, p.low, p.high] for p in chosen]).encode()
    calibration = Calibration(path, settings, prior, targets, tuple(chosen),
                              {"calibration": _sha256(path), "population": _sha256(files["population"]),
                               "targets": _sha256(files["targets"]), "priors": hashlib.sha256(priors).hexdigest()})
    if not calibration.fitted:
        raise ScenarioError(f"{path}: held_out: every fitted target is held out; at least one must be fitted")
    if not calibration.held_out:
        raise ScenarioError(f"{path}: held_out: no target is held out of the fit (the targets file has no "
                            "check); name at least one fitted target to report as a check")
    if settings.countries_per_particle < targets.population_size:
        raise ScenarioError(f"{path}: countries_per_particle = {settings.countries_per_particle} is below the "
                            f"targets' population size ({targets.population_size}); allowed: at least that")
    if settings.abc.max_evaluations < settings.abc.population_size:
        raise ScenarioError(f"{path}: abc.max_evaluations = {settings.abc.max_evaluations} is below "
                            f"abc.population_size ({settings.abc.population_size}): not even generation 0 fits")
    return calibration


# --- seeding and the simulator --------------------------------------------------------------------
def parameter_hash(values: Mapping[str, float]) -> int:
    """h(θ): the first 8 bytes of SHA-256 over θ's (name, value) pairs in name order, each value as
    its exact IEEE-754 double, as an unsigned integer."""
    digest = hashlib.sha256()
    for name in sorted(values):
        digest.update(name.encode())
        digest.update(struct.pack("<d", float(values[name])))
    return int.from_bytes(digest.digest()[:8], "little")


def particle_rng(seed: int, values: Mapping[str, float], stream: int = ABC_STREAM) -> np.random.Generator:
    """The generator a particle's population is drawn from: ``default_rng([seed, stream, h(θ)])``."""
    return np.random.default_rng([seed, stream, parameter_hash(values)])


def generation_rng(seed: int, generation: int) -> np.random.Generator:
    """The generator of the population every particle of ``generation`` shares under common
    random numbers: ``default_rng([seed, COMMON_STREAM, generation])``."""
    return np.random.default_rng([seed, COMMON_STREAM, generation])


def seed_pyabc(seed: int, generation: int) -> None:
    """Seed the global generators pyabc draws proposals from, for one generation:
    ``SeedSequence([seed, generation])`` (see the module docstring for what this makes reproducible)."""
    state = np.random.SeedSequence([seed, generation]).generate_state(2)
    np.random.seed(int(state[0]))
    random.seed(int(state[1]))


class ParticleSimulator:
    """pyabc's model: θ (a dict of coefficient values) -> every target statistic (a dict).

    ``counter`` (a ``multiprocessing.Value`` shared with forked workers) counts evaluations for the
    progress display; None where workers do not share memory (Dask). ``generation``, when set,
    makes every evaluation use that generation's common population (:func:`generation_rng`);
    unset, each θ gets its own (:func:`particle_rng`)."""

    def __init__(self, calibration: Calibration, stream: int = ABC_STREAM, counter: Any = None):
        self.prior = calibration.prior
        self.targets = calibration.targets
        self.countries = calibration.settings.countries_per_particle
        self.seed = calibration.settings.seed
        self.fixed = dict(calibration.settings.fixed)
        self.stream = stream
        self.counter = counter
        self.generation: int | None = None

    def __call__(self, parameters: Mapping[str, float]) -> dict[str, float]:
        """One particle; inside a batching sampler's round (:mod:`sim.calibration.sampler`), run
        together with the round's other particles."""
        return coalesced(self.evaluate_many, parameters)

    def evaluate_many(self, particles: Sequence[Mapping[str, float]]) -> list[dict[str, float]]:
        """Several particles in one :func:`sim.run_seeds` call, each on the population it would
        have alone (under common random numbers the generation's, drawn once), so each gets the
        statistics it would get alone. A particle's population is drawn from its fitted
        coefficients only: a draw that also names a held (``fixed``) one, at its held value or
        another, runs on the same countries."""
        values = [{name: float(value) for name, value in particle.items()} for particle in particles]
        if self.generation is None:
            populations = [draw_population(self.prior, self.countries, particle_rng(
                self.seed, {name: value for name, value in v.items() if name not in self.fixed}, self.stream))
                for v in values]
        else:
            populations = [draw_population(self.prior, self.countries, generation_rng(self.seed, self.generation))]
            populations *= len(values)
        statistics = populations_statistics([(drawn, seeds, {**self.fixed, **v})
                                             for (drawn, seeds), v in zip(populations, values)], self.targets)
        if self.counter is not None:
            with self.counter.get_lock():
                self.counter.value += len(values)
        return [{name: statistic.value for name, statistic in result.items()} for result in statistics]

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "counter": None}  # a shared counter does not travel to another machine


# --- the distance ---------------------------------------------------------------------------------
def scaled_miss(target: Target, model: float, observed: float) -> float:
    """r: the target's miss in units of its tolerance, signed for a two-sided target, 0 on the
    allowed side of a one-sided one; |r| <= 1 exactly when the target is met (Target.inside)."""
    excess = model - observed
    if target.direction == "at_most":
        excess = max(0.0, excess)
    elif target.direction == "at_least":
        excess = min(0.0, excess)
    if target.tolerance == 0:
        return 0.0 if excess == 0 else math.copysign(math.inf, excess)
    return excess / target.tolerance


class TargetDistance:
    """d(x, x0) = sqrt(mean over fitted targets of r_i²) (+ CONSTRAINT_PENALTY if a constraint is
    broken); see the module docstring. ``x0`` holds the observed values of the fitted targets;
    constraints are checked against their published bounds."""

    def __init__(self, fitted: Sequence[Target], constraints: Sequence[Target] = ()):
        if not fitted:
            raise ValueError("a distance needs at least one fitted target")
        self.fitted = list(fitted)
        self.constraints = list(constraints)

    def misses(self, x: Mapping[str, float], x0: Mapping[str, float]) -> dict[str, float]:
        return {t.name: scaled_miss(t, float(x[t.name]), float(x0[t.name])) for t in self.fitted}

    def breaks_constraint(self, x: Mapping[str, float]) -> bool:
        return any(not t.inside(float(x[t.name])) for t in self.constraints)

    def __call__(self, x: Mapping[str, float], x0: Mapping[str, float]) -> float:
        misses = np.array(list(self.misses(x, x0).values()), dtype=float)
        if not np.all(np.isfinite(misses)):
            return math.inf
        distance = float(np.sqrt(np.mean(misses**2)))
        return distance + CONSTRAINT_PENALTY if self.breaks_constraint(x) else distance


def published_values(calibration: Calibration) -> dict[str, float]:
    """The observed data: every target's published value, by name."""
    return {t.name: float(t.published) for t in calibration.targets.targets}


# --- running --------------------------------------------------------------------------------------
@dataclass
class RunReport:
    """What a (possibly resumed) run did."""

    generations_before: int
    generations_after: int
    evaluations_now: int
    seconds: float
    stop_reason: str


def _prior_distribution(calibration: Calibration):
    import pyabc

    return pyabc.Distribution(**{p.path: pyabc.RV("uniform", p.low, p.high - p.low) for p in calibration.priors})


def make_sampler(workers: int, address: str | None, particles_per_batch: int = 1):
    """pyabc's sampler: one worker in this process, ``workers`` forked processes, or a Dask cluster,
    each evaluating ``particles_per_batch`` particles in one simulator call
    (:mod:`sim.calibration.sampler`)."""
    import pyabc

    if address is not None:
        from distributed import Client

        base, kwargs = pyabc.sampler.DaskDistributedSampler, {"dask_client": Client(address),
                                                              "batch_size": particles_per_batch}
    elif workers == 1:
        base, kwargs = pyabc.sampler.SingleCoreSampler, {"check_max_eval": True}
    else:
        base, kwargs = pyabc.sampler.MulticoreEvalParallelSampler, {"n_procs": workers, "check_max_eval": True}
    if particles_per_batch == 1:
        return base(**kwargs)
    return batched_sampler_class(base)(particles_per_batch=particles_per_batch, **kwargs)


class _EvaluationBar:
    """A tqdm bar of particle evaluations, fed from a counter the workers increment (polled in a
    thread, since pyabc blocks until a generation is done) or, without one, after each generation."""

    def __init__(self, total: int, enabled: bool, shared: bool):
        from tqdm import tqdm

        self.counter = multiprocessing.get_context("fork").Value("q", 0) if shared else None
        self.start = 0
        self.bar = tqdm(total=total, desc="ABC evaluations", unit="eval", disable=not enabled)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True) if shared else None
        if self._thread:
            self._thread.start()

    def _poll(self) -> None:
        while not self._stop.wait(0.5):
            if self.bar.n != self.start + self.counter.value:
                self.bar.n = self.start + self.counter.value
                self.bar.refresh()

    def generation_done(self, total_evaluations: int, postfix: dict[str, str]) -> None:
        if self.counter is not None:
            self.start = total_evaluations - self.counter.value  # abandoned evaluations are not in the history
        self.bar.n = total_evaluations
        self.bar.set_postfix(postfix, refresh=True)

    def close(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()
        self.bar.close()


def generation_epsilon(history, generation: int, settings: AbcSettings) -> float:
    """Epsilon of ``generation``: inf for generation 0 (the prior sample), else the weighted
    ``epsilon_quantile`` of the stored distances of the generation before (pyabc's
    ``weighted_quantile``, as its ``QuantileEpsilon`` computes it; :func:`sim.calibration.report.weighted_quantile`).

    Computed here from the history, and handed to pyabc as the initial epsilon of a one-generation
    ``run``, so a run straight through and a resumed one take the same value by the same code:
    pyabc's own ``from_sample`` initialisation caches the first population it reads on the ABCSMC
    object, so after a resume every later generation would reuse the first epsilon."""
    from .report import weighted_quantile

    if generation == 0:
        return math.inf
    previous = history.get_weighted_distances(t=generation - 1)
    return weighted_quantile(previous["distance"], previous["w"], settings.epsilon_quantile)


def generation_table(history) -> pd.DataFrame:
    """One row per finished generation: epsilon, evaluations, accepted, acceptance rate, effective
    sample size (Kish: (Σw)²/Σw²) and wall time."""
    from pyabc.weighted_statistics import effective_sample_size

    populations = history.get_all_populations()
    populations = populations[populations["t"] >= 0].sort_values("t")
    rows = []
    for row in populations.itertuples():
        _, weights = history.get_distribution(m=0, t=int(row.t))
        rows.append({"generation": int(row.t), "epsilon": float(row.epsilon), "evaluations": int(row.samples),
                     "accepted": int(row.particles), "acceptance_rate": row.particles / row.samples,
                     "effective_sample_size": float(effective_sample_size(weights)),
                     "wall_seconds": float(row.wall_time) if row.wall_time is not None else math.nan})
    return pd.DataFrame(rows, columns=["generation", "epsilon", "evaluations", "accepted", "acceptance_rate",
                                       "effective_sample_size", "wall_seconds"])


def _no_bandwidth_factor(effective_sample_size: float, dimension: int) -> float:
    return 1.0


def perturbation_kernel(scale: float, centres: Literal["weighted", "equal", "single"] = "weighted"):
    """The particles' perturbation: a mixture of multivariate normals centred on the last
    generation's particles, with ``scale`` times their covariance.

    Beaumont, Cornuet, Marin & Robert (2009) derive twice the covariance as the kernel that
    minimises the Kullback-Leibler divergence between successive generations. pyabc's default
    shrinks the covariance by Silverman's rule instead (a factor of about 0.45 in 11 dimensions
    with 80 particles), a density estimator's bandwidth: the narrower kernel left proposals in the
    sparse parts of the population with large importance weights, and the second and third runs'
    effective sample sizes fell to 3-23 of 80 (docs/calibration.md).

    ``centres="weighted"`` (pyabc's rule): a particle is a centre with its importance weight, and
    the covariance is weighted. Once a few particles carry most of the weight, that proposal is
    a few narrow normals around them; the particles it then accepts away from them get the
    largest weights, and the next proposal narrows again (rounds 9 and 11, docs/calibration.md:
    the heaviest new particles lay at 2-3 times the median Mahalanobis distance from the
    weighted mean). ``centres="equal"``: every accepted particle is a centre with the same
    weight and the covariance is unweighted, so the proposal follows the whole accepted set.
    ``centres="single"``: no mixture, one normal at the weighted mean with ``scale`` times the
    weighted covariance (:class:`sim.calibration.kernels.SingleNormalTransition`), since a mixture
    of a few dozen normals in 13 dimensions gives uneven weights however wide its normals are
    (docs/calibration.md, "Why the weights collapse").
    Each is a valid importance-sampling proposal: pyabc weighs each new particle by
    prior / this proposal's density, whichever it is."""
    import pyabc

    if centres == "equal":
        from .kernels import EqualCentresNormalTransition

        return EqualCentresNormalTransition(scaling=scale, bandwidth_selector=_no_bandwidth_factor)
    if centres == "single":
        from .kernels import SingleNormalTransition

        return SingleNormalTransition(scaling=scale)
    return pyabc.MultivariateNormalTransition(scaling=scale, bandwidth_selector=_no_bandwidth_factor)


def run_abc(calibration: Calibration, out: Path, *, workers: int = 1, address: str | None = None,
            resume: bool = False, observed: Mapping[str, float] | None = None, enforce_constraints: bool = True,
            progress: bool = True) -> RunReport:
    """Run (or continue) the ABC-SMC in ``out``: generations until a stopping rule holds.

    ``observed`` replaces the published values (a recovery test's synthetic data);
    ``enforce_constraints=False`` leaves the constraints out of the distance (synthetic data
    need not meet the published patterns)."""
    import pyabc

    logging.getLogger("ABC").setLevel(logging.WARNING)  # the progress bar says what pyabc's INFO lines say
    settings = calibration.settings.abc
    stopped = out / STOPPED_FILE
    db = f"sqlite:///{(out / HISTORY_FILE).resolve()}"
    distance = TargetDistance(calibration.fitted, calibration.constraints if enforce_constraints else ())
    shared = address is None
    started = time.perf_counter()
    rules = {key: getattr(settings, key) for key in STOPPING_RULES}
    if resume and stopped.is_file():
        record = json.loads(stopped.read_text(encoding="utf-8"))
        if record.get("rules") == rules:  # stopped under these rules: nothing is left to run
            count = pyabc.History(db, create=False).max_t + 1
            return RunReport(count, count, 0, 0.0, record["reason"])
    if not resume:
        out.mkdir(parents=True, exist_ok=True)
    abc_sampler = make_sampler(workers, address, settings.particles_per_batch)
    x0 = dict(observed) if observed is not None else published_values(calibration)
    bar = None
    try:
        evaluated_before = 0
        bar = _EvaluationBar(settings.max_evaluations, progress, shared)
        simulator = ParticleSimulator(calibration, ABC_STREAM, bar.counter)
        abc = pyabc.ABCSMC(simulator, _prior_distribution(calibration), distance,
                           population_size=settings.population_size, sampler=abc_sampler,
                           transitions=perturbation_kernel(settings.kernel_scale, settings.kernel_centres))
        if resume:
            abc.load(db, 1)
        else:
            abc.new(db, x0, meta_info={"calibration": str(calibration.path), "plan_sha256": calibration.plan_digest(),
                                       "seed": calibration.settings.seed})
        history = abc.history
        before = history.max_t + 1
        evaluated_before = history.total_nr_simulations
        bar.generation_done(evaluated_before, {})
        reason = ""
        while not reason:
            done = history.max_t + 1
            remaining = settings.max_evaluations - history.total_nr_simulations
            table = generation_table(history) if done else None
            if done >= settings.max_generations:
                reason = f"max_generations ({settings.max_generations}) reached"
            elif table is not None and table["epsilon"].iloc[-1] <= settings.minimum_epsilon:
                reason = f"epsilon {table['epsilon'].iloc[-1]:.3g} at or below minimum_epsilon"
            elif remaining < settings.population_size:
                reason = f"budget: {remaining} evaluations left of max_evaluations, fewer than a generation needs"
            if reason:
                break
            seed_pyabc(calibration.settings.seed, done)
            if settings.common_random_numbers:
                simulator.generation = done
            abc.eps = pyabc.epsilon.QuantileEpsilon(initial_epsilon=generation_epsilon(history, done, settings),
                                                    alpha=settings.epsilon_quantile)
            abc.run(max_nr_populations=1, min_acceptance_rate=settings.population_size / remaining)
            history = abc.history
            if history.max_t + 1 == done:
                reason = (f"budget: generation {done} would have needed more than the {remaining} evaluations left "
                          "of max_evaluations; abandoned")
                break
            row = generation_table(history).iloc[-1]
            bar.generation_done(history.total_nr_simulations,
                                {"gen": str(int(row.generation)), "eps": f"{row.epsilon:.3g}",
                                 "acc": f"{row.acceptance_rate:.2f}", "ess": f"{row.effective_sample_size:.0f}"})
        stopped.write_text(json.dumps({"reason": reason, "rules": rules}), encoding="utf-8")
        return RunReport(before, history.max_t + 1, history.total_nr_simulations - evaluated_before,
                         time.perf_counter() - started, reason)
    finally:
        if bar is not None:
            bar.close()
        if address is not None:
            abc_sampler.client.close()


def load_history(out: Path):
    """The pyabc History of a calibration folder (read-only use)."""
    import pyabc

    return pyabc.History(f"sqlite:///{(out / HISTORY_FILE).resolve()}", create=False)
