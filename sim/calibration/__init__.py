"""Calibration by simulation-based inference (issue 10).

- :mod:`sim.calibration.population`: a documented prior over synthetic fragile states
  (``experiments/calibration/population.yaml``) and :func:`draw_countries`;
- :mod:`sim.calibration.targets`: the literature's targets T1-T5 computed the way they were
  published, from a population's runs (``experiments/calibration/targets.yaml``);
- :mod:`sim.calibration.priors`: the prior range of every calibratable mechanism coefficient,
  read from the scenario schema (``sim/scenario.py``);
- :mod:`sim.calibration.screen`: a Morris screen of those coefficients on the targets
  (``python -m sim.calibration.screen``), which picks the ones worth fitting;
- :mod:`sim.calibration.abc`: the calibration file (``experiments/calibration.yaml``), the
  particle simulator and its seeding rule, the distance, and the ABC-SMC run on pyabc;
- :mod:`sim.calibration.run`: ``ssr-sim calibrate`` (new, resumed, dry run);
- :mod:`sim.calibration.report`: the folder's outputs (posterior, diagnostics, figures,
  posterior-predictive table, provenance);
- :mod:`sim.calibration.recovery`: recovery of known values from synthetic data
  (``python -m sim.calibration.recovery``).

docs/calibration.md says what was chosen and why.
"""
